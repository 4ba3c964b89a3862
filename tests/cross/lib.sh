# Sourced by tests/suites/21-cpp.sh, 22-zig.sh and 23-cross.sh: counting,
# one line per case, and the environment ./dev check would export.
# shellcheck shell=bash

: "${EXTREF_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${EXTREF_STAGE:=$EXTREF_ROOT/_stage}"
: "${EXTREF_BUILD:=$EXTREF_ROOT/_build}"
export EXTREF_ROOT EXTREF_STAGE EXTREF_BUILD
PC="$EXTREF_STAGE/lib/pkgconfig"
export PKG_CONFIG_PATH="$PC${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$EXTREF_STAGE/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$EXTREF_ROOT/_tools/npm/bin:$EXTREF_ROOT/_tools/py/bin:$PATH"
REPORTER="$EXTREF_ROOT/tests/cross/reporter.mjs"

PASSED=0
FAILED=0
SKIPPED=0

pass() { PASSED=$((PASSED + 1)); echo "ok: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "skip: $*"; }

# check NAME CMD...: one case that passes when CMD exits 0; on failure the
# tail of its output is shown.
check() {
  local name="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    pass "$name"
  else
    fail "$name"
    printf '%s\n' "$out" | tail -25 | sed 's/^/    /'
  fi
}

# counted LABEL RC OUTPUT: prints OUTPUT but its summary line, adds the
# summary's counts; no summary, or a failing exit with nothing failed, is
# one more failure.
counted() {
  local label="$1" rc="$2" out="$3" line p f s
  line="$(grep -E '^[0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)"
  grep -vE '^[0-9]+ passed, [0-9]+ failed' <<<"$out"
  if [ -z "$line" ]; then
    fail "$label: no summary (exit $rc)"
    return
  fi
  p="$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")"
  f="$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")"
  s="$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")"
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  SKIPPED=$((SKIPPED + ${s:-0}))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    fail "$label: exit $rc with no failed case"
  fi
}

# node_tests FILE...: node:test files, one line per test case, counted.
node_tests() {
  local out rc
  out="$(timeout -k 5 300 node --test --test-reporter="$REPORTER" "$@" 2>&1)"
  rc=$?
  counted "node --test $*" "$rc" "$out"
}

# runtime_tests bun|deno FILE: a harness.mjs test file under Bun or Deno
# (from npm into _tools/npm, as ./dev installs them; skipped when absent).
runtime_tests() {
  local rt="$1" file="$2" out rc
  if ! command -v "$rt" >/dev/null 2>&1; then
    . "$EXTREF_ROOT/tools.lock"   # BUN_VERSION, DENO_VERSION
    npm install -g --prefix "$EXTREF_ROOT/_tools/npm" --no-audit --no-fund \
      "bun@$BUN_VERSION" "deno@$DENO_VERSION" >/dev/null 2>&1 || true
  fi
  if ! command -v "$rt" >/dev/null 2>&1; then
    skip "$rt: $(basename "$file") ($rt is not installed)"
    return
  fi
  case "$rt" in
    bun) out="$(timeout -k 5 300 bun "$file" 2>&1)" ;;
    deno) out="$(timeout -k 5 300 deno run -A --v8-flags=--expose-gc \
      "$file" 2>&1)" ;;
  esac
  rc=$?
  counted "$rt $(basename "$file")" "$rc" "$out"
}

# The staged library every addon must link.
need_stage() {
  if [ ! -e "$EXTREF_STAGE/lib/libextref.so.1" ] ||
    ! pkg-config --exists extref; then
    fail "libextref is not staged in $EXTREF_STAGE (run ./dev build)"
    finish
    exit 1
  fi
}

# links_stage NAME FILE: the addon resolves libextref.so.1 to the staged
# file.
links_stage() {
  local want got
  want="$(readlink -f "$EXTREF_STAGE/lib/libextref.so.1")"
  got="$(ldd "$2" 2>/dev/null | awk '$1 == "libextref.so.1" { print $3 }')"
  got="$(readlink -f "$got" 2>/dev/null)"
  if [ -n "$got" ] && [ "$got" = "$want" ]; then
    pass "$1"
  else
    fail "$1 (resolves to '${got:-nothing}', want $want)"
  fi
}

finish() {
  if [ "$SKIPPED" -gt 0 ]; then
    echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
  else
    echo "$PASSED passed, $FAILED failed"
  fi
  [ "$FAILED" -eq 0 ]
}
