#!/usr/bin/env bash
# Suite 05: the release is consistent and self-contained.
# - One version: configure.ac's AC_INIT is the source of truth; the header's
#   EXTREF_VERSION_*, every man page's .TH, NEWS's newest entry ("Version X"
#   or "Unreleased (for X)"), debian/changelog, the Cargo manifests and lock
#   of our crates, and bindings/zig/build.zig.zon must all say it.
# - The tree points nowhere outside itself (no ../shared, no machine paths).
# - LICENSE is at the top and in every crate and the Zig package.
# One line per check; the last line is "N passed, N failed".
set -uo pipefail
ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
cd "$ROOT" || exit 1
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "ok   - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/       | /'; return 0; }
same() { # NAME GOT
  if [ "$2" = "$V" ]; then ok "$1: $2"; else bad "$1: '$2', configure.ac says $V"; fi
}

V="$(sed -n 's/^AC_INIT(\[libextref\], \[\([^]]*\)\].*/\1/p' configure.ac)"
if [[ "$V" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]]; then
  ok "configure.ac AC_INIT version is $V"
else
  bad "configure.ac AC_INIT version '$V' is not X.Y.Z"; V="?"
fi
MAJ="${BASH_REMATCH[1]:-}"; MIN="${BASH_REMATCH[2]:-}"; PAT="${BASH_REMATCH[3]:-}"

# The header.
h() { sed -n "s/^#define EXTREF_VERSION_$1 *\\(.*\\)$/\\1/p" include/extref.h; }
same "include/extref.h EXTREF_VERSION_MAJOR.MINOR.PATCH" "$(h MAJOR).$(h MINOR).$(h PATCH)"
same "include/extref.h EXTREF_VERSION_STRING" "$(h STRING | tr -d '"')"

# The man pages: every .TH names "libextref V".
wrong=""; n=0
for f in man/*.[37]; do
  th="$(grep -m1 '^\.TH ' "$f")" || continue
  n=$((n + 1))
  grep -q "\"libextref $V\"" <<<"$th" || wrong="$wrong$f: $th"$'\n'
done
if [ "$n" -gt 0 ] && [ -z "$wrong" ]; then
  ok "man pages: the $n .TH lines say \"libextref $V\""
else
  bad "man pages: .TH lines that do not say \"libextref $V\"" "$wrong"
fi

# NEWS: the newest entry is this version, released or announced.
top="$(grep -m1 '^\* ' NEWS)"
case "$top" in
  "* Version $V "*|"* Version $V"|"* Unreleased (for $V)"*) ok "NEWS newest entry is for $V: $top" ;;
  *) bad "NEWS newest entry is for $V" "$top" ;;
esac

# debian/changelog: the upstream part of the newest version.
dv="$(dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null ||
      sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)"
dv="${dv#*:}"
same "debian/changelog upstream version ($dv)" "${dv%-*}"

# Cargo: the workspace version, every version requirement on our own crates,
# and Cargo.lock's entries for them (so --locked builds keep working).
same "bindings/rust/Cargo.toml [workspace.package] version" \
  "$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' bindings/rust/Cargo.toml)"
for m in $(git ls-files 'bindings/rust/*Cargo.toml' 2>/dev/null || find bindings/rust -name Cargo.toml -not -path '*/target/*'); do
  if grep -q "^\[package\]" "$m" && grep -q '^version *= *"' "$m"; then
    same "$m version" "$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$m" | head -1)"
  fi
  while read -r req; do
    [ -n "$req" ] && same "$m requires $(cut -d' ' -f1 <<<"$req")" "$(cut -d' ' -f2 <<<"$req")"
  done < <(sed -n 's/^\(extref[a-z-]*\) *= *{.*version *= *"=\{0,1\}\([^"]*\)".*/\1 \2/p' "$m")
done
for c in extref extref-sys extref-napi-addon; do
  lv="$(awk -v c="$c" '$0 == "name = \"" c "\"" { getline; gsub(/version = |"/, ""); print; exit }' bindings/rust/Cargo.lock)"
  same "bindings/rust/Cargo.lock $c" "$lv"
done

# Zig.
same "bindings/zig/build.zig.zon .version" \
  "$(sed -n 's/^ *\.version *= *"\(.*\)",/\1/p' bindings/zig/build.zig.zon)"

# Self-contained: no tracked file points outside the repository.
if git rev-parse --git-dir >/dev/null 2>&1; then
  hits="$(git grep -n -I -E '\.\./shared|shared/design/|/work/|/home/[a-z]|/root/' -- . \
    ':!tests/suites/05-release.sh' 2>/dev/null)"
  if [ -z "$hits" ]; then
    ok "no tracked file points outside the repository (../shared, shared/design, /work/, /home/, /root/)"
  else
    bad "tracked files point outside the repository" "$hits"
  fi
fi

# Licenses.
missing=""
for d in . bindings/rust/extref-sys bindings/rust/extref bindings/zig; do
  cmp -s LICENSE "$d/LICENSE" 2>/dev/null || [ "$d" = . ] && [ -f "$d/LICENSE" ] ||
    missing="$missing $d/LICENSE"
done
if [ -z "$missing" ] && grep -q '^MIT License' LICENSE &&
   grep -q 'Copyright (c) 2026 The libextref authors' LICENSE; then
  ok "LICENSE (MIT) at the top and, identical, in extref-sys, extref and the Zig package"
else
  bad "LICENSE (MIT) at the top and in every crate" "missing or different:$missing"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
