#!/usr/bin/env bash
# Runtime tests under node: every tests/runtime/*.test.mjs (the twelve
# scenarios and the bad-argument sweep) through the C test addon linked to
# the staged libextref. One line per test case, then the summary line.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$HERE/../runtime/run-suite.sh" node "$@"
