#!/usr/bin/env bash
# The platform matrix: every target libextref ships for, built from this
# Linux machine with zig cc (tools.lock: ZIGLANG_VERSION; Zig carries the
# C libraries and system headers of each target):
#   x86_64-linux-gnu    libextref.so.1 (a sanity build beside autotools')
#   aarch64-macos       libextref.1.dylib
#   x86_64-macos        libextref.1.dylib
#   x86_64-windows-gnu  extref.dll, its import library libextref.dll.a and
#                       extref.def
# Each library must export exactly the functions of abi/symbols.txt (on
# Linux with their version nodes) and import no Node-API symbol: the host's
# are found at run time (src/os.c).
#
# With --unit, the unit tests are also built for Windows (tests/unit, linked
# with the core objects as on Linux, and check from Debian's source,
# tools.lock: CHECK_WIN_*, built once without fork into _tools/win64) and
# run under Wine (wine64, a private WINEPREFIX in the build directory,
# WINEDEBUG=-all, CK_FORK=no). Each test case counts; a case that cannot
# apply on Windows is printed "skipped: NAME (WHY)" by the test itself.
# Two stand-in Node-API hosts (tests/platforms/fake-host.c) then load
# extref.dll the way an addon does and prove that it finds napi_* in the
# executable, or in a DLL such as libnode.dll, at run time.
#
#   tests/platforms/matrix.sh [--unit] [TARGET...]
#
# Output in _build-platforms/TARGET/ (EXTREF_PLATFORMS_OUT), logs in
# _logs/platforms/. Prints one line per case and ends with
# "N passed, N failed, N skipped". Installs nothing from Debian (./dev
# platforms and tests/suites/66-platforms.sh do, as root); what is missing
# is a skipped case with its reason. CI: run ./dev platforms, or this
# script after ./dev build.
#
# Time on the 2-core machines: about 25 s warm (zig's cache, check and the
# WINEPREFIX kept); 5.5 min cold, most of it zig building each target's C
# runtime once (~1 min per target, 2 min for mingw-w64 and winpthreads).
set -uo pipefail
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tools.lock"
OUT="${EXTREF_PLATFORMS_OUT:-$ROOT/_build-platforms}"
LOGS="$ROOT/_logs/platforms"
TOOLS="${EXTREF_TOOLS:-$ROOT/_tools}"
ALL_TARGETS=(x86_64-linux-gnu aarch64-macos x86_64-macos x86_64-windows-gnu)
unit=no
targets=()
for a in "$@"; do
  case "$a" in
    --unit) unit=yes ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) targets+=("$a") ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
mkdir -p "$OUT" "$LOGS"

pass=0; fail=0; skip=0
ok()   { pass=$((pass + 1)); echo "ok      - $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL    - $1"; [ -n "${2:-}" ] && [ -f "$2" ] && tail -n "${3:-20}" "$2" | sed 's/^/          | /'; return 0; }
skipped() { skip=$((skip + 1)); echo "skipped - $1 ($2)"; }
finish() {
  echo "          matrix took ${SECONDS}s"
  echo "$pass passed, $fail failed, $skip skipped"
  [ "$fail" -eq 0 ]; exit
}

if [ "$unit" = yes ]; then
  echo "platform matrix: ${targets[*]}; Windows unit tests under Wine"
else
  echo "platform matrix: ${targets[*]}"
fi

# ---- Tools. ----
ZIG=("$TOOLS/py/bin/python" -m ziglang)
if [ "$("${ZIG[@]}" version 2>/dev/null)" != "$ZIGLANG_VERSION" ]; then
  skipped "every target" "zig $ZIGLANG_VERSION missing: ./dev platforms installs it (pip ziglang==$ZIGLANG_VERSION into _tools/py)"
  finish
fi
NODE_API_DIR="${NODE_API_DIR:-/usr/include/node}"
if [ ! -f "$NODE_API_DIR/node_api.h" ]; then
  skipped "every target" "no node_api.h in $NODE_API_DIR (Debian: libnode-dev)"
  finish
fi
# Symbol tables: binutils' nm for ELF (it prints version nodes), LLVM's
# tools for Mach-O, the mingw-w64 binutils (or LLVM) for PE.
NM_MACHO="$(command -v llvm-nm || true)"
OBJDUMP_MACHO="$(command -v llvm-objdump || true)"
OBJDUMP_PE="$(command -v x86_64-w64-mingw32-objdump || true)"
NM_PE="$(command -v x86_64-w64-mingw32-nm || command -v llvm-nm || true)"

# The names the libraries must export, without version nodes.
expected_names() { sed 's/@.*//' "$ROOT/abi/symbols.txt" | sort; }

CFLAGS_COMMON=(-std=c11 -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes
  -Werror -fvisibility=hidden -D_GNU_SOURCE -DEXTREF_BUILDING
  -I"$ROOT/include" -I"$ROOT/src" -I"$NODE_API_DIR")

# compile TARGET DIR: src/*.c into DIR/obj, two at a time.
compile() {
  local t="$1" d="$2" extra=()
  case "$t" in *windows*) ;; *) extra=(-fPIC) ;; esac
  rm -rf "$d/obj" && mkdir -p "$d/obj" || return 1
  # shellcheck disable=SC2016
  printf '%s\n' "$ROOT"/src/*.c | xargs -P 2 -I{} sh -c '
    f="$1"; shift; o="$1"; shift
    exec "$@" -c "$f" -o "$o/$(basename "$f" .c).o"' _ {} "$d/obj" \
    "${ZIG[@]}" cc -target "$t" "${CFLAGS_COMMON[@]}" "${extra[@]}"
}

# ---- Each target: build, then its exports. ----
for t in "${targets[@]}"; do
  d="$OUT/$t"
  log="$LOGS/$t.log"
  mkdir -p "$d"
  start=$(date +%s)
  case "$t" in
    *-linux-*)
      lib="$d/libextref.so.1"
      link=(-shared -o "$lib" -Wl,-soname,libextref.so.1
        -Wl,--version-script="$ROOT/abi/libextref.map" -pthread) ;;
    *-macos*)
      lib="$d/libextref.1.dylib"
      # install name @rpath/: an addon finds it beside itself or on its
      # rpath, as on Linux through the SONAME.
      link=(-shared -o "$lib" -Wl,-install_name,@rpath/libextref.1.dylib) ;;
    *-windows-*)
      lib="$d/extref.dll"
      link=(-shared -o "$lib" -Wl,--out-implib,"$d/libextref.dll.a") ;;
    *) bad "$t: unknown target (known: ${ALL_TARGETS[*]})"; continue ;;
  esac
  rm -f "$lib"
  if { compile "$t" "$d" && "${ZIG[@]}" cc -target "$t" "${link[@]}" "$d"/obj/*.o; } >"$log" 2>&1 &&
     [ -f "$lib" ]; then
    ok "$t: $(basename "$lib") built with zig cc $ZIGLANG_VERSION in $(( $(date +%s) - start ))s: $(file -b "$lib" 2>/dev/null | cut -d, -f1-2)"
  else
    bad "$t: build" "$log"
    continue
  fi
  want="$(expected_names)"
  case "$t" in
    *-linux-*)
      got="$(nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sort)"
      if [ "$got" = "$(sort "$ROOT/abi/symbols.txt")" ] &&
         ! nm -D --undefined-only "$lib" | grep -qE ' (napi_|node_api_)'; then
        ok "$t: exports exactly abi/symbols.txt with version nodes, no undefined napi_ symbol"
      else
        diff <(sort "$ROOT/abi/symbols.txt") <(printf '%s\n' "$got") >"$log.exports"
        nm -D --undefined-only "$lib" | grep -E ' (napi_|node_api_)' >>"$log.exports"
        bad "$t: exports" "$log.exports"
      fi ;;
    *-macos*)
      if [ -z "$OBJDUMP_MACHO" ] || [ -z "$NM_MACHO" ]; then
        skipped "$t: exports" "llvm-objdump/llvm-nm missing (Debian: llvm)"
        continue
      fi
      # The export trie, less the two symbols every dylib's linker adds.
      got="$("$OBJDUMP_MACHO" --macho --exports-trie "$lib" |
        awk '$1 ~ /^0x/ { print $2 }' | sed 's/^_//' |
        grep -vxE '_mh_dylib_header|__dso_handle' | sort)"
      if [ "$got" = "$want" ] &&
         ! "$NM_MACHO" -u "$lib" | grep -qE '^_(napi_|node_api_)'; then
        ok "$t: export trie is exactly abi/symbols.txt (+ the linker's __mh_dylib_header, ___dso_handle), no undefined napi_ symbol"
      else
        { diff <(printf '%s\n' "$want") <(printf '%s\n' "$got"); "$NM_MACHO" -u "$lib" | grep -E '^_(napi_|node_api_)'; } >"$log.exports"
        bad "$t: exports" "$log.exports"
      fi ;;
    *-windows-*)
      if [ -z "$OBJDUMP_PE" ] || [ -z "$NM_PE" ]; then
        skipped "$t: exports" "x86_64-w64-mingw32-objdump missing (Debian: binutils-mingw-w64-x86-64)"
        continue
      fi
      "$OBJDUMP_PE" -p "$lib" >"$log.pe"
      got="$(sed -n '/^\[Ordinal\/Name Pointer\] Table/,/^$/p' "$log.pe" |
        awk '/^\t\[/ { print $NF }' | sort)"
      imports="$(awk '/DLL Name:/ { print $3 }' "$log.pe" | sort -u | tr '\n' ' ')"
      implib="$("$NM_PE" "$d/libextref.dll.a" 2>/dev/null |
        awk '$2 == "T" && $3 ~ /^extref_/ { print $3 }' | sort)"
      if [ "$got" = "$want" ] && [ "$implib" = "$want" ] &&
         ! grep -qE 'napi_|node_api_' <<<"$(sed -n '/^The Import Tables/,/^The Export/p' "$log.pe")" &&
         ! grep -qiE 'winpthread|node' <<<"$imports"; then
        ok "$t: exports and libextref.dll.a are exactly abi/symbols.txt; imports only $imports(no napi_, no winpthread DLL)"
      else
        { diff <(printf '%s\n' "$want") <(printf '%s\n' "$got"); echo "import library:";
          diff <(printf '%s\n' "$want") <(printf '%s\n' "$implib"); echo "imports: $imports"; } >"$log.exports"
        bad "$t: exports" "$log.exports"
      fi
      # A .def file for MSVC's lib.exe (/DEF:extref.def /MACHINE:X64).
      { echo "LIBRARY extref.dll"; echo "EXPORTS"; printf '  %s\n' $want; } >"$d/extref.def" ;;
  esac
done

[ "$unit" = yes ] || finish

# ---- Windows unit tests under Wine. ----
W=x86_64-windows-gnu
d="$OUT/$W"
if [ ! -f "$d/extref.dll" ] || [ ! -d "$d/obj" ]; then
  bad "$W unit tests: the $W build above is missing (run with target $W)"
  finish
fi
WINE="$(command -v wine64 || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; } || true)"

# check for Windows: Debian's source (the machine's own Debian mirror, the
# pool path and sha256 of tools.lock), cross-built once with zig cc without
# fork, subunit and documentation into _tools/win64.
CK="$TOOLS/win64/check-$CHECK_WIN_VERSION"
if [ ! -f "$CK/lib/libcheck.a" ] || [ ! -f "$CK/include/check_stdint.h" ]; then
  src="$TOOLS/src/$(basename "$CHECK_WIN_POOL_PATH")"
  mkdir -p "$TOOLS/src" "$TOOLS/win64"
  if [ ! -f "$src" ] || ! echo "$CHECK_WIN_SHA256  $src" | sha256sum -c --quiet - 2>/dev/null; then
    mirror="$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | grep -E '/debian/$' | head -1)"
    if [ -z "$mirror" ]; then
      skipped "$W unit tests" "no Debian mirror in the apt sources to fetch check's source from"
      finish
    fi
    if ! command -v curl >/dev/null; then
      skipped "$W unit tests" "curl missing to fetch check's source (Debian: curl)"
      finish
    fi
    curl -sSfL -o "$src.part" "$mirror$CHECK_WIN_POOL_PATH" >"$LOGS/check-fetch.log" 2>&1 &&
      echo "$CHECK_WIN_SHA256  $src.part" | sha256sum -c --quiet - >>"$LOGS/check-fetch.log" 2>&1 &&
      mv "$src.part" "$src"
  fi
  if [ ! -f "$src" ]; then
    bad "$W unit tests: fetch check $CHECK_WIN_VERSION source" "$LOGS/check-fetch.log"
    finish
  fi
  bin="$OUT/bin"
  mkdir -p "$bin"
  for tool in cc ar ranlib; do
    case "$tool" in cc) sub="cc -target $W" ;; *) sub="$tool" ;; esac
    printf '#!/bin/sh\nexec %s -m ziglang %s "$@"\n' "$TOOLS/py/bin/python" "$sub" >"$bin/zig-$W-$tool"
    chmod +x "$bin/zig-$W-$tool"
  done
  cb="$OUT/check-build"
  rm -rf "$cb" && mkdir -p "$cb"
  start=$(date +%s)
  if (cd "$cb" && tar xzf "$src" && cd "check-$CHECK_WIN_VERSION" &&
      ./configure --host=x86_64-w64-mingw32 --build="$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)" \
        --prefix="$CK" CC="$bin/zig-$W-cc" AR="$bin/zig-$W-ar" RANLIB="$bin/zig-$W-ranlib" \
        --disable-shared --enable-static --disable-subunit --disable-build-docs \
        --enable-fork=no CFLAGS=-O2 &&
      make -j2 -C lib && make -j2 -C src && make -C src install &&
      install -m 644 check_stdint.h "$CK/include/") >"$LOGS/check-build.log" 2>&1 &&
     [ -f "$CK/lib/libcheck.a" ] && [ -f "$CK/include/check_stdint.h" ]; then
    ok "check $CHECK_WIN_VERSION for $W (Debian's source, no fork) built in $(( $(date +%s) - start ))s"
  else
    bad "check $CHECK_WIN_VERSION for $W: build" "$LOGS/check-build.log"
    finish
  fi
  rm -rf "$cb"
fi

# The unit test programs: each tests/unit/test_*.c with the core objects
# linked in (the same objects as extref.dll), as Makefile.am links them.
mkdir -p "$d/tests"
built=()
for c in "$ROOT"/tests/unit/test_*.c; do
  n="$(basename "$c" .c)"
  if "${ZIG[@]}" cc -target $W "${CFLAGS_COMMON[@]}" -Wno-unused-parameter \
       -I"$CK/include" -o "$d/tests/$n.exe" "$c" "$d"/obj/*.o "$CK/lib/libcheck.a" \
       >"$LOGS/$n.build.log" 2>&1; then
    built+=("$n")
  else
    bad "$W unit $n: build" "$LOGS/$n.build.log"
  fi
done
[ ${#built[@]} -gt 0 ] && echo "          built ${#built[@]} unit test programs for $W: ${built[*]}"

# The stand-in hosts (tests/platforms/fake-host.c): extref.dll through its
# import library, Node-API exported by the executable (host-exe) or by a
# DLL it loaded (host-dll with libnode.dll).
H="$d/host"
rm -rf "$H" && mkdir -p "$H"
hosts=()
HOST_CC=("${ZIG[@]}" cc -target $W -std=c11 -O2 -Wall -Wextra -Werror
  -I"$ROOT/include" -I"$NODE_API_DIR")
if { cp "$d/extref.dll" "$H/" &&
     "${HOST_CC[@]}" -DFAKE_NAPI -DFAKE_MAIN "$ROOT/tests/platforms/fake-host.c" \
       "$d/libextref.dll.a" -o "$H/host-exe.exe" &&
     "${HOST_CC[@]}" -DFAKE_NAPI -shared "$ROOT/tests/platforms/fake-host.c" \
       -o "$H/libnode.dll" -Wl,--out-implib,"$H/libnode.dll.a" &&
     "${HOST_CC[@]}" -DFAKE_MAIN "$ROOT/tests/platforms/fake-host.c" \
       "$H/libnode.dll.a" "$d/libextref.dll.a" -o "$H/host-dll.exe"; } \
     >"$LOGS/fake-host.build.log" 2>&1; then
  hosts=(host-exe host-dll)
else
  bad "$W stand-in hosts: build" "$LOGS/fake-host.build.log"
fi

if [ -z "$WINE" ]; then
  skipped "$W unit tests and stand-in hosts under Wine (${#built[@]} + ${#hosts[@]} programs)" "wine64 missing (Debian: wine64)"
  finish
fi
export WINEPREFIX="$d/wineprefix" WINEDEBUG=-all CK_FORK=no
# wineboot makes the prefix once (about 10 s); later runs reuse it.
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  timeout -k 5 300 "$WINE" wineboot -i >"$LOGS/wineboot.log" 2>&1
fi
echo "          $("$WINE" --version 2>/dev/null), WINEPREFIX=$WINEPREFIX"
for n in "${built[@]}"; do
  log="$LOGS/$n.wine.log"
  start=$(date +%s)
  (cd "$d/tests" && timeout -k 5 300 "$WINE" "$n.exe") >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  line="$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -1)"
  # "skipped: NAME (WHY)", printed by the test (tests/unit/helpers.h).
  while IFS= read -r l; do
    l="${l#skipped: }"; l="${l%$'\r'}" # Windows ends lines with CR LF
    [ -n "$l" ] && skipped "$W unit $n: ${l%% (*}" "$(sed -E 's/^[^(]*\((.*)\)$/\1/' <<<"$l")"
  done < <(grep -E '^skipped: ' "$log")
  if [ -z "$line" ]; then
    bad "$W unit $n under Wine: no check summary (exit $rc)" "$log"
    continue
  fi
  c="$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")"
  f="$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")"
  e="$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")"
  # One count per test case, as tests/suites/00-unit.sh counts them.
  pass=$((pass + c - f - e)); fail=$((fail + f + e))
  if [ $((f + e)) -eq 0 ] && [ "$rc" -eq 0 ]; then
    echo "ok      - $W unit $n under Wine: $line (${secs}s)"
  else
    echo "FAIL    - $W unit $n under Wine: $line, exit $rc (${secs}s)"
    grep -E ':[EF]:' "$log" | sed 's/^/          | /'
    [ $((f + e)) -eq 0 ] && fail=$((fail + 1))
  fi
done
for n in "${hosts[@]}"; do
  log="$LOGS/$n.wine.log"
  (cd "$H" && timeout -k 5 120 "$WINE" "$n.exe") >"$log" 2>&1
  rc=$?
  sed -i 's/\r$//' "$log"
  while IFS= read -r l; do
    case "$l" in
      "ok "*) ok "$W $n under Wine: ${l#ok }" ;;
      "not ok "*) bad "$W $n under Wine: ${l#not ok }" ;;
    esac
  done <"$log"
  if ! grep -qE '^[0-9]+ passed, 0 failed$' "$log" || [ "$rc" -ne 0 ]; then
    bad "$W $n under Wine: exit $rc, $(grep -E '^[0-9]+ passed' "$log" || echo 'no summary')" "$log"
  fi
done
finish
