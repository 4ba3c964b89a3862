#!/usr/bin/env bash
# What `./dev demo` runs after building the library: builds the example
# addon against the staged libextref, then tells the story in demo.mjs.
# Exits non-zero when the build fails or any claim of the story is false.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${EXTREF_ROOT:-$(cd "$here/.." && pwd)}"
stage="${EXTREF_STAGE:-$root/_stage}"
export PKG_CONFIG_PATH="$stage/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

addon="$("$here/addon/build.sh")"
EXTREF_DEMO_ADDON="$addon" exec node --expose-gc "$here/demo.mjs"
