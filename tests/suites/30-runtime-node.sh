#!/usr/bin/env bash
# Runtime tests under node: every tests/runtime/*.test.mjs (the twelve
# scenarios and the bad-argument sweep) through the C test addon linked to
# the staged libextref. One line per test case, then the summary line.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Scenario 9 runs at full size: one million externals of 1 MiB, in a
# loop that never yields (about 30 s in Node, 5 s in Bun).
export EXTREF_PRESSURE_N="${EXTREF_PRESSURE_N:-1000000}"
export EXTREF_S9_BUDGET_MS="${EXTREF_S9_BUDGET_MS:-180000}"
echo "note: scenario 9 runs $EXTREF_PRESSURE_N externals"
exec "$HERE/../runtime/run-suite.sh" node "$@"
