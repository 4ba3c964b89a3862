#!/usr/bin/env bash
# Compile-fail tests of extref.hpp, run by tests/suites/21-cpp.sh; also
# runnable alone: compile_fail.sh [OUTDIR] (CXX_FLAGS_INC: the -I/-isystem
# flags for extref.hpp and <node_api.h>; defaults to this tree's).
#
# Every compile_fail/*.cc marks the one line that must not compile with
# `// ERROR` and names the diagnostic it expects in `// expect: ERE`. It
# must fail with g++ and with clang++, with an error at that line matching
# the ERE. With -DCONTROL the line is replaced by the safe spelling: all
# controls are built into one translation unit per compiler (controls.cc
# wraps each file in its own namespace), with -Wall -Wextra -pedantic
# -Werror, and must compile. Prints one "ok:"/"FAIL:" line per case and a
# summary.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
CF="$HERE/compile_fail"
OUT="${1:-$(mktemp -d)}"
rm -rf "$OUT" && mkdir -p "$OUT"
read -r -a INC <<<"${CXX_FLAGS_INC:--I$ROOT/include -isystem /usr/include/node}"
FLAGS=(-std=c++17 "${INC[@]}" -I"$CF" -fsyntax-only)
WARN=(-Wall -Wextra -pedantic -Werror)

# One translation unit with every control, each in its own namespace.
{
  echo '#include "common.hpp"'
  for f in "$CF"/*.cc; do
    b="$(basename "$f" .cc)"
    printf 'namespace cf_%s {\n#include "%s"\n}\n' "$b" "$f"
  done
} >"$OUT/controls.cc"

jobs_file="$OUT/jobs"
: >"$jobs_file"
for cxx in g++ clang++; do
  echo "$cxx control $OUT/controls.cc" >>"$jobs_file"
  for f in "$CF"/*.cc; do echo "$cxx fail $f" >>"$jobs_file"; done
done
run() { # CXX MODE FILE
  local log="$OUT/$(basename "$3" .cc).$1.$2"
  if [ "$2" = control ]; then
    "$1" "${FLAGS[@]}" "${WARN[@]}" -DCONTROL "$3" >"$log.log" 2>&1
  else
    "$1" "${FLAGS[@]}" "$3" >"$log.log" 2>&1
  fi
  echo $? >"$log.rc"
}
export -f run
export OUT FLAGS_S="${FLAGS[*]}" WARN_S="${WARN[*]}"
xargs -P 2 -L 1 bash -c \
  'read -r -a FLAGS <<<"$FLAGS_S"; read -r -a WARN <<<"$WARN_S"; run "$@"' _ \
  <"$jobs_file"

P=0 F=0
ok() { P=$((P + 1)); echo "ok: $*"; }
ko() { F=$((F + 1)); echo "FAIL: $*"; }
for cxx in g++ clang++; do
  if [ "$(cat "$OUT/controls.$cxx.control.rc")" = 0 ]; then
    ok "compile_controls_$cxx"
  else
    ko "compile_controls_$cxx"
    grep -E 'error' "$OUT/controls.$cxx.control.log" | head -15 |
      sed 's/^/    /'
  fi
  for f in "$CF"/*.cc; do
    b="$(basename "$f" .cc)"
    log="$OUT/$b.$cxx.fail"
    line="$(grep -n '// ERROR' "$f" | head -1 | cut -d: -f1)"
    want="$(sed -nE 's|^// expect: (.*)$|\1|p' "$f" | head -1)"
    if [ -z "$line" ] || [ -z "$want" ]; then
      ko "compile_fail_${b}_$cxx (no // ERROR line or // expect:)"
    elif [ "$(cat "$log.rc")" = 0 ]; then
      ko "compile_fail_${b}_$cxx (it compiled)"
    elif ! grep -qE "$b\\.cc:$line:[0-9]+: error" "$log.log"; then
      ko "compile_fail_${b}_$cxx (no error at line $line)"
      grep -E 'error' "$log.log" | head -5 | sed 's/^/    /'
    elif ! grep -qE -- "$want" "$log.log"; then
      ko "compile_fail_${b}_$cxx (no diagnostic matching /$want/)"
      grep -E 'error' "$log.log" | head -5 | sed 's/^/    /'
    else
      ok "compile_fail_${b}_$cxx"
    fi
  done
done
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
