#!/usr/bin/env bash
# What `./dev demo` runs after building the library: builds the example
# addon against the staged libextref, then tells the story in demo.mjs.
#   examples/run-demo.sh [node|bun|deno]      (default: node)
# Exits non-zero when the build fails or any claim of the story is false.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${EXTREF_ROOT:-$(cd "$here/.." && pwd)}"
stage="${EXTREF_STAGE:-$root/_stage}"
export PKG_CONFIG_PATH="$stage/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
# Bun and Deno come from npm into _tools/npm (./dev installs them).
export PATH="$PATH:$root/_tools/npm/bin"

addon="$("$here/addon/build.sh")"
export EXTREF_DEMO_ADDON="$addon"
case "${1:-node}" in
  node) exec node --expose-gc "$here/demo.mjs" ;;
  bun)  exec bun "$here/demo.mjs" ;;
  deno) exec deno run --quiet --allow-read --allow-env --allow-ffi \
          --v8-flags=--expose-gc "$here/demo.mjs" ;;
  *) echo "usage: $0 [node|bun|deno]" >&2; exit 2 ;;
esac
