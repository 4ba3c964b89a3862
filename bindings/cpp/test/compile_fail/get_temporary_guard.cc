// expect: deleted
#include "common.hpp"
void f(napi_env env, napi_value v) {
#if !defined(CONTROL)
  const Counter *p = extref::borrow<Counter>(env, v).value().get(); // ERROR
#else
  auto g = extref::borrow<Counter>(env, v).value();
  const Counter *p = g.get();
#endif
  use(p);
}
