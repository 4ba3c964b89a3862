#!/usr/bin/env bash
# Suite 23: scenario 11, cross-addon and cross-language sharing. One Node.js
# process loads the Rust addon (bindings/rust, the creator of the shared
# Counter), the C++ addon (bindings/cpp) and the Zig addon (bindings/zig);
# tests/cross/cross.test.mjs checks that they map one libextref, that the
# borrow rules hold across them, that the creator's drop runs exactly once,
# and that a same-tag type of another layout is refused; under Node.js, then
# Bun and Deno.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cross/lib.sh"
need_stage

RUST="$EXTREF_ROOT/bindings/rust"
RUST_ADDON="$RUST/build/extref_rust_addon.node"
CPP="$EXTREF_ROOT/bindings/cpp"
CPP_ADDON="$CPP/build/extref_cpp.node"
ZIGDIR="$EXTREF_ROOT/bindings/zig"
ZIG_ADDON="$ZIGDIR/zig-out/lib/extref_zig.node"

# The Rust addon: suite 20 builds it; build it here only when it is missing
# (the same commands as bindings/rust/README.md).
if [ ! -f "$RUST_ADDON" ]; then
  build_rust() {
    (cd "$RUST" && CARGO_TARGET_DIR="$RUST/target" \
      cargo build --locked --release -j2 -p extref-napi-addon) &&
      mkdir -p "$RUST/build" &&
      cp "$RUST/target/release/libextref_rust_addon.so" "$RUST_ADDON"
  }
  check "build_rust_addon" build_rust
fi

# The C++ addon (a few seconds with g++).
build_cpp() {
  mkdir -p "$CPP/build" &&
    g++ -std=c++17 -Wall -Wextra -pedantic -Werror -O1 -g -fPIC -shared \
      -I"$EXTREF_ROOT/include" -isystem /usr/include/node \
      -o "$CPP_ADDON" "$CPP/addon.cc" $(pkg-config --libs extref) \
      -Wl,-rpath,"$EXTREF_STAGE/lib"
}
check "build_cpp_addon" build_cpp

# The Zig addon (cached by zig when nothing changed).
build_zig() {
  (cd "$ZIGDIR" && "$EXTREF_ROOT/_tools/py/bin/python" -m ziglang build -j2)
}
check "build_zig_addon" build_zig

for f in "$RUST_ADDON" "$CPP_ADDON" "$ZIG_ADDON"; do
  links_stage "$(basename "$f")_links_staged_libextref" "$f"
done

export EXTREF_RUST_ADDON="$RUST_ADDON" EXTREF_CPP_ADDON="$CPP_ADDON"
export EXTREF_ZIG_ADDON="$ZIG_ADDON"
CROSS="$EXTREF_ROOT/tests/cross/cross.test.mjs"
node_tests "$CROSS"
# The same file under Bun and Deno, each case prefixed with the runtime.
runtime_tests bun "$CROSS"
runtime_tests deno "$CROSS"
finish
