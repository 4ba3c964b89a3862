#!/usr/bin/env bash
# Suite 24: libextref compiled into addons, no system package (issue 12).
# "Hidden" below means: LD_LIBRARY_PATH unset, PKG_CONFIG_PATH and
# PKG_CONFIG_LIBDIR pointing nowhere (checked: pkg-config cannot find extref
# and no libextref.so.1 is in the loader cache), so nothing can link or load
# the system library.
#   1. Rust: extref-sys csrc/ (sync-csrc.sh) equals src/ and include/;
#      `cargo package --list` ships it; the packaged crate, unpacked outside
#      the repository, builds with `bundled` (hidden) and runs; the napi-rs
#      example addon built with --features bundled (hidden): no extref_
#      symbol exported, no libextref NEEDED; the Rust binding's JS tests
#      under Node, Bun and Deno, hidden.
#   2. npm: npm/libextref packed; the tarball installed into an empty
#      project with node-gyp@$NODE_GYP_VERSION; a small addon built there
#      (hidden) and run: create, borrow, refuse; nothing exported.
#   3. Zig: bindings/zig built with -Dbundled=true (hidden); a few cases
#      under Node, Bun and Deno.
#   4. Copies that meet (tests/bundled/copies.test.mjs): the Rust bundled
#      addon, the gyp addon, a gyp addon from another source snapshot (other
#      version string), a copy of the gyp addon file, hidden under Node, Bun
#      and Deno; then with the system copy (the C test addon) too, under Node.
# Ends with "N passed, N failed[, N skipped]".
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cross/lib.sh"
. "$EXTREF_ROOT/tools.lock"
RUST="$EXTREF_ROOT/bindings/rust"
HERE="$EXTREF_ROOT/tests/bundled"
LOG="$EXTREF_ROOT/_logs/24-bundled"
WORK="$LOG/work"
rm -rf "$WORK"
mkdir -p "$WORK"
export CARGO_TARGET_DIR="$RUST/target" CARGO_BUILD_JOBS=2 CARGO_TERM_COLOR=never
export NO_COLOR=1

hidden() {
  env -u LD_LIBRARY_PATH PKG_CONFIG_PATH=/nonexistent \
    PKG_CONFIG_LIBDIR=/nonexistent "$@"
}
# Runs the rest of a function hidden, in this shell (counts kept).
SAVED_LD="$LD_LIBRARY_PATH" SAVED_PC="$PKG_CONFIG_PATH"
hide() { unset LD_LIBRARY_PATH; export PKG_CONFIG_PATH=/nonexistent PKG_CONFIG_LIBDIR=/nonexistent; }
unhide() {
  export LD_LIBRARY_PATH="$SAVED_LD" PKG_CONFIG_PATH="$SAVED_PC"
  unset PKG_CONFIG_LIBDIR
}

# no_library NAME FILE: exports no extref_ function, needs no libextref.
no_library() {
  local exp needed
  exp="$(nm -D --defined-only "$2" 2>/dev/null | grep -c ' extref_')"
  needed="$(readelf -d "$2" 2>/dev/null | grep -c 'NEEDED.*libextref')"
  if [ -s "$2" ] && [ "$exp" = 0 ] && [ "$needed" = 0 ] &&
     ! hidden ldd "$2" 2>/dev/null | grep -q libextref; then
    pass "$1: no extref_ exported, no libextref.so.1 NEEDED"
  else
    fail "$1: $exp extref_ symbols exported, $needed libextref NEEDED ($2)"
  fi
}

/sbin/ldconfig -p >"$WORK/ldconfig.txt" 2>&1
if ! hidden pkg-config --exists extref && ! grep -q libextref "$WORK/ldconfig.txt"; then
  pass "hidden: pkg-config cannot find extref, no libextref.so.1 in the loader cache"
else
  fail "hidden: libextref is still reachable (pkg-config or ldconfig -p)"
fi

# ---- 1. Rust ---------------------------------------------------------------
SYS="$RUST/extref-sys"
check "rust: sync-csrc.sh writes csrc/" "$SYS/sync-csrc.sh"
check "rust: csrc/ equals src/ and include/extref.h" "$SYS/sync-csrc.sh" --check
(cd "$RUST" && cargo package --list --allow-dirty -p extref-sys) >"$WORK/crate.list" 2>"$WORK/crate.err"
missing=0
for f in "$EXTREF_ROOT"/src/*; do
  grep -qx "csrc/src/$(basename "$f")" "$WORK/crate.list" || missing=$((missing + 1))
done
grep -qx csrc/include/extref.h "$WORK/crate.list" || missing=$((missing + 1))
grep -qx csrc/node-api/node_api.h "$WORK/crate.list" || missing=$((missing + 1))
if [ "$missing" = 0 ] && [ -s "$WORK/crate.list" ]; then
  pass "rust: cargo package --list ships csrc/ ($(grep -c '^csrc/' "$WORK/crate.list") files)"
else
  fail "rust: cargo package --list misses $missing csrc files"; cat "$WORK/crate.err" | tail -5
fi

# The packaged crate, outside the repository: only its own csrc/.
if (cd "$RUST" && cargo package --allow-dirty --no-verify -p extref-sys) >"$WORK/package.log" 2>&1; then
  mkdir -p "$WORK/crate" "$WORK/probe/src"
  tar -xzf "$RUST/target/package/extref-sys-1.1.0.crate" -C "$WORK/crate"
  cat >"$WORK/probe/Cargo.toml" <<TOML
[package]
name = "extref-bundled-probe"
version = "0.0.0"
edition = "2021"
publish = false
[dependencies]
extref-sys = { path = "$WORK/crate/extref-sys-1.1.0", features = ["bundled"] }
[workspace]
TOML
  cat >"$WORK/probe/src/main.rs" <<'RS'
fn main() {
  let v = unsafe { std::ffi::CStr::from_ptr(extref_sys::extref_version_string()) };
  println!("{}", v.to_str().unwrap());
}
RS
  if (cd "$WORK/probe" && hidden cargo build --offline --release \
      --target-dir "$RUST/target/bundled-probe") >"$WORK/probe.log" 2>&1 &&
     [ "$(hidden "$RUST/target/bundled-probe/release/extref-bundled-probe")" = 1.1.0 ]; then
    pass "rust: the packaged extref-sys builds with bundled outside the repository and runs (hidden)"
  else
    fail "rust: the packaged crate with bundled (see ${WORK#"$EXTREF_ROOT/"}/probe.log)"
    tail -15 "$WORK/probe.log"
  fi
else
  fail "rust: cargo package -p extref-sys"; tail -15 "$WORK/package.log"
fi

RB="$RUST/build/extref_rust_addon_bundled.node"
rust_ok=0
if (cd "$RUST" && hidden cargo build --locked --release -p extref-napi-addon \
    --features bundled) >"$WORK/rust-build.log" 2>&1; then
  mkdir -p "$RUST/build"
  cp "$CARGO_TARGET_DIR/release/libextref_rust_addon.so" "$RB"
  pass "rust: napi-rs addon builds with --features bundled (hidden)"
  rust_ok=1
  no_library "rust: bundled addon" "$RB"
else
  fail "rust: napi-rs addon with bundled (see ${WORK#"$EXTREF_ROOT/"}/rust-build.log)"
  tail -20 "$WORK/rust-build.log"
fi

# The Rust binding's JS tests against the bundled addon. The take-across-
# allocators tests need a second addon sharing the copy: skipped (the
# copies test below shows two bundled addons refuse each other).
count_tap() {
  local tap="$1" who="$2" line
  while IFS= read -r line; do
    line="${line#"${line%%[! ]*}"}"
    case "$line" in
      "ok "*"# SKIP"*) skip "$who: ${line#ok * - }" ;;
      "ok "*) pass "$who: ${line#ok * - }" ;;
      "not ok "*) fail "$who: ${line#not ok * - }" ;;
    esac
  done < <(grep -E '^ *(not )?ok [0-9]+ - ' "$tap" | grep -v '\.js$')
  grep -qE '^ *(not )?ok [0-9]+ - ' "$tap" || { fail "$who: no test ran"; tail -20 "$tap"; }
}
if [ "$rust_ok" = 1 ]; then
  hide
  export EXTREF_RUST_ADDON="$RB" EXTREF_RUST_ADDON_ALLOC=/nonexistent
  cd "$RUST/examples/napi-addon" || exit 1
  node --expose-gc --test --test-reporter=tap test/*.test.js >"$WORK/rust-node.tap" 2>&1
  count_tap "$WORK/rust-node.tap" "rust bundled node"
  if command -v bun >/dev/null; then
    bun test ./test/ >"$WORK/rust-bun.out" 2>&1
    while IFS= read -r line; do
      name="$(sed -E 's/^\((pass|fail|skip|todo)\) //; s/ \[[0-9.]+m?s\]$//' <<<"$line")"
      case "$line" in
        "(pass) "*) pass "rust bundled bun: $name" ;;
        "(fail) "*) fail "rust bundled bun: $name" ;;
        *) skip "rust bundled bun: $name" ;;
      esac
    done < <(sed -E '/^[0-9]+ tests? failed:/,$d' "$WORK/rust-bun.out" | grep -E '^\((pass|fail|skip|todo)\) ' | awk '!seen[$0]++')
    grep -qE '^\((pass|fail)\) ' "$WORK/rust-bun.out" || { fail "rust bundled bun: no test ran"; tail -20 "$WORK/rust-bun.out"; }
  else
    skip "rust bundled bun: not installed"
  fi
  if command -v deno >/dev/null; then
    deno test -A --v8-flags=--expose-gc --reporter=tap test/ >"$WORK/rust-deno.tap" 2>"$WORK/rust-deno.err"
    count_tap "$WORK/rust-deno.tap" "rust bundled deno"
  else
    skip "rust bundled deno: not installed"
  fi
  cd "$EXTREF_ROOT" || exit 1
  unset EXTREF_RUST_ADDON EXTREF_RUST_ADDON_ALLOC
  unhide
fi

# ---- 2. npm ----------------------------------------------------------------
PKG="$EXTREF_ROOT/npm/libextref"
tgz=""
if (cd "$PKG" && npm pack --pack-destination "$WORK") >"$WORK/pack.log" 2>&1; then
  tgz="$WORK/libextref-1.1.0.tgz"
  pass "npm: npm pack (prepack copies src/ and include/)"
else
  fail "npm: npm pack"; tail -15 "$WORK/pack.log"
fi
check "npm: the package's src/ and include/ equal the repository's" node "$PKG/scripts/sync.js" --check
want="$(cd "$EXTREF_ROOT/src" && ls *.c | sort | tr '\n' ' ')"
got="$(node -e "const g=JSON.parse(require('fs').readFileSync('$PKG/libextref.gyp','utf8').replace(/^\s*#.*$/mg,''));console.log(g.targets[0].sources.map(s=>s.slice(4)).sort().join(' ')+' ')")"
if [ "$want" = "$got" ]; then pass "npm: libextref.gyp compiles every src/*.c"; else
  fail "npm: libextref.gyp sources ($got) differ from src/*.c ($want)"; fi

# gyp_project DIR TARBALL: an empty project, the tarball and node-gyp
# installed, the test addon built hidden.
gyp_project() {
  local dir="$1" tarball="$2"
  mkdir -p "$dir"
  cp "$HERE/gyp-addon/binding.gyp" "$HERE/gyp-addon/addon.c" "$dir/"
  echo '{"name":"extref-gyp-consumer","private":true}' >"$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund "$tarball" "node-gyp@$NODE_GYP_VERSION" &&
    hidden npx --no-install node-gyp rebuild --nodedir=/usr -j 2) >"$dir.log" 2>&1
}
G="$WORK/gyp1/build/Release/gyp_addon.node"
G2="$WORK/gyp2/build/Release/gyp_addon.node"
GB="$WORK/gyp_addon_copy.node"
G2V="1.1.0+snapshot2"
if [ -n "$tgz" ] && gyp_project "$WORK/gyp1" "$tgz" && [ -f "$G" ]; then
  pass "npm: tarball installed into an empty project, addon built with node-gyp@$NODE_GYP_VERSION (hidden)"
  no_library "npm: gyp addon" "$G"
  cp "$G" "$GB"
  check "npm: the gyp addon runs: create, borrow, refuse (hidden)" hidden node -e "
    const a = require('$G'), assert = require('assert');
    const x = a.create(5);
    assert.deepEqual(a.get(x), { status: 'EXTREF_OK', value: 5 });
    assert.equal(a.mutBegin(x).status, 'EXTREF_OK');
    assert.equal(a.get(x).status, 'EXTREF_MUT_BORROWED');
    assert.equal(a.take(x).status, 'EXTREF_MUT_BORROWED');
    assert.equal(a.mutEnd().status, 'EXTREF_OK');
    assert.equal(a.take(x).value, 5);
    assert.equal(a.get(x).status, 'EXTREF_TAKEN');
    assert.equal(a.version(), '1.1.0');
    assert.equal(a.stats().liveBorrows, 0);"
  # Another source snapshot: the unpacked package with another version string.
  mkdir -p "$WORK/snap"
  tar -xzf "$tgz" -C "$WORK/snap"
  sed -i "s/return EXTREF_VERSION_STRING;/return \"$G2V\";/" "$WORK/snap/package/src/version.c"
  if grep -q "$G2V" "$WORK/snap/package/src/version.c" &&
     (cd "$WORK/snap" && npm pack ./package --pack-destination "$WORK/snap") >"$WORK/snap.log" 2>&1 &&
     gyp_project "$WORK/gyp2" "$WORK/snap/libextref-1.1.0.tgz" && [ -f "$G2" ]; then
    pass "npm: a second gyp addon from another source snapshot ($G2V)"
  else
    fail "npm: the second snapshot's addon"; tail -15 "$WORK/gyp2.log" "$WORK/snap.log" 2>/dev/null
  fi
else
  fail "npm: build the addon from the tarball (see ${WORK#"$EXTREF_ROOT/"}/gyp1.log)"
  tail -25 "$WORK/gyp1.log" 2>/dev/null
fi

# ---- 3. Zig ----------------------------------------------------------------
PY="$EXTREF_ROOT/_tools/py/bin/python"
Z="$WORK/zig/lib/extref_zig.node"
if (cd "$EXTREF_ROOT/bindings/zig" && hidden "$PY" -m ziglang build -j2 \
    -Dbundled=true --prefix "$WORK/zig") >"$WORK/zig.log" 2>&1 && [ -f "$Z" ]; then
  pass "zig: addon builds with -Dbundled=true (hidden)"
  no_library "zig: bundled addon" "$Z"
  hide
  export EXTREF_ZIG_BUNDLED="$Z"
  node_tests "$HERE/zig-bundled.test.mjs"
  runtime_tests bun "$HERE/zig-bundled.test.mjs"
  runtime_tests deno "$HERE/zig-bundled.test.mjs"
  unhide
else
  fail "zig: -Dbundled=true build (see ${WORK#"$EXTREF_ROOT/"}/zig.log)"
  tail -20 "$WORK/zig.log"
fi

# ---- 4. Copies that meet ---------------------------------------------------
if [ "$rust_ok" = 1 ] && [ -f "$G" ] && [ -f "$G2" ]; then
  export EXTREF_RUST_BUNDLED="$RB" EXTREF_GYP_ADDON="$G" EXTREF_GYP_ADDON2="$G2"
  export EXTREF_GYP_ADDON_COPY="$GB" EXTREF_GYP_ADDON2_VERSION="$G2V"
  hide
  EXTREF_TEST_PREFIX=hidden node_tests "$HERE/copies.test.mjs"
  EXTREF_TEST_PREFIX=hidden runtime_tests bun "$HERE/copies.test.mjs"
  EXTREF_TEST_PREFIX=hidden runtime_tests deno "$HERE/copies.test.mjs"
  unhide
  # With the system copy: the C test addon, linked with libextref.so.1.
  if "$EXTREF_ROOT/tests/runtime/build.sh" >"$WORK/c-addon.log" 2>&1; then
    EXTREF_C_ADDON="$EXTREF_ROOT/tests/runtime/build/extref_test.node" \
      EXTREF_TEST_PREFIX=with-system node_tests "$HERE/copies.test.mjs"
  else
    fail "copies: build the C test addon (tests/runtime/build.sh)"; tail -10 "$WORK/c-addon.log"
  fi
else
  skip "copies: an addon above did not build"
fi

finish
