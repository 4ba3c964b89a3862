/* Keeps loaded the code that payloads depend on. A type descriptor and its
 * callbacks live in the module that defined them; Node unloads an addon
 * that only a Worker loaded when that Worker ends, and a hold released
 * later must still find its drop. The first payload of each descriptor
 * marks the modules of the descriptor and of its callbacks, and the
 * library itself, RTLD_NODELETE: they stay mapped for the rest of the
 * process. That is more than "while a payload lives", and costs nothing per
 * payload after the first; a module that never made a payload can still be
 * unloaded.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>

#include "internal.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const extref_type_t **seen; /* open addressing, NULL = empty */
static size_t seen_cap, seen_n;
/* The descriptor this thread pinned last: the next create of the same type
 * needs no lock. */
static _Thread_local const extref_type_t *last_pinned;

/* The module that holds addr stays loaded (os.c: RTLD_NODELETE, or
 * GetModuleHandleExW PIN on Windows). */
static void pin_module(const void *addr) { extref__os_pin_module(addr); }

static size_t slot_of(const extref_type_t *t, size_t cap) {
  return (size_t)(((uintptr_t)t >> 4) * 0x9E3779B97F4A7C15u) & (cap - 1);
}

static bool grow(void) {
  size_t cap = seen_cap == 0 ? 16 : seen_cap * 2, i;
  const extref_type_t **n = extref__alloc(cap * sizeof *n);
  if (n == NULL) return false;
  for (i = 0; i < cap; i++) n[i] = NULL;
  for (i = 0; i < seen_cap; i++) {
    size_t j;
    if (seen[i] == NULL) continue;
    for (j = slot_of(seen[i], cap); n[j] != NULL; j = (j + 1) & (cap - 1)) {
    }
    n[j] = seen[i];
  }
  extref__free(seen);
  seen = n;
  seen_cap = cap;
  return true;
}

static void pin_init(void) {
  extref__fork_protect(&lock);
  pin_module((const void *)&extref__pin_type); /* the library itself */
}
static pthread_once_t once = PTHREAD_ONCE_INIT;

extref_status_t extref__pin_type(const extref_type_t *type) {
  size_t j;
  if (EXTREF__LIKELY(last_pinned == type)) return EXTREF_OK;
  pthread_once(&once, pin_init);
  pthread_mutex_lock(&lock);
  if (seen_cap != 0) {
    for (j = slot_of(type, seen_cap); seen[j] != NULL;
         j = (j + 1) & (seen_cap - 1)) {
      if (seen[j] == type) goto done;
    }
  }
  if ((seen_n + 1) * 2 > seen_cap && !grow()) {
    pthread_mutex_unlock(&lock);
    return extref__fail(EXTREF_NO_MEMORY,
                        "out of memory for the table of pinned types");
  }
  pin_module(type);
  pin_module((const void *)type->drop);
  pin_module((const void *)type->clone);
  for (j = slot_of(type, seen_cap); seen[j] != NULL;
       j = (j + 1) & (seen_cap - 1)) {
  }
  seen[j] = type;
  seen_n++;
done:
  pthread_mutex_unlock(&lock);
  last_pinned = type;
  return EXTREF_OK;
}
