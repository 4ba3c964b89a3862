/* Side records: what a payload needs only sometimes. The announced
 * external_bytes, and the table of live borrows that takes over from the
 * slot's one inline borrow record when several shared borrows of a payload
 * are live at once. Most payloads never have one, so a slot stays 64 bytes
 * and the borrow path stays lock-free; contended payloads grow.
 *
 * The tables are guarded by striped locks, chosen by slot index.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>

#include "internal.h"

#define STRIPES 64

static pthread_mutex_t stripes[STRIPES];
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;

static void stripes_init(void) {
  int i;
  for (i = 0; i < STRIPES; i++) {
    pthread_mutex_init(&stripes[i], NULL);
    extref__fork_protect(&stripes[i]);
  }
}

static pthread_mutex_t *stripe_of(const extref__slot_t *s) {
  pthread_once(&stripes_once, stripes_init);
  return &stripes[extref__slot_index(s) % STRIPES];
}

void extref__stripe_lock(const extref__slot_t *s) {
  pthread_mutex_lock(stripe_of(s));
}

void extref__stripe_unlock(const extref__slot_t *s) {
  pthread_mutex_unlock(stripe_of(s));
}

extref__side_t *extref__side_get(extref__slot_t *s) {
  extref__side_t *side = atomic_load_explicit(&s->side, memory_order_acquire);
  if (side != NULL) return side;
  side = extref__alloc(sizeof *side);
  if (side == NULL) return NULL;
  atomic_init(&side->external_bytes, 0);
  side->n = 0;
  side->cap = 0;
  side->ids = NULL;
  atomic_store_explicit(&s->side, side, memory_order_release);
  return side;
}

void extref__side_free(extref__slot_t *s) {
  extref__side_t *side;
  /* Only the slot's last owner gets here, and only an owner makes a side
   * record: NULL stays NULL. */
  if (atomic_load_explicit(&s->side, memory_order_acquire) == NULL) return;
  /* A stale release may be looking at the table under the stripe lock. */
  extref__stripe_lock(s);
  side = atomic_exchange_explicit(&s->side, NULL, memory_order_acq_rel);
  extref__stripe_unlock(s);
  if (side == NULL) return;
  extref__free(side->ids);
  extref__free(side);
}

extref_status_t extref__table_reserve(extref__slot_t *s, uint32_t more) {
  extref__side_t *side = extref__side_get(s);
  uint64_t *ids;
  uint32_t cap;
  if (side == NULL)
    return extref__fail(EXTREF_NO_MEMORY, "out of memory for a borrow table");
  if (side->n + more <= side->cap) return EXTREF_OK;
  cap = side->cap == 0 ? 8 : side->cap * 2;
  while (cap < side->n + more) cap *= 2;
  ids = extref__realloc(side->ids, cap * sizeof *ids);
  if (ids == NULL)
    return extref__fail(EXTREF_NO_MEMORY, "out of memory for a borrow table");
  side->ids = ids;
  side->cap = cap;
  return EXTREF_OK;
}

void extref__table_add(extref__slot_t *s, uint64_t entry) {
  extref__side_t *side = atomic_load_explicit(&s->side, memory_order_relaxed);
  side->ids[side->n++] = entry;
}

bool extref__table_remove(extref__slot_t *s, uint64_t serial,
                          uint64_t *entry) {
  extref__side_t *side = atomic_load_explicit(&s->side, memory_order_relaxed);
  uint32_t i;
  if (side == NULL) return false;
  for (i = 0; i < side->n; i++) {
    if (((side->ids[i] >> EXTREF__BID_SEQ_SHIFT) & EXTREF__SERIAL_MASK) ==
        serial) {
      *entry = side->ids[i];
      side->ids[i] = side->ids[--side->n];
      return true;
    }
  }
  return false;
}

uint32_t extref__table_size(const extref__slot_t *s) {
  extref__side_t *side = atomic_load_explicit(&s->side, memory_order_relaxed);
  return side == NULL ? 0 : side->n;
}
