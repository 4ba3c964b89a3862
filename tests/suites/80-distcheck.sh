#!/usr/bin/env bash
# The packager's path: make distcheck builds the tarball, then configures,
# builds, checks, installs and uninstalls it out of tree.
set -uo pipefail
: "${EXTREF_BUILD:?run through ./dev check}"
passed=0; failed=0
if make -C "$EXTREF_BUILD" distcheck >"$EXTREF_BUILD/distcheck.out" 2>&1; then
  echo "ok - make distcheck"; passed=$((passed + 1))
else
  echo "FAIL - make distcheck"; tail -40 "$EXTREF_BUILD/distcheck.out"; failed=$((failed + 1))
fi
# The version is configure.ac's.
version="$(sed -n 's/^AC_INIT(\[libextref\], \[\([^]]*\)\].*/\1/p' "${EXTREF_ROOT:-.}/configure.ac")"
tarball="libextref-$version.tar.gz"
listing="$(tar -tzf "$EXTREF_BUILD/$tarball" 2>/dev/null)"
if [ -n "$version" ] && grep -qx "libextref-$version/configure" <<<"$listing"; then
  echo "ok - make dist produced $tarball with a configure script"; passed=$((passed + 1))
else
  echo "FAIL - ${tarball} missing or without configure"; failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
