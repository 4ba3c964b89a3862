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
# The tarball is what a distribution takes: its license, and a README that
# names only files the tarball carries (dist/readme-paths.pl check).
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
if tar -C "$tmp" -xzf "$EXTREF_BUILD/libextref-$V.tar.gz" 2>/dev/null &&
   grep -q '^MIT License' "$tmp/libextref-$V/LICENSE" 2>/dev/null; then
  echo "ok - libextref-$V.tar.gz carries LICENSE (MIT)"; passed=$((passed + 1))
else
  echo "FAIL - libextref-$V.tar.gz carries LICENSE (MIT)"; failed=$((failed + 1))
fi
if out="$(perl "$ROOT/dist/readme-paths.pl" check "$tmp/libextref-$V" 2>&1)"; then
  n="$(grep -cE '\]\(|`[^` ]*/[^` ]*`' "$tmp/libextref-$V/README.md")"
  echo "ok - the tarball's README names only files the tarball carries ($n lines with paths or links)"; passed=$((passed + 1))
else
  echo "FAIL - the tarball's README names files the tarball does not carry:"
  printf '%s\n' "$out" | sed 's/^/       | /'; failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
