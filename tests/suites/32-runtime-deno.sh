#!/usr/bin/env bash
# Runtime tests under deno: every tests/runtime/*.test.mjs (the twelve
# scenarios and the bad-argument sweep) through the C test addon linked to
# the staged libextref. One line per test case, then the summary line.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Scenario 9 in Deno costs ~0.4 ms per external and grows with the count
# (RUNTIME-DIFFERENCES.md): one million would take far longer than the
# suite's budget, so Deno runs 20000; Node and Bun run the full million.
export EXTREF_PRESSURE_N="${EXTREF_PRESSURE_N:-20000}"
echo "note: scenario 9 runs $EXTREF_PRESSURE_N externals in Deno (full size in Node and Bun; the per-external cost grows with the count here)"
exec "$HERE/../runtime/run-suite.sh" deno "$@"
