// expect: deleted
// A reference into the guard of a temporary result: the guard (and the
// borrow) ends at the semicolon, c dangles (issue 14).
#include "common.hpp"
void f(napi_env env, napi_value v) {
#if !defined(CONTROL)
  const Counter &c = *extref::borrow<Counter>(env, v).value(); // ERROR
#else
  auto g = extref::borrow<Counter>(env, v).value();
  const Counter &c = *g;
#endif
  use(c);
}
