// expect: deleted
#include "common.hpp"
void f(napi_env env, napi_value v) {
#if !defined(CONTROL)
  Counter &c = *extref::borrow_mut<Counter>(env, v).value(); // ERROR
#else
  extref::mut_ref<Counter> g = extref::borrow_mut<Counter>(env, v).value();
  Counter &c = *g;
#endif
  c.value += 1;
}
