#!/usr/bin/env bash
# Suite 10: the project's face. Runs the demo that `./dev demo` shows (it
# exits non-zero when any claim of its story is false) under Node.js, Bun and
# Deno, and proves that the README's C example builds as an addon with
# nothing but the pkg-config flags and the Node-API headers, loads in node,
# and behaves as the README says.
set -uo pipefail
root="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
stage="${EXTREF_STAGE:-$root/_stage}"
export PKG_CONFIG_PATH="${PKG_CONFIG_PATH:-$stage/lib/pkgconfig}"
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-$stage/lib}"

passed=0 failed=0 skipped=0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() {
  failed=$((failed + 1)); echo "FAIL $1"
  [ -s "$2" ] && sed 's/^/     | /' "$2"
}

# 1-3. The demo tells its story and every claim holds: under Node.js (what
# ./dev demo shows), then under Bun and Deno when ./dev installed them.
run_demo() {
  local runtime="$1"
  local name="demo ($1): examples/run-demo.sh $1 tells a story that checks out"
  if [ "$runtime" != node ] && ! command -v "$runtime" >/dev/null &&
     [ ! -x "$root/_tools/npm/bin/$runtime" ]; then
    skipped=$((skipped + 1))
    echo "skip $name: $runtime is not installed (./dev installs it into _tools/npm)"
    return
  fi
  timeout 120 "$root/examples/run-demo.sh" "$runtime" >"$tmp/demo.log" 2>&1
  local rc=$?
  if [ "$rc" -eq 0 ] &&
     tail -n 1 "$tmp/demo.log" | grep -q '^The story checks out'; then
    pass "$name ($(tail -n 1 "$tmp/demo.log" | grep -oE '[0-9]+ claims'))"
  else
    fail "$name (exit $rc)" "$tmp/demo.log"
  fi
}
run_demo node
run_demo bun
run_demo deno

# 4. The README's own compile line, extracted from README.md and run as it
# is (from the repository root, output in a scratch dir), with a linker that
# drops unneeded libraries (--as-needed, the default of some distributions):
# the addon must still link libextref.so.1.
name="readme: the README's compile line builds examples/readme-example.c with --as-needed"
addon="$tmp/readme-example.node"
line="$(grep -m1 '^cc -shared .*examples/readme-example.c' "$root/README.md")"
mkdir -p "$tmp/bin"
realcc="$(command -v "${CC:-cc}")"
cat >"$tmp/bin/cc" <<EOF2
#!/bin/sh
exec $realcc -Wl,--as-needed -Wall -Wextra -Werror "\$@"
EOF2
chmod +x "$tmp/bin/cc"
if [ -z "$line" ]; then
  echo "README.md has no line starting 'cc -shared ... examples/readme-example.c'" >"$tmp/cc.log"
  fail "$name" "$tmp/cc.log"
elif (cd "$root" && PATH="$tmp/bin:$PATH" &&
      eval "${line/-o readme-example.node/-o $addon}") >"$tmp/cc.log" 2>&1 &&
     readelf -d "$addon" 2>>"$tmp/cc.log" | grep -q 'NEEDED.*libextref\.so\.1'; then
  pass "$name"
else
  { echo "line: $line"; readelf -d "$addon" 2>&1 | grep NEEDED; } >>"$tmp/cc.log"
  fail "$name" "$tmp/cc.log"
fi

# 5. The README example loads and does what its comment says.
name="readme: create() and bump() work; bump(42) throws EXTREF_NOT_EXTERNAL"
if [ -f "$addon" ] && node -e '
  const m = require(process.argv[1]);
  const c = m.create();
  const one = m.bump(c), two = m.bump(c);
  if (one !== 1 || two !== 2) throw new Error(`bump gave ${one}, ${two}`);
  let err = null;
  try { m.bump(42); } catch (e) { err = e; }
  if (!(err instanceof TypeError) || err.code !== "EXTREF_NOT_EXTERNAL")
    throw new Error(`bump(42) gave ${err && err.code}: ${err}`);
' "$addon" >"$tmp/node.log" 2>&1; then
  pass "$name"
else
  fail "$name" "$tmp/node.log"
fi

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
