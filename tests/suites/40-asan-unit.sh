#!/usr/bin/env bash
# Suite 40: the core's unit tests (tests/unit/, check) built with
# AddressSanitizer and UBSan (-fno-sanitize-recover=all, leak detection on)
# in an out-of-tree configure in _build-asan, run by `make check`. One line
# per check test case; a sanitizer report or a crashed program is a failure.
set -uo pipefail
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=../fuzz/sanitizers.sh
. "$ROOT/tests/fuzz/sanitizers.sh"

start=$(date +%s)
if ! asan_build; then
  echo "FAIL asan build: see $ASAN_BUILD/configure.out and make.out"
  echo "0 passed, 1 failed"
  exit 1
fi
mapfile -t progs < <(unit_programs "$ASAN_BUILD")
if [ ${#progs[@]} -eq 0 ]; then
  echo "SKIP unit tests: none configured (is the Debian package check installed?)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
export CK_VERBOSITY=verbose CK_TAP_LOG_FILE_NAME=- \
  CK_DEFAULT_TIMEOUT="${CK_DEFAULT_TIMEOUT:-60}"
export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
make -C "$ASAN_BUILD" -j"$SAN_JOBS" check TESTS="${progs[*]}" \
  >"$ASAN_BUILD/check.out" 2>&1
rc=$?
logs=()
for p in "${progs[@]}"; do logs+=("$ASAN_BUILD/$p.log"); done
check_log_report "${logs[@]}"
if [ "$rc" -ne 0 ] && [ "$CK_FAILED" -eq 0 ]; then
  CK_FAILED=1
  echo "FAIL make check: exit $rc with no failing test case; see $ASAN_BUILD/check.out"
  tail -15 "$ASAN_BUILD/check.out"
fi
echo "# asan unit: ${#progs[@]} programs in $(( $(date +%s) - start ))s"
echo "$CK_PASSED passed, $CK_FAILED failed"
[ "$CK_FAILED" -eq 0 ]
