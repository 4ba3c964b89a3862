/* Holds: counted owners of a payload, independent of the garbage collector.
 * A hold is a slot of its own in the registry, so every hold pointer is
 * proven ours before it is read, like an external's.
 *
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

/* Counts a new hold on payload slot s and returns it in *result; the
 * allocation comes first so that a failure changes nothing. */
static extref_status_t add_hold(extref__slot_t *s, extref_hold_t **result) {
  extref__slot_t *h;
  uint64_t w;
  extref_status_t st = extref__slot_alloc(EXTREF__KIND_HOLD, &h);
  if (st != EXTREF_OK) return st;
  w = atomic_load_explicit(&s->count, memory_order_acquire);
  for (;;) {
    if (w & EXTREF__TAKEN) st = EXTREF_TAKEN;
    else if ((w & EXTREF__HOLD_MASK) == EXTREF__HOLD_MASK) st = EXTREF_OVERFLOW;
    if (st != EXTREF_OK) {
      extref__slot_free(h);
      return st == EXTREF_TAKEN
                 ? extref__fail(st, "cannot hold %s: the payload was taken",
                                extref__type_name(s->type))
                 : extref__fail(st, "cannot hold %s: %llu holds are live",
                                extref__type_name(s->type),
                                (unsigned long long)EXTREF__MAX_HOLDS);
    }
    if (extref__count_update(s, &w, w + EXTREF__HOLD_ONE)) break;
  }
  h->type = s->type;
  h->flags = s->flags;
  h->thread = s->thread;
  h->payload = s;
  *result = (extref_hold_t *)h;
  return EXTREF_OK;
}

extref_status_t extref__hold_new(extref__slot_t *s, const extref_type_t *asked,
                                 extref_hold_t **result) {
  extref_status_t st = extref__payload_check(s, asked);
  if (st != EXTREF_OK) return st;
  EXTREF__CHECK_ARG(result != NULL, "result is NULL");
  if (atomic_load_explicit(&s->count, memory_order_acquire) & EXTREF__TAKEN)
    return extref__fail(EXTREF_TAKEN, "cannot hold %s: the payload was taken",
                        extref__type_name(s->type));
  return add_hold(s, result);
}

/* Proves that hold is a live hold the calling thread may use, and returns
 * its payload slot. */
static extref_status_t open_hold(extref_hold_t *hold, extref__slot_t **target) {
  extref__slot_t *h = extref__slot_from_ptr(hold);
  uint32_t head;
  EXTREF__CHECK_ARG(hold != NULL, "hold is NULL");
  EXTREF__CHECK_ARG(h != NULL, "not a hold made by libextref");
  head = atomic_load_explicit(&h->head, memory_order_acquire);
  EXTREF__CHECK_ARG((head & EXTREF__KIND_MASK) == EXTREF__KIND_HOLD,
                    "not a live hold (released already?)");
  if (!(h->flags & EXTREF_TYPE_SEND) && h->thread != extref__thread_id())
    return extref__fail(EXTREF_WRONG_THREAD,
                        "%s is thread-bound: use its hold on the thread that "
                        "created it",
                        extref__type_name(h->type));
  *target = h->payload;
  return EXTREF_OK;
}

static extref_status_t hold_borrow(extref_hold_t *hold, bool excl,
                                   extref_borrow_t *result) {
  extref__slot_t *s;
  extref_status_t st = open_hold(hold, &s);
  if (st != EXTREF_OK) return st;
  EXTREF__CHECK_ARG(result != NULL, "result is NULL");
  return extref__borrow_inline(s, s->type, excl, result);
}

EXTREF_EXTERN extref_status_t extref_hold_ref(extref_hold_t *hold,
                                              extref_borrow_t *result) {
  return hold_borrow(hold, false, result);
}

EXTREF_EXTERN extref_status_t extref_hold_mut_ref(extref_hold_t *hold,
                                                  extref_borrow_t *result) {
  return hold_borrow(hold, true, result);
}

EXTREF_EXTERN extref_status_t extref_hold_clone_out(extref_hold_t *hold,
                                                    void *dst,
                                                    size_t dst_size) {
  extref__slot_t *s;
  extref_status_t st = open_hold(hold, &s);
  if (st != EXTREF_OK) return st;
  return extref__clone_out(s, s->type, dst, dst_size);
}

EXTREF_EXTERN extref_status_t extref_hold_dup(extref_hold_t *hold,
                                              extref_hold_t **result) {
  extref__slot_t *s;
  extref_status_t st = open_hold(hold, &s);
  if (st != EXTREF_OK) return st;
  EXTREF__CHECK_ARG(result != NULL, "result is NULL");
  return add_hold(s, result);
}

EXTREF_EXTERN extref_status_t extref_hold_release(extref_hold_t *hold) {
  extref__slot_t *s, *h;
  uint64_t w, n;
  extref_status_t st;
  if (hold == NULL) return EXTREF_OK;
  st = open_hold(hold, &s);
  if (st != EXTREF_OK) return st;
  h = (extref__slot_t *)hold;
  /* Freeing the hold's slot first makes a racing second release of the
   * same hold fail instead of decrementing twice. */
  EXTREF__CHECK_ARG(extref__slot_free(h), "not a live hold (released "
                                          "already?)");
  w = atomic_load_explicit(&s->count, memory_order_acquire);
  do {
    n = w - EXTREF__HOLD_ONE;
  } while (!extref__count_update(s, &w, n));
  if (n == 0) extref__payload_finish(s, true);
  return EXTREF_OK;
}
