# Shared by the sanitizer suites (tests/suites/40-*.sh to 43-*.sh); source
# it, do not run it. Every build goes to an ignored directory of its own and
# is redone only when its inputs changed, at -j2 at most.
#
#   asan_build      configures _build-asan (gcc, -fsanitize=address,undefined,
#                   prefix _stage-asan) and builds the library;
#                   asan_install installs it into _stage-asan.
#   check_log_report LOG...  prints one line per check test case found in
#                   automake/check logs (or, when the runner prints only
#                   failures, the summary) and sets CK_PASSED, CK_FAILED.

ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
ASAN_BUILD="$ROOT/_build-asan"
ASAN_STAGE="$ROOT/_stage-asan"
SAN_JOBS="${SAN_JOBS:-2}"
# gcc, so that the ASan runtime is the one `gcc -print-file-name=libasan.so`
# names, which is what node gets as LD_PRELOAD in suite 41.
ASAN_CC="${ASAN_CC:-gcc}"
ASAN_CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
-fno-sanitize-recover=all"

san_log() { printf '%s\n' "$*" >&2; }

# Makes sure the source tree has a configure script (./dev build makes it).
have_configure() {
  if [ ! -x "$ROOT/configure" ]; then
    (cd "$ROOT" && autoreconf -fi >/dev/null 2>&1) || return 1
  fi
}

asan_build() {
  local stamp want
  have_configure || { san_log "autoreconf failed"; return 1; }
  mkdir -p "$ASAN_BUILD"
  want="$ASAN_CC $ASAN_CFLAGS $ASAN_STAGE"
  stamp="$(cat "$ASAN_BUILD/.san-stamp" 2>/dev/null || true)"
  if [ ! -f "$ASAN_BUILD/Makefile" ] || [ "$ROOT/configure" -nt "$ASAN_BUILD/Makefile" ] ||
     [ "$stamp" != "$want" ]; then
    san_log "configuring $ASAN_BUILD"
    (cd "$ASAN_BUILD" && "$ROOT/configure" --prefix="$ASAN_STAGE" \
      CC="$ASAN_CC" CFLAGS="$ASAN_CFLAGS" \
      LDFLAGS="-fsanitize=address,undefined" >configure.out 2>&1) || {
      tail -20 "$ASAN_BUILD/configure.out"; return 1; }
    echo "$want" >"$ASAN_BUILD/.san-stamp"
  fi
  make -C "$ASAN_BUILD" -j"$SAN_JOBS" >"$ASAN_BUILD/make.out" 2>&1 || {
    grep -E 'error|Error' "$ASAN_BUILD/make.out" | head -20
    return 1; }
}

asan_install() {
  make -C "$ASAN_BUILD" install >"$ASAN_BUILD/install.out" 2>&1 || {
    tail -20 "$ASAN_BUILD/install.out"; return 1; }
}

# The check programs that the Makefile builds (tests/unit/test_*).
unit_programs() {
  printf 'extref-print-check-programs:\n\t@echo $(check_PROGRAMS)\n' |
    make -s -C "$1" -f Makefile -f - extref-print-check-programs 2>/dev/null |
    tr ' ' '\n' | grep -E '^tests/unit/test_[A-Za-z0-9_]+$' | sort -u
}

# Reads check's verbose output (CK_VERBOSITY=verbose) from each log and
# prints one line per test case: file:line:P|F|E:tcase:name:iter: message.
# A log with no "Checks:" summary (the program died) counts one failure.
check_log_report() {
  local log name summary n bad lines
  CK_PASSED=0
  CK_FAILED=0
  for log in "$@"; do
    name="$(basename "$log" .log)"
    summary="$(grep -E '^[0-9]+%: Checks: [0-9]+' "$log" | tail -1)"
    if [ -z "$summary" ]; then
      CK_FAILED=$((CK_FAILED + 1))
      echo "FAIL $name: no check summary (crashed or killed); log: $log"
      grep -E 'ERROR: |SUMMARY: |runtime error' "$log" | head -5 | sed 's/^/  /'
      continue
    fi
    # The counts come from the summary; the per-test lines (all of them
    # under CK_VERBOSITY=verbose when the runner honours it, else only the
    # failures) are printed as they are.
    n="$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$summary")"
    bad="$(sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1 + \2/' <<<"$summary")"
    bad=$((bad))
    lines=0
    # check's TAP lines (CK_TAP_LOG_FILE_NAME=-): "ok 1 - file:tcase:test:
    # message"; else its own lines "file:line:P:tcase:test:iter: message".
    while IFS= read -r line; do
      lines=$((lines + 1))
      case "$line" in
        "ok "*) echo "PASS $name: $(sed -E 's/^ok [0-9]+ - [^:]*:([^:]*:[^:]*):.*/\1/' <<<"$line")" ;;
        "not ok "*) echo "FAIL $name: $(sed -E 's/^not ok [0-9]+ - [^:]*://' <<<"$line" | cut -c1-200)" ;;
        *:P:*) echo "PASS $name: $(cut -d: -f4,5 <<<"$line")" ;;
        *) echo "FAIL $name: $(cut -d: -f4- <<<"$line" | cut -c1-200)" ;;
      esac
    done < <(if grep -qE '^(not )?ok [0-9]+ - ' "$log"; then
               grep -E '^(not )?ok [0-9]+ - ' "$log"
             else
               grep -E '^[^:]+:[0-9]+:[PFE]:[^:]*:[^:]+:[0-9]+:' "$log"
             fi)
    [ "$lines" -lt "$n" ] && echo "unit $name: $summary"
    CK_PASSED=$((CK_PASSED + n - bad))
    CK_FAILED=$((CK_FAILED + bad))
    if grep -qE '^==[0-9]+==ERROR: |runtime error:' "$log"; then
      CK_FAILED=$((CK_FAILED + 1))
      echo "FAIL $name: sanitizer report in $log:"
      grep -E '^==[0-9]+==ERROR: |runtime error:|^SUMMARY: ' "$log" | head -6 | sed 's/^/  /'
    fi
  done
}
