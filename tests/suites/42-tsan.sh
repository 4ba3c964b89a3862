#!/usr/bin/env bash
# Suite 42: the core and the pthread stress unit tests (tests/unit/
# test_threads.c, and test_shared.c for shared mode) built with
# ThreadSanitizer (clang -fsanitize=thread) in _build-tsan, each run in one
# process (CK_FORK=no). One line per check test case, plus one case per
# program "no ThreadSanitizer report" that fails on any report.
set -uo pipefail
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=../fuzz/sanitizers.sh
. "$ROOT/tests/fuzz/sanitizers.sh"
OUT="$ROOT/_build-tsan"
TCC="${TSAN_CC:-clang}"
TESTS=(test_threads test_shared)
# EXTREF_SAN_SRC: another directory of library sources (a scratch copy with a
# deliberate race shows that this suite fails on one).
SRC="${EXTREF_SAN_SRC:-$ROOT/src}"
start=$(date +%s)

if ! command -v "$TCC" >/dev/null || ! pkg-config --exists check; then
  echo "SKIP tsan: needs $TCC and the Debian package check"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
mkdir -p "$OUT"
CK_PASSED=0 CK_FAILED=0
flags=(-std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=thread
  -D_GNU_SOURCE -DEXTREF_BUILDING -I"$ROOT/include" -I"$SRC"
  -I/usr/include/node -I"$ROOT/tests/unit" $(pkg-config --cflags check))
for name in "${TESTS[@]}"; do
  TEST="$ROOT/tests/unit/$name.c"
  if [ ! -f "$TEST" ]; then
    echo "FAIL tsan: $TEST does not exist"
    CK_FAILED=$((CK_FAILED + 1))
    continue
  fi
  stamp="$( { printf '%s\n' "$TCC" "${flags[@]}";
    cat "$SRC"/*.c "$SRC"/*.h "$ROOT/include/extref.h" \
      "$ROOT"/tests/unit/*.h "$TEST"; } | sha256sum | cut -d' ' -f1)"
  if [ ! -x "$OUT/$name" ] || [ "$(cat "$OUT/$name.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -f "$OUT/$name.stamp"
    if ! "$TCC" "${flags[@]}" "$SRC"/*.c "$TEST" -o "$OUT/$name" \
        $(pkg-config --libs check) -ldl -pthread >"$OUT/$name.build.out" 2>&1; then
      echo "FAIL tsan build $name: see $OUT/$name.build.out"
      head -20 "$OUT/$name.build.out"
      CK_FAILED=$((CK_FAILED + 1))
      continue
    fi
    echo "$stamp" >"$OUT/$name.stamp"
  fi

  LOG="$OUT/$name.log"
  CK_FORK=no CK_VERBOSITY=verbose CK_TAP_LOG_FILE_NAME=- CK_DEFAULT_TIMEOUT=300 \
    TSAN_OPTIONS="halt_on_error=0:exitcode=66:second_deadlock_stack=1" \
    "$OUT/$name" >"$LOG" 2>&1
  rc=$?
  passed=$CK_PASSED failed=$CK_FAILED
  check_log_report "$LOG"
  CK_PASSED=$((CK_PASSED + passed)) CK_FAILED=$((CK_FAILED + failed))
  reports=$(grep -c '^WARNING: ThreadSanitizer:' "$LOG")
  if [ "$reports" -eq 0 ] && [ "$rc" -eq 0 ]; then
    echo "PASS tsan $name: no ThreadSanitizer report"
    CK_PASSED=$((CK_PASSED + 1))
  else
    echo "FAIL tsan $name: $reports ThreadSanitizer reports, exit $rc; log: $LOG"
    grep -A12 '^WARNING: ThreadSanitizer:' "$LOG" | head -60 | sed 's/^/  /'
    CK_FAILED=$((CK_FAILED + 1))
  fi
done
echo "# tsan: $(( $(date +%s) - start ))s"
echo "$CK_PASSED passed, $CK_FAILED failed"
[ "$CK_FAILED" -eq 0 ]
