/* Thread serials, and the fork() protection of the library's locks.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>

#include "internal.h"

_Thread_local uint64_t extref__thread_serial
    __attribute__((tls_model(EXTREF_TLS_MODEL)));

static _Atomic uint64_t next_serial;

uint64_t extref__thread_serial_new(void) {
  extref__thread_serial =
      atomic_fetch_add_explicit(&next_serial, 1, memory_order_relaxed) + 1;
  return extref__thread_serial;
}

/* Every lock of the library is taken before fork() and given back after it
 * in both processes, so the child finds them all free. pthread_atfork runs
 * prepare handlers in the reverse order of registration and the others in
 * order; the library never holds two of these locks at once, so any order
 * is deadlock-free. */
#define MAX_LOCKS 80

static pthread_mutex_t registration = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t *locks[MAX_LOCKS];
static int nlocks;

static void prepare(void) {
  int i;
  pthread_mutex_lock(&registration);
  for (i = 0; i < nlocks; i++) pthread_mutex_lock(locks[i]);
}

static void after(void) {
  int i;
  for (i = nlocks - 1; i >= 0; i--) pthread_mutex_unlock(locks[i]);
  pthread_mutex_unlock(&registration);
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void atfork_init(void) { pthread_atfork(prepare, after, after); }

void extref__fork_protect(pthread_mutex_t *lock) {
  pthread_once(&atfork_once, atfork_init);
  pthread_mutex_lock(&registration);
  if (nlocks < MAX_LOCKS) locks[nlocks++] = lock;
  pthread_mutex_unlock(&registration);
}
