#!/usr/bin/env bash
# Suite 22: the Zig binding, bindings/zig.
#   - Zig from PyPI `ziglang` in the venv _tools/py (installed if missing);
#   - `zig build` links libextref through pkg-config and builds the test
#     addon zig-out/lib/extref_zig.node;
#   - the unit tests of extref.zig (`zig build test-bin`, one line each):
#     layout against translate-c of extref.h, statuses, descriptors;
#   - compile-fail cases (bindings/zig/test/compile_fail/*.zig): each must
#     fail with the message its `//! expect:` line names; ok_control.zig
#     (`//! expect-ok`) must compile;
#   - node:test cases driving the addon (bindings/zig/test/*.test.mjs),
#     with the C test addon of tests/runtime (tests/runtime/build.sh) as
#     the other module for take across modules; then the same cases under
#     Bun and Deno.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cross/lib.sh"
need_stage

ZIGDIR="$EXTREF_ROOT/bindings/zig"
PY="$EXTREF_ROOT/_tools/py/bin/python"

if ! "$PY" -m ziglang version >/dev/null 2>&1; then
  check "install ziglang from PyPI into _tools/py" bash -c \
    "python3 -m venv '$EXTREF_ROOT/_tools/py' &&
     '$EXTREF_ROOT/_tools/py/bin/pip' install -q ziglang"
fi
zig() { "$PY" -m ziglang "$@"; }
if ! zig version >/dev/null 2>&1; then
  fail "zig is not available"
  finish
  exit 1
fi
echo "zig $(zig version)"

cd "$ZIGDIR" || exit 1
check "zig_fmt_clean" zig fmt --check build.zig src
check "zig_build_addon_with_pkg_config" zig build -j2
ADDON="$ZIGDIR/zig-out/lib/extref_zig.node"
links_stage "zig_addon_links_staged_libextref" "$ADDON"

# The unit tests, one case per Zig test.
if out="$(zig build -j2 test-bin 2>&1)"; then
  out="$("$ZIGDIR/zig-out/bin/extref-unit" 2>&1)"
  rc=$?
  total="$(sed -nE 's|^[0-9]+/([0-9]+) .*|\1|p' <<<"$out" | head -1)"
  seen=0
  while IFS= read -r line; do
    name="$(sed -E 's|^[0-9]+/[0-9]+ (test\.)*([^ ]*)\.\.\..*|\2|' <<<"$line")"
    seen=$((seen + 1))
    case "$line" in
      *...OK) pass "zig unit: $name" ;;
      *...SKIP*) skip "zig unit: $name (skipped by the test)" ;;
      *) fail "zig unit: $name"
         grep -A8 -F "$line" <<<"$out" | tail -n +2 | sed 's/^/    /' ;;
    esac
  done < <(grep -E '^[0-9]+/[0-9]+ ' <<<"$out")
  # A crash part way, or a failing exit with no failed test, is a failure.
  if [ -z "$total" ] || [ "$seen" -ne "$total" ] ||
    { [ "$rc" -ne 0 ] && ! grep -q '\.\.\.FAIL' <<<"$out"; }; then
    fail "zig unit tests: $seen of ${total:-?} reported, exit $rc"
    tail -15 <<<"$out" | sed 's/^/    /'
  fi
else
  fail "zig_build_unit_tests"
  tail -25 <<<"$out" | sed 's/^/    /'
fi

# Compile-fail cases: semantic analysis only (-fno-emit-bin), under a second.
for f in test/compile_fail/*.zig; do
  name="zig compile_fail: $(basename "$f" .zig)"
  want="$(sed -nE 's|^//! expect: (.*)$|\1|p' "$f" | head -1)"
  out="$(zig build-obj -fno-emit-bin -lc --dep extref -Mroot="$f" \
    -Mextref=src/extref.zig 2>&1)"
  rc=$?
  if grep -q '^//! expect-ok' "$f"; then
    if [ "$rc" -eq 0 ]; then pass "$name (compiles)"; else
      fail "$name (should compile)"; tail -10 <<<"$out" | sed 's/^/    /'; fi
  elif [ -z "$want" ]; then
    fail "$name: no //! expect: line"
  elif [ "$rc" -ne 0 ] && grep -qF -- "$want" <<<"$out"; then
    pass "$name"
  else
    fail "$name (expected a compile error: $want)"
    tail -10 <<<"$out" | sed 's/^/    /'
  fi
done

# The C test addon: the other module of the take-across-modules cases.
if out="$("$EXTREF_ROOT/tests/runtime/build.sh" 2>&1)"; then
  export EXTREF_C_ADDON="$EXTREF_ROOT/tests/runtime/build/extref_test.node"
else
  fail "build the C test addon (tests/runtime/build.sh)"
  tail -15 <<<"$out" | sed 's/^/    /'
fi

export EXTREF_ZIG_ADDON="$ADDON"
node_tests "$ZIGDIR"/test/*.test.mjs
# The same file under Bun and Deno, each case prefixed with the runtime.
runtime_tests bun "$ZIGDIR/test/zig.test.mjs"
runtime_tests deno "$ZIGDIR/test/zig.test.mjs"
finish
