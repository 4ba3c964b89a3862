// expect: borrow_guard
// Guards must not convert to a common base: assigning a ref<Counter> into
// a mut_ref<Wide> through it wrote 16 bytes into an 8-byte payload.
#include "common.hpp"
void f(extref::ref<Counter> r, extref::mut_ref<Wide> m) {
#if !defined(CONTROL)
  extref::detail::borrow_guard &b = m; // ERROR
  b = std::move(r);
#else
  (void)r.release();
#endif
  if (m)
    m->extra = 1;
}
