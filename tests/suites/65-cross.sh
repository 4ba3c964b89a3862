#!/usr/bin/env bash
# Suite 65: another architecture, proven here. arm64 (aarch64) with Debian's
# cross compiler and qemu-user:
#   1. configure --host=aarch64-linux-gnu, make, make install into
#      _stage-arm64 (the build in _build-arm64);
#   2. make check with LOG_COMPILER=qemu-aarch64: the check unit suites run
#      as arm64 programs, the header, symbol and ABI tests (the one baseline,
#      compared architecture-neutrally) on the arm64 library;
#   3. a subset of tests/runtime under an arm64 Bun (npm, tools.lock version)
#      run by qemu-aarch64, with the test addon cross-built against the arm64
#      library. Files that start child processes of the runtime (07, 14, 15,
#      17, 19) are left out: without binfmt_misc the child would be an arm64
#      binary the kernel cannot exec. bad-arguments is left out too: its
#      shared-limit case takes millions of borrows, more than 5 minutes
#      under emulation (its first 129 cases passed there).
#   4. 32-bit: configure refuses a -m32 build with the reason (64-bit
#      pointers), when gcc-multilib is installed.
# Installs what it needs when root (tools.lock: APT_CROSS, APT_CROSS_ARM64);
# otherwise names the packages and skips. Ends with "N passed, N failed,
# N skipped".
set -uo pipefail
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tools.lock"
B="$ROOT/_build-arm64"
S="$ROOT/_stage-arm64"
LOGS="$ROOT/_logs/65-cross"
HOST=aarch64-linux-gnu
mkdir -p "$LOGS"
pass=0; fail=0; skip=0
ok()   { pass=$((pass + 1)); echo "ok      - $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL    - $1"; [ -n "${2:-}" ] && [ -f "$2" ] && tail -n "${3:-20}" "$2" | sed 's/^/          | /'; return 0; }
skipped() { skip=$((skip + 1)); echo "skipped - $1 ($2)"; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit; }

echo "suite 65-cross: arm64 build, unit tests and a runtime subset under qemu-user"

# ---- 0. What it needs. ----
missing=()
for p in $APT_CROSS $APT_CROSS_ARM64; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    { dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64; } &&
      apt-get update -qq >"$LOGS/apt.log" 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=300 "${missing[@]}" >>"$LOGS/apt.log" 2>&1
  fi
  missing=()
  for p in $APT_CROSS $APT_CROSS_ARM64; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    skipped "arm64 cross build and tests" "missing: dpkg --add-architecture arm64; apt-get install ${missing[*]}"
    finish
  fi
fi
ok "cross tools installed: $($HOST-gcc -dumpfullversion 2>/dev/null) $HOST-gcc, $(qemu-aarch64 --version | head -1)"

# ---- 1. Build. ----
cd "$ROOT" || exit 1
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
  autoreconf -fi >"$LOGS/autoreconf.log" 2>&1
fi
mkdir -p "$B"
if (cd "$B" && { [ -f Makefile ] && [ Makefile -nt "$ROOT/configure" ] ||
      PKG_CONFIG_LIBDIR="/usr/lib/$HOST/pkgconfig:/usr/share/pkgconfig" \
      "$ROOT/configure" --host=$HOST --prefix="$S" \
        --with-node-api-headers=/usr/include/node CFLAGS="-O2 -g"; } &&
    make -j2 && make install) >"$LOGS/build.log" 2>&1 &&
   file -L "$S/lib/libextref.so.1" | grep -q 'ARM aarch64'; then
  ok "configure --host=$HOST, make, make install: $(file -L "$S/lib/libextref.so.1" | cut -d, -f1-2 | cut -d: -f2)"
else
  bad "configure --host=$HOST, make, make install" "$LOGS/build.log"
  finish
fi

# ---- 2. make check under qemu-aarch64. ----
rm -f "$B"/tests/unit/*.log "$B"/tests/abi/*.log
make -C "$B" -j2 check LOG_COMPILER=qemu-aarch64 >"$LOGS/check.log" 2>&1
rc=$?
for log in "$B"/tests/unit/*.log; do
  [ -f "$log" ] || continue
  name="$(basename "$log" .log)"
  line="$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -1)"
  if [ -z "$line" ]; then bad "arm64 unit $name: no check summary" "$log"; continue; fi
  n="$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")"
  f="$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")"
  e="$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")"
  if [ $((f + e)) -eq 0 ]; then
    ok "arm64 unit $name (qemu-aarch64): $line"
  else
    bad "arm64 unit $name (qemu-aarch64): $line" "$log"
  fi
done
for log in "$B"/tests/abi/*.log; do
  [ -f "$log" ] || continue
  while IFS= read -r l; do
    case "$l" in
      "ok "*) ok "arm64 abi $(basename "$log" .log): $l" ;;
      "not ok "*) bad "arm64 abi $(basename "$log" .log): $l" "$log" ;;
      "SKIP: "*) skipped "arm64 abi $(basename "$log" .log)" "${l#SKIP: }" ;;
    esac
  done <"$log"
done
grep -E '^# (TOTAL|PASS|FAIL|ERROR)' "$LOGS/check.log" | sed 's/^/          /'
[ "$rc" -eq 0 ] || bad "make check under qemu-aarch64 exits 0 (exit $rc)" "$LOGS/check.log"

# ---- 3. The runtime subset under an arm64 Bun. ----
A="$ROOT/_tools/arm64"
BUN="$A/bun-$BUN_VERSION/package/bin/bun"
if [ ! -x "$BUN" ]; then
  rm -rf "$A/bun-$BUN_VERSION" && mkdir -p "$A/bun-$BUN_VERSION" &&
    (cd "$A/bun-$BUN_VERSION" && npm pack --silent "$BUN_ARM64_PACKAGE@$BUN_VERSION" &&
     tar xzf ./*.tgz) >"$LOGS/npm.log" 2>&1
fi
if [ ! -x "$BUN" ]; then
  bad "arm64 bun: npm pack $BUN_ARM64_PACKAGE@$BUN_VERSION" "$LOGS/npm.log"
  finish
fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/extref-cross.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/bin"
cat >"$WORK/bin/bun-arm64" <<EOF2
#!/bin/sh
exec qemu-aarch64 "$BUN" "\$@"
EOF2
chmod +x "$WORK/bin/bun-arm64"
# The addon's build script calls ar, nm and readelf by name: the cross ones.
for t in ar nm readelf; do ln -s "$(command -v $HOST-$t)" "$WORK/bin/$t"; done
v="$("$WORK/bin/bun-arm64" --version 2>&1)"
if [ "$v" = "$BUN_VERSION" ] && file -L "$BUN" | grep -q 'ARM aarch64'; then
  ok "arm64 bun $v runs under qemu-aarch64 ($BUN_ARM64_PACKAGE)"
else
  bad "arm64 bun $BUN_VERSION runs under qemu-aarch64 (got '$v')"
  finish
fi
# A copy of tests/runtime, so that its build/ (arm64 addons) never mixes
# with the native one.
cp -a "$ROOT/tests/runtime" "$WORK/runtime"
rm -rf "$WORK/runtime/build"
SUBSET=(scenario-01-gc-while-held scenario-03-aliased-exclusive
  scenario-04-reentrancy scenario-05-worker-thread-borrow
  scenario-06-foreign-externals scenario-08-take-while-borrowed
  scenario-09-memory-pressure scenario-10-error-paths scenario-11-cross-addon
  scenario-12-double-release scenario-16-stale-handles)
files=()
for f in "${SUBSET[@]}"; do files+=("$WORK/runtime/$f.test.mjs"); done
start=$(date +%s)
PATH="$WORK/bin:$PATH" CC="$HOST-gcc" EXTREF_STAGE="$S" \
  PKG_CONFIG_PATH="$S/lib/pkgconfig" PKG_CONFIG_LIBDIR="/usr/lib/$HOST/pkgconfig:/usr/share/pkgconfig" \
  LD_LIBRARY_PATH="$S/lib" EXTREF_RUNTIME_BIN="$WORK/bin/bun-arm64" \
  EXTREF_RUNTIME_LOGS="$LOGS/runtime-bun-arm64" EXTREF_RUNTIME_FILE_TIMEOUT=300 \
  EXTREF_PRESSURE_N=20000 EXTREF_S9_BUDGET_MS=120000 \
  "$WORK/runtime/run-suite.sh" bun "${files[@]}" >"$LOGS/runtime.log" 2>&1
secs=$(( $(date +%s) - start ))
grep -E '^(PASS|FAIL|SKIP) ' "$LOGS/runtime.log" | sed 's/^/          /'
rline="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOGS/runtime.log" | tail -1)"
rp="$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$rline")"
rf="$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$rline")"
if [ -n "$rline" ] && [ "$rf" -eq 0 ] && [ "$rp" -gt 0 ] &&
   file -L "$WORK/runtime/build/extref_test.node" | grep -q 'ARM aarch64'; then
  ok "arm64 runtime subset (${#SUBSET[@]} files) under bun $BUN_VERSION/qemu-aarch64: $rline in ${secs}s"
else
  bad "arm64 runtime subset under bun/qemu-aarch64: ${rline:-no summary} in ${secs}s" "$LOGS/runtime.log" 40
fi

# ---- 4. 32-bit: refused by configure with the reason. ----
if echo 'int main(void){return 0;}' | gcc -m32 -x c - -o "$WORK/m32" >/dev/null 2>&1; then
  mkdir -p "$WORK/b32"
  (cd "$WORK/b32" && "$ROOT/configure" CC="gcc -m32" --host=i686-linux-gnu \
     --build="$(gcc -dumpmachine)" >"$LOGS/i386-configure.log" 2>&1)
  if grep -q 'error: libextref needs 64-bit pointers' "$LOGS/i386-configure.log"; then
    ok "i386 (-m32): configure stops: $(grep -o 'libextref needs 64-bit pointers.*' "$LOGS/i386-configure.log" | cut -c1-100)..."
  else
    bad "i386 (-m32): configure stops with the 64-bit message" "$LOGS/i386-configure.log"
  fi
else
  skipped "i386 (-m32): configure stops with the 64-bit message" "gcc -m32 cannot link (Debian: gcc-multilib)"
fi
finish
