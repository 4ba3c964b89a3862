// expect: borrow_guard
#include "common.hpp"
void f(extref::ref<Counter> r, extref::mut_ref<Wide> m) {
#if !defined(CONTROL)
  static_cast<extref::detail::borrow_guard &>(m) = std::move(r); // ERROR
#else
  m = extref::mut_ref<Wide>();
  (void)r;
#endif
  if (m)
    m->extra = 1;
}
