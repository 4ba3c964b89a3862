/* Process-wide statistics. Live counts are read off the slots themselves,
 * so the borrow path pays nothing for them; event counts are atomics bumped
 * on the rare paths (drop, take, create).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "internal.h"

extref__counters_t extref__counters;

static void count_payload(extref__slot_t *s, void *arg) {
  extref_stats_t *st = arg;
  uint64_t w = atomic_load_explicit(&s->count, memory_order_relaxed);
  if (!(w & EXTREF__TAKEN)) st->live_payloads++;
  st->live_borrows += (w & EXTREF__SH_HOME_MASK) +
                      ((w & EXTREF__SH_AWAY_MASK) >> EXTREF__SH_AWAY_SHIFT) +
                      ((w & EXTREF__EX_HOME) != 0) + ((w & EXTREF__EX_AWAY) != 0);
  /* Shared mode: the ticket is not a borrow (reader.c). */
  if ((atomic_load_explicit(&s->bid, memory_order_relaxed) &
       EXTREF__BID_SHARED) &&
      (w & EXTREF__SH_AWAY_MASK))
    st->live_borrows--;
}

/* A borrow published in a reader record and not counted in its payload's
 * count word (reader.c). */
static void count_reader(extref__slot_t *s, void *arg) {
  if ((atomic_load_explicit(&s->bid, memory_order_relaxed) &
       (EXTREF__BID_LIVE | EXTREF__BID_TABLE)) == EXTREF__BID_LIVE)
    ((extref_stats_t *)arg)->live_borrows++;
}

static void count_hold(extref__slot_t *s, void *arg) {
  (void)s;
  ((extref_stats_t *)arg)->live_holds++;
}

EXTREF_EXTERN extref_status_t extref_stats_get(extref_stats_t *result) {
  extref_stats_t st;
  size_t n;
  EXTREF__CHECK_ARG(result != NULL, "result is NULL");
  EXTREF__CHECK_ARG(result->struct_size >= offsetof(extref_stats_t,
                                                    live_payloads) +
                                               sizeof(uint64_t),
                    "result->struct_size is %u, too small",
                    (unsigned)result->struct_size);
  memset(&st, 0, sizeof st);
  extref__slot_each(EXTREF__KIND_PAYLOAD, count_payload, &st);
  extref__slot_each(EXTREF__KIND_HOLD, count_hold, &st);
  extref__slot_each(EXTREF__KIND_READER, count_reader, &st);
  st.drops = atomic_load(&extref__counters.drops);
  st.deferred_drops = atomic_load(&extref__counters.deferred_drops);
  st.takes = atomic_load(&extref__counters.takes);
  st.external_bytes = atomic_load(&extref__counters.external_bytes);
  /* Write what the caller's struct has room for, never past its size. */
  n = result->struct_size < sizeof st ? result->struct_size : sizeof st;
  st.struct_size = result->struct_size;
  memcpy(result, &st, n);
  return EXTREF_OK;
}
