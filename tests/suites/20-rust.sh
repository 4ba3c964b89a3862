#!/usr/bin/env bash
# Suite 20: the Rust bindings (bindings/rust).
#   - builds the napi-rs test addon (cargo build --release, -j2) and puts it
#     at bindings/rust/build/extref_rust_addon.node (path also written to
#     bindings/rust/target/addon-path.txt) for the cross-language tests, and
#     a second copy with another global allocator (feature counting-alloc)
#     at build/extref_rust_addon_alloc.node (take across addons, scenario 18);
#   - cargo test of extref-sys (layout vs the C header) and extref (no-host
#     unit tests, doctests without LD_LIBRARY_PATH, the trybuild
#     compile-fail suite), napi feature on (through the addon);
#   - the MSRV: each crate's rust-version is at least every resolved
#     dependency's (cargo metadata; no older toolchain is installed here);
#   - cargo doc --no-deps as docs.rs builds it (DOCS_RS=1, no libextref
#     reachable: PKG_CONFIG_PATH and PKG_CONFIG_LIBDIR point nowhere), with
#     warnings denied (every public item documented);
#   - the addon's node:test files under Node.js with --expose-gc, then under
#     Bun (bun test) and Deno (deno test) when they are installed.
# Counts every test case; last line "N passed, N failed, N skipped".
set -uo pipefail

ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
STAGE="${EXTREF_STAGE:-$ROOT/_stage}"
export PKG_CONFIG_PATH="${PKG_CONFIG_PATH:-$STAGE/lib/pkgconfig}"
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-$STAGE/lib}"
RUST="$ROOT/bindings/rust"
export CARGO_TARGET_DIR="$RUST/target"
export CARGO_BUILD_JOBS=2
export CARGO_TERM_COLOR=never
LOG="$ROOT/_logs/20-rust"
mkdir -p "$LOG"

pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "PASS $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
sk() { skip=$((skip + 1)); echo "SKIP $*"; }
finish() {
  echo "$pass passed, $fail failed, $skip skipped"
  [ "$fail" -eq 0 ]
  exit
}

# Adds cargo's per-test lines and "test result:" totals from a log.
count_cargo() {
  local log="$1" what="$2" line p f i
  while IFS= read -r line; do
    case "$line" in
      "test "*" ... ok") echo "PASS $what: ${line#test }" | sed 's/ \.\.\. ok$//' ;;
      "test "*" ... FAILED") echo "FAIL $what: ${line#test }" | sed 's/ \.\.\. FAILED$//' ;;
      "test "*" ... ignored"*) echo "SKIP $what: ${line#test } (ignored)" ;;
    esac
  done <"$log"
  while IFS= read -r line; do
    p=$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")
    f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
    i=$(sed -E 's/.* ([0-9]+) ignored.*/\1/' <<<"$line")
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + i))
  done < <(grep -E '^test result: ' "$log")
}

for tool in cargo node pkg-config; do
  if ! command -v "$tool" >/dev/null; then
    ko "rust: $tool is not installed"
    finish
  fi
done
if ! pkg-config --exists extref; then
  ko "rust: libextref not found with pkg-config (run ./dev build first)"
  finish
fi

cd "$RUST" || { ko "rust: no bindings/rust"; finish; }

# 1. The addon (release): the node tests and the cross-language tests use it.
if cargo build --locked --release -p extref-napi-addon >"$LOG/build.log" 2>&1; then
  mkdir -p "$RUST/build"
  cp "$CARGO_TARGET_DIR/release/libextref_rust_addon.so" \
    "$RUST/build/extref_rust_addon.node"
  echo "$RUST/build/extref_rust_addon.node" >"$CARGO_TARGET_DIR/addon-path.txt"
  ok "rust: napi-rs addon builds (build/extref_rust_addon.node)"
  addon=1
  if cargo build --locked --release -p extref-napi-addon --features counting-alloc \
    >"$LOG/build-alloc.log" 2>&1; then
    cp "$CARGO_TARGET_DIR/release/libextref_rust_addon.so" \
      "$RUST/build/extref_rust_addon_alloc.node"
    ok "rust: the addon with another allocator (build/extref_rust_addon_alloc.node)"
  else
    rm -f "$RUST/build/extref_rust_addon_alloc.node"
    tail -30 "$LOG/build-alloc.log"
    ko "rust: the addon with another allocator (see _logs/20-rust/build-alloc.log)"
  fi
else
  tail -30 "$LOG/build.log"
  ko "rust: napi-rs addon builds (see _logs/20-rust/build.log)"
  addon=0
fi

# 2. cargo test: layout, no-host unit tests, doctests, compile-fail suite
# (napi feature on). Release profile, with the addon in the package set, so
# that napi-rs and tokio are compiled once, with one feature set, for the
# build and the tests. Without LD_LIBRARY_PATH: the test binaries and
# doctests must find libextref through their rpath.
env -u LD_LIBRARY_PATH cargo test --locked --release --no-fail-fast \
  -p extref-sys -p extref -p extref-napi-addon >"$LOG/cargo-test.log" 2>&1
rc=$?
before=$((pass + fail))
count_cargo "$LOG/cargo-test.log" "cargo test"
if [ "$rc" -ne 0 ] && [ $((pass + fail)) -eq "$before" ]; then
  tail -30 "$LOG/cargo-test.log"
  ko "cargo test: did not build or run (see _logs/20-rust/cargo-test.log)"
elif [ "$rc" -ne 0 ] && ! grep -q 'FAILED' "$LOG/cargo-test.log"; then
  tail -30 "$LOG/cargo-test.log"
  ko "cargo test: exit $rc (see _logs/20-rust/cargo-test.log)"
fi

# 3. MSRV: rust-version of every workspace crate >= the rust-version of
# every package in its resolved dependency graph (all features the
# workspace resolves). No pinned older toolchain can be installed offline,
# so this is what is checked; the declared value is also the one napi-rs
# 3.16 requires.
if cargo metadata --format-version 1 --locked >"$LOG/metadata.json" \
  2>"$LOG/metadata.err" && python3 - "$LOG/metadata.json" >"$LOG/msrv.log" 2>&1 <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
pk = {p["id"]: p for p in m["packages"]}
deps = {n["id"]: [d["pkg"] for d in n["deps"]] for n in m["resolve"]["nodes"]}
def ver(v):
    parts = [int(x) for x in (v or "0").split(".")]
    return tuple(parts + [0] * (3 - len(parts)))[:3]
bad = 0
for wid in m["workspace_members"]:
    own = pk[wid].get("rust_version")
    seen, todo, top = set(), list(deps[wid]), (None, "0")
    while todo:
        d = todo.pop()
        if d in seen:
            continue
        seen.add(d)
        todo += deps.get(d, [])
        rv = pk[d].get("rust_version")
        if rv and ver(rv) > ver(top[1]):
            top = (pk[d]["name"] + " " + pk[d]["version"], rv)
    ok = own is not None and ver(own) >= ver(top[1])
    bad += not ok
    print(("ok  " if ok else "BAD ") + pk[wid]["name"], "rust-version", own,
          "max of", len(seen), "dependencies:", top[1], top[0] or "")
sys.exit(1 if bad else 0)
PY
then
  ok "msrv: rust-version >= every resolved dependency's ($(grep -c '^ok' "$LOG/msrv.log") crates)"
else
  cat "$LOG/msrv.log" "$LOG/metadata.err" | tail -20
  ko "msrv: a crate declares less than its dependencies need (see _logs/20-rust/msrv.log)"
fi

# 4. Documentation as docs.rs builds it: DOCS_RS set and no libextref
# reachable (own target dir, so that the DOCS_RS build-script runs do not
# invalidate the main one). Missing docs and broken links are errors.
if env -u LD_LIBRARY_PATH DOCS_RS=1 PKG_CONFIG_PATH=/nonexistent \
  PKG_CONFIG_LIBDIR=/nonexistent CARGO_TARGET_DIR="$RUST/target/docsrs" \
  RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p extref-sys -p extref \
  --features extref/napi >"$LOG/doc.log" 2>&1; then
  ok "cargo doc: docs.rs build without libextref, every public item documented"
else
  tail -30 "$LOG/doc.log"
  ko "cargo doc: warnings or errors (see _logs/20-rust/doc.log)"
fi

# 5. The napi-rs addon's tests in Node.js, then Bun and Deno when present.
# Parses TAP (Node, Deno) or Bun's "(pass) name" lines; every test counts.
count_tap() {
  local tap="$1" who="$2" rc="$3" line
  while IFS= read -r line; do
    line="${line#"${line%%[! ]*}"}"
    case "$line" in
      *.js) ;;
      "ok "*"# SKIP"*) sk "$who: ${line#ok * - }" ;;
      "ok "*) ok "$who: ${line#ok * - }" ;;
      "not ok "*) ko "$who: ${line#not ok * - }" ;;
    esac
  done < <(grep -E '^ *(not )?ok [0-9]+ - ' "$tap")
  if ! grep -qE '^ *(not )?ok [0-9]+ - ' "$tap"; then
    tail -30 "$tap"
    ko "$who: no test ran (exit $rc, see ${tap#"$ROOT/"})"
  elif [ "$rc" -ne 0 ] && ! grep -qE '^ *not ok ' "$tap"; then
    tail -30 "$tap"
    ko "$who: exit $rc with no failing test (see ${tap#"$ROOT/"})"
  fi
  grep -E '^ *not ok ' -A20 "$tap" |
    grep -E '^\s+(error|expected|actual|stack):' | head -20
}

TESTS=("$RUST"/examples/napi-addon/test/*.test.js)
export EXTREF_RUST_ADDON="$RUST/build/extref_rust_addon.node"
export EXTREF_RUST_ADDON_ALLOC="$RUST/build/extref_rust_addon_alloc.node"
export NO_COLOR=1
if [ "$addon" = 1 ]; then
  tap="$LOG/node.tap"
  node --expose-gc --test --test-reporter=tap "${TESTS[@]}" >"$tap" 2>&1
  count_tap "$tap" node $?

  if command -v bun >/dev/null; then
    out="$LOG/bun.out"
    (cd "$RUST/examples/napi-addon" && bun test ./test/) >"$out" 2>&1
    rc=$?
    while IFS= read -r line; do
      name="$(sed -E 's/^\((pass|fail|skip|todo)\) //; s/ \[[0-9.]+m?s\]$//' <<<"$line")"
      case "$line" in
        "(pass) "*) ok "bun: $name" ;;
        "(fail) "*) ko "bun: $name" ;;
        "(skip) "* | "(todo) "*) sk "bun: $name" ;;
      esac
    # Bun repeats the failures in a summary after "N tests failed:".
    done < <(sed -E '/^[0-9]+ tests? failed:/,$d' "$out" |
      grep -E '^\((pass|fail|skip|todo)\) ')
    if ! grep -qE '^\((pass|fail)\) ' "$out"; then
      tail -30 "$out"; ko "bun: no test ran (exit $rc, see _logs/20-rust/bun.out)"
    elif [ "$rc" -ne 0 ] && ! grep -qE '^\(fail\) ' "$out"; then
      tail -30 "$out"; ko "bun: exit $rc with no failing test"
    fi
  else
    sk "bun: not installed (./dev installs it into _tools/npm)"
  fi

  if command -v deno >/dev/null; then
    tap="$LOG/deno.tap"
    (cd "$RUST/examples/napi-addon" &&
      deno test -A --v8-flags=--expose-gc --reporter=tap test/) \
      >"$tap" 2>"$LOG/deno.err"
    count_tap "$tap" deno $?
  else
    sk "deno: not installed (./dev installs it into _tools/npm)"
  fi
else
  sk "node, bun, deno: addon tests (the addon did not build)"
fi

finish
