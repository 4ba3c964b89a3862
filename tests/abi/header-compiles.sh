#!/bin/sh
# The public header compiles alone and before or after <node_api.h>, as C99,
# C11 and C++11, with -Wall -Wextra -pedantic -Werror.
: "${top_srcdir:=.}" "${CC:=cc}" "${CXX:=c++}" "${NODE_API_CPPFLAGS:=-I/usr/include/node}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fail=0; n=0
for order in alone before after; do
  case $order in
    alone)  body='#include <extref.h>' ;;
    before) body='#include <extref.h>
#include <node_api.h>' ;;
    after)  body='#include <node_api.h>
#include <extref.h>' ;;
  esac
  use='int probe(void); int probe(void) { extref_borrow_t b = {0, 0}; extref_type_t t; (void)t; return (int)extref_status_name(EXTREF_OK)[0] + (int)b.token; }'
  printf '%s\n%s\n' "$body" "$use" > "$tmp/t.c"
  cp "$tmp/t.c" "$tmp/t.cc"
  for std in c99 c11; do
    n=$((n + 1))
    if $CC -std=$std -Wall -Wextra -pedantic -Werror -I"$top_srcdir/include" \
         $NODE_API_CPPFLAGS -c "$tmp/t.c" -o "$tmp/t.o" 2>"$tmp/err"; then
      echo "ok $n - extref.h $order, $std"
    else
      echo "not ok $n - extref.h $order, $std"; cat "$tmp/err"; fail=1
    fi
  done
  n=$((n + 1))
  if $CXX -std=c++11 -Wall -Wextra -pedantic -Werror -I"$top_srcdir/include" \
       $NODE_API_CPPFLAGS -c "$tmp/t.cc" -o "$tmp/t.o" 2>"$tmp/err"; then
    echo "ok $n - extref.h $order, c++11"
  else
    echo "not ok $n - extref.h $order, c++11"; cat "$tmp/err"; fail=1
  fi
done
exit $fail
