// expect: deleted
// A pointer into the payload through operator-> of a temporary guard.
#include "common.hpp"
void f(napi_env env, napi_value v) {
#if !defined(CONTROL)
  auto *p = &extref::borrow_mut<Counter>(env, v).value()->value; // ERROR
#else
  auto g = extref::borrow_mut<Counter>(env, v).value();
  auto *p = &g->value;
#endif
  *p += 1;
}
