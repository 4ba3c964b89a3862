// expect: deleted
// operator-> of a temporary result reaches the guard inside it.
#include "common.hpp"
void f(napi_env env, napi_value v) {
#if !defined(CONTROL)
  const Counter *p = extref::borrow<Counter>(env, v)->get(); // ERROR
#else
  auto r = extref::borrow<Counter>(env, v);
  const Counter *p = r->get();
#endif
  use(p);
}
