#!/usr/bin/env bash
# The autotools test suite: the check unit suites of the core, the header in
# every language mode, the exported symbols and the ABI baseline.
set -uo pipefail
: "${EXTREF_BUILD:?run through ./dev check}"
# Logs of tests that no longer exist (renamed or removed) must not count.
rm -f "$EXTREF_BUILD"/tests/unit/*.log "$EXTREF_BUILD"/tests/abi/*.log
make -C "$EXTREF_BUILD" -j2 check >"$EXTREF_BUILD/check.out" 2>&1
rc=$?
passed=0; failed=0; skipped=0
for log in "$EXTREF_BUILD"/tests/unit/*.log; do
  [ -f "$log" ] || continue
  name="$(basename "$log" .log)"
  # check prints "NN%: Checks: N, Failures: F, Errors: E" and a line per failure.
  line="$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -1)"
  if [ -z "$line" ]; then
    echo "FAIL $name: no check summary"; failed=$((failed + 1)); continue
  fi
  n="$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")"
  f="$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")"
  e="$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")"
  bad=$((f + e))
  echo "unit $name: $((n - bad)) passed, $bad failed"
  grep -E ':[EF]:' "$log" | sed 's/^/  /'
  passed=$((passed + n - bad)); failed=$((failed + bad))
done
for log in "$EXTREF_BUILD"/tests/abi/*.log; do
  [ -f "$log" ] || continue
  while IFS= read -r l; do
    case "$l" in
      "ok "*) echo "abi $l"; passed=$((passed + 1)) ;;
      "not ok "*) echo "abi $l"; failed=$((failed + 1)) ;;
      "SKIP: "*) echo "abi skipped - ${l#SKIP: }"; skipped=$((skipped + 1)) ;;
    esac
  done <"$log"
done
if [ $rc -ne 0 ] && [ $failed -eq 0 ]; then
  echo "make check failed (exit $rc) without a failing test:"; tail -30 "$EXTREF_BUILD/check.out"
  failed=1
fi
if [ $skipped -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
