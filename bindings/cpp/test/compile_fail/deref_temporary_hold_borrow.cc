// expect: deleted
#include "common.hpp"
void f(const extref::hold<Counter> &h) {
#if !defined(CONTROL)
  const Counter &c = *h.borrow().value(); // ERROR
#else
  auto g = h.borrow().value();
  const Counter &c = *g;
#endif
  use(c);
}
