#!/usr/bin/env bash
# Where the instructions of a borrow go: runs each access variant under
# valgrind's callgrind (perf counters are not available on every machine)
# and prints the instructions executed per access, in total and per
# function, counted only inside the measured code (the native loop, or the
# addon's call_* function for the JS-call-level variants).
#   bench/profile.sh [N]    (N accesses per variant, default 20000)
# Needs valgrind (./dev installs it) and the bench addon (bench/build.sh).
set -uo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${EXTREF_ROOT:-$(dirname "$BENCH")}"
export PKG_CONFIG_PATH="${PKG_CONFIG_PATH:-$ROOT/_stage/lib/pkgconfig}"
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-$ROOT/_stage/lib}"
N="${1:-20000}"
if ! command -v valgrind >/dev/null; then
  echo "profile: valgrind is missing (./dev installs it)"; exit 1
fi
BENCH_NO_PEERS=1 "$BENCH/build.sh" || exit 1
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# name|mode|what|function to collect in
variants="bare get (loop)|loop|0|loop
type-tag check + get (loop)|loop|1|loop
ref + release, thread-bound (loop)|loop|2|loop
mut_ref + release, thread-bound (loop)|loop|3|loop
ref + release, SEND (loop)|loop|4|loop
clone_out 64 B (loop)|loop|10|loop
minimal model, not libextref (loop)|loop|13|loop
call: bare get + read|call|Bare|call_bare
call: bare get, one more call level|call|BareNested|call_bare_nested
call: minimal model, not libextref|call|Lean|call_lean
call: ref + read + release|call|Ref|call_ref
call: mut_ref + write + release|call|Mut|call_mut"

run() {
  local i="$1" mode="$2" what="$3" fn="$4"
  valgrind --tool=callgrind --toggle-collect="$fn" \
    --callgrind-out-file="$tmp/cg.$i" \
    node "$BENCH/profile.js" "$mode" "$what" "$N" >"$tmp/log.$i" 2>&1
}

# Two at a time: the machine's cores are shared.
i=0
while IFS='|' read -r name mode what fn; do
  run "$i" "$mode" "$what" "$fn" &
  i=$((i + 1))
  [ $((i % 2)) -eq 0 ] && wait
done <<<"$variants"
wait

i=0
while IFS='|' read -r name mode what fn; do
  f="$tmp/cg.$i"
  if [ ! -s "$f" ]; then
    echo "$name: callgrind failed:"; tail -5 "$tmp/log.$i"
    i=$((i + 1)); continue
  fi
  total="$(sed -n 's/^summary: //p' "$f")"
  printf '%-40s %7.1f instructions per access\n' "$name" \
    "$(awk -v t="$total" -v n="$N" 'BEGIN { print t / n }')"
  # The function table: "count (pct)  file:function [object]"; inlined
  # parts (file internal.h) are added to the function they are inlined in.
  callgrind_annotate --threshold=100 --auto=no "$f" 2>/dev/null |
    awk -v n="$N" '/file:function/ { on = 1; next }
      on && /^ *[0-9,]+ / {
        c = $1; gsub(",", "", c)
        line = $0; sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, "", line)
        sub(/ \[[^]]*\]$/, "", line)
        obj = line; sub(/:.*/, "", obj)
        fn = substr(line, length(obj) + 2)
        sum[fn] += c }
      END { for (fn in sum) if (sum[fn] / n >= 0.5)
              printf "    %6.1f  %s\n", sum[fn] / n, fn }' | sort -rn
  i=$((i + 1))
done <<<"$variants"
