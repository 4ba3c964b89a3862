/* The library's one allocation pair, with a fault injector for the tests.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "internal.h"

/* Injection is process-wide and meant for single-threaded tests; the
 * counters are atomic only so that other threads never race on them. */
static _Atomic uint64_t fail_at;   /* 0: off; else the allocation that fails */
static _Atomic uint64_t attempts;  /* allocations since injection was set */
static _Atomic bool fail_sticky;

bool extref__alloc_should_fail(void) {
  uint64_t n = atomic_fetch_add_explicit(&attempts, 1, memory_order_relaxed) + 1;
  uint64_t at = atomic_load_explicit(&fail_at, memory_order_relaxed);
  if (at == 0) return false;
  if (n == at) return true;
  return n > at && atomic_load_explicit(&fail_sticky, memory_order_relaxed);
}

void extref__alloc_fail_at(uint64_t nth, bool sticky) {
  atomic_store(&attempts, 0);
  atomic_store(&fail_sticky, sticky);
  atomic_store(&fail_at, nth);
}

uint64_t extref__alloc_count(void) { return atomic_load(&attempts); }

void *extref__alloc(size_t size) {
  if (extref__alloc_should_fail()) return NULL;
  return malloc(size);
}

void *extref__realloc(void *ptr, size_t size) {
  if (extref__alloc_should_fail()) return NULL;
  return realloc(ptr, size);
}

void extref__free(void *ptr) { free(ptr); }
