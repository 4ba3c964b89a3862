#!/usr/bin/env bash
# Builds the model-based fuzzer of the libextref core and runs it.
#
#   tests/fuzz/run.sh SECONDS [libFuzzer options or input files...]
#
# The harness and every src/*.c file are compiled directly with clang
# (-fsanitize=fuzzer,address,undefined) into _build-fuzz/. It first replays
# the committed seed corpus (tests/fuzz/corpus/), then fuzzes for SECONDS,
# keeping what it learns in _build-fuzz/corpus/. A divergence from the model,
# a sanitizer report or a leak stops it with a non-zero exit; the input that
# failed is saved in _build-fuzz/artifacts/ and can be replayed with
#   FUZZ_TRACE=1 _build-fuzz/fuzz_core _build-fuzz/artifacts/crash-...
#
# Environment:
#   EXTREF_FUZZ_SRC  the directory of library sources to build (default
#                    src/); point it at a scratch copy to try a change.
#   FUZZ_BUILD_ONLY  set to 1 to build and not run.
set -euo pipefail
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
SECONDS_TO_RUN="${1:-60}"
shift || true
SRC="${EXTREF_FUZZ_SRC:-$ROOT/src}"
OUT="$ROOT/_build-fuzz"
CC="${FUZZ_CC:-clang}"
NODE_INC="${NODE_API_INC:-/usr/include/node}"

command -v "$CC" >/dev/null || { echo "run.sh: $CC not found" >&2; exit 2; }
[ -f "$NODE_INC/node_api.h" ] || {
  echo "run.sh: node_api.h not found in $NODE_INC" >&2; exit 2; }
ls "$SRC"/*.c >/dev/null 2>&1 || { echo "run.sh: no sources in $SRC" >&2; exit 2; }

CFLAGS=(-std=c11 -g -O1 -fno-omit-frame-pointer
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
  -D_GNU_SOURCE -DEXTREF_BUILDING -I"$ROOT/include" -I"$SRC" -I"$NODE_INC"
  -Wall -Wextra -Wno-unused-parameter)
# config.h, if the library's sources want it, comes from the main build.
[ -f "$ROOT/_build/config.h" ] && CFLAGS+=(-I"$ROOT/_build" -DHAVE_CONFIG_H)

mkdir -p "$OUT/obj" "$OUT/corpus" "$OUT/artifacts"

# Rebuild only when the sources, the harness or the flags changed.
stamp="$( { printf '%s\n' "$CC" "${CFLAGS[@]}" "$SRC";
  cat "$SRC"/*.c "$SRC"/*.h "$ROOT/include/extref.h" \
    "$ROOT/tests/fuzz/fuzz_core.c"; } | sha256sum | cut -d' ' -f1)"
if [ ! -x "$OUT/fuzz_core" ] || [ "$(cat "$OUT/stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "fuzz: building the harness in $OUT (sources: $SRC)" >&2
  rm -f "$OUT"/obj/*.o "$OUT/stamp"
  # The library's objects are built without the fuzzer's main and coverage
  # is still wanted, so -fsanitize=fuzzer-no-link for them.
  LIBFLAGS=("${CFLAGS[@]/-fsanitize=fuzzer,address,undefined/-fsanitize=fuzzer-no-link,address,undefined}")
  export CC OUT
  printf '%s\n' "$SRC"/*.c | xargs -P2 -I{} sh -c \
    'f="{}"; exec "$CC" "$@" -c "$f" -o "$OUT/obj/$(basename "$f" .c).o"' \
    sh "${LIBFLAGS[@]}"
  "$CC" "${CFLAGS[@]}" "$ROOT/tests/fuzz/fuzz_core.c" "$OUT"/obj/*.o \
    -o "$OUT/fuzz_core" -ldl -pthread
  echo "$stamp" >"$OUT/stamp"
fi
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# Input files given on the command line are replayed, not fuzzed.
if [ $# -gt 0 ] && [ -f "${!#}" ]; then
  exec "$OUT/fuzz_core" "$@"
fi
exec "$OUT/fuzz_core" -max_total_time="$SECONDS_TO_RUN" -max_len=600 \
  -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
  -artifact_prefix="$OUT/artifacts/" "$@" \
  "$OUT/corpus" "$ROOT/tests/fuzz/corpus"
