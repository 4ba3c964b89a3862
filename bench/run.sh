#!/usr/bin/env bash
# The libextref benchmarks: the cost of safety, against raw Node-API and the
# peers (napi-rs 3 External<T>, Neon 1.x JsBox<T>).
#   bench/run.sh           full run (a few minutes); prints the tables, writes
#                          bench/results/results.md, results.json, goals.md,
#                          goals.json, ratios.png
#   bench/run.sh --smoke   tiny sizes, seconds; prints the tables, judges
#                          nothing, writes only into bench/_out/
#   bench/run.sh --seed N  repeat a run's shuffled order
# Called by ./dev bench with EXTREF_ROOT, PKG_CONFIG_PATH and LD_LIBRARY_PATH
# exported; run alone it derives them from the repository layout.
set -uo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${EXTREF_ROOT:-$(dirname "$BENCH")}"
STAGE="${EXTREF_STAGE:-$ROOT/_stage}"
export PKG_CONFIG_PATH="${PKG_CONFIG_PATH:-$STAGE/lib/pkgconfig}"
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-$STAGE/lib}"
export BENCH_OUT="${BENCH_OUT:-$BENCH/_out}"

smoke=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --seed) extra+=(--seed "${2:?--seed N}"); shift ;;
    *) echo "usage: bench/run.sh [--smoke] [--seed N]" >&2; exit 2 ;;
  esac
  shift
done

"$BENCH/build.sh" || { echo "bench: build failed" >&2; exit 1; }

if [ "$smoke" = 1 ]; then
  exec node --expose-gc "$BENCH/bench.js" --smoke "${extra[@]}" \
    --out "$BENCH_OUT/smoke.json"
fi

RES="$BENCH/results"
mkdir -p "$RES"
node --expose-gc "$BENCH/bench.js" "${extra[@]}" --out "$RES/results.json" ||
  exit 1
node "$BENCH/report.js" "$RES/results.json" "$RES/results.md" || exit 1
echo "bench: wrote $RES/results.md, $RES/goals.md, $RES/goals.json"
# The chart needs Debian's python3-matplotlib (./dev installs it); the
# interpreter that has it is /usr/bin/python3, not necessarily the first
# python3 on PATH.
py=""
for p in /usr/bin/python3 python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import matplotlib' 2>/dev/null
  then py="$p"; break; fi
done
if [ -z "$py" ]; then
  echo "bench: no chart: python3-matplotlib is missing (./dev installs it)"
else
  "$py" "$BENCH/chart.py" "$RES/results.json" "$RES/ratios.png" &&
    echo "bench: wrote $RES/ratios.png"
fi
