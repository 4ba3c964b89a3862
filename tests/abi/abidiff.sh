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
case "${EXTREF_ABI_CHECK:-yes}" in
  no)
    echo "SKIP: ABI comparison with abi/libextref.abi is off (EXTREF_ABI_CHECK=no or ./configure --disable-abi-check)"
    exit 77 ;;
esac
for t in "${ABIDW:-}" "${ABIDIFF:-}"; do
  if [ -z "$t" ] || ! command -v "$t" >/dev/null 2>&1; then
    echo "SKIP: abidw/abidiff not found (ABIDW='${ABIDW:-}', ABIDIFF='${ABIDIFF:-}'): install abigail-tools or configure with ABIDW=... ABIDIFF=...; the ABI comparison with abi/libextref.abi did not run"
    exit 77
  fi
done
lib="$top_builddir/.libs/libextref.so.1"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
"$ABIDW" --no-corpus-path --no-comp-dir-path --drop-private-types \
  --no-architecture --headers-dir "$top_srcdir/include" "$lib" \
  > "$tmp/current.abi" || exit 1
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
