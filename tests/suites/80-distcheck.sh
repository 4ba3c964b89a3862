#!/usr/bin/env bash
# The packager's path: make distcheck builds the tarball, then configures,
# builds, checks, installs and uninstalls it out of tree.
set -uo pipefail
: "${EXTREF_BUILD:?run through ./dev check}"
passed=0; failed=0
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
V="$(sed -n 's/^AC_INIT(\[libextref\], \[\([^]]*\)\].*/\1/p' "$ROOT/configure.ac")"
if make -C "$EXTREF_BUILD" distcheck >"$EXTREF_BUILD/distcheck.out" 2>&1; then
  echo "ok - make distcheck"; passed=$((passed + 1))
else
  echo "FAIL - make distcheck"; tail -40 "$EXTREF_BUILD/distcheck.out"; failed=$((failed + 1))
fi
listing="$(tar -tzf "$EXTREF_BUILD/libextref-$V.tar.gz" 2>/dev/null)"
if grep -qx "libextref-$V/configure" <<<"$listing"; then
  echo "ok - make dist produced libextref-$V.tar.gz with a configure script"; passed=$((passed + 1))
else
  echo "FAIL - libextref-$V.tar.gz missing or without configure"; failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
