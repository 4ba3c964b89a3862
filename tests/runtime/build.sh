#!/usr/bin/env bash
# Builds the test addon against the staged libextref:
#   build/extref_test.node       the addon
#   build/extref_test_copy.node  a second copy (another inode), which the
#                                dynamic loader maps separately: scenario 11
# Rebuilds only when a source, the header or the library is newer.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${EXTREF_ROOT:-$(cd "$HERE/../.." && pwd)}"
STAGE="${EXTREF_STAGE:-$ROOT/_stage}"
PKG_CONFIG_PATH="$STAGE/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
OUT="$HERE/build"
ADDON="$OUT/extref_test.node"
COPY="$OUT/extref_test_copy.node"
SRC=("$HERE/addon/extref_test.c" "$HERE/addon/probe.inc")
CC="${CC:-cc}"

if ! pkg-config --exists extref; then
  echo "build.sh: pkg-config cannot find extref (is $STAGE built?)" >&2
  exit 1
fi
LIBDIR="$(pkg-config --variable=libdir extref)"
INCDIR="$(pkg-config --variable=includedir extref)"
mkdir -p "$OUT"

stale=0
[ -f "$ADDON" ] || stale=1
for f in "${SRC[@]}" "$INCDIR/extref.h" "$LIBDIR/libextref.so.1" "$0"; do
  [ -e "$f" ] && [ "$f" -nt "$ADDON" ] && stale=1
done
if [ "$stale" = 1 ]; then
  # shellcheck disable=SC2046
  "$CC" -std=c11 -Wall -Wextra -Werror -g -O1 -shared -fPIC \
    -I/usr/include/node $(pkg-config --cflags extref) \
    -o "$ADDON.tmp" "$HERE/addon/extref_test.c" \
    $(pkg-config --libs extref) -Wl,-rpath,"$LIBDIR" -lpthread
  mv -f "$ADDON.tmp" "$ADDON"
  rm -f "$COPY"
fi
# A real copy, not a link: a new inode makes dlopen load it again.
[ -f "$COPY" ] || cp "$ADDON" "$COPY"
