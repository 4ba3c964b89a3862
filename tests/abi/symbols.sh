#!/bin/sh
# libextref.so exports exactly the functions of the contract, each under its
# version node (abi/symbols.txt: name@@NODE), and has no undefined Node-API
# symbol.
: "${top_srcdir:=.}" "${top_builddir:=.}"
lib="$top_builddir/.libs/libextref.so.1"
[ -f "$lib" ] || { echo "missing $lib"; exit 1; }
fail=0
exported="$(nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sort)"
expected="$(sort "$top_srcdir/abi/symbols.txt")"
if [ "$exported" = "$expected" ]; then
  echo "ok 1 - exported symbols are exactly abi/symbols.txt, with their version nodes"
else
  echo "not ok 1 - exported symbols differ from abi/symbols.txt"
  diff -u "$(printf '%s\n' "$expected" > "${TMPDIR:-/tmp}/exp.$$"; echo "${TMPDIR:-/tmp}/exp.$$")" \
    "$(printf '%s\n' "$exported" > "${TMPDIR:-/tmp}/got.$$"; echo "${TMPDIR:-/tmp}/got.$$")"
  rm -f "${TMPDIR:-/tmp}/exp.$$" "${TMPDIR:-/tmp}/got.$$"
  fail=1
fi
if nm -D --undefined-only "$lib" | grep -E ' (napi_|node_api_)'; then
  echo "not ok 2 - undefined Node-API symbols above"; fail=1
else
  echo "ok 2 - no undefined napi_/node_api_ symbol"
fi
soname="$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')"
if [ "$soname" = "libextref.so.1" ]; then
  echo "ok 3 - SONAME is libextref.so.1"
else
  echo "not ok 3 - SONAME is '$soname'"; fail=1
fi
exit $fail
