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

#include "internal.h"

_Static_assert(sizeof(extref__slot_t) == EXTREF__SLOT_SIZE,
               "a slot is one 64-byte line");

/* 16 Mi slots, the most a 24-bit handle index names. Address space only:
 * a full region is reported as EXTREF_NO_MEMORY. */
#define RESERVE_BYTES ((uintptr_t)EXTREF__MAX_SLOTS * EXTREF__SLOT_SIZE)
#define COMMIT_CHUNK ((uintptr_t)256 << 10)

extref__region_t extref__region;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t reserved;  /* bytes reserved at base */
static uintptr_t committed; /* bytes readable and writable at base */
static extref__slot_t *free_list;

/* A random key per copy of the library: its handles mean nothing to
 * another copy, which scrambles them with its own key. */
static uint64_t new_key(void) {
  return extref__os_random64() & ~EXTREF__INDEX_MASK;
}

static bool reserve(void) {
  uintptr_t size;
  for (size = RESERVE_BYTES; size >= COMMIT_CHUNK * 4; size /= 2) {
    void *p = extref__os_reserve(size);
    if (p != NULL) {
      reserved = size;
      extref__region.key = new_key();
      extref__region.base = (uintptr_t)p;
      return true;
    }
  }
  return false;
}

static bool grow(void) {
  if (committed + COMMIT_CHUNK > reserved) return false;
  if (!extref__os_commit((void *)(extref__region.base + committed),
                         COMMIT_CHUNK))
    return false;
  committed += COMMIT_CHUNK;
  return true;
}

static void registry_init(void) { extref__fork_protect(&lock); }
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

extref_status_t extref__slot_alloc(uint32_t kind, uint32_t flags,
                                   extref__slot_t **result) {
  if (extref__alloc_should_fail())
    return extref__fail(EXTREF_NO_MEMORY, "out of memory for a slot");
  *result = extref__slot_alloc_optional(kind, flags);
  if (*result == NULL)
    return extref__fail(EXTREF_NO_MEMORY,
                        "the slot region is full or cannot be committed");
  return EXTREF_OK;
}

extref__slot_t *extref__slot_alloc_optional(uint32_t kind, uint32_t flags) {
  extref__slot_t *s;
  uint64_t head;
  pthread_once(&init_once, registry_init);
  pthread_mutex_lock(&lock);
  s = free_list;
  if (s != NULL) {
    free_list = atomic_load_explicit(&s->payload, memory_order_relaxed);
    atomic_store_explicit(&s->payload, NULL, memory_order_relaxed);
  } else {
    uintptr_t used = atomic_load_explicit(&extref__region.used_bytes,
                                          memory_order_relaxed);
    if (extref__region.base == 0) {
      if (!reserve()) goto full;
      used = EXTREF__SLOT_SIZE; /* slot 0 is never handed out */
    }
    if (used + EXTREF__SLOT_SIZE > committed && !grow()) goto full;
    s = (extref__slot_t *)(extref__region.base + used);
    atomic_store_explicit(&extref__region.used_bytes,
                          used + EXTREF__SLOT_SIZE, memory_order_release);
  }
  head = atomic_load_explicit(&s->head, memory_order_relaxed);
  atomic_store_explicit(
      &s->head,
      (head & ~(uint64_t)((1u << EXTREF__GEN_SHIFT) - 1)) | kind |
          ((uint64_t)(flags & (EXTREF_TYPE_SEND | EXTREF_TYPE_JS_DROP))
           << EXTREF__HEAD_FLAGS_SHIFT),
      memory_order_release);
  pthread_mutex_unlock(&lock);
  return s;
full:
  pthread_mutex_unlock(&lock);
  return NULL;
}

bool extref__slot_free(extref__slot_t *s, uint64_t head) {
  /* A new generation makes every handle and finalizer hint that named the
   * old occupant stale. The CAS lets exactly one of two racing releases of
   * the same hold through. */
  uint64_t freed = ((head >> EXTREF__GEN_SHIFT) + 1) << EXTREF__GEN_SHIFT;
  if ((head & EXTREF__KIND_MASK) == EXTREF__KIND_FREE ||
      !atomic_compare_exchange_strong_explicit(&s->head, &head, freed,
                                               memory_order_acq_rel,
                                               memory_order_relaxed))
    return false;
  extref__side_free(s);
  /* The borrow serial survives reuse; only the state goes. */
  atomic_store_explicit(&s->bid,
                        atomic_load_explicit(&s->bid, memory_order_relaxed) &
                            ~(EXTREF__BID_STATE | EXTREF__BID_SHARED),
                        memory_order_relaxed);
  atomic_store_explicit(&s->count, 0, memory_order_relaxed);
  atomic_store_explicit(&s->env, NULL, memory_order_relaxed);
  atomic_store_explicit(&s->type, NULL, memory_order_relaxed);
  atomic_store_explicit(&s->thread, 0, memory_order_relaxed);
  pthread_mutex_lock(&lock);
  atomic_store_explicit(&s->payload, free_list, memory_order_relaxed);
  free_list = s;
  pthread_mutex_unlock(&lock);
  return true;
}

void extref__slot_each(uint32_t kind, void (*fn)(extref__slot_t *, void *),
                       void *arg) {
  uintptr_t used =
      atomic_load_explicit(&extref__region.used_bytes, memory_order_acquire);
  uintptr_t i, n = used / EXTREF__SLOT_SIZE;
  for (i = 1; i < n; i++) {
    extref__slot_t *s =
        (extref__slot_t *)(extref__region.base + i * EXTREF__SLOT_SIZE);
    uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
    if ((head & EXTREF__KIND_MASK) == kind) fn(s, arg);
  }
}
