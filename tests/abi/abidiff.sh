#!/bin/sh
# The built library's ABI equals the committed baseline: any abidiff report
# (any non-zero exit, not only incompatible changes) fails.
#
# The comparison ignores the ELF architecture (abidw and abidiff
# --no-architecture): libextref builds for 64-bit targets only, where the
# public types have one layout, so abi/libextref.abi is the baseline of every
# architecture (relabelled as aarch64, abidiff would otherwise exit 12, "ELF
# architecture changed"). tests/suites/65-cross.sh runs it on an arm64 build.
#
# Exit 77 (SKIP) with the reason when abigail-tools is missing or the check
# is off: ./configure --disable-abi-check, or make check EXTREF_ABI_CHECK=no.
: "${top_srcdir:=.}" "${top_builddir:=.}"
baseline=abi/libextref.abi
. "$top_srcdir/tests/abi/abi-current.inc"
"$ABIDIFF" --no-architecture --no-added-syms "$top_srcdir/abi/libextref.abi" \
  "$tmp/current.abi" > "$tmp/report"
rc=$?
# Added symbols are still a change to the promise: compare without filters too.
"$ABIDIFF" --no-architecture "$top_srcdir/abi/libextref.abi" \
  "$tmp/current.abi" >> "$tmp/report"
rc2=$?
if [ $rc -eq 0 ] && [ $rc2 -eq 0 ]; then
  echo "ok 1 - ABI matches abi/libextref.abi (architecture-neutral comparison)"; exit 0
fi
echo "not ok 1 - abidiff reports a change (exit $rc/$rc2); if deliberate, run 'make abi-update' and commit abi/libextref.abi with the change"
cat "$tmp/report"
exit 1
