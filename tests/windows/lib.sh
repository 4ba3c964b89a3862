# shellcheck shell=bash
# Sourced by tests/suites/67-windows-runtime.sh and 68-cross-bindings.sh:
# the Windows tools, installed the same way by both (tools.lock pins them).
#   ROOT must be set; sets W (EXTREF_WIN_TOOLS, default _tools/win64), PY,
#   WINE, OBJDUMP, D (the Deno directory), DENO (the deno.exe that runs
#   JavaScript under Wine 8.0) and the WINE* environment.
. "$ROOT/tools.lock"
W="${EXTREF_WIN_TOOLS:-$ROOT/_tools/win64}"
mkdir -p "$W"
W="$(cd "$W" && pwd)"
PY="$ROOT/_tools/py/bin/python"
WINE=/usr/lib/wine/wine64
OBJDUMP=x86_64-w64-mingw32-objdump
D="$W/deno-$DENO_VERSION"
DENO="$D/wine/deno.exe"
BD="$W/bun-$BUN_VERSION"
BUNW="$BD/wine/bun.exe"
export WINEPREFIX="$W/wineprefix" WINEDEBUG="${WINEDEBUG:--all}" WINEDLLOVERRIDES="mscoree,mshtml="

zig() { "$PY" -m ziglang "$@"; }

# win_apt LOG: installs APT_WINDOWS when root; prints what is still missing.
win_apt() {
  local p missing=()
  for p in $APT_WINDOWS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}"; } >"$1" 2>&1
    missing=()
    for p in $APT_WINDOWS; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
  fi
  printf '%s\n' "${missing[@]}"
}

# win_zig LOG: zig ZIGLANG_VERSION in _tools/py (pip), as ./dev installs it.
win_zig() {
  if [ "$(zig version 2>/dev/null)" != "$ZIGLANG_VERSION" ]; then
    { [ -x "$ROOT/_tools/py/bin/pip" ] || python3 -m venv "$ROOT/_tools/py"; } &&
      "$ROOT/_tools/py/bin/pip" install -q "ziglang==$ZIGLANG_VERSION" >"$1" 2>&1
  fi
  [ "$(zig version 2>/dev/null)" = "$ZIGLANG_VERSION" ]
}

# win_deno_fetch LOG: deno.exe of DENO_WIN_PACKAGE@DENO_VERSION (the npm
# package deno@DENO_VERSION installs one of these per-platform packages).
win_deno_fetch() {
  if [ ! -f "$D/package/deno.exe" ]; then
    rm -rf "$D" && mkdir -p "$D" &&
      (cd "$D" && npm pack --silent "$DENO_WIN_PACKAGE@$DENO_VERSION" && tar xzf ./*.tgz && rm -f ./*.tgz) >"$1" 2>&1
  fi
  [ -f "$D/package/deno.exe" ]
}

# win_deno_prepare LOG: D/as-published (deno.exe and the ProcessPrng shim,
# tests/windows/bcryptprimitives.c) and D/wine (the same with V8's lookup
# of "VirtualAlloc2" renamed, one byte: 2 -> X, so that V8 takes its path
# for Windows without VirtualAlloc2), and the Wine prefix.
win_deno_prepare() {
  local shim="$D/shim/bcryptprimitives.dll"
  mkdir -p "$D/shim" "$D/as-published" "$D/wine"
  if [ ! -f "$shim" ] || [ "$ROOT/tests/windows/bcryptprimitives.c" -nt "$shim" ]; then
    zig cc -target x86_64-windows-gnu -shared -O2 -o "$shim" \
      "$ROOT/tests/windows/bcryptprimitives.c" -ladvapi32 >"$1" 2>&1 || return 1
  fi
  [[ "$($OBJDUMP -p "$shim")" == *"] ProcessPrng"* ]] || return 1
  cp -f "$shim" "$D/as-published/" && cp -f "$shim" "$D/wine/" || return 1
  [ -f "$D/as-published/deno.exe" ] || cp "$D/package/deno.exe" "$D/as-published/deno.exe" || return 1
  if [ ! -f "$DENO" ]; then
    perl -0777 -pe 's/VirtualAlloc2\0/VirtualAllocX\0/' "$D/package/deno.exe" >"$DENO.tmp" &&
      [ "$(cmp -l "$D/package/deno.exe" "$DENO.tmp" | wc -l)" = 1 ] &&
      mv "$DENO.tmp" "$DENO" || return 1
  fi
  # A first wine64 run creates the prefix (wineboot), once; the registry
  # files are written when the wineserver ends, so wait for it.
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    timeout 300 "$WINE" wineboot --init >>"$1" 2>&1
    timeout 120 /usr/lib/wine/wineserver64 -w >>"$1" 2>&1
  fi
  [ -d "$WINEPREFIX/drive_c/windows/system32" ]
}

# win_bun_fetch LOG: bun.exe of BUN_WIN_PACKAGE@BUN_VERSION in BD/package,
# and BD/wine: bun.exe with the ProcessPrng shim (win_deno_prepare builds
# it), which is all Bun needs under Wine 8.0 (JavaScriptCore reserves no
# placeholders).
win_bun_fetch() {
  if [ ! -f "$BD/package/bin/bun.exe" ]; then
    rm -rf "$BD" && mkdir -p "$BD" &&
      (cd "$BD" && npm pack --silent "$BUN_WIN_PACKAGE@$BUN_VERSION" && tar xzf ./*.tgz && rm -f ./*.tgz) >"$1" 2>&1
  fi
  [ -f "$BD/package/bin/bun.exe" ] && [ -f "$D/shim/bcryptprimitives.dll" ] || return 1
  mkdir -p "$BD/wine" && cp -f "$D/shim/bcryptprimitives.dll" "$BD/wine/" &&
    { [ -f "$BUNW" ] || cp "$BD/package/bin/bun.exe" "$BUNW"; }
}

# win_path PATH: the Windows name of a Linux path (Wine's drive Z: is /).
win_path() { printf 'Z:%s' "$1"; }

# win_stop: ends this prefix's wineserver (and with it its processes), and
# removes what deno.exe leaves behind under Wine: copies of itself (93 MB)
# named DENO_DIR\node_compat_bin\node.exe.tmp-PID, apparently a failed
# replacement of the node.exe there.
win_stop() {
  [ -x /usr/lib/wine/wineserver64 ] && /usr/lib/wine/wineserver64 -k >/dev/null 2>&1
  rm -f "$WINEPREFIX"/drive_c/users/*/AppData/Local/deno/node_compat_bin/node.exe.tmp-*
  return 0
}
