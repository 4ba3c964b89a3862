#!/usr/bin/env bash
# Suite 68: the C++, Zig and Rust bindings built for the targets of #13,
# x86_64-windows-gnu, x86_64-macos and aarch64-macos, from this Linux
# machine with zig cc (ZIGLANG_VERSION) and rustup's standard libraries:
#   1. libextref itself per target (extref.dll and its import library with
#      tests/windows/build-runtime.sh; libextref.1.dylib with zig cc), its
#      exports checked against abi/symbols.txt;
#   2. C++: include/extref.hpp's compile check in three configurations,
#      and the three C++ test addons (bindings/cpp) linked against that
#      library: Windows through bindings/zig/src/napi_host_win.c (Node-API
#      bound from the host at load), macOS with -undefined dynamic_lookup;
#   3. Zig: `zig build -Dtarget=... -Dbundled=true` (bindings/zig);
#   4. Rust: the napi-rs test addon with extref's `bundled` feature,
#      `cargo build --target` (x86_64-pc-windows-gnu, x86_64-apple-darwin,
#      aarch64-apple-darwin) with zig cc as C compiler and linker;
#      every bundled addon checked to export no extref_ function;
#   5. the Windows addons of 2-4 run their test files under Deno and Bun for
#      Windows on wine64 (tests/windows/lib.sh, as suite 67). macOS builds
#      cannot run here: they are checked as files (Mach-O, architecture,
#      symbols) only.
# Rust targets missing from rustup are added (rustup target add) when
# possible; otherwise the Rust part is skipped with rustup's error.
# Ends with "N passed, N failed, N skipped".
set -uo pipefail
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
TW="$ROOT/tests/windows"
. "$TW/lib.sh"
LOGS="$ROOT/_logs/68-cross-bindings"
OUT="$ROOT/_build-cross"
mkdir -p "$LOGS" "$OUT"
pass=0; fail=0; skip=0
ok()   { pass=$((pass + 1)); echo "ok      - $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL    - $1"; [ -n "${2:-}" ] && [ -f "$2" ] && tail -n "${3:-20}" "$2" | sed 's/^/          | /'; return 0; }
skipped() { skip=$((skip + 1)); echo "skipped - $1 ($2)"; }
note() { echo "          $*"; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/extref-xb.XXXXXX")"
finish() {
  win_stop
  rm -rf "$WORK"
  echo "$pass passed, $fail failed, $skip skipped"
  [ "$fail" -eq 0 ]
  exit
}
trap 'rm -rf "$WORK"' EXIT
TARGETS=(x86_64-windows-gnu x86_64-macos aarch64-macos)
declare -A RUST=([x86_64-windows-gnu]=x86_64-pc-windows-gnu
  [x86_64-macos]=x86_64-apple-darwin [aarch64-macos]=aarch64-apple-darwin)
declare -A ARCH=([x86_64-windows-gnu]='PE32\+ executable \(DLL\).*x86-64'
  [x86_64-macos]='Mach-O 64-bit x86_64 dynamically linked shared library'
  [aarch64-macos]='Mach-O 64-bit arm64 dynamically linked shared library')
is_win() { [ "$1" = x86_64-windows-gnu ]; }

echo "suite 68-cross-bindings: C++, Zig and Rust bindings for ${TARGETS[*]}"

# ---- 0. What it needs. ----
missing="$(APT_WINDOWS="$APT_WINDOWS $APT_CROSS_BINDINGS" win_apt "$LOGS/apt.log")"
if [ -n "$missing" ]; then
  skipped "cross builds of the bindings" "missing: apt-get install $(echo $missing)"
  finish
fi
if ! win_zig "$LOGS/pip.log"; then
  bad "zig $ZIGLANG_VERSION (pip install ziglang==$ZIGLANG_VERSION into _tools/py)" "$LOGS/pip.log"
  finish
fi
ok "tools: zig $ZIGLANG_VERSION, $(llvm-nm --version | grep -m1 -o 'LLVM version [0-9.]*') (llvm-nm), $($OBJDUMP --version | head -1)"
# zig cc and zig c++ per target for cc-rs and rustc: the --target=<rust
# triple> cc-rs adds goes (zig takes -target); as rustc's linker, the
# gcc-only arguments go too (libgcc_eh becomes LLVM's libunwind, which zig
# builds; -lnode goes: napi-rs finds Node-API at run time), and the export
# .def file is an input.
# In _build-cross, not the run's temporary directory: cc-rs and rustc see
# the same paths each run, and cargo's build stays warm.
XB="$OUT/bin"
mkdir -p "$XB"
printf '#!/bin/sh\nexec "%s" -m ziglang ar "$@"\n' "$PY" >"$XB/zar"
for t in "${TARGETS[@]}"; do
  for tool in cc c++ ld; do
    drop='--target=*'
    case "$t:$tool" in
      *windows*:ld) drop='--target=*|-fno-use-linker-plugin|-Wl,--disable-auto-image-base|-lgcc|-l:libpthread.a|-lmsvcrt|-lmingw32|-lmingwex|-lnode' ;;
      *macos:ld) drop='--target=*|-arch|x86_64|arm64|-mmacosx-version-min=*|-liconv' ;;
    esac
    cat >"$XB/zig-$tool-$t" <<EOF2
#!/bin/sh
for a in "\$@"; do
  shift
  case "\$a" in
    $drop) ;;
    -lgcc_eh) set -- "\$@" -lunwind ;;
    -Wl,*.def) set -- "\$@" "\${a#-Wl,}" ;;
    *) set -- "\$@" "\$a" ;;
  esac
done
exec "$PY" -m ziglang $( [ "$tool" = c++ ] && echo c++ || echo cc ) -target $t "\$@"
EOF2
  done
done
chmod +x "$XB"/*

# ---- 1. libextref per target. ----
declare -A LIB
start=$(date +%s)
WINRT="$WORK/winrt"
if ZIG="$PY -m ziglang" "$TW/build-runtime.sh" "$OUT/lib-x86_64-windows-gnu" "$WINRT" >"$LOGS/lib-windows.log" 2>&1; then
  LIB[x86_64-windows-gnu]="$OUT/lib-x86_64-windows-gnu"
  ok "libextref x86_64-windows-gnu: extref.dll + libextref.dll.a, exports = abi/symbols.txt (and the C test addons, tests/windows/build-runtime.sh)"
else
  bad "libextref x86_64-windows-gnu (tests/windows/build-runtime.sh)" "$LOGS/lib-windows.log"
fi
want="$(grep -oE '^extref_[a-z_0-9]+' "$ROOT/abi/symbols.txt" | sort)"
for t in x86_64-macos aarch64-macos; do
  L="$OUT/lib-$t"
  mkdir -p "$L"
  if zig cc -target "$t" -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Werror -O2 -g \
       -fvisibility=hidden -D_GNU_SOURCE -DEXTREF_BUILDING -I"$ROOT/include" -I"$ROOT/src" \
       -I/usr/include/node -shared -Wl,-install_name,@rpath/libextref.1.dylib \
       -o "$L/libextref.1.dylib" "$ROOT"/src/*.c >"$LOGS/lib-$t.log" 2>&1 &&
     ln -sf libextref.1.dylib "$L/libextref.dylib"; then
    # Less the two symbols every Mach-O dylib defines.
    got="$(llvm-nm -gU "$L/libextref.1.dylib" | awk '{print $3}' |
      grep -vxE '___dso_handle|__mh_dylib_header' | sed 's/^_//' | sort)"
    undef="$(llvm-nm -u "$L/libextref.1.dylib" | grep -E '_(napi|extref)_' | tr '\n' ' ')"
    if [ "$got" = "$want" ] && [ -z "$undef" ] && [[ "$(file -L "$L/libextref.1.dylib")" =~ ${ARCH[$t]} ]]; then
      LIB[$t]="$L"
      ok "libextref $t: libextref.1.dylib, exports = abi/symbols.txt, no undefined napi_* (found with dlsym at run time)"
    else
      diff <(echo "$want") <(echo "$got") >>"$LOGS/lib-$t.log"
      echo "undefined: $undef" >>"$LOGS/lib-$t.log"
      bad "libextref $t: exports or undefined symbols" "$LOGS/lib-$t.log"
    fi
  else
    bad "libextref $t: zig cc -shared" "$LOGS/lib-$t.log"
  fi
done
note "libraries built in $(( $(date +%s) - start ))s"

# bundled_clean T FILE: FILE is a shared library of target T that exports
# no extref_ function and needs no libextref (its copy is its own).
bundled_clean() {
  local pe
  if is_win "$1"; then
    pe="$($OBJDUMP -p "$2")"
    ! grep -qE '^\s*\[ *[0-9]+\] extref_' <<<"$pe" && ! grep -qE 'DLL Name: (extref|node|libnode)\.(dll|exe)' <<<"$pe"
  else
    ! llvm-nm -gU "$2" | grep -qE ' _extref_' && ! llvm-nm -u "$2" | grep -qE ' _extref_'
  fi
}

# ---- 2. C++. ----
CPP="$ROOT/bindings/cpp"
if [ ! -f "$CPP/node_modules/node-addon-api/napi.h" ]; then
  npm ci --prefix "$CPP" --no-audit --no-fund --loglevel=error >"$LOGS/npm-ci.log" 2>&1 ||
    bad "node-addon-api: npm ci in bindings/cpp (package-lock.json)" "$LOGS/npm-ci.log"
fi
NAA="$CPP/node_modules/node-addon-api"
CXXW=(-std=c++17 -Wall -Wextra -pedantic -Werror -DBUILDING_NODE_EXTENSION -I"$ROOT/include"
  -isystem /usr/include/node -isystem "$NAA")
start=$(date +%s)
for t in "${TARGETS[@]}"; do
  i=0
  for cfg in "" "-DCHECK_NAPI_FIRST -DNAPI_CPP_EXCEPTIONS -DEXTREF_CPP_EXCEPTIONS" \
      "-DEXTREF_NODE_ADDON_API -DNAPI_DISABLE_CPP_EXCEPTIONS -fno-exceptions"; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    if "$XB/zig-c++-$t" "${CXXW[@]}" $cfg -c -o "$WORK/cc-$t-$i.o" \
         "$CPP/test/compile_check.cc" >"$LOGS/cpp-check-$t-$i.log" 2>&1; then
      ok "C++ $t: extref.hpp compile check ${cfg:-(plain Node-API)}"
    else
      bad "C++ $t: extref.hpp compile check ${cfg:-(plain Node-API)}" "$LOGS/cpp-check-$t-$i.log"
    fi
  done
  L="${LIB[$t]:-}"
  if [ -z "$L" ]; then skipped "C++ $t: test addons" "no libextref for $t"; continue; fi
  B="$OUT/cpp-$t"
  mkdir -p "$B"
  if is_win "$t"; then
    zig cc -target "$t" -O2 -c -o "$WORK/napi_host_win.o" "$ROOT/bindings/zig/src/napi_host_win.c" 2>"$LOGS/napi-host.log"
    LINK=(-shared "$WORK/napi_host_win.o" "$L/libextref.dll.a")
  else
    LINK=(-shared -Wl,-undefined,dynamic_lookup -L"$L" -lextref -Wl,-rpath,@loader_path)
  fi
  for a in "extref_cpp.node:addon.cc:" "extref_cpp_alloc.node:addon.cc:-DEXTREF_TEST_ALLOC" \
      "extref_cpp_napi.node:addon_napi.cc:-DNAPI_CPP_EXCEPTIONS -DEXTREF_CPP_EXCEPTIONS"; do
    IFS=: read -r n src cfg <<<"$a"
    # shellcheck disable=SC2086
    if "$XB/zig-c++-$t" "${CXXW[@]}" -O1 $cfg -o "$B/$n" "$CPP/$src" "${LINK[@]}" \
         >"$LOGS/cpp-$t-$n.log" 2>&1 && [[ "$(file -L "$B/$n")" =~ ${ARCH[$t]} ]]; then
      ok "C++ $t: $n ($src${cfg:+ $cfg}) links against libextref: $(file -L "$B/$n" | cut -d: -f2 | cut -d, -f1)"
    else
      bad "C++ $t: $n ($src${cfg:+ $cfg}) links against libextref" "$LOGS/cpp-$t-$n.log"
    fi
  done
  rm -f "$B"/*.lib "$B"/*.pdb
done
note "C++ built in $(( $(date +%s) - start ))s"

# ---- 3. Zig, -Dbundled=true. ----
start=$(date +%s)
for t in "${TARGETS[@]}"; do
  Z="$OUT/zig-$t"
  rm -rf "$Z"
  f="$Z/lib/extref_zig.node"
  if (cd "$ROOT/bindings/zig" && zig build -j2 -Dtarget="$t" -Dbundled=true --prefix "$Z") \
       >"$LOGS/zig-$t.log" 2>&1 && [[ "$(file -L "$f")" =~ ${ARCH[$t]} ]]; then
    if bundled_clean "$t" "$f"; then
      ok "Zig $t: zig build -Dbundled=true: extref_zig.node, its own hidden libextref"
    else
      bad "Zig $t: extref_zig.node exports extref_ functions or needs libextref"
    fi
  else
    bad "Zig $t: zig build -Dtarget=$t -Dbundled=true" "$LOGS/zig-$t.log"
  fi
done
# Windows, linked with extref.dll through pkg-config (an extref.pc for it),
# for bindings/zig/test/zig.test.mjs: it takes payloads across the Zig and
# the C test addon, which needs one shared copy of the library.
t=x86_64-windows-gnu
if [ -n "${LIB[$t]:-}" ]; then
  L="${LIB[$t]}"
  mkdir -p "$L/pkgconfig"
  printf 'libdir=%s\nincludedir=%s\nName: extref\nDescription: libextref for %s\nVersion: %s\nLibs: -L${libdir} -lextref\nCflags: -I${includedir}\n' \
    "$L" "$ROOT/include" "$t" "$(sed -nE 's/^AC_INIT\(\[[^]]*\], *\[([^]]*)\].*/\1/p' "$ROOT/configure.ac")" >"$L/pkgconfig/extref.pc"
  Z="$OUT/zig-$t-shared"
  rm -rf "$Z"
  if (cd "$ROOT/bindings/zig" && PKG_CONFIG_PATH="$L/pkgconfig" PKG_CONFIG_LIBDIR="$L/pkgconfig" \
       zig build -j2 -Dtarget="$t" --prefix "$Z") >"$LOGS/zig-$t-shared.log" 2>&1 &&
     [[ "$(file -L "$Z/lib/extref_zig.node")" =~ ${ARCH[$t]} ]] &&
     [[ "$($OBJDUMP -p "$Z/lib/extref_zig.node")" == *"DLL Name: extref.dll"* ]]; then
    cp -f "$L/extref.dll" "$Z/lib/"
    ok "Zig $t: zig build (pkg-config): extref_zig.node imports extref.dll"
  else
    bad "Zig $t: zig build with pkg-config, linked with extref.dll" "$LOGS/zig-$t-shared.log"
  fi
fi
note "Zig built in $(( $(date +%s) - start ))s"

# ---- 4. Rust, the bundled feature. ----
rust_ok=()
if ! command -v cargo >/dev/null || ! command -v rustc >/dev/null; then
  skipped "Rust: every target" "no cargo/rustc"
else
  for t in "${TARGETS[@]}"; do
    r="${RUST[$t]}"
    libdir="$(rustc --print target-libdir --target "$r" 2>/dev/null)"
    if ! compgen -G "$libdir/libstd-*.rlib" >/dev/null; then
      # One try per run: where static.rust-lang.org cannot be reached, the
      # other targets are not tried again.
      if [ -n "${rustup_failed:-}" ]; then
        cp "$rustup_failed" "$LOGS/rustup-$r.log"
      elif command -v rustup >/dev/null; then
        timeout 180 rustup target add "$r" >"$LOGS/rustup-$r.log" 2>&1 ||
          rustup_failed="$LOGS/rustup-$r.log"
      else
        echo "no rustup: the standard library for $r is not installed in $libdir" >"$LOGS/rustup-$r.log"
      fi
    fi
    if ! compgen -G "$libdir/libstd-*.rlib" >/dev/null; then
      why="$(grep -m1 -iE 'error|no rustup' "$LOGS/rustup-$r.log" | cut -c1-160)"
      skipped "Rust $r: cargo build" "no standard library for $r: ${why:-rustup target add $r gave up (timeout 180 s), see $LOGS/rustup-$r.log}"
      continue
    fi
    R="$(tr 'a-z-' 'A-Z_' <<<"$r")"
    rl="$(tr '-' '_' <<<"$r")"
    mkdir -p "$OUT/libnode"
    [ -f "$OUT/libnode/libnode.dll" ] || : >"$OUT/libnode/libnode.dll"   # napi-build wants one (windows-gnu)
    start=$(date +%s)
    for feat in bundled "bundled counting-alloc"; do
      env "CC_$rl=$XB/zig-cc-$t" "CXX_$rl=$XB/zig-c++-$t" "AR_$rl=$XB/zar" \
        "CARGO_TARGET_${R}_LINKER=$XB/zig-ld-$t" LIBNODE_PATH="$OUT/libnode" \
        CARGO_TARGET_DIR="$OUT/rust" \
        cargo build --locked -j2 --manifest-path "$ROOT/bindings/rust/Cargo.toml" --target "$r" \
          -p extref-napi-addon --features "$feat" >"$LOGS/rust-$r.log" 2>&1
      rc=$?
      if is_win "$t"; then f="$OUT/rust/$r/debug/extref_rust_addon.dll"; else
        f="$OUT/rust/$r/debug/libextref_rust_addon.dylib"; fi
      n="$OUT/rust-$r-$(tr ' ' '+' <<<"$feat").node"
      if [ "$rc" -eq 0 ] && [[ "$(file -L "$f")" =~ ${ARCH[$t]} ]] && cp -f "$f" "$n" &&
         bundled_clean "$t" "$n"; then
        ok "Rust $r: cargo build -p extref-napi-addon --features '$feat': its own hidden libextref, in $(( $(date +%s) - start ))s"
        [ "$feat" = bundled ] && rust_ok+=("$t")
      else
        bad "Rust $r: cargo build -p extref-napi-addon --features '$feat' (exit $rc)" "$LOGS/rust-$r.log" 25
      fi
      start=$(date +%s)
    done
  done
fi

# ---- 5. The Windows addons under Deno and Bun for Windows on wine64. ----
t=x86_64-windows-gnu
if [ -n "$(win_apt "$LOGS/apt.log")" ] || ! win_deno_fetch "$LOGS/npm.log" ||
   ! win_deno_prepare "$LOGS/prepare.log"; then
  bad "deno.exe $DENO_VERSION under wine64 (tests/windows/lib.sh)" "$LOGS/prepare.log"
  finish
fi
ok "deno.exe $DENO_VERSION for Windows ready under $($WINE --version) (tests/windows/lib.sh; suite 67 shows why it is patched)"
RUNTIMES=(deno)
if win_bun_fetch "$LOGS/npm-bun.log"; then
  ok "bun.exe $BUN_VERSION for Windows ready (with the ProcessPrng shim)"
  RUNTIMES+=(bun)
else
  bad "npm pack $BUN_WIN_PACKAGE@$BUN_VERSION (tests/windows/lib.sh)" "$LOGS/npm-bun.log"
fi
# js RUNTIME FILE: a tests/cross harness file under that runtime.
js() {
  local to="${EXTREF_WIN_FILE_TIMEOUT:-180}"
  case "$1" in
    deno) timeout -k 5 "$to" "$WINE" "$DENO" run -A --v8-flags=--expose-gc "$2" ;;
    bun) timeout -k 5 "$to" "$WINE" "$BUNW" "$2" ;;
  esac
}
# harness_counted LABEL LOG: tests/cross/harness.mjs lines, one case each.
harness_counted() {
  local line n=0
  while IFS= read -r line; do
    n=$((n + 1))
    case "$line" in
      "ok: "*) ok "$1: ${line#ok: }" ;;
      "FAIL: "*) bad "$1: ${line#FAIL: }" ;;
      "skip: "*) skipped "$1: $(sed -E 's/^skip: (.*) \((.*)\)$/\1/' <<<"$line")" \
                   "$(sed -E 's/^skip: (.*) \((.*)\)$/\2/' <<<"$line")" ;;
    esac
  done < <(grep -E '^(ok|FAIL|skip): ' "$2")
  grep -qE '^[0-9]+ passed, [0-9]+ failed' "$2" || bad "$1: no summary line (crash or time limit)" "$2"
  [ "$n" -gt 0 ] || bad "$1: no test ran" "$2"
}
C_ADDON="$WINRT/build/extref_test.node"
r="${RUST[$t]}"
# As in suite 24: two bundled addons are two copies of the library, and
# take-into across them is refused; those cases skip without a second addon
# (the counting-alloc build above is a build check).
RUST_SKIP_WHY="skipped by the test: no second addon; take-into across two addons needs one shared copy of the library (as in suite 24)"
for rt in "${RUNTIMES[@]}"; do
  on="on $rt.exe/wine64"
  if [ -n "${LIB[$t]:-}" ] && [ -f "$OUT/cpp-$t/extref_cpp.node" ]; then
    cp -f "${LIB[$t]}/extref.dll" "$OUT/cpp-$t/"
    for f in "$ROOT"/bindings/cpp/test/*.test.mjs; do
      n="$(basename "$f" .test.mjs)"
      (cd "$ROOT/bindings/cpp" && EXTREF_CPP_BUILD="$(win_path "$OUT/cpp-$t")" js "$rt" "$f") \
        >"$LOGS/$rt-cpp-$n.log" 2>&1
      harness_counted "C++ $t $on: $n" "$LOGS/$rt-cpp-$n.log"
    done
  else
    skipped "C++ $t $on" "the Windows C++ addons did not build"
  fi
  if [ -f "$OUT/zig-$t-shared/lib/extref_zig.node" ] && [ -f "$C_ADDON" ]; then
    (cd "$ROOT/bindings/zig" && EXTREF_ZIG_ADDON="$(win_path "$OUT/zig-$t-shared/lib/extref_zig.node")" \
      EXTREF_C_ADDON="$(win_path "$C_ADDON")" js "$rt" "$ROOT/bindings/zig/test/zig.test.mjs") \
      >"$LOGS/$rt-zig.log" 2>&1
    harness_counted "Zig $t $on" "$LOGS/$rt-zig.log"
  else
    skipped "Zig $t $on" "the Windows Zig addon (extref.dll) or the C test addon did not build"
  fi
  # The bundled one: suite 24's cases for a Zig addon with its own copy.
  if [ -f "$OUT/zig-$t/lib/extref_zig.node" ]; then
    (cd "$ROOT/tests/bundled" && EXTREF_ZIG_BUNDLED="$(win_path "$OUT/zig-$t/lib/extref_zig.node")" \
      js "$rt" "$ROOT/tests/bundled/zig-bundled.test.mjs") >"$LOGS/$rt-zig-bundled.log" 2>&1
    harness_counted "Zig $t -Dbundled $on" "$LOGS/$rt-zig-bundled.log"
  else
    skipped "Zig $t -Dbundled $on" "the bundled Windows Zig addon did not build"
  fi
  if [[ " ${rust_ok[*]} " != *" $t "* ]]; then
    skipped "Rust $r $on" "the Windows Rust addon did not build"
    continue
  fi
  export EXTREF_RUST_ADDON="$(win_path "$OUT/rust-$r-bundled.node")" EXTREF_RUST_ADDON_ALLOC="$(win_path /nonexistent)"
  cd "$ROOT/bindings/rust/examples/napi-addon" || finish
  if [ "$rt" = deno ]; then
    timeout -k 5 300 "$WINE" "$DENO" test -A --v8-flags=--expose-gc --reporter=tap test/ \
      >"$LOGS/deno-rust.tap" 2>"$LOGS/deno-rust.err"
    rc=$?
    while IFS= read -r line; do
      line="${line#"${line%%[! ]*}"}"
      case "$line" in
        "ok "*"# SKIP"*) skipped "Rust $r $on: $(sed -E 's/^ok [0-9]+ - (.*) # SKIP.*/\1/' <<<"$line")" "$RUST_SKIP_WHY" ;;
        "ok "*) ok "Rust $r $on: $(sed -E 's/^ok [0-9]+ - //' <<<"$line")" ;;
        "not ok "*) bad "Rust $r $on: $(sed -E 's/^not ok [0-9]+ - //' <<<"$line")" ;;
      esac
    done < <(grep -E '^ *(not )?ok [0-9]+ - ' "$LOGS/deno-rust.tap" | grep -v '\.js$')
    grep -qE '^ *(not )?ok [0-9]+ - ' "$LOGS/deno-rust.tap" || bad "Rust $r $on: no test ran (exit $rc)" "$LOGS/deno-rust.err"
  else
    # bun test: "(pass) name" lines, as suite 24 reads them.
    timeout -k 5 300 "$WINE" "$BUNW" test ./test/ >"$LOGS/bun-rust.out" 2>&1
    rc=$?
    while IFS= read -r line; do
      name="$(sed -E 's/^\((pass|fail|skip|todo)\) //; s/ \[[0-9.]+m?s\]$//' <<<"$line")"
      case "$line" in
        "(pass) "*) ok "Rust $r $on: $name" ;;
        "(fail) "*) bad "Rust $r $on: $name" ;;
        *) skipped "Rust $r $on: $name" "$RUST_SKIP_WHY" ;;
      esac
    done < <(sed -E '/^[0-9]+ tests? failed:/,$d' "$LOGS/bun-rust.out" | grep -E '^\((pass|fail|skip|todo)\) ' | awk '!seen[$0]++')
    grep -qE '^\((pass|fail)\) ' "$LOGS/bun-rust.out" || bad "Rust $r $on: no test ran (exit $rc)" "$LOGS/bun-rust.out"
  fi
  cd "$ROOT" || finish
  unset EXTREF_RUST_ADDON EXTREF_RUST_ADDON_ALLOC
done
finish
