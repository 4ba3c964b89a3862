#!/bin/sh
# The built library's ABI equals the committed baseline: any abidiff report
# (any non-zero exit, not only incompatible changes) fails.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${ABIDIFF:=abidiff}" "${ABIDW:=abidw}"
lib="$top_builddir/.libs/libextref.so.1"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
"$ABIDW" --no-corpus-path --no-comp-dir-path --drop-private-types \
  --headers-dir "$top_srcdir/include" "$lib" > "$tmp/current.abi" || exit 1
"$ABIDIFF" --no-added-syms "$top_srcdir/abi/libextref.abi" "$tmp/current.abi" > "$tmp/report"
rc=$?
# Added symbols are still a change to the promise: compare without filters too.
"$ABIDIFF" "$top_srcdir/abi/libextref.abi" "$tmp/current.abi" >> "$tmp/report"
rc2=$?
if [ $rc -eq 0 ] && [ $rc2 -eq 0 ]; then
  echo "ok 1 - ABI matches abi/libextref.abi"; exit 0
fi
echo "not ok 1 - abidiff reports a change (exit $rc/$rc2); if deliberate, run 'make abi-update' and commit abi/libextref.abi with the change"
cat "$tmp/report"
exit 1
