#!/usr/bin/env bash
# The runtime test suite under bun: every tests/runtime/*.test.mjs (the twelve
# scenarios and the bad-argument sweep) through the C test addon linked to
# the staged libextref. One line per test case, then the summary line.
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")/../runtime" && pwd)/run-suite.sh" bun "$@"
