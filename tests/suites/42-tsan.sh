#!/usr/bin/env bash
# Suite 42: the core and the pthread stress unit test (tests/unit/
# test_threads.c) built with ThreadSanitizer (clang -fsanitize=thread) in
# _build-tsan and run in one process (CK_FORK=no). One line per check test
# case, plus one case "no ThreadSanitizer report" that fails on any report.
set -uo pipefail
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=../fuzz/sanitizers.sh
. "$ROOT/tests/fuzz/sanitizers.sh"
OUT="$ROOT/_build-tsan"
TCC="${TSAN_CC:-clang}"
TEST="$ROOT/tests/unit/test_threads.c"
# EXTREF_SAN_SRC: another directory of library sources (a scratch copy with a
# deliberate race shows that this suite fails on one).
SRC="${EXTREF_SAN_SRC:-$ROOT/src}"
start=$(date +%s)

if [ ! -f "$TEST" ]; then
  echo "FAIL tsan: $TEST does not exist"
  echo "0 passed, 1 failed"
  exit 1
fi
if ! command -v "$TCC" >/dev/null || ! pkg-config --exists check; then
  echo "SKIP tsan: needs $TCC and the Debian package check"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
mkdir -p "$OUT"
flags=(-std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=thread
  -D_GNU_SOURCE -DEXTREF_BUILDING -I"$ROOT/include" -I"$SRC"
  -I/usr/include/node -I"$ROOT/tests/unit" $(pkg-config --cflags check))
stamp="$( { printf '%s\n' "$TCC" "${flags[@]}";
  cat "$SRC"/*.c "$SRC"/*.h "$ROOT/include/extref.h" \
    "$ROOT"/tests/unit/*.h "$TEST"; } | sha256sum | cut -d' ' -f1)"
if [ ! -x "$OUT/test_threads" ] || [ "$(cat "$OUT/stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$OUT/stamp"
  if ! "$TCC" "${flags[@]}" "$SRC"/*.c "$TEST" -o "$OUT/test_threads" \
      $(pkg-config --libs check) -ldl -pthread >"$OUT/build.out" 2>&1; then
    echo "FAIL tsan build: see $OUT/build.out"
    head -20 "$OUT/build.out"
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "$stamp" >"$OUT/stamp"
fi

LOG="$OUT/test_threads.log"
CK_FORK=no CK_VERBOSITY=verbose CK_TAP_LOG_FILE_NAME=- CK_DEFAULT_TIMEOUT=300 \
  TSAN_OPTIONS="halt_on_error=0:exitcode=66:second_deadlock_stack=1" \
  "$OUT/test_threads" >"$LOG" 2>&1
rc=$?
check_log_report "$LOG"
reports=$(grep -c '^WARNING: ThreadSanitizer:' "$LOG")
if [ "$reports" -eq 0 ] && [ "$rc" -eq 0 ]; then
  echo "PASS tsan: no ThreadSanitizer report"
  CK_PASSED=$((CK_PASSED + 1))
else
  echo "FAIL tsan: $reports ThreadSanitizer reports, exit $rc; log: $LOG"
  grep -A12 '^WARNING: ThreadSanitizer:' "$LOG" | head -60 | sed 's/^/  /'
  CK_FAILED=$((CK_FAILED + 1))
fi
echo "# tsan: $(( $(date +%s) - start ))s"
echo "$CK_PASSED passed, $CK_FAILED failed"
[ "$CK_FAILED" -eq 0 ]
