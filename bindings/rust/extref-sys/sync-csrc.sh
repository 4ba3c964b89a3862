#!/usr/bin/env bash
# Writes csrc/: the library's C sources, its public header and the Node-API
# headers they include, for the `bundled` feature of a packaged crate
# (crates.io has no repository around the crate). git ignores csrc/;
# Cargo.toml's `include` ships it. Run before `cargo package`.
#   sync-csrc.sh          write csrc/ from ../../../src, ../../../include
#                         and the Node-API headers of $NODE_API_INCLUDE
#                         (default /usr/include/node)
#   sync-csrc.sh --check  exit 1 unless csrc/ equals the repository's files
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
NODE_API_INCLUDE="${NODE_API_INCLUDE:-/usr/include/node}"
NAPI_H=(node_api.h node_api_types.h js_native_api.h js_native_api_types.h)
OUT="$HERE/csrc"

if [ "${1:-}" = --check ]; then
  rc=0
  diff -r "$ROOT/src" "$OUT/src" || rc=1
  diff "$ROOT/include/extref.h" "$OUT/include/extref.h" || rc=1
  exit $rc
fi

rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp/src" "$OUT.tmp/include" "$OUT.tmp/node-api"
cp "$ROOT"/src/*.c "$ROOT"/src/*.h "$OUT.tmp/src/"
cp "$ROOT/include/extref.h" "$OUT.tmp/include/"
for h in "${NAPI_H[@]}"; do
  cp "$NODE_API_INCLUDE/$h" "$OUT.tmp/node-api/"
done
cat >"$OUT.tmp/node-api/README" <<TXT
Node-API C headers, copied from $NODE_API_INCLUDE (Node.js
$(node --version 2>/dev/null || echo unknown)) by sync-csrc.sh. The library resolves every
Node-API function at run time; it needs these for the types only.
Copyright Node.js contributors, MIT licence (https://github.com/nodejs/node/blob/main/LICENSE).
TXT
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
echo "csrc/: $(ls "$OUT/src" | wc -l) library files, extref.h, ${#NAPI_H[@]} Node-API headers"
