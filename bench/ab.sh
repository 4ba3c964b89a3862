#!/usr/bin/env bash
# A/B: the current library against an earlier commit, in one run.
#   bench/ab.sh [REF] [PAIRS]     (default REF f07fde3, the 1.0.0 release;
#                                  PAIRS 4)
# Builds REF's library into bench/_ab/old (configure + make install from
# `git archive`), builds the C bench addon (bench/native/bench.c, as it is
# now) once against each library, then runs the native-loop, JS-call and
# contention groups of bench/bench.js in separate Node processes, alternating old and
# new PAIRS times. Prints, per row, the median ns/op of each library, the
# ratio new/old and the nanoseconds added; writes bench/results/ab.md.
set -uo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${EXTREF_ROOT:-$(dirname "$BENCH")}"
STAGE="${EXTREF_STAGE:-$ROOT/_stage}"
REF="${1:-f07fde3}"
PAIRS="${2:-4}"
AB="$BENCH/_ab"
OLD="$AB/old"
mkdir -p "$AB"
log() { printf 'bench-ab: %s\n' "$*" >&2; }

rev="$(git -C "$ROOT" rev-parse --short "$REF")" || exit 1
if [ "$(cat "$OLD/rev" 2>/dev/null)" != "$rev" ]; then
  log "building $REF ($rev) into $OLD"
  rm -rf "$OLD" && mkdir -p "$OLD/src" || exit 1
  git -C "$ROOT" archive "$rev" | tar -x -C "$OLD/src" || exit 1
  (cd "$OLD/src" && autoreconf -fi >/dev/null 2>&1 &&
     ./configure --prefix="$OLD/stage" CFLAGS="-O2 -g" >/dev/null &&
     make -j"$(nproc)" >/dev/null && make install >/dev/null) ||
    { log "building $rev failed"; exit 1; }
  echo "$rev" >"$OLD/rev"
fi

build_for() { # stage out
  PKG_CONFIG_PATH="$1/lib/pkgconfig" BENCH_OUT="$2" BENCH_NO_PEERS=1 \
    "$BENCH/build.sh" 2>/dev/null
}
build_for "$OLD/stage" "$AB/out-old" || { log "bench addon (old)"; exit 1; }
build_for "$STAGE" "$AB/out-new" || { log "bench addon (new)"; exit 1; }

run_one() { # which index
  local stage out
  if [ "$1" = old ]; then stage="$OLD/stage"; out="$AB/out-old"
  else stage="$STAGE"; out="$AB/out-new"; fi
  LD_LIBRARY_PATH="$stage/lib" BENCH_OUT="$out" node --expose-gc \
    "$BENCH/bench.js" --only native,calls,contention --out "$AB/$1-$2.json" \
    >/dev/null 2>&1
}
for i in $(seq 1 "$PAIRS"); do
  # Alternate which goes first.
  if [ $((i % 2)) = 1 ]; then run_one old "$i" && run_one new "$i"
  else run_one new "$i" && run_one old "$i"; fi || { log "run $i failed"; exit 1; }
  log "pair $i of $PAIRS done"
done
node "$BENCH/ab-report.js" "$AB" "$PAIRS" "$rev" \
  "$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src include || echo +)" \
  "$BENCH/results/ab.md"
