#!/usr/bin/env bash
# Suite 60: the Debian packages.
#
# In a scratch copy of the tree (the repo is never written to): make dist,
# unpack the tarball as libextref_VERSION.orig.tar.gz with debian/ added,
# dpkg-buildpackage -us -uc -b, lintian on the .changes (any E: or W: fails).
# Then, as root only, install libextref1 and libextref-dev with apt-get,
# build a small C addon against the installed files alone (pkg-config and
# /usr/include/node; no -I into the repo, no LD_LIBRARY_PATH), run it in
# node, check the man pages, and purge both packages whatever happened.
# One line per test case; the last line is "N passed, N failed, N skipped".
set -uo pipefail

ROOT="${EXTREF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
JOBS=2
pass=0; fail=0; skip=0
ok()   { pass=$((pass + 1)); echo "ok      - $1"; }
# bad NAME [LOG [LINES]]: a failure, with the tail of its log.
bad() {
  fail=$((fail + 1)); echo "FAIL    - $1"
  [ -n "${2:-}" ] && sed 's/^/          | /' "$2" | tail -n "${3:-25}"
  return 0
}
skipped() { skip=$((skip + 1)); echo "skipped - $1 ($2)"; }

# The package build and the checks of the installed packages run without the
# staged build (_stage) in view.
sys() { env -u PKG_CONFIG_PATH -u LD_LIBRARY_PATH -u MANPATH "$@"; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/extref-debian.XXXXXX")"
installed_by_us=0
purge() {
  [ "$installed_by_us" = 1 ] || return 0
  installed_by_us=0
  DEBIAN_FRONTEND=noninteractive apt-get remove -y --purge \
    -o DPkg::Lock::Timeout=300 libextref-dev libextref1 >"$WORK/purge.log" 2>&1
}
# The build and lintian logs outlive the scratch dir, in the ignored _logs/.
LOGS="$ROOT/_logs/60-debian"
# Silent: nothing may follow the summary line.
cleanup() {
  {
    purge
    rm -rf "$LOGS" && mkdir -p "$LOGS" &&
      for f in dist bdeps build lintian install cc node purge autopkgtest; do
        [ -f "$WORK/$f.log" ] && cp "$WORK/$f.log" "$LOGS/"
      done
    rm -rf "$WORK"
  } >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "suite 60-debian: Debian packages of libextref (scratch dir $WORK)"

for tool in dpkg-buildpackage dpkg-parsechangelog lintian autoreconf make; do
  if ! command -v "$tool" >/dev/null; then
    bad "tool $tool is installed (./dev installs it: dpkg-dev, lintian, autoconf)"
    echo "$pass passed, $fail failed, $skip skipped"; exit 1
  fi
done

# ---- Scratch copy of the tracked files, as they are in the working tree. ----
# Without git (an unpacked tarball), everything but build outputs.
git_() { git -c safe.directory="$ROOT" -C "$ROOT" "$@"; }
if git_ rev-parse --git-dir >/dev/null 2>&1; then
  git_ ls-files -z | while IFS= read -r -d '' f; do
    [ -e "$ROOT/$f" ] && printf '%s\0' "$f"; done > "$WORK/files"
fi
copy_tree() {
  mkdir -p "$1"
  if [ -s "$WORK/files" ]; then
    tar -C "$ROOT" --null -T "$WORK/files" -cf - | tar -C "$1" -xf -
  else
    tar -C "$ROOT" --exclude='./_*' --exclude=./.git --exclude=target \
      --exclude=node_modules --exclude=.zig-cache --exclude=zig-out \
      --exclude='*.node' -cf - . | tar -C "$1" -xf -
  fi
}
copy_tree "$WORK/tree"

VERSION="$(dpkg-parsechangelog -l "$WORK/tree/debian/changelog" -S Version)"
UPSTREAM="${VERSION%-*}"
ARCH="$(dpkg-architecture -qDEB_HOST_ARCH)"
MULTIARCH="$(dpkg-architecture -qDEB_HOST_MULTIARCH)"
AC_VERSION="$(sed -n 's/^AC_INIT(\[libextref\], \[\([^]]*\)\].*/\1/p' "$WORK/tree/configure.ac")"

if [ "$AC_VERSION" = "$UPSTREAM" ]; then
  ok "debian/changelog version $VERSION matches configure.ac ($AC_VERSION)"
else
  bad "debian/changelog upstream version $UPSTREAM differs from configure.ac ($AC_VERSION)"
fi

# ---- make dist: the upstream tarball. ----
SRC="$WORK/libextref-$UPSTREAM"
if (cd "$WORK/tree" && sys autoreconf -fi && sys ./configure -q &&
    sys make -j"$JOBS" dist) >"$WORK/dist.log" 2>&1 &&
   [ -f "$WORK/tree/libextref-$UPSTREAM.tar.gz" ]; then
  ok "make dist produces libextref-$UPSTREAM.tar.gz"
  mv "$WORK/tree/libextref-$UPSTREAM.tar.gz" \
     "$WORK/libextref_$UPSTREAM.orig.tar.gz"
  tar -C "$WORK" -xzf "$WORK/libextref_$UPSTREAM.orig.tar.gz"
  cp -a "$WORK/tree/debian" "$SRC/"
else
  bad "make dist produces libextref-$UPSTREAM.tar.gz" "$WORK/dist.log" 15
  # The packaging checks below still say something when only the tarball is
  # broken: build from a clean copy of the tree instead (3.0 (quilt) needs
  # no orig tarball for a binary-only build).
  echo "          (building the packages from the tree instead of the tarball)"
  rm -rf "$WORK/tree"
  copy_tree "$SRC"
fi
rm -rf "$WORK/tree"

# ---- Build dependencies, then dpkg-buildpackage. ----
if (cd "$SRC" && dpkg-checkbuilddeps) >"$WORK/bdeps.log" 2>&1; then
  ok "build dependencies of debian/control are satisfied"
elif [ "$(id -u)" = 0 ] &&
     { (cd "$SRC" && DEBIAN_FRONTEND=noninteractive apt-get build-dep -y \
         -o DPkg::Lock::Timeout=300 ./) >>"$WORK/bdeps.log" 2>&1 ||
       { apt-get update -qq >>"$WORK/bdeps.log" 2>&1 &&
         (cd "$SRC" && DEBIAN_FRONTEND=noninteractive apt-get build-dep -y \
           -o DPkg::Lock::Timeout=300 ./) >>"$WORK/bdeps.log" 2>&1; }; } &&
     (cd "$SRC" && dpkg-checkbuilddeps) >>"$WORK/bdeps.log" 2>&1; then
  ok "build dependencies of debian/control are satisfied (installed with apt-get build-dep)"
else
  bad "build dependencies of debian/control are satisfied" "$WORK/bdeps.log" 10
fi

built=0
if (cd "$SRC" && sys dpkg-buildpackage -us -uc -b -j"$JOBS") \
     >"$WORK/build.log" 2>&1; then
  built=1
  # The automake test-suite summary of dh_auto_test, e.g. "PASS 10, ...".
  counts="$(sed -n 's/^# \(PASS\|FAIL\|SKIP\|ERROR\): *\([0-9]*\)$/\1 \2/p' \
    "$WORK/build.log" | paste -sd, - | sed 's/,/, /g')"
  case " ${DEB_BUILD_OPTIONS:-} " in
    *" nocheck "*) counts="DEB_BUILD_OPTIONS=nocheck: not run" ;;
  esac
  ok "dpkg-buildpackage -us -uc -b succeeds (make check: ${counts:-none})"
else
  bad "dpkg-buildpackage -us -uc -b succeeds" "$WORK/build.log" 30
fi

CHANGES="$WORK/libextref_${VERSION}_$ARCH.changes"
DEB1="$WORK/libextref1_${VERSION}_$ARCH.deb"
DEBDEV="$WORK/libextref-dev_${VERSION}_$ARCH.deb"
DEBDBG="$WORK/libextref1-dbgsym_${VERSION}_$ARCH.deb"
have_debs=0
if [ "$built" = 1 ]; then
  if [ -f "$DEB1" ] && [ -f "$DEBDEV" ] && [ -f "$DEBDBG" ] && [ -f "$CHANGES" ]; then
    have_debs=1
    ok "built libextref1, libextref-dev, libextref1-dbgsym and the .changes"
  else
    ls "$WORK" > "$WORK/ls.log"
    bad "built libextref1, libextref-dev, libextref1-dbgsym and the .changes" "$WORK/ls.log"
  fi
else
  skipped "built libextref1, libextref-dev, libextref1-dbgsym and the .changes" "the build failed"
fi

# ---- lintian. ----
if [ "$have_debs" = 1 ]; then
  # Info and pedantic tags are listed; an error, a warning or a lintian
  # failure (non-zero exit) fails.
  lintian -I --pedantic --fail-on error,warning "$CHANGES" \
    >"$WORK/lintian.log" 2>"$WORK/lintian.err"
  lrc=$?
  grep -E '^[EW]: ' "$WORK/lintian.log" >"$WORK/lintian.ew"
  if [ ! -s "$WORK/lintian.ew" ] && [ "$lrc" -eq 0 ]; then
    ok "lintian: no error and no warning ($(grep -c '^[IP]: ' "$WORK/lintian.log") info/pedantic tags)"
    sed 's/^/          | /' "$WORK/lintian.log"
  else
    cat "$WORK/lintian.err" >>"$WORK/lintian.ew"
    bad "lintian: no error and no warning (exit $lrc)" "$WORK/lintian.ew" 40
  fi
else
  skipped "lintian: no error and no warning" "no packages were built"
fi

# ---- Contents of the packages. ----
if [ "$have_debs" = 1 ]; then
  dpkg-deb -c "$DEB1" | awk '{ print $6 }' >"$WORK/c1"
  dpkg-deb -c "$DEBDEV" | awk '{ print $6 }' >"$WORK/cdev"
  dpkg-deb -f "$DEB1" Multi-Arch Pre-Depends >"$WORK/f1"
  if grep -qx "./usr/lib/$MULTIARCH/libextref.so.1" "$WORK/c1" &&
     ! grep -q '\.so$\|/include/\|\.pc$' "$WORK/c1" &&
     grep -qx 'Multi-Arch: same' "$WORK/f1"; then
    ok "libextref1 ships libextref.so.1 in /usr/lib/$MULTIARCH and no development files (Multi-Arch: same)"
  else
    cat "$WORK/f1" >>"$WORK/c1"
    bad "libextref1 ships libextref.so.1 in /usr/lib/$MULTIARCH and no development files" "$WORK/c1"
  fi

  missing=""
  for f in ./usr/include/extref.h "./usr/lib/$MULTIARCH/libextref.so" \
           "./usr/lib/$MULTIARCH/pkgconfig/extref.pc" \
           ./usr/share/man/man7/extref.7.gz; do
    grep -qx "$f" "$WORK/cdev" || missing="$missing $f"
  done
  while read -r fn; do
    grep -qx "./usr/share/man/man3/$fn.3.gz" "$WORK/cdev" ||
      missing="$missing $fn.3.gz"
  done < <(sed 's/@@.*//' "$SRC/abi/symbols.txt")
  if [ -f "$SRC/include/extref.hpp" ] &&
     ! grep -qx ./usr/include/extref.hpp "$WORK/cdev"; then
    missing="$missing ./usr/include/extref.hpp"
  fi
  if [ -z "$missing" ] && [ "$(dpkg-deb -f "$DEBDEV" Multi-Arch)" = same ]; then
    ok "libextref-dev ships the header(s), .so link, extref.pc and $(grep -c '/man[37]/.*\.gz$' "$WORK/cdev") man pages (Multi-Arch: same)"
  else
    echo "missing:$missing" >"$WORK/miss"
    bad "libextref-dev ships the header(s), .so link, extref.pc and a man page per function" "$WORK/miss"
  fi

  # The symbols control file lists exactly the exported functions.
  mkdir -p "$WORK/ctl"
  dpkg-deb -e "$DEB1" "$WORK/ctl"
  # abi/symbols.txt: "name" (version node EXTREF_1) or "name@@NODE".
  sed -n 's/^ \(extref_[a-z_]*@EXTREF_[0-9.]*\) [0-9][0-9.]*$/\1/p' "$WORK/ctl/symbols" |
    sort >"$WORK/sym.got"
  sed -e 's/@@/@/' -e '/@/!s/$/@EXTREF_1/' "$SRC/abi/symbols.txt" | sort >"$WORK/sym.want"
  if [ -s "$WORK/sym.want" ] && diff -u "$WORK/sym.want" "$WORK/sym.got" >"$WORK/sym.diff"; then
    ok "libextref1 symbols file lists the $(wc -l <"$WORK/sym.want") functions of abi/symbols.txt with their version nodes"
  else
    bad "libextref1 symbols file lists the functions of abi/symbols.txt" "$WORK/sym.diff"
  fi
else
  for t in "libextref1 contents" "libextref-dev contents" "libextref1 symbols file"; do
    skipped "$t" "no packages were built"
  done
fi

# ---- Install, use, remove (root only). ----
INST_CHECKS=("apt-get installs libextref1 and libextref-dev"
  "system pkg-config finds extref $UPSTREAM in /usr"
  "a C addon builds against the installed files only"
  "the addon links the installed /usr/lib/$MULTIARCH/libextref.so.1"
  "node: create a payload, borrow it, read 42"
  "node: a shared borrow is refused while an exclusive one is live"
  "node: a plain object is refused with EXTREF_NOT_EXTERNAL (TypeError)"
  "node: the installed library reports version $UPSTREAM"
  "man -w 3 extref_external_ref resolves to the installed page"
  "man -w 7 extref resolves to the installed page"
  "man -w 3 resolves every function name of abi/symbols.txt"
  "installed man pages render without warnings"
  "apt-get remove --purge removes both packages")
skip_install() {
  local c
  for c in "${INST_CHECKS[@]}"; do skipped "$c" "$1"; done
}

if [ "$have_debs" != 1 ]; then
  skip_install "no packages were built"
elif [ "$(id -u)" != 0 ]; then
  skip_install "not root: apt-get install needs root"
elif dpkg-query -W -f='${Status}\n' libextref1 libextref-dev 2>/dev/null |
     grep -q 'ok installed'; then
  skip_install "libextref1 or libextref-dev was already installed: left alone; apt-get remove --purge libextref-dev libextref1 to run these"
else
  installed_by_us=1
  if (cd "$WORK" && DEBIAN_FRONTEND=noninteractive apt-get install -y \
        -o DPkg::Lock::Timeout=300 "./$(basename "$DEB1")" \
        "./$(basename "$DEBDEV")") >"$WORK/install.log" 2>&1 &&
     [ "$(dpkg-query -W -f='${Status}' libextref1)" = "install ok installed" ] &&
     [ "$(dpkg-query -W -f='${Status}' libextref-dev)" = "install ok installed" ]; then
    ok "${INST_CHECKS[0]}"
  else
    bad "${INST_CHECKS[0]}" "$WORK/install.log"
  fi

  # pkg-config with no PKG_CONFIG_PATH: the system's own search path.
  pcv="$(sys pkg-config --modversion extref 2>&1)"
  pclib="$(sys pkg-config --variable=libdir extref 2>&1)"
  if [ "$pcv" = "$UPSTREAM" ] && [ "$pclib" = "/usr/lib/$MULTIARCH" ]; then
    ok "${INST_CHECKS[1]}"
  else
    echo "modversion '$pcv', libdir '$pclib'" >"$WORK/pc.log"
    bad "${INST_CHECKS[1]}" "$WORK/pc.log"
  fi

  mkdir -p "$WORK/addon"
  cat >"$WORK/addon/addon.c" <<'EOF'
/* A tiny addon that uses only the installed libextref. */
#include <stdlib.h>

#include <node_api.h>
#include <extref.h>

typedef struct {
  int64_t n;
} box_t;

static void box_drop(void *payload, void *type_data, napi_env env) {
  (void)type_data;
  (void)env;
  free(payload);
}

static const extref_type_t box_type = {
  .struct_size = sizeof(extref_type_t),
  .flags = 0,
  .tag = {0x6c1b7f3e9a2d4c05u, 0xd83f0a5b7e6c1429u},
  .name = "Box",
  .payload_size = sizeof(box_t),
  .drop = box_drop,
};

static napi_value arg0(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value v = NULL;
  napi_get_cb_info(env, info, &argc, &v, NULL, NULL);
  return v;
}

static napi_value fail(napi_env env, extref_status_t st) {
  extref_throw(env, st);
  return NULL;
}

static napi_value make(napi_env env, napi_callback_info info) {
  int64_t n = 0;
  napi_value out;
  box_t *b;
  extref_status_t st;
  if (napi_get_value_int64(env, arg0(env, info), &n) != napi_ok)
    return fail(env, EXTREF_INVALID_ARG);
  b = malloc(sizeof *b);
  if (b == NULL)
    return fail(env, EXTREF_NO_MEMORY);
  b->n = n;
  st = extref_external_create(env, &box_type, b, 0, &out);
  if (st != EXTREF_OK) {
    free(b);
    return fail(env, st);
  }
  return out;
}

static napi_value get(napi_env env, napi_callback_info info) {
  extref_borrow_t br = {0};
  napi_value out;
  extref_status_t st = extref_external_ref(env, arg0(env, info), &box_type,
                                           &br);
  if (st != EXTREF_OK)
    return fail(env, st);
  napi_create_int64(env, ((box_t *)br.payload)->n, &out);
  st = extref_borrow_release(&br);
  return st == EXTREF_OK ? out : fail(env, st);
}

/* Holds an exclusive borrow and asks for a shared one: returns the status
 * name of the refusal. */
static napi_value conflict(napi_env env, napi_callback_info info) {
  napi_value ext = arg0(env, info), out;
  extref_borrow_t m = {0}, s = {0};
  extref_status_t st = extref_external_mut_ref(env, ext, &box_type, &m);
  if (st != EXTREF_OK)
    return fail(env, st);
  st = extref_external_ref(env, ext, &box_type, &s);
  if (st == EXTREF_OK)
    extref_borrow_release(&s);
  extref_borrow_release(&m);
  napi_create_string_utf8(env, extref_status_name(st), NAPI_AUTO_LENGTH,
                          &out);
  return out;
}

static napi_value version(napi_env env, napi_callback_info info) {
  napi_value out;
  (void)info;
  napi_create_string_utf8(env, extref_version_string(), NAPI_AUTO_LENGTH,
                          &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor d[] = {
    {"make", NULL, make, NULL, NULL, NULL, napi_default, NULL},
    {"get", NULL, get, NULL, NULL, NULL, napi_default, NULL},
    {"conflict", NULL, conflict, NULL, NULL, NULL, napi_default, NULL},
    {"version", NULL, version, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  return exports;
}
EOF
  cat >"$WORK/addon/run.js" <<'EOF'
'use strict';
const addon = require(process.argv[2]);
const box = addon.make(42);
console.log('read ' + addon.get(box));
console.log('conflict ' + addon.conflict(box));
try {
  addon.get({});
  console.log('plain-object accepted');
} catch (e) {
  console.log('plain-object ' + e.code + ' ' + e.constructor.name);
}
console.log('version ' + addon.version());
EOF
  addon_ok=0
  # Only what pkg-config says (its Cflags name the Node-API headers).
  if (cd "$WORK/addon" &&
      sys sh -c 'cc -std=c11 -Wall -Wextra -Werror -shared -fPIC \
        -Wl,--as-needed $(pkg-config --cflags extref) \
        -o addon.node addon.c $(pkg-config --libs extref)') \
       >"$WORK/cc.log" 2>&1; then
    addon_ok=1
    ok "${INST_CHECKS[2]}"
  else
    bad "${INST_CHECKS[2]}" "$WORK/cc.log"
  fi

  if [ "$addon_ok" = 1 ]; then
    sys ldd "$WORK/addon/addon.node" >"$WORK/ldd.log" 2>&1
    if grep -q "libextref.so.1 => /usr/lib/$MULTIARCH/libextref.so.1 " "$WORK/ldd.log" ||
       grep -q "libextref.so.1 => /lib/$MULTIARCH/libextref.so.1 " "$WORK/ldd.log"; then
      ok "${INST_CHECKS[3]}"
    else
      bad "${INST_CHECKS[3]}" "$WORK/ldd.log"
    fi
    sys node "$WORK/addon/run.js" "$WORK/addon/addon.node" \
      >"$WORK/node.log" 2>&1
    line() { sed -n "s/^$1 //p" "$WORK/node.log" | head -1; }
    [ "$(line read)" = 42 ] && ok "${INST_CHECKS[4]}" ||
      bad "${INST_CHECKS[4]}" "$WORK/node.log"
    [ "$(line conflict)" = EXTREF_MUT_BORROWED ] && ok "${INST_CHECKS[5]}" ||
      bad "${INST_CHECKS[5]}" "$WORK/node.log"
    [ "$(line plain-object)" = "EXTREF_NOT_EXTERNAL TypeError" ] &&
      ok "${INST_CHECKS[6]}" || bad "${INST_CHECKS[6]}" "$WORK/node.log"
    [ "$(line version)" = "$UPSTREAM" ] && ok "${INST_CHECKS[7]}" ||
      bad "${INST_CHECKS[7]}" "$WORK/node.log"
  else
    for i in 3 4 5 6 7; do skipped "${INST_CHECKS[$i]}" "the addon did not build"; done
  fi

  p="$(sys man -w 3 extref_external_ref 2>&1)"
  [ "$p" = /usr/share/man/man3/extref_external_ref.3.gz ] &&
    ok "${INST_CHECKS[8]}" || { echo "$p" >"$WORK/man.log"; bad "${INST_CHECKS[8]}" "$WORK/man.log"; }
  p="$(sys man -w 7 extref 2>&1)"
  [ "$p" = /usr/share/man/man7/extref.7.gz ] &&
    ok "${INST_CHECKS[9]}" || { echo "$p" >"$WORK/man.log"; bad "${INST_CHECKS[9]}" "$WORK/man.log"; }

  : >"$WORK/manw.log"
  n=0
  while read -r fn; do
    n=$((n + 1))
    # man -w follows the link pages to the page that documents the name;
    # that page must come from libextref-dev and name fn in its NAME line.
    p="$(sys man -w 3 "$fn" 2>&1)"
    case "$p" in
      /usr/share/man/man3/*.3.gz)
        dpkg -S "$p" 2>/dev/null | grep -q '^libextref-dev:' &&
          lexgrog "$p" 2>/dev/null | grep -q "\"$fn - " ||
          echo "$fn -> $p: not a libextref-dev page naming $fn" >>"$WORK/manw.log" ;;
      *) echo "$fn -> $p" >>"$WORK/manw.log" ;;
    esac
  done < <(sed 's/@@.*//' "$SRC/abi/symbols.txt")
  [ "$n" -gt 0 ] && [ ! -s "$WORK/manw.log" ] &&
    ok "${INST_CHECKS[10]} ($n names)" || bad "${INST_CHECKS[10]}" "$WORK/manw.log"

  : >"$WORK/render.log"
  n=0
  for page in $(dpkg -L libextref-dev | grep -E '^/usr/share/man/man[37]/.*\.gz$'); do
    n=$((n + 1))
    sys env LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
      man --warnings -E UTF-8 -l -Tutf8 "$page" >/dev/null 2>"$WORK/w" ||
      echo "$page: man exited non-zero" >>"$WORK/render.log"
    [ -s "$WORK/w" ] && sed "s|^|$page: |" "$WORK/w" >>"$WORK/render.log"
  done
  [ "$n" -ge 20 ] && [ ! -s "$WORK/render.log" ] &&
    ok "${INST_CHECKS[11]} ($n pages)" ||
    { echo "$n pages checked" >>"$WORK/render.log"; bad "${INST_CHECKS[11]}" "$WORK/render.log"; }

  purge
  if ! dpkg-query -W -f='${Status}\n' libextref1 libextref-dev 2>/dev/null |
       grep -q 'ok installed' &&
     [ ! -e "/usr/lib/$MULTIARCH/libextref.so.1" ] &&
     [ ! -e /usr/include/extref.h ]; then
    ok "${INST_CHECKS[12]}"
  else
    bad "${INST_CHECKS[12]}" "$WORK/purge.log"
  fi
fi

# ---- autopkgtest (debian/tests) against the built packages (root only). ----
# The null runner installs the packages and the test's Depends on this
# machine; both packages are purged afterwards, as above.
AT_NAME="autopkgtest (debian/tests: C and C++ addons with pkg-config alone, in node) passes"
if [ "$have_debs" != 1 ]; then
  skipped "$AT_NAME" "no packages were built"
elif [ "$(id -u)" != 0 ]; then
  skipped "$AT_NAME" "not root: the null runner installs packages"
elif ! command -v autopkgtest >/dev/null; then
  skipped "$AT_NAME" "autopkgtest is not installed (./dev installs it)"
elif dpkg-query -W -f='${Status}\n' libextref1 libextref-dev 2>/dev/null |
     grep -q 'ok installed'; then
  skipped "$AT_NAME" "libextref1 or libextref-dev was already installed: left alone"
else
  installed_by_us=1
  (cd "$WORK" && sys autopkgtest -B "./$(basename "$DEB1")" \
     "./$(basename "$DEBDEV")" "$SRC/" -- null) >"$WORK/autopkgtest.log" 2>&1
  arc=$?
  purge
  if [ "$arc" -eq 0 ] && grep -qE '^addons +PASS' "$WORK/autopkgtest.log"; then
    ok "$AT_NAME"
    sed -n '/test addons: \[/,/test addons: -/p' "$WORK/autopkgtest.log" |
      grep -v 'test addons' | sed 's/^/          | /'
  else
    bad "$AT_NAME (exit $arc)" "$WORK/autopkgtest.log" 30
  fi
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
