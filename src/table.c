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

/* The table is an open-addressing hash set of bid-shaped entries keyed by
 * their 40-bit serial (linear probing, at most half full, deletion by
 * backward shift): a million live shared borrows release in any order in
 * constant time each. An entry is never 0 (it has EXTREF__BID_LIVE). */
static inline uint64_t key_of(uint64_t entry) {
  return (entry >> EXTREF__BID_SEQ_SHIFT) & EXTREF__SERIAL_MASK;
}

static inline uint32_t home_of(uint64_t serial, uint32_t cap) {
  return (uint32_t)((serial * 0x9E3779B97F4A7C15u) >> 32) & (cap - 1);
}

static void put(uint64_t *ids, uint32_t cap, uint64_t entry) {
  uint32_t i = home_of(key_of(entry), cap);
  while (ids[i] != 0) i = (i + 1) & (cap - 1);
  ids[i] = entry;
}

extref_status_t extref__table_reserve(extref__slot_t *s, uint32_t more) {
  extref__side_t *side = extref__side_get(s);
  uint64_t *ids;
  uint32_t cap, i;
  if (side == NULL)
    return extref__fail(EXTREF_NO_MEMORY, "out of memory for a borrow table");
  if ((uint64_t)(side->n + more) * 2 <= side->cap) return EXTREF_OK;
  cap = side->cap == 0 ? 16 : side->cap * 2;
  while ((uint64_t)(side->n + more) * 2 > cap) cap *= 2;
  ids = extref__alloc(cap * sizeof *ids);
  if (ids == NULL)
    return extref__fail(EXTREF_NO_MEMORY, "out of memory for a borrow table");
  for (i = 0; i < cap; i++) ids[i] = 0;
  for (i = 0; i < side->cap; i++)
    if (side->ids[i] != 0) put(ids, cap, side->ids[i]);
  extref__free(side->ids);
  side->ids = ids;
  side->cap = cap;
  return EXTREF_OK;
}

void extref__table_add(extref__slot_t *s, uint64_t entry) {
  extref__side_t *side = atomic_load_explicit(&s->side, memory_order_relaxed);
  put(side->ids, side->cap, entry);
  side->n++;
}

bool extref__table_remove(extref__slot_t *s, uint64_t serial,
                          uint64_t *entry) {
  extref__side_t *side = atomic_load_explicit(&s->side, memory_order_relaxed);
  uint32_t cap, i, j;
  if (side == NULL || side->n == 0) return false;
  cap = side->cap;
  for (i = home_of(serial, cap); side->ids[i] != 0; i = (i + 1) & (cap - 1))
    if (key_of(side->ids[i]) == serial) break;
  if (side->ids[i] == 0) return false;
  *entry = side->ids[i];
  side->n--;
  /* Backward shift: move later entries of the probe run into the hole
   * when their home is not between the hole and them. */
  for (j = (i + 1) & (cap - 1); side->ids[j] != 0; j = (j + 1) & (cap - 1)) {
    uint32_t h = home_of(key_of(side->ids[j]), cap);
    if (((j - h) & (cap - 1)) >= ((j - i) & (cap - 1))) {
      side->ids[i] = side->ids[j];
      i = j;
    }
  }
  side->ids[i] = 0;
  return true;
}

uint32_t extref__table_size(const extref__slot_t *s) {
  extref__side_t *side = atomic_load_explicit(&s->side, memory_order_relaxed);
  return side == NULL ? 0 : side->n;
}
