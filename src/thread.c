/* Thread serials. (The fork() protection of the library's locks is in
 * os.c.)
 *
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

_Thread_local uint64_t extref__thread_serial EXTREF__TLS_MODEL_ATTR;

static _Atomic uint64_t next_serial;

uint64_t extref__thread_serial_new(void) {
  extref__thread_serial =
      atomic_fetch_add_explicit(&next_serial, 1, memory_order_relaxed) + 1;
  return extref__thread_serial;
}
