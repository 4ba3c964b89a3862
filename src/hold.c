/* Holds: counted owners of a payload, independent of the garbage collector.
 * A hold is a slot of its own in the registry. The hold pointer handed out
 * is a handle word, not an address: the slot index and the slot's
 * generation, so a released hold stays refused after its slot is reused.
 *
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

static inline extref_hold_t *hold_handle(const extref__slot_t *h,
                                         uint64_t head) {
  return (extref_hold_t *)(uintptr_t)extref__handle(
      h, head >> EXTREF__GEN_SHIFT);
}

/* Counts a new hold on payload slot s and returns it in *result; the
 * allocation comes first so that a failure changes nothing. */
static extref_status_t add_hold(extref__slot_t *s, extref_hold_t **result) {
  extref__slot_t *h;
  uint64_t w, head = atomic_load_explicit(&s->head, memory_order_acquire);
  uint64_t hhead;
  extref_status_t st = extref__slot_alloc(
      EXTREF__KIND_HOLD,
      (uint32_t)((head >> EXTREF__HEAD_FLAGS_SHIFT) &
                 (EXTREF_TYPE_SEND | EXTREF_TYPE_JS_DROP)),
      &h);
  if (st != EXTREF_OK) return st;
  hhead = atomic_load_explicit(&h->head, memory_order_relaxed);
  w = atomic_load_explicit(&s->count, memory_order_acquire);
  for (;;) {
    if (w & EXTREF__TAKEN) st = EXTREF_TAKEN;
    else if ((w & EXTREF__HOLD_MASK) == EXTREF__HOLD_MASK) st = EXTREF_OVERFLOW;
    if (st != EXTREF_OK) {
      const char *name = extref__type_name(atomic_load(&s->type));
      extref__slot_free(h, hhead);
      return st == EXTREF_TAKEN
                 ? extref__fail(st, "cannot hold %s: the payload was taken",
                                name)
                 : extref__fail(st, "cannot hold %s: %llu holds are live",
                                name, (unsigned long long)EXTREF__MAX_HOLDS);
    }
    if (extref__count_update(s, head, &w, w + EXTREF__HOLD_ONE)) break;
  }
  atomic_store_explicit(&h->type, atomic_load(&s->type), memory_order_relaxed);
  atomic_store_explicit(&h->thread, atomic_load(&s->thread),
                        memory_order_relaxed);
  atomic_store_explicit(&h->payload, (void *)s, memory_order_release);
  *result = hold_handle(h, hhead);
  return EXTREF_OK;
}

extref_status_t extref__hold_new(extref__slot_t *s, const extref_type_t *asked,
                                 extref_hold_t **result) {
  extref_status_t st = extref__payload_check(s, asked);
  if (st != EXTREF_OK) return st;
  EXTREF__CHECK_ARG(result != NULL, "result is NULL");
  if (atomic_load_explicit(&s->count, memory_order_acquire) & EXTREF__TAKEN)
    return extref__fail(EXTREF_TAKEN, "cannot hold %s: the payload was taken",
                        extref__type_name(atomic_load(&s->type)));
  return add_hold(s, result);
}

/* Proves that hold is a live hold the calling thread may use: *h gets its
 * slot, *head the head it has while live, *target the payload slot. */
static extref_status_t open_hold(extref_hold_t *hold, extref__slot_t **h,
                                 uint64_t *head, extref__slot_t **target) {
  uint64_t gen;
  EXTREF__CHECK_ARG(hold != NULL, "hold is NULL");
  *h = extref__handle_slot((uint64_t)(uintptr_t)hold, &gen);
  EXTREF__CHECK_ARG(*h != NULL, "not a hold made by this copy of libextref");
  *head = atomic_load_explicit(&(*h)->head, memory_order_acquire);
  *target = atomic_load_explicit(&(*h)->payload, memory_order_acquire);
  /* The head read again after the target: the same live generation on both
   * sides proves the target belongs to this hold. */
  EXTREF__CHECK_ARG(
      ((*head) & EXTREF__KIND_MASK) == EXTREF__KIND_HOLD &&
          (((*head) >> EXTREF__GEN_SHIFT) & EXTREF__SERIAL_MASK) == gen &&
          atomic_load_explicit(&(*h)->head, memory_order_acquire) == *head,
      "not a live hold (released already, or made by another copy of "
      "libextref?)");
  if (!extref__is_send(*head) &&
      atomic_load_explicit(&(*h)->thread, memory_order_relaxed) !=
          extref__thread_id())
    return extref__fail(EXTREF_WRONG_THREAD,
                        "%s is thread-bound: use its hold on the thread that "
                        "created it",
                        extref__type_name(atomic_load(&(*h)->type)));
  return EXTREF_OK;
}

static extref_status_t hold_borrow(extref_hold_t *hold, bool excl,
                                   extref_borrow_t *result) {
  extref__slot_t *h, *s;
  uint64_t head;
  extref_status_t st = open_hold(hold, &h, &head, &s);
  if (st != EXTREF_OK) return st;
  EXTREF__CHECK_ARG(result != NULL, "result is NULL");
  return extref__borrow_inline(s, atomic_load(&s->type), excl, result);
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
  extref__slot_t *h, *s;
  uint64_t head;
  extref_status_t st = open_hold(hold, &h, &head, &s);
  if (st != EXTREF_OK) return st;
  return extref__clone_out(s, atomic_load(&s->type), dst, dst_size);
}

EXTREF_EXTERN extref_status_t extref_hold_dup(extref_hold_t *hold,
                                              extref_hold_t **result) {
  extref__slot_t *h, *s;
  uint64_t head;
  extref_status_t st = open_hold(hold, &h, &head, &s);
  if (st != EXTREF_OK) return st;
  EXTREF__CHECK_ARG(result != NULL, "result is NULL");
  return add_hold(s, result);
}

EXTREF_EXTERN extref_status_t extref_hold_release(extref_hold_t *hold) {
  extref__slot_t *s, *h;
  uint64_t w, n, head, shead;
  extref_status_t st;
  if (hold == NULL) return EXTREF_OK;
  st = open_hold(hold, &h, &head, &s);
  if (st != EXTREF_OK) return st;
  /* Freeing the hold's slot first, from the head we proved live, lets
   * exactly one of two racing releases of the same hold through. */
  EXTREF__CHECK_ARG(extref__slot_free(h, head), "not a live hold (released "
                                                "already?)");
  shead = atomic_load_explicit(&s->head, memory_order_acquire);
  w = atomic_load_explicit(&s->count, memory_order_acquire);
  do {
    n = w - EXTREF__HOLD_ONE;
  } while (!extref__count_update(s, shead, &w, n));
  if (extref__count_idle(n)) extref__count_ended(s, n, true);
  return EXTREF_OK;
}
