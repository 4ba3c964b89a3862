#!/usr/bin/env bash
# Builds what the benchmark runs, into bench/_out/ (ignored):
#   bench.node   the C bench addon (bench/native/bench.c), linked against the
#                staged libextref found through pkg-config;
#   naa.node     the node-addon-api (C++) peer addon (bench/naa/addon.cc),
#                against bindings/cpp/node_modules/node-addon-api (installed
#                with `npm ci` from bindings/cpp/package-lock.json when
#                missing);
#   napirs.node  the napi-rs 3 peer addon (bench/napi-rs/);
#   neon.node    the Neon 1.x peer addon (bench/neon/);
#   rust.node    the extref crate used from Rust (bench/rust/), linked
#                against the staged libextref.
# The Rust addons are built with cargo --locked, CARGO_TARGET_DIR=
# bench/target, -j2. When cargo is missing they are skipped (the benchmark
# says so); a failing cargo build fails this script. When g++ or
# node-addon-api is missing the node-addon-api peer is skipped. Idempotent
# and incremental.
set -uo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${BENCH_OUT:-$BENCH/_out}"
mkdir -p "$OUT"
log() { printf 'bench-build: %s\n' "$*" >&2; }

if ! pkg-config --exists extref; then
  log "pkg-config does not find extref (PKG_CONFIG_PATH=${PKG_CONFIG_PATH:-})"
  log "build the library first: ./dev build"
  exit 1
fi
NODE_PREFIX="$(dirname "$(dirname "$(command -v node)")")"
NODE_INC="${NODE_INCLUDE:-$NODE_PREFIX/include/node}"
[ -f "$NODE_INC/node_api.h" ] || NODE_INC=/usr/include/node
LIBDIR="$(pkg-config --variable=libdir extref)"
CC="${CC:-gcc}"

# The lean reference model (not libextref), a shared library of its own.
lean="$OUT/liblean.so"
if [ ! -f "$lean" ] || [ "$BENCH/native/lean.c" -nt "$lean" ]; then
  log "compiling $BENCH/native/lean.c"
  "$CC" -std=c11 -O2 -g -Wall -Wextra -fPIC -shared -fvisibility=hidden \
    -I"$NODE_INC" "$BENCH/native/lean.c" -o "$lean.tmp" || exit 1
  mv "$lean.tmp" "$lean"
fi

# The C addon: rebuilt when its source, the header or a library changed.
addon="$OUT/bench.node"
src="$BENCH/native/bench.c"
hdr="$(pkg-config --variable=includedir extref)/extref.h"
if [ ! -f "$addon" ] || [ "$src" -nt "$addon" ] || [ "$hdr" -nt "$addon" ] ||
   [ "$LIBDIR/libextref.so.1" -nt "$addon" ] || [ "$lean" -nt "$addon" ]; then
  log "compiling $src"
  # shellcheck disable=SC2046
  "$CC" -std=c11 -O2 -g -Wall -Wextra -fPIC -shared \
    -DNODE_GYP_MODULE_NAME=extref_bench -I"$NODE_INC" \
    $(pkg-config --cflags extref) "$src" -o "$addon.tmp" \
    $(pkg-config --libs extref) -L"$OUT" -llean \
    -Wl,-rpath,"$LIBDIR" -Wl,-rpath,'$ORIGIN' -pthread || exit 1
  mv "$addon.tmp" "$addon"
fi

# The peers.
if [ "${BENCH_NO_PEERS:-0}" = 1 ]; then
  log "BENCH_NO_PEERS=1: not building the Rust and node-addon-api addons"
  rm -f "$OUT/napirs.node" "$OUT/neon.node" "$OUT/rust.node" "$OUT/naa.node"
  exit 0
fi

# node-addon-api (C++): headers from bindings/cpp's npm lock.
CPP="$(dirname "$BENCH")/bindings/cpp"
NAA="$CPP/node_modules/node-addon-api"
CXX="${CXX:-g++}"
if [ ! -f "$NAA/napi.h" ] && command -v npm >/dev/null 2>&1; then
  log "installing node-addon-api (npm ci in $CPP)"
  npm ci --prefix "$CPP" --no-audit --no-fund --loglevel=error \
    --prefer-offline >&2 || log "npm ci failed"
fi
naa="$OUT/naa.node"
if ! command -v "$CXX" >/dev/null 2>&1 || [ ! -f "$NAA/napi.h" ]; then
  log "no $CXX or no node-addon-api in $NAA: the node-addon-api peer is skipped"
  rm -f "$naa"
elif [ ! -f "$naa" ] || [ "$BENCH/naa/addon.cc" -nt "$naa" ]; then
  log "compiling $BENCH/naa/addon.cc"
  "$CXX" -std=c++17 -O2 -g -Wall -fPIC -shared -DNAPI_VERSION=8 \
    -DNAPI_CPP_EXCEPTIONS -DNODE_GYP_MODULE_NAME=extref_bench_naa \
    -I"$NODE_INC" -I"$NAA" "$BENCH/naa/addon.cc" -o "$naa.tmp" || exit 1
  mv "$naa.tmp" "$naa"
fi

if ! command -v cargo >/dev/null 2>&1; then
  log "cargo not found: the napi-rs, Neon and Rust (extref crate) addons are skipped"
  rm -f "$OUT/napirs.node" "$OUT/neon.node" "$OUT/rust.node"
  exit 0
fi
export CARGO_TARGET_DIR="$BENCH/target"
start=$(date +%s)
if ! (cd "$BENCH" && cargo build --release --locked -j2 -q \
        -p extref-bench-napirs -p extref-bench-neon -p extref-bench-rust); then
  log "cargo build of the Rust addons failed"
  rm -f "$OUT/napirs.node" "$OUT/neon.node" "$OUT/rust.node"
  exit 1
fi
secs=$(( $(date +%s) - start ))
[ "$secs" -gt 5 ] && log "cargo build of the Rust addons took ${secs} s"
for pair in napirs:libextref_bench_napirs.so neon:libextref_bench_neon.so \
            rust:libextref_bench_rust.so; do
  name="${pair%%:*}"; lib="$CARGO_TARGET_DIR/release/${pair#*:}"
  if [ ! -f "$OUT/$name.node" ] || [ "$lib" -nt "$OUT/$name.node" ]; then
    cp "$lib" "$OUT/$name.node.tmp" &&
      mv "$OUT/$name.node.tmp" "$OUT/$name.node"
  fi
done
exit 0
