# shellcheck shell=bash
# Sourced by tests/suites/67-windows-runtime.sh, part 3: libextref built for
# x86_64-windows-gnu (tests/windows/build-runtime.sh), the tests/runtime
# addons against it, and tests/runtime's files under Deno and Bun for
# Windows on wine64 (tests/runtime/run-suite.sh deno|bun with
# EXTREF_RUNTIME_BIN, on a copy of tests/runtime whose build/ holds the
# Windows addons).
# Uses: ROOT TW WORK LOGS WINE DENO BUNW RUNTIMES, ok bad skipped note.
# EXTREF_WIN_RUNTIME_FILES: the files to run (names without .test.mjs;
# default every file).

if [ ! -f "$ROOT/src/os.c" ]; then
  skipped "libextref under Deno and Bun on Wine" "src/ has no Windows port (src/os.c, branch port)"
  return 0
fi
cp -a "$ROOT/tests/runtime" "$WORK/runtime"
rm -rf "$WORK/runtime/build"
# The addons are built here, for Windows; run-suite.sh's build.sh is not.
printf '#!/bin/sh\nexit 0\n' >"$WORK/runtime/build.sh"
start=$(date +%s)
if ZIG="$PY -m ziglang" "$TW/build-runtime.sh" "$WORK/winlib" "$WORK/runtime" >"$LOGS/build-runtime.log" 2>&1; then
  ok "extref.dll (src/, zig cc -target $TARGET, exports = abi/symbols.txt) and the 4 test addons built in $(( $(date +%s) - start ))s"
  # Scenario 17 checks this with nm -D, which a Windows process cannot run.
  ok "extref_bundled.node (its own copy of src/) exports no extref_ function and imports no extref.dll (objdump -p)"
else
  bad "extref.dll and the test addons for $TARGET (tests/windows/build-runtime.sh)" "$LOGS/build-runtime.log" 30
  return 0
fi
imports="$($OBJDUMP -p "$WORK/runtime/build/extref_test.node" | sed -nE 's/.*DLL Name: //p' | grep -viE '^(api-ms-win|kernel32)' | tr '\n' ' ')"
note "extref_test.node imports from: ${imports:-nothing but the system} (napi_* bound at load from the host)"

files=()
if [ -n "${EXTREF_WIN_RUNTIME_FILES:-}" ]; then
  for f in $EXTREF_WIN_RUNTIME_FILES; do files+=("$WORK/runtime/$f.test.mjs"); done
else
  files=("$WORK/runtime"/*.test.mjs)
fi
mkdir -p "$WORK/bin"
for rt in "${RUNTIMES[@]}"; do
  case "$rt" in
    deno) exe="$DENO" v="$DENO_VERSION"
      # Scenario 9 at suite 32's size for Deno (the per-external cost grows
      # with the count there, and Wine makes each about 4 times slower).
      n="${EXTREF_PRESSURE_N:-20000}" ;;
    bun) exe="$BUNW" v="$BUN_VERSION" n="${EXTREF_PRESSURE_N:-1000000}" ;;
  esac
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$WINE" "$exe" >"$WORK/bin/$rt-wine"
  chmod +x "$WORK/bin/$rt-wine"
  start=$(date +%s)
  EXTREF_PRESSURE_N="$n" EXTREF_RUNTIME_BIN="$WORK/bin/$rt-wine" \
    EXTREF_RUNTIME_LOGS="$LOGS/runtime-$rt-wine" \
    EXTREF_RUNTIME_FILE_TIMEOUT="${EXTREF_WIN_FILE_TIMEOUT:-120}" \
    "$WORK/runtime/run-suite.sh" "$rt" "${files[@]}" >"$LOGS/runtime-$rt.log" 2>&1
  secs=$(( $(date +%s) - start ))
  # Every test case is a case here too; a file that dies is one failure.
  while IFS= read -r line; do
    case "$line" in
      "PASS $rt "*) ok "$rt.exe/wine64: ${line#PASS $rt }" ;;
      "SKIP $rt "*) skipped "$rt.exe/wine64: $(sed -E "s/^SKIP $rt ([^:]*): (.*)\$/\\1/" <<<"$line")" \
                      "$(sed -E "s/^SKIP $rt ([^:]*): (.*)\$/\\2/" <<<"$line")" ;;
      "FAIL $rt "*) bad "$rt.exe/wine64: ${line#FAIL $rt }" ;;
      "    "*) echo "      $line" ;;
    esac
  done < <(grep -E "^(PASS|FAIL|SKIP) $rt |^    " "$LOGS/runtime-$rt.log")
  rline="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOGS/runtime-$rt.log" | tail -1)"
  note "tests/runtime under $rt.exe $v on wine64 (${#files[@]} files, scenario 9 at $n): ${rline:-no summary} in ${secs}s; per-file logs in $LOGS/runtime-$rt-wine"
done
