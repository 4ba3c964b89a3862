#!/usr/bin/env bash
# Builds the test addon against the staged libextref:
#   build/extref_test.node       the addon
#   build/extref_test_copy.node  a second copy (another inode), which the
#                                dynamic loader maps separately: scenario 11
#   build/extref_owner.node      a second addon with its own type, loaded
#                                only in a Worker: scenario 15
#   build/extref_bundled.node    an addon with its own copy of libextref,
#                                compiled from src/*.c into a static archive
#                                and linked with --exclude-libs,ALL and
#                                -fvisibility=hidden: scenario 17 (checked:
#                                it exports no extref_ symbol)
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

# Scenario 15: the owner addon, linked like the main one.
OWNER="$OUT/extref_owner.node"
if [ ! -f "$OWNER" ] || [ "$HERE/addon/owner_addon.c" -nt "$OWNER" ] ||
    [ "$INCDIR/extref.h" -nt "$OWNER" ] ||
    [ "$LIBDIR/libextref.so.1" -nt "$OWNER" ] || [ "$0" -nt "$OWNER" ]; then
  # shellcheck disable=SC2046
  "$CC" -std=c11 -Wall -Wextra -Werror -g -O1 -shared -fPIC \
    -I/usr/include/node $(pkg-config --cflags extref) \
    -o "$OWNER.tmp" "$HERE/addon/owner_addon.c" \
    $(pkg-config --libs extref) -Wl,-rpath,"$LIBDIR" -lpthread
  mv -f "$OWNER.tmp" "$OWNER"
fi

# Scenario 17: a second copy of the library, from its own sources (the
# flags of Makefile.am: src/ needs no configure-generated define), in a
# static archive whose symbols the addon keeps to itself.
BUNDLED="$OUT/extref_bundled.node"
LIBSRC=("$ROOT"/src/*.c)
stale=0
[ -f "$BUNDLED" ] || stale=1
for f in "${LIBSRC[@]}" "$ROOT"/src/*.h "$ROOT/include/extref.h" \
    "$HERE/addon/bundled_addon.c" "$0"; do
  [ "$f" -nt "$BUNDLED" ] && stale=1
done
if [ "$stale" = 1 ]; then
  OBJ="$OUT/bundled-obj"
  rm -rf "$OBJ"
  mkdir -p "$OBJ"
  for f in "${LIBSRC[@]}"; do
    "$CC" -std=c11 -g -O1 -fPIC -fvisibility=hidden -pthread \
      -D_GNU_SOURCE -DEXTREF_BUILDING -I"$ROOT/include" -I"$ROOT/src" \
      -I/usr/include/node -c -o "$OBJ/$(basename "$f" .c).o" "$f"
  done
  rm -f "$OBJ/libextref_bundled.a"
  ar rcs "$OBJ/libextref_bundled.a" "$OBJ"/*.o
  "$CC" -std=c11 -Wall -Wextra -Werror -g -O1 -shared -fPIC \
    -fvisibility=hidden -I/usr/include/node -I"$ROOT/include" \
    -o "$BUNDLED.tmp" "$HERE/addon/bundled_addon.c" \
    "$OBJ/libextref_bundled.a" -Wl,--exclude-libs,ALL -lpthread -ldl
  if nm -D --defined-only "$BUNDLED.tmp" | grep -E ' extref_'; then
    echo "build.sh: $BUNDLED exports extref_ symbols (above)" >&2
    rm -f "$BUNDLED.tmp"
    exit 1
  fi
  if readelf -d "$BUNDLED.tmp" | grep -q 'libextref'; then
    echo "build.sh: $BUNDLED links libextref.so; it must carry its own" >&2
    rm -f "$BUNDLED.tmp"
    exit 1
  fi
  mv -f "$BUNDLED.tmp" "$BUNDLED"
fi
