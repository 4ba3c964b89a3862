#!/usr/bin/env bash
# Suite 50: the model-based fuzzer of the core (tests/fuzz/) for 60 seconds
# under AddressSanitizer and UBSan, after replaying the seed corpus. One test
# case: it passes when the run ends with no divergence from the model, no
# sanitizer report and no leak.
set -uo pipefail
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
SECS="${EXTREF_FUZZ_SECONDS:-60}"
LOG="$ROOT/_build-fuzz/suite-50.log"
mkdir -p "$ROOT/_build-fuzz"

if ! command -v clang >/dev/null; then
  echo "SKIP fuzz_core: clang not installed (Debian: clang and libclang-rt-N-dev for its major version N; ./dev installs both)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
start=$(date +%s)
"$ROOT/tests/fuzz/run.sh" "$SECS" >"$LOG" 2>&1
rc=$?
took=$(( $(date +%s) - start ))
stats="$(grep -E '^(stat::number_of_executed_units|#[0-9]+ +DONE)' "$LOG" |
  tail -2 | tr '\n' ' ')"
if [ "$rc" -eq 0 ] && grep -q 'DONE' "$LOG"; then
  runs="$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$LOG")"
  echo "PASS fuzz_core: ${SECS}s of model-based fuzzing, ${runs:-?} inputs, no divergence (${took}s)"
  echo "1 passed, 0 failed"
  exit 0
fi
echo "FAIL fuzz_core: exit $rc after ${took}s; log: $LOG"
# The model's own report (the trace and the divergence), or the sanitizer's.
grep -E -A60 '==== extref model divergence|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' \
  "$LOG" | head -80
grep -E '^(Test unit written|artifact_prefix)' "$LOG" | head -3
[ -n "$stats" ] && echo "$stats"
echo "0 passed, 1 failed"
exit 1
