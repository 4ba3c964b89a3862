/* The registry: one reserved region of 64-byte slots that proves which
 * pointers are ours.
 *
 * The region is reserved once with no access and committed in chunks as it
 * grows; it is never unmapped, so any pointer that falls inside its used
 * part reads memory we own, whatever state the slot is in. A foreign
 * pointer (another addon's external, a freed block, (void *)1) falls outside
 * and is rejected by two compares, without a read.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

_Static_assert(sizeof(extref__slot_t) == EXTREF__SLOT_SIZE,
               "a slot is one 64-byte line");

/* Address space is cheap on 64-bit systems; a full region is reported as
 * EXTREF_NO_MEMORY. 64 Mi slots on 64-bit, 2 Mi on 32-bit. */
#if UINTPTR_MAX > 0xFFFFFFFFu
#define RESERVE_BYTES ((uintptr_t)4 << 30)
#else
#define RESERVE_BYTES ((uintptr_t)128 << 20)
#endif
#define COMMIT_CHUNK ((uintptr_t)256 << 10)

extref__region_t extref__region;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t reserved;  /* bytes reserved at base */
static uintptr_t committed; /* bytes readable and writable at base */
static extref__slot_t *free_list;

static bool reserve(void) {
  uintptr_t size;
  for (size = RESERVE_BYTES; size >= COMMIT_CHUNK * 4; size /= 2) {
    void *p = mmap(NULL, size, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p != MAP_FAILED) {
      reserved = size;
      extref__region.base = (uintptr_t)p;
      return true;
    }
  }
  return false;
}

static bool grow(void) {
  if (committed + COMMIT_CHUNK > reserved) return false;
  if (mprotect((void *)(extref__region.base + committed), COMMIT_CHUNK,
               PROT_READ | PROT_WRITE) != 0)
    return false;
  committed += COMMIT_CHUNK;
  return true;
}

extref_status_t extref__slot_alloc(uint32_t kind, extref__slot_t **result) {
  extref__slot_t *s;
  uint32_t head;
  if (extref__alloc_should_fail())
    return extref__fail(EXTREF_NO_MEMORY, "out of memory for a slot");
  pthread_mutex_lock(&lock);
  s = free_list;
  if (s != NULL) {
    free_list = s->next_free;
    s->next_free = NULL;
  } else {
    uintptr_t used = atomic_load_explicit(&extref__region.used_bytes,
                                          memory_order_relaxed);
    if ((extref__region.base == 0 && !reserve()) ||
        (used + EXTREF__SLOT_SIZE > committed && !grow())) {
      pthread_mutex_unlock(&lock);
      return extref__fail(EXTREF_NO_MEMORY,
                          "the slot region is full or cannot be committed");
    }
    s = (extref__slot_t *)(extref__region.base + used);
    atomic_store_explicit(&extref__region.used_bytes,
                          used + EXTREF__SLOT_SIZE, memory_order_release);
  }
  head = atomic_load_explicit(&s->head, memory_order_relaxed);
  atomic_store_explicit(&s->head, (head & ~(uint32_t)EXTREF__KIND_MASK) | kind,
                        memory_order_release);
  pthread_mutex_unlock(&lock);
  *result = s;
  return EXTREF_OK;
}

bool extref__slot_free(extref__slot_t *s) {
  uint32_t head;
  pthread_mutex_lock(&lock);
  head = atomic_load_explicit(&s->head, memory_order_relaxed);
  if ((head & EXTREF__KIND_MASK) == EXTREF__KIND_FREE) {
    pthread_mutex_unlock(&lock);
    return false;
  }
  /* A new generation makes every token and finalizer hint that named the
   * old occupant stale. */
  head = ((head >> EXTREF__GEN_SHIFT) + 1) << EXTREF__GEN_SHIFT;
  atomic_store_explicit(&s->head, head | EXTREF__KIND_FREE,
                        memory_order_release);
  atomic_store_explicit(&s->count, 0, memory_order_relaxed);
  atomic_store_explicit(&s->env, NULL, memory_order_relaxed);
  atomic_store_explicit(&s->external_bytes, 0, memory_order_relaxed);
  s->flags = 0;
  s->type = NULL;
  s->payload = NULL;
  s->thread = 0;
  s->next_free = free_list;
  free_list = s;
  pthread_mutex_unlock(&lock);
  return true;
}

void extref__slot_each(uint32_t kind, void (*fn)(extref__slot_t *, void *),
                       void *arg) {
  uintptr_t used =
      atomic_load_explicit(&extref__region.used_bytes, memory_order_acquire);
  uintptr_t i, n = used / EXTREF__SLOT_SIZE;
  for (i = 0; i < n; i++) {
    extref__slot_t *s =
        (extref__slot_t *)(extref__region.base + i * EXTREF__SLOT_SIZE);
    uint32_t head = atomic_load_explicit(&s->head, memory_order_acquire);
    if ((head & EXTREF__KIND_MASK) == kind) fn(s, arg);
  }
}
