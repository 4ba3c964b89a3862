#!/usr/bin/env bash
# Suite 41: the Node.js runtime suite (tests/runtime/*.test.mjs) under
# AddressSanitizer and UBSan. The library is built with them and installed
# into _stage-asan (suite 40's build), the runtime test addon is built with
# them against it (tests/runtime/build.sh, run on a copy of tests/runtime in
# _build-asan/runtime so the normal addon is left alone), and node runs with
# libasan preloaded. Leak detection stays on in every test process: node's own
# allocations are suppressed by tests/fuzz/lsan-node.supp, which names only
# functions of node, so a payload or slot that our library never frees is
# still reported. Child processes that a test spawns keep the ASan checks
# but not leak detection (tests/fuzz/asan-child-env.mjs says why).
#
# Scenario 9 creates 1e6 externals: 270 s under ASan, over this suite's
# budget, so it runs with EXTREF_PRESSURE_N=20000; and since it bounds RSS,
# which ASan's quarantine of freed memory (256 MiB) inflates, it runs with a
# 16 MiB quarantine. Both are said on NOTE lines.
#
# Every tests/runtime/*.test.mjs is picked up (scenarios 14-19 included);
# their child processes (scenarios 14, 15, 19) inherit LD_PRELOAD and the
# ASan options through tests/fuzz/asan-child-env.mjs.
#
# One line per runtime test (node's TAP), plus, per file, a failure for any
# sanitizer or leak report or a crash that TAP does not show.
set -uo pipefail
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=../fuzz/sanitizers.sh
. "$ROOT/tests/fuzz/sanitizers.sh"
RT="$ASAN_BUILD/runtime"
start=$(date +%s)

fail_all() {
  echo "FAIL asan runtime: $*"
  echo "0 passed, 1 failed"
  exit 1
}

mapfile -t files < <(cd "$ROOT/tests/runtime" 2>/dev/null &&
  ls -1 ./*.test.mjs 2>/dev/null | sed 's|^\./||' | sort)
[ ${#files[@]} -gt 0 ] || fail_all "no tests/runtime/*.test.mjs"
command -v node >/dev/null || fail_all "node not found"
LIBASAN="$(gcc -print-file-name=libasan.so)"
[ -f "$LIBASAN" ] || fail_all "gcc has no libasan.so"

asan_build || fail_all "the ASan build failed: see $ASAN_BUILD/make.out"
asan_install || fail_all "installing into $ASAN_STAGE failed"

# A fresh copy of the runtime tests, then their own build script pointed at
# the ASan install, with a compiler wrapper that adds the sanitizers.
mkdir -p "$RT"
find "$RT" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf {} +
(cd "$ROOT/tests/runtime" && tar --exclude=./build -cf - .) | (cd "$RT" && tar -xf -)
cat >"$ASAN_BUILD/asan-cc" <<CC
#!/bin/sh
exec $ASAN_CC -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer "\$@"
CC
chmod +x "$ASAN_BUILD/asan-cc"
if ! EXTREF_ROOT="$ROOT" EXTREF_STAGE="$ASAN_STAGE" CC="$ASAN_BUILD/asan-cc" \
    PKG_CONFIG_PATH="$ASAN_STAGE/lib/pkgconfig" \
    bash "$RT/build.sh" >"$RT/build.out" 2>&1; then
  cat "$RT/build.out"
  fail_all "building the ASan test addon failed"
fi
# Every addon but the bundled one (scenario 17), which carries its own copy
# of the library, compiled by the same ASan compiler wrapper.
for a in "$RT"/build/*.node; do
  [ "$(basename "$a")" = extref_bundled.node ] && continue
  LD_LIBRARY_PATH="$ASAN_STAGE/lib" ldd "$a" |
    grep -q "$ASAN_STAGE/lib/libextref.so" ||
    fail_all "$a does not load the ASan library from $ASAN_STAGE"
done

# The ASan library first: ./dev puts _stage/lib on LD_LIBRARY_PATH, which
# would win over the addon's RUNPATH.
export LD_LIBRARY_PATH="$ASAN_STAGE/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export ASAN_OPTIONS="detect_leaks=1:malloc_context_size=30:detect_odr_violation=0:allow_user_segv_handler=1"
export EXTREF_PRESSURE_N=20000
for f in "${files[@]}"; do
  if grep -q EXTREF_PRESSURE_N "$RT/$f"; then
    echo "NOTE ${f%.test.mjs}: EXTREF_PRESSURE_N=20000 (not 1e6) and ASan quarantine_size_mb=16 (it measures RSS)"
  fi
done
export LSAN_OPTIONS="suppressions=$ROOT/tests/fuzz/lsan-node.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

run_file() {
  local f="$1" base
  local opts="$ASAN_OPTIONS"
  base="$(basename "$f" .test.mjs)"
  grep -q EXTREF_PRESSURE_N "$RT/$f" && opts="$opts:quarantine_size_mb=16"
  (cd "$RT" && ASAN_OPTIONS="$opts" LD_PRELOAD="$LIBASAN" timeout 600 node --expose-gc \
    --import "$ROOT/tests/fuzz/asan-child-env.mjs" \
    --test-reporter=tap "./$f" >"$RT/$base.tap" 2>"$RT/$base.err")
  echo $? >"$RT/$base.rc"
}
export -f run_file
export RT LIBASAN ROOT
rm -f "$RT"/*.tap "$RT"/*.err "$RT"/*.rc
printf '%s\n' "${files[@]}" | xargs -P"$SAN_JOBS" -I{} bash -c 'run_file "$@"' _ {}

passed=0
failed=0
skipped=0
for f in "${files[@]}"; do
  base="$(basename "$f" .test.mjs)"
  rc="$(cat "$RT/$base.rc" 2>/dev/null || echo missing)"
  # Top-level TAP results only (subtests are indented).
  while IFS= read -r line; do
    name="$(sed -E 's/^(not )?ok [0-9]+ - //; s/ # (SKIP|TODO).*//' <<<"$line")"
    if [[ "$line" == "not ok"* ]]; then
      echo "FAIL $base: $name"
      failed=$((failed + 1))
    elif [[ "$line" =~ \#\ (SKIP|skip) ]]; then
      echo "SKIP $base: $name (${line##*# SKIP })"
      skipped=$((skipped + 1))
    else
      echo "PASS $base: $name"
      passed=$((passed + 1))
    fi
  done < <(grep -E '^(not )?ok [0-9]+ - ' "$RT/$base.tap")
  if grep -qE '^==[0-9]+==ERROR: |runtime error:|^SUMMARY: (Address|Leak|Undefined)' \
      "$RT/$base.err"; then
    echo "FAIL $base: sanitizer report (see $RT/$base.err):"
    grep -E '^==[0-9]+==ERROR: |runtime error:|^SUMMARY: |^    #[0-9] ' "$RT/$base.err" |
      head -12 | sed 's/^/  /'
    failed=$((failed + 1))
  elif [ "$rc" != 0 ] && ! grep -q '^not ok' "$RT/$base.tap"; then
    echo "FAIL $base: node exited $rc with no failing test (see $RT/$base.err)"
    tail -5 "$RT/$base.err" | sed 's/^/  /'
    failed=$((failed + 1))
  fi
done
echo "# asan runtime: ${#files[@]} files in $(( $(date +%s) - start ))s"
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
