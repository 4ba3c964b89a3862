#!/usr/bin/env bash
# Builds the demo addon, counter.node, against the installed libextref that
# pkg-config finds (after `./dev build`: the stage in _stage/), into
# $EXTREF_BUILD/examples (default _build/examples, outside the source tree)
# and prints its path. The rpath points at the library's directory, so node
# finds libextref.so.1 without LD_LIBRARY_PATH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export PKG_CONFIG_PATH="$root/_stage/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
out="${EXTREF_BUILD:-$root/_build}/examples"
node_include="${NODE_INCLUDE:-/usr/include/node}"

if ! pkg-config --exists extref; then
  echo "build.sh: pkg-config cannot find extref; run ./dev build first" >&2
  exit 1
fi
libdir="$(pkg-config --variable=libdir extref)"
mkdir -p "$out"
${CC:-cc} -std=c11 -Wall -Wextra -O2 -g -shared -fPIC -pthread \
  -I"$node_include" "$here/counter.c" \
  $(pkg-config --cflags --libs extref) -Wl,-rpath,"$libdir" \
  -o "$out/counter.node"
echo "$out/counter.node"
