#!/bin/sh
# ABI 1.1 against the 1.0.0 baseline (abi/libextref-1.0.0.abi): additions
# only. abidiff may report a change (exit bit 4: the added function, the
# descriptor's new last member) but never an incompatible one (bit 8), no
# removed function or variable, and no member that moved or went away.
# Architecture-neutral, and SKIP (77) where abigail is missing or the check
# is off, as tests/abi/abidiff.sh.
: "${top_srcdir:=.}" "${top_builddir:=.}"
baseline=abi/libextref-1.0.0.abi
. "$top_srcdir/tests/abi/abi-current.inc"
"$ABIDIFF" --no-architecture "$top_srcdir/abi/libextref-1.0.0.abi" \
  "$tmp/current.abi" > "$tmp/report"
rc=$?
bad=""
[ $((rc & 8)) -eq 0 ] || bad="$bad incompatible-change(exit $rc)"
[ $((rc & 3)) -eq 0 ] || bad="$bad abidiff-error(exit $rc)"
grep -q 'Functions changes summary: 0 Removed' "$tmp/report" ||
  bad="$bad removed-function"
grep -q 'Variables changes summary: 0 Removed' "$tmp/report" ||
  bad="$bad removed-variable"
if grep -Eq 'data member deletion|data member change|offset changed|type name changed|enumerator deletion|enumerator changes' "$tmp/report"; then
  bad="$bad changed-member"
fi
if [ -z "$bad" ]; then
  echo "ok 1 - against the 1.0.0 baseline: additions only (abidiff exit $rc)"
  exit 0
fi
echo "not ok 1 - against the 1.0.0 baseline:$bad"
cat "$tmp/report"
exit 1
