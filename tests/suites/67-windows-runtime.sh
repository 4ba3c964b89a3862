#!/usr/bin/env bash
# Suite 67: the Windows (x86_64) side at run time, under Debian's wine64,
# with the Windows Deno from npm (tools.lock: DENO_WIN_PACKAGE at
# DENO_VERSION). What it finds is written up in tests/windows/README.md.
#   1. deno.exe under wine64: --version; Wine 8.0 has no
#      bcryptprimitives.dll (Rust's std imports ProcessPrng from it), so a
#      small one (tests/windows/bcryptprimitives.c) goes next to deno.exe;
#      V8 then stops at its first subspace reservation (VirtualAlloc2 with
#      MEM_RESERVE_PLACEHOLDER, which Wine 8.0 refuses), unless deno.exe's
#      lookup of "VirtualAlloc2" is renamed in a copy so that V8 takes its
#      own path for Windows without VirtualAlloc2. Both failures are checked
#      to still be the diagnosed ones, then a plain script runs.
#   2. How an addon binds to the napi_* functions deno.exe exports: a
#      minimal pure Node-API addon (tests/windows/napi-min) built with
#      zig cc for x86_64-windows-gnu five ways, each with its expected
#      outcome (import library naming deno.exe: loads; naming node.exe:
#      refused by Deno; node.exe delay-loaded with node-gyp's hook: the
#      MinGW delay IAT is read-only, crash; GetProcAddress on the host:
#      loads; import slots filled from the host, tests/windows/gen-napi.sh:
#      loads).
#   3. libextref on Windows: the library (src/) built as extref.dll with
#      zig cc, the tests/runtime addons against it, and tests/runtime under
#      Deno on Wine, file by file, as far as it goes; then the same under
#      Bun for Windows (tools.lock: BUN_WIN_PACKAGE at BUN_VERSION), which
#      needs only the ProcessPrng shim (parts 1 and 2 cover it too).
# Installs what it needs when root (tools.lock: APT_WINDOWS); the Windows
# tools go to EXTREF_WIN_TOOLS (default _tools/win64). Ends with "N passed,
# N failed, N skipped".
set -uo pipefail
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
TW="$ROOT/tests/windows"
. "$TW/lib.sh"
LOGS="$ROOT/_logs/67-windows-runtime"
TARGET=x86_64-windows-gnu
mkdir -p "$LOGS"
pass=0; fail=0; skip=0
ok()   { pass=$((pass + 1)); echo "ok      - $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL    - $1"; [ -n "${2:-}" ] && [ -f "$2" ] && tail -n "${3:-20}" "$2" | sed 's/^/          | /'; return 0; }
skipped() { skip=$((skip + 1)); echo "skipped - $1 ($2)"; }
note() { echo "          $*"; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/extref-win.XXXXXX")"
finish() {
  win_stop
  rm -rf "$WORK"
  echo "$pass passed, $fail failed, $skip skipped"
  [ "$fail" -eq 0 ]
  exit
}
trap 'rm -rf "$WORK"' EXIT

echo "suite 67-windows-runtime: Deno for Windows under wine64, Node-API binding, libextref's runtime tests"

# ---- 0. What it needs. ----
missing="$(win_apt "$LOGS/apt.log")"
if [ -n "$missing" ]; then
  skipped "everything under Wine" "missing: apt-get install $(echo $missing)"
  finish
fi
if ! win_zig "$LOGS/pip.log"; then
  bad "zig $ZIGLANG_VERSION (pip install ziglang==$ZIGLANG_VERSION into _tools/py)" "$LOGS/pip.log"
  finish
fi
wcc() { zig cc -target "$TARGET" "$@"; }
ok "tools: $($WINE --version), zig $ZIGLANG_VERSION (cc -target $TARGET), $($OBJDUMP --version | head -1)"
if ! win_deno_fetch "$LOGS/npm.log"; then
  bad "npm pack $DENO_WIN_PACKAGE@$DENO_VERSION" "$LOGS/npm.log"
  finish
fi
ok "npm pack $DENO_WIN_PACKAGE@$DENO_VERSION: deno.exe, $($OBJDUMP -p "$D/package/deno.exe" | grep -c -E '^\s*\[ *[0-9]+\] (napi|node_api)_') Node-API functions in its export table"
if ! win_deno_prepare "$LOGS/prepare.log"; then
  bad "deno.exe with the ProcessPrng shim (zig cc), its VirtualAlloc2-less copy, the Wine prefix" "$LOGS/prepare.log"
  finish
fi
ok "bcryptprimitives.dll (ProcessPrng over RtlGenRandom, zig cc) next to deno.exe; a copy of deno.exe without the VirtualAlloc2 lookup; Wine prefix $WINEPREFIX"

# ---- 1. deno.exe under wine64. ----
# The package as published: bcryptprimitives.dll is missing in Wine 8.0.
"$WINE" "$D/package/deno.exe" --version >"$LOGS/deno-plain-version.log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
  ok "deno.exe --version runs as published: $(head -1 "$LOGS/deno-plain-version.log")"
else
  WINEDEBUG=err+module "$WINE" "$D/package/deno.exe" --version >"$LOGS/deno-plain-version.log" 2>&1
  if grep -q 'bcryptprimitives.dll (which is needed by' "$LOGS/deno-plain-version.log"; then
    ok "deno.exe as published does not start (exit $rc), as diagnosed: $(grep -o 'Library bcryptprimitives.dll.*not found' "$LOGS/deno-plain-version.log" | head -1 | cut -c1-60)..."
  else
    bad "deno.exe as published: exit $rc, not for the diagnosed reason" "$LOGS/deno-plain-version.log"
  fi
fi
v="$("$WINE" "$D/as-published/deno.exe" --version 2>&1 | head -1)"
if [ "${v%% (*}" = "deno $DENO_VERSION" ]; then
  ok "deno.exe --version under wine64 with the shim: $v"
else
  bad "deno.exe --version under wine64 with the shim (got '$v')"
fi
cat >"$WORK/hello.js" <<'EOF'
console.log(`hello from ${Deno.build.target}, ${1 + 2}`);
EOF
cd "$WORK" || finish
"$WINE" "$D/as-published/deno.exe" run "$WORK/hello.js" >"$LOGS/deno-as-published-js.log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
  ok "deno.exe (with the shim, unpatched) runs a plain script: $(head -1 "$LOGS/deno-as-published-js.log")"
elif grep -q 'Fatal process out of memory: SegmentedTable::InitializeTable (subspace allocation)' "$LOGS/deno-as-published-js.log"; then
  ok "deno.exe (with the shim, unpatched) stops on a plain script (exit $rc), as diagnosed: 'Fatal process out of memory: SegmentedTable::InitializeTable (subspace allocation)' (Wine 8.0: VirtualAlloc2 MEM_RESERVE_PLACEHOLDER)"
else
  bad "deno.exe (with the shim, unpatched) on a plain script: exit $rc, not for the diagnosed reason" "$LOGS/deno-as-published-js.log"
fi
out="$("$WINE" "$DENO" run "$WORK/hello.js" 2>&1)"
if [ "$out" = "hello from x86_64-pc-windows-msvc, 3" ]; then
  ok "deno.exe without VirtualAlloc2 runs a plain script under wine64: $out"
else
  printf '%s\n' "$out" >"$LOGS/deno-js.log"
  bad "deno.exe without VirtualAlloc2 runs a plain script under wine64" "$LOGS/deno-js.log"
  finish
fi
# Bun for Windows: the same missing bcryptprimitives.dll, nothing else.
RUNTIMES=(deno)
if win_bun_fetch "$LOGS/npm-bun.log"; then
  ok "npm pack $BUN_WIN_PACKAGE@$BUN_VERSION: bun.exe, $($OBJDUMP -p "$BD/package/bin/bun.exe" | grep -c -E '^\s*\[ *[0-9]+\] (napi|node_api)_') Node-API functions in its export table"
  "$WINE" "$BD/package/bin/bun.exe" --version >"$LOGS/bun-plain-version.log" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then
    ok "bun.exe --version runs as published: $(head -1 "$LOGS/bun-plain-version.log")"
  else
    WINEDEBUG=err+module "$WINE" "$BD/package/bin/bun.exe" --version >"$LOGS/bun-plain-version.log" 2>&1
    if grep -q 'bcryptprimitives.dll (which is needed by' "$LOGS/bun-plain-version.log"; then
      ok "bun.exe as published does not start (exit $rc), as diagnosed: bcryptprimitives.dll not found"
    else
      bad "bun.exe as published: exit $rc, not for the diagnosed reason" "$LOGS/bun-plain-version.log"
    fi
  fi
  echo 'console.log(`hello from ${process.platform} ${process.arch}, ${1 + 2}`);' >"$WORK/hello-bun.js"
  v="$("$WINE" "$BUNW" --version 2>&1 | head -1)"
  out="$("$WINE" "$BUNW" "$WORK/hello-bun.js" 2>&1)"
  if [ "$v" = "$BUN_VERSION" ] && [ "$out" = "hello from win32 x64, 3" ]; then
    ok "bun.exe $v with the shim runs a plain script under wine64: $out"
    RUNTIMES+=(bun)
  else
    printf '%s\n%s\n' "$v" "$out" >"$LOGS/bun-js.log"
    bad "bun.exe with the shim runs a plain script under wine64" "$LOGS/bun-js.log"
  fi
else
  bad "npm pack $BUN_WIN_PACKAGE@$BUN_VERSION" "$LOGS/npm-bun.log"
fi

# ---- 2. A minimal Node-API addon, bound five ways. ----
M="$WORK/napi-min"
mkdir -p "$M"
"$TW/gen-napi.sh" "$M" >"$LOGS/gen-napi.log" 2>&1 || bad "tests/windows/gen-napi.sh" "$LOGS/gen-napi.log"
(cd "$M" && zig dlltool -d deno.def -l deno_exe.lib -m i386:x86-64 &&
  zig dlltool -d node.def -l node_exe.lib -m i386:x86-64 &&
  x86_64-w64-mingw32-dlltool -d node.def -y node_exe_delay.a -m i386:x86-64) >"$LOGS/implib.log" 2>&1 ||
  bad "import libraries (zig dlltool; binutils dlltool -y for the delay one)" "$LOGS/implib.log"
addon() { # NAME SOURCES/FLAGS...
  local n="$1"; shift
  wcc -shared -O2 -std=c11 -Wall -Wextra -Werror -I/usr/include/node -o "$M/$n.node" "$@" >"$LOGS/build-$n.log" 2>&1
}
S="$TW/napi-min"
addon deno_implib -DBUILDING_NODE_EXTENSION "$S/hello.c" "$M/deno_exe.lib"
addon node_implib -DBUILDING_NODE_EXTENSION "$S/hello.c" "$M/node_exe.lib"
addon node_delay_hook -DBUILDING_NODE_EXTENSION "$S/hello.c" "$S/delay_hook.c" "$M/node_exe_delay.a"
addon host_runtime "$S/hello_runtime.c"
addon host_slots -DBUILDING_NODE_EXTENSION "$S/hello.c" "$M/napi_host.c"
# One process per addon: a crash in one does not hide the others.
load() { # RUNTIME NAME
  case "$1" in
    deno) (cd "$M" && timeout -k 5 60 "$WINE" "$DENO" run --allow-ffi --allow-read --allow-env "$S/load.mjs" "$M/$2.node" 2>&1) ;;
    bun) (cd "$M" && timeout -k 5 60 "$WINE" "$BUNW" "$S/load.mjs" "$M/$2.node" 2>&1) ;;
  esac
}
for rt in "${RUNTIMES[@]}"; do
  for n in deno_implib node_implib node_delay_hook host_runtime host_slots; do
    if [ ! -f "$M/$n.node" ]; then bad "minimal addon $n: build" "$LOGS/build-$n.log"; continue; fi
    imports="$($OBJDUMP -p "$M/$n.node" | sed -nE 's/.*DLL Name: (deno.exe|node.exe)/\1/p' | tr "\n" " " | sed "s/ $//")"
    out="$(load "$rt" "$n")"; rc=$?
    printf '%s\n(exit %s)\n' "$out" "$rc" >"$LOGS/load-$rt-$n.log"
    line="$(grep -E '^(LOADED|ERROR) ' <<<"$out" | head -1)"
    what="minimal addon $n (imports: ${imports:-none}) in $rt.exe on Wine"
    case "$rt:$n" in
      *:host_runtime|*:host_slots|deno:deno_implib)
        if [[ "$line" == LOADED* ]]; then
          ok "$what loads: ${line#LOADED $M/}"
        else
          bad "$what loads (exit $rc)" "$LOGS/load-$rt-$n.log"
        fi ;;
      deno:node_implib)
        if [[ "$line" == *"it links directly against the Node.js binary (node.exe)"* ]]; then
          ok "$what is refused, as expected: $(cut -c1-150 <<<"${line#ERROR $M/}")..."
        else
          bad "$what: Deno's refusal of a plain node.exe import (exit $rc)" "$LOGS/load-$rt-$n.log"
        fi ;;
      bun:deno_implib|bun:node_implib)
        # No module of that name in a bun.exe process: the loader looks for
        # the file and finds none.
        if [[ "$line" == *"LoadLibrary failed: Module not found"* ]]; then
          ok "$what does not load, as expected: ${line#ERROR $M/}"
        else
          bad "$what: LoadLibrary's 'Module not found' (exit $rc)" "$LOGS/load-$rt-$n.log"
        fi ;;
      *:node_delay_hook)
        # MinGW's delay import library keeps its IAT in .idata$5 without the
        # write flag; the linker puts it in read-only .rdata, and the delay
        # helper's write into it faults on the first napi_* call.
        if [[ "$line" == LOADED* ]]; then
          ok "$what (node.exe delay-loaded, node-gyp's hook) loads: ${line#LOADED $M/}"
        elif f="$(grep -oE 'Unhandled page fault on write access to [0-9A-F]+|Segmentation fault at address 0x[0-9A-Fa-f]+' <<<"$out" | head -1)" && [ -n "$f" ]; then
          ok "$what (node.exe delay-loaded, node-gyp's hook) faults as diagnosed (MinGW delay IAT in read-only .rdata): $f"
        else
          bad "$what (node.exe delay-loaded): exit $rc, not the diagnosed fault" "$LOGS/load-$rt-$n.log"
        fi ;;
    esac
  done
done

# ---- 3. libextref on Windows and tests/runtime under Deno and Bun on Wine. ----
. "$TW/runtime.sh"
finish
