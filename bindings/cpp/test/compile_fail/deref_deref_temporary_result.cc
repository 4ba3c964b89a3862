// expect: deleted
#include "common.hpp"
void f(napi_env env, napi_value v) {
#if !defined(CONTROL)
  const Counter &c = **extref::borrow<Counter>(env, v); // ERROR
#else
  auto r = extref::borrow<Counter>(env, v);
  const Counter &c = **r;
#endif
  use(c);
}
