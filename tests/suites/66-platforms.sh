#!/usr/bin/env bash
# Suite 66: the systems addon authors ship to, proven from this Linux
# machine (issue #13). tests/platforms/matrix.sh --unit:
#   1. the library for x86_64-linux-gnu, aarch64-macos, x86_64-macos and
#      x86_64-windows-gnu with zig cc, each exporting exactly
#      abi/symbols.txt and importing no Node-API symbol;
#   2. the unit tests of the Windows build under wine64, each test case
#      counted; the ones that cannot apply on Windows (fork) print why.
# macOS builds are checked, not run: that needs a Mac (README, Platforms).
# Installs what it needs when root (tools.lock: APT_PLATFORMS); otherwise
# names the packages and skips. Ends with "N passed, N failed, N skipped".
set -uo pipefail
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tools.lock"
LOGS="$ROOT/_logs/platforms"
mkdir -p "$LOGS"
echo "suite 66-platforms: macOS and Windows builds with zig cc, Windows unit tests under Wine"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
missing=()
for p in $APT_PLATFORMS; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}"; } >"$LOGS/apt.log" 2>&1
  missing=()
  for p in $APT_PLATFORMS; do installed "$p" || missing+=("$p"); done
fi
extra_skip=0
if [ ${#missing[@]} -gt 0 ]; then
  # The builds go on without them: matrix.sh skips, with the reason, what
  # needs a missing tool (Wine, the symbol readers).
  echo "skipped - Debian packages (missing, not root: apt-get install --no-install-recommends ${missing[*]})"
  extra_skip=1
fi
"$ROOT/tests/platforms/matrix.sh" --unit 2>&1 | tee "$LOGS/matrix.out" |
  grep -vE '^[0-9]+ passed, [0-9]+ failed'
rc=${PIPESTATUS[0]}
line="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOGS/matrix.out" | tail -1)"
if [ -z "$line" ]; then
  echo "FAIL    - tests/platforms/matrix.sh: no summary (exit $rc)"
  echo "0 passed, 1 failed, $extra_skip skipped"
  exit 1
fi
p="$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")"
f="$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")"
s="$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")"
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { echo "FAIL    - matrix.sh exit $rc with no failed case"; f=1; }
echo "$p passed, $f failed, $((${s:-0} + extra_skip)) skipped"
[ "$f" -eq 0 ]
