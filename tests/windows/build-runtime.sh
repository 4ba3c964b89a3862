#!/usr/bin/env bash
# build-runtime.sh LIBOUT RUNTIMEDIR: the Windows (x86_64-windows-gnu)
# builds that tests/runtime needs, with zig cc (ZIG="python -m ziglang" or a
# zig binary in $ZIG):
#   LIBOUT/extref.dll, LIBOUT/libextref.dll.a  the library from src/ (the
#       flags of Makefile.am; exports only what EXTREF_EXTERN marks)
#   RUNTIMEDIR/build/extref_test.node, extref_test_copy.node (another file,
#       so LoadLibrary maps it again), extref_owner.node, extref_bundled.node
#       (its own copy of the library: src/*.c with EXTREF_EXTERN empty and
#       -fvisibility=hidden; checked to export no extref_ function), and
#       extref.dll next to them.
# The addons call napi_* directly (BUILDING_NODE_EXTENSION, dllimport) and
# bind them through tests/windows/gen-napi.sh's napi_host.c: from whatever
# executable hosts them, with no import library of node.exe or deno.exe.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${EXTREF_ROOT:-$(cd "$HERE/../.." && pwd)}"
LIBOUT="${1:?usage: build-runtime.sh LIBOUT RUNTIMEDIR}"
RT="${2:?usage: build-runtime.sh LIBOUT RUNTIMEDIR}"
NAPI_INC="${EXTREF_NODE_API_INCLUDE:-/usr/include/node}"
read -ra ZIGCMD <<<"${ZIG:-$ROOT/_tools/py/bin/python -m ziglang}"
wcc() { "${ZIGCMD[@]}" cc -target x86_64-windows-gnu "$@"; }
OBJDUMP="${OBJDUMP:-x86_64-w64-mingw32-objdump}"
mkdir -p "$LIBOUT" "$RT/build"

# The library.
wcc -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Werror -O2 -g \
  -fvisibility=hidden -D_GNU_SOURCE -DEXTREF_BUILDING -I"$ROOT/include" \
  -I"$ROOT/src" -I"$NAPI_INC" -shared -o "$LIBOUT/extref.dll" "$ROOT"/src/*.c \
  -Wl,--out-implib,"$LIBOUT/libextref.dll.a"
exports="$("$OBJDUMP" -p "$LIBOUT/extref.dll" | sed -nE 's/^\s*\[ *[0-9]+\] ([A-Za-z_0-9]+)$/\1/p' | sort)"
want="$(grep -oE '^extref_[a-z_0-9]+' "$ROOT/abi/symbols.txt" 2>/dev/null | sort)"
if [ -n "$want" ] && [ "$exports" != "$want" ]; then
  echo "build-runtime.sh: extref.dll exports differ from abi/symbols.txt:" >&2
  diff <(echo "$want") <(echo "$exports") >&2 || true
  exit 1
fi

# The Node-API binding of every addon.
"$HERE/gen-napi.sh" "$LIBOUT/napi" "$NAPI_INC"
ADDON_FLAGS=(-std=c11 -Wall -Wextra -Werror -g -O1 -shared -DBUILDING_NODE_EXTENSION
  -I"$NAPI_INC" -I"$ROOT/include")
A="$ROOT/tests/runtime/addon"
wcc "${ADDON_FLAGS[@]}" -o "$RT/build/extref_test.node" "$A/extref_test.c" \
  "$LIBOUT/napi/napi_host.c" "$LIBOUT/libextref.dll.a"
cp -f "$RT/build/extref_test.node" "$RT/build/extref_test_copy.node"
wcc "${ADDON_FLAGS[@]}" -o "$RT/build/extref_owner.node" "$A/owner_addon.c" \
  "$LIBOUT/napi/napi_host.c" "$LIBOUT/libextref.dll.a"
OBJ="$LIBOUT/bundled-obj"
rm -rf "$OBJ" && mkdir -p "$OBJ"
for f in "$ROOT"/src/*.c; do
  wcc -std=c11 -g -O1 -fvisibility=hidden -D_GNU_SOURCE -DEXTREF_BUILDING \
    -DEXTREF_EXTERN= -I"$ROOT/include" -I"$ROOT/src" -I"$NAPI_INC" \
    -c -o "$OBJ/$(basename "$f" .c).o" "$f"
done
"${ZIGCMD[@]}" ar rcs "$OBJ/libextref_bundled.a" "$OBJ"/*.o
# Its includer too: without EXTREF_EXTERN empty, extref.h declares the
# functions dllimport, which a static archive cannot satisfy.
wcc "${ADDON_FLAGS[@]}" -fvisibility=hidden -DEXTREF_EXTERN= -o "$RT/build/extref_bundled.node" \
  "$A/bundled_addon.c" "$LIBOUT/napi/napi_host.c" "$OBJ/libextref_bundled.a"
pe="$("$OBJDUMP" -p "$RT/build/extref_bundled.node")"
if grep -E '^\s*\[ *[0-9]+\] extref_' <<<"$pe"; then
  echo "build-runtime.sh: extref_bundled.node exports extref_ functions (above)" >&2
  exit 1
fi
if grep -q 'DLL Name: extref.dll' <<<"$pe"; then
  echo "build-runtime.sh: extref_bundled.node imports extref.dll; it must carry its own" >&2
  exit 1
fi
# Next to the addons: Deno loads an addon with its own directory searched
# for the DLLs it imports.
cp -f "$LIBOUT/extref.dll" "$RT/build/"
rm -f "$RT/build"/*.lib "$RT/build"/*.pdb
