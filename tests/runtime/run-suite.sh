#!/usr/bin/env bash
# Runs every tests/runtime/*.test.mjs under one runtime and prints one line
# per test case, then "N passed, N failed[, N skipped]".
#   tests/runtime/run-suite.sh node|bun|deno [file.test.mjs ...]
# EXTREF_RUNTIME_BIN=/path/to/binary runs that binary as the runtime (e.g. a
# wrapper that runs an arm64 bun under qemu-user: tests/suites/65-cross.sh).
# Each file runs in a process of its own, under a time limit. A process
# that dies without reporting counts as one failed case.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${EXTREF_ROOT:-$(cd "$HERE/../.." && pwd)}"
STAGE="${EXTREF_STAGE:-$ROOT/_stage}"
PKG_CONFIG_PATH="$STAGE/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
export PATH="$ROOT/_tools/npm/bin:$PATH"
RT="${1:?usage: run-suite.sh node|bun|deno [files]}"
shift
FILE_TIMEOUT="${EXTREF_RUNTIME_FILE_TIMEOUT:-150}"
LOGDIR="${EXTREF_RUNTIME_LOGS:-$ROOT/_logs/runtime-$RT}"
mkdir -p "$LOGDIR"

pass=0 fail=0 skip=0
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=("$HERE"/*.test.mjs)
fi

skip_all() {
  local f
  for f in "${files[@]}"; do
    echo "SKIP $RT $(basename "$f" .test.mjs): $1"
    skip=$((skip + 1))
  done
  echo "$pass passed, $fail failed, $skip skipped"
  exit 0
}

# The runtime itself: bun and deno come from npm into _tools/npm (what
# ./dev does; done here too so the suite runs on its own).
if [ -z "${EXTREF_RUNTIME_BIN:-}" ] && [ "$RT" != node ] &&
   ! command -v "$RT" >/dev/null 2>&1; then
  echo "installing bun and deno (tools.lock versions) from npm into $ROOT/_tools/npm" >&2
  . "$ROOT/tools.lock"   # BUN_VERSION, DENO_VERSION
  npm install -g --prefix "$ROOT/_tools/npm" --no-audit --no-fund \
    "bun@$BUN_VERSION" "deno@$DENO_VERSION" >/dev/null 2>&1 || true
fi
RT_BIN="${EXTREF_RUNTIME_BIN:-$RT}"
command -v "$RT_BIN" >/dev/null 2>&1 || skip_all "$RT_BIN is not installed"

if ! out="$("$HERE/build.sh" 2>&1)"; then
  echo "$out"
  echo "FAIL $RT build: the test addon did not build"
  echo "0 passed, 1 failed"
  exit 1
fi

run_file() {
  local f="$1"
  case "$RT" in
    node) timeout -k 5 "$FILE_TIMEOUT" "$RT_BIN" --test --expose-gc \
            --test-reporter=tap "$f" ;;
    bun)  timeout -k 5 "$FILE_TIMEOUT" "$RT_BIN" "$f" ;;
    deno) timeout -k 5 "$FILE_TIMEOUT" "$RT_BIN" run --allow-ffi --allow-read \
            --allow-env --allow-run --allow-sys --v8-flags=--expose-gc "$f" ;;
  esac
}

for f in "${files[@]}"; do
  name="$(basename "$f" .test.mjs)"
  log="$LOGDIR/$name.tap"
  start=$(date +%s%N)
  (cd "$HERE" && run_file "$f") >"$log" 2>&1
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  secs="$((ms / 1000)).$((ms % 1000 / 100))"
  fp=0 ff=0 fs=0
  # Top-level TAP lines only: node indents subtests and YAML blocks.
  while IFS= read -r line; do
    if [[ "$line" =~ ^ok\ [0-9]+\ -\ (.*)\ \#\ SKIP\ ?(.*)$ ]]; then
      echo "SKIP $RT $name ${BASH_REMATCH[1]}: ${BASH_REMATCH[2]}"
      fs=$((fs + 1))
    elif [[ "$line" =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then
      echo "PASS $RT $name ${BASH_REMATCH[1]}"
      fp=$((fp + 1))
    elif [[ "$line" =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then
      echo "FAIL $RT $name ${BASH_REMATCH[1]}"
      ff=$((ff + 1))
    fi
  done <"$log"
  # What the tests chose to print (measurements, runtime differences).
  grep -E '^# (\\# )?(node|bun|deno): ' "$log" |
    sed -E 's/^# (\\# )?/    note: /'
  if [ "$ff" -gt 0 ]; then
    # The failure details, indented, at most 40 lines.
    awk '/^not ok/{p=1; n=0; print; next} /^[^ ]/{p=0}
         p && n++ < 20' "$log" |
      grep -vE '^\s*(duration_ms|type|\.\.\.|---)' | sed 's/^/    | /' |
      head -40
  fi
  if [ "$rc" -ne 0 ] && [ "$ff" -eq 0 ]; then
    echo "FAIL $RT $name: the process exited with status $rc" \
      "without reporting a failure (crash or time limit); log: $log"
    tail -5 "$log" | sed 's/^/    | /'
    ff=$((ff + 1))
  fi
  if [ $((fp + ff + fs)) -eq 0 ]; then
    echo "FAIL $RT $name: no test reported; log: $log"
    ff=1
  fi
  echo "  ($name: $fp passed, $ff failed, $fs skipped in ${secs}s)"
  pass=$((pass + fp)) fail=$((fail + ff)) skip=$((skip + fs))
done

if [ "$skip" -gt 0 ]; then
  echo "$pass passed, $fail failed, $skip skipped"
else
  echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
