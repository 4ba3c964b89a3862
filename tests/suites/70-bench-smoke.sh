#!/usr/bin/env bash
# Suite 70: the benchmark runs. `bench/run.sh --smoke` builds the bench addon
# and the napi-rs/Neon peers and runs every benchmark at tiny sizes; one test
# case per benchmark passes when its row is in the table with a positive
# finite number in the ns/op column. Nothing is judged against the goals here
# (smoke sizes prove nothing about speed); bench/run.sh does that.
set -uo pipefail
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export EXTREF_ROOT="$ROOT"
export PKG_CONFIG_PATH="${PKG_CONFIG_PATH:-$ROOT/_stage/lib/pkgconfig}"
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-$ROOT/_stage/lib}"
export PATH="$ROOT/_tools/npm/bin:$ROOT/_tools/py/bin:$PATH"

pass=0 fail=0 skip=0
ok()   { pass=$((pass + 1)); echo "ok   $*"; }
bad()  { fail=$((fail + 1)); echo "FAIL $*"; }
skp()  { skip=$((skip + 1)); echo "skip $*"; }

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
start=$(date +%s)
"$ROOT/bench/run.sh" --smoke >"$out" 2>&1
rc=$?
echo "bench/run.sh --smoke: exit $rc in $(( $(date +%s) - start )) s"
if [ "$rc" -ne 0 ]; then
  echo "---- bench/run.sh --smoke output (last 30 lines)"
  tail -30 "$out"
  echo "----"
fi

peers_skipped=""
grep -q "cargo not found" "$out" && peers_skipped="cargo is not installed"
grep -q "BENCH_NO_PEERS=1" "$out" && peers_skipped="BENCH_NO_PEERS=1 is set"
naa_skipped=""
grep -q "the node-addon-api peer is skipped" "$out" &&
  naa_skipped="no g++ or no node-addon-api"
[ -n "$peers_skipped" ] && naa_skipped="$peers_skipped"

# key: the first column of the table. The JS-call variants run in every loop
# shape (call.VARIANT is the worst shape, call.VARIANT/SHAPE each one). Rust
# addon rows (napi-rs, Neon, the extref crate) are skipped (with the reason)
# only when cargo is missing or BENCH_NO_PEERS=1; a failed build fails them.
# The node-addon-api rows are skipped when g++ or its headers are missing.
# Bun and Deno rows are skipped when the runtime is not installed.
call_variants="raw noop nested c_tag c_bound_ref c_bound_mut c_send_ref
c_send_mut c_held_ref c_held_mut rust_napi_extref rust_raw_env_borrow
napirs_empty napirs_external napirs_class neon_jsbox naa_external"
# The extref crate's fast paths, once the crate has them: js_fn! and
# Borrowed<T> arguments.
crate="$ROOT/bindings/rust/extref/src"
grep -rq 'macro_rules! js_fn' "$crate" &&
  call_variants="$call_variants rust_js_fn"
grep -rq 'pub struct Borrowed<' "$crate" &&
  call_variants="$call_variants rust_napi_borrowed"
shapes="own shared unroll4 alt2"
call_keys=""
for v in $call_variants; do
  call_keys="$call_keys call.$v"
  for sh in $shapes; do call_keys="$call_keys call.$v/$sh"; done
done
keys="
native.bare native.tag native.ref native.mut native.ref_send native.mut_send
native.ref_held native.mut_held native.ref_busy native.mut_busy
native.ref_vs_tag native.held_vs_tag native.lean native.ref_vs_lean
native.memcpy native.get_memcpy native.clone_out $call_keys bun.call.bare
bun.call.bare_nested bun.call.lean bun.call.ref bun.call.mut deno.call.bare
deno.call.bare_nested deno.call.lean deno.call.ref deno.call.mut create.plain
create.extref cycle.plain cycle.extref mem.bare mem.plain mem.extref
mem.library mem.region contention.1 contention.2 contention.4
contention.mut_check"

for key in $keys; do
  line="$(grep -F "| $key |" "$out" | head -1)"
  if [ -z "$line" ]; then
    case "$key" in
      call.rust_*|call.napirs_*|call.neon_*)
        if [ -n "$peers_skipped" ]; then
          skp "$key: Rust addon not built: $peers_skipped"; continue
        fi ;;
      call.naa_*)
        if [ -n "$naa_skipped" ]; then
          skp "$key: node-addon-api peer not built: $naa_skipped"; continue
        fi ;;
      bun.*|deno.*)
        rt="${key%%.*}"
        if grep -q "^note: $rt skipped" "$out"; then
          skp "$key: $(grep "^note: $rt skipped" "$out" | sed 's/^note: //')"
          continue
        fi ;;
      mem.region)
        if grep -q "slot region was not found" "$out"; then
          skp "$key: the library's slot region is not found in smaps"
          continue
        fi ;;
    esac
    bad "$key: no row in the table"
    continue
  fi
  # Column 4 is ns/op ("12.3", "64 B" or a count).
  val="$(awk -F'|' '{gsub(/^ +| +$/, "", $4); print $4}' <<<"$line")"
  num="${val% B}"
  if [[ "$num" =~ ^[0-9]+(\.[0-9]+)?$ ]] &&
     awk -v x="$num" 'BEGIN { exit !(x > 0) }'; then
    ok "$key: $val"
  elif [ "$key" = mem.library ] && [[ "$num" =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then
    # A difference of two RSS growths: a negative one at smoke size is noise,
    # but it is still a number that the benchmark computed.
    ok "$key: $val (difference of two measurements)"
  else
    bad "$key: ns/op is '$val', not a positive number"
  fi
done

# The goals table: every goal printed, none judged (verdict "-").
ngoals="$(sed -n '/^Goals (issue #10)/,/^note:\|^bench:/p' "$out" | grep -c '^| .* | - | ')"
if [ "$ngoals" -ge 20 ]; then
  ok "the goals table lists $ngoals goals and judges none (smoke)"
else
  bad "the goals table: $ngoals rows with verdict '-', expected at least 20"
fi

if ! grep -qE '^bench: [0-9]+ benchmarks in' "$out"; then
  bad "the run finished (no closing 'bench: N benchmarks' line)"
elif grep -q "still live" "$out"; then
  bad "no borrow or hold left live after the run: $(grep 'still live' "$out")"
else
  ok "the run finished with no borrow or hold left live"
fi

if [ "$skip" -gt 0 ]; then
  echo "$pass passed, $fail failed, $skip skipped"
else
  echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
