# shellcheck shell=bash
# Sourced by tests/suites/67-windows-runtime.sh, part 3: libextref built for
# x86_64-windows-gnu (tests/windows/build-runtime.sh), the tests/runtime
# addons against it, and tests/runtime's files under Deno for Windows on
# wine64 (tests/runtime/run-suite.sh deno with EXTREF_RUNTIME_BIN, on a copy
# of tests/runtime whose build/ holds the Windows addons).
# Uses: ROOT TW WORK LOGS WINE DENO, ok bad skipped note.
# EXTREF_WIN_RUNTIME_FILES: the files to run (names without .test.mjs;
# default every file).

if [ ! -f "$ROOT/src/os.c" ]; then
  skipped "libextref under Deno on Wine" "src/ has no Windows port (src/os.c, branch port)"
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

mkdir -p "$WORK/bin"
cat >"$WORK/bin/deno-wine" <<EOF2
#!/bin/sh
exec "$WINE" "$DENO" "\$@"
EOF2
chmod +x "$WORK/bin/deno-wine"
files=()
if [ -n "${EXTREF_WIN_RUNTIME_FILES:-}" ]; then
  for f in $EXTREF_WIN_RUNTIME_FILES; do files+=("$WORK/runtime/$f.test.mjs"); done
else
  files=("$WORK/runtime"/*.test.mjs)
fi
start=$(date +%s)
# Scenario 9 at suite 32's size for Deno (the per-external cost grows with
# the count there, and Wine makes each about 5 times slower still).
EXTREF_PRESSURE_N="${EXTREF_PRESSURE_N:-20000}" \
EXTREF_RUNTIME_BIN="$WORK/bin/deno-wine" EXTREF_RUNTIME_LOGS="$LOGS/runtime-deno-wine" \
  EXTREF_RUNTIME_FILE_TIMEOUT="${EXTREF_WIN_FILE_TIMEOUT:-120}" \
  "$WORK/runtime/run-suite.sh" deno "${files[@]}" >"$LOGS/runtime.log" 2>&1
secs=$(( $(date +%s) - start ))
# Every test case is a case here too; a file that dies counts as one failure.
while IFS= read -r line; do
  case "$line" in
    "PASS deno "*) ok "deno.exe/wine64: ${line#PASS deno }" ;;
    "SKIP deno "*) skipped "deno.exe/wine64: $(sed -E 's/^SKIP deno ([^:]*): (.*)$/\1/' <<<"$line")" \
                     "$(sed -E 's/^SKIP deno ([^:]*): (.*)$/\2/' <<<"$line")" ;;
    "FAIL deno "*) bad "deno.exe/wine64: ${line#FAIL deno }" ;;
    "    "*) echo "      $line" ;;
  esac
done < <(grep -E '^(PASS|FAIL|SKIP) deno |^    ' "$LOGS/runtime.log")
rline="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOGS/runtime.log" | tail -1)"
note "tests/runtime under deno.exe $DENO_VERSION on wine64 (${#files[@]} files): ${rline:-no summary} in ${secs}s; per-file logs in $LOGS/runtime-deno-wine"
