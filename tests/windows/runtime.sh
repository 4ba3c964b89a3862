# shellcheck shell=bash
# Sourced by tests/suites/67-windows-runtime.sh, part 3 (placeholder).
skipped "libextref under Deno on Wine" "no Windows build of the library yet"
