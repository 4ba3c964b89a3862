// expect: mut_ref|ref<
// A guard of one type never becomes a guard of another.
#include "common.hpp"
void f(extref::ref<Counter> r) {
#if !defined(CONTROL)
  extref::mut_ref<Wide> m = std::move(r); // ERROR
#else
  extref::ref<Counter> m = std::move(r);
#endif
  (void)m;
}
