#!/usr/bin/env bash
# Suite 43: valgrind memcheck over every unit-test program of the main build
# (_build/tests/unit/test_*), in one process each (CK_FORK=no). One test case
# per program: it passes when the program's checks all pass, memcheck reports
# zero errors and zero definitely lost bytes.
set -uo pipefail
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
BUILD="${EXTREF_BUILD:-$ROOT/_build}"
# shellcheck source=../fuzz/sanitizers.sh
. "$ROOT/tests/fuzz/sanitizers.sh"
# One directory per run, so that two runs at once do not mix their logs.
OUT="$ROOT/_build-valgrind/run-$$"
start=$(date +%s)

if ! command -v valgrind >/dev/null; then
  echo "SKIP valgrind: not installed (Debian: valgrind)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
if [ ! -f "$BUILD/Makefile" ]; then
  echo "FAIL valgrind: $BUILD is not configured (run ./dev build)"
  echo "0 passed, 1 failed"
  exit 1
fi
mapfile -t progs < <(unit_programs "$BUILD")
if [ ${#progs[@]} -eq 0 ]; then
  echo "SKIP valgrind: no unit tests configured (is the Debian package check installed?)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
# Builds the test programs without running them.
if ! make -C "$BUILD" -j"$SAN_JOBS" check TESTS= >"$BUILD/valgrind-make.out" 2>&1; then
  echo "FAIL valgrind: building the unit tests failed; see $BUILD/valgrind-make.out"
  grep -E 'error' "$BUILD/valgrind-make.out" | head -10
  echo "0 passed, 1 failed"
  exit 1
fi
mkdir -p "$OUT"
find "$ROOT/_build-valgrind" -mindepth 1 -maxdepth 1 -name 'run-*' -mmin +120 \
  -exec rm -rf {} + 2>/dev/null

run_one() {
  local p="$1" name
  name="$(basename "$p")"
  CK_FORK=no CK_VERBOSITY=normal CK_DEFAULT_TIMEOUT=600 \
    valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --fair-sched=yes --num-callers=30 --log-file="$OUT/$name.vg" \
    "$BUILD/$p" >"$OUT/$name.out" 2>&1
  echo $? >"$OUT/$name.rc"
}
export -f run_one
export BUILD OUT
printf '%s\n' "${progs[@]}" | xargs -P"$SAN_JOBS" -I{} bash -c 'run_one "$@"' _ {}

passed=0
failed=0
for p in "${progs[@]}"; do
  name="$(basename "$p")"
  rc="$(cat "$OUT/$name.rc" 2>/dev/null || echo missing)"
  errs="$(sed -nE 's/.*ERROR SUMMARY: ([0-9]+) errors.*/\1/p' "$OUT/$name.vg" | tail -1)"
  lost="$(sed -nE 's/.*definitely lost: ([0-9,]+) bytes.*/\1/p' "$OUT/$name.vg" | tail -1)"
  lost="${lost:-0}"
  summary="$(grep -E '^[0-9]+%: Checks:' "$OUT/$name.out" | tail -1)"
  if [ "$rc" = 0 ] && [ "$errs" = 0 ] && [ "$lost" = 0 ] &&
     grep -q '^100%' <<<"$summary"; then
    echo "PASS $name: $summary; memcheck: 0 errors, 0 bytes definitely lost"
    passed=$((passed + 1))
  else
    echo "FAIL $name: exit $rc; ${summary:-no check summary}; memcheck: ${errs:-?} errors, $lost bytes definitely lost; see $OUT/$name.vg"
    grep -vE '^[^:]+:[0-9]+:P:' "$OUT/$name.out" | grep -E ':[FE]:' | head -5 | sed 's/^/  /'
    grep -E '^==[0-9]+== (Invalid|Conditional|Mismatched|Syscall|Source and|[0-9,]+ bytes in [0-9,]+ blocks are definitely)' \
      "$OUT/$name.vg" | head -5 | sed 's/^/  /'
    failed=$((failed + 1))
  fi
done
echo "# valgrind: ${#progs[@]} programs in $(( $(date +%s) - start ))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
