/* The borrow state machine: shared and exclusive borrows of a payload slot,
 * and their release.
 *
 * Thread-bound payloads are touched by one thread only, so their count word
 * changes with plain loads and stores; SEND payloads change it with one
 * compare-and-swap per step. Either way every rule is decided on one word.
 *
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

/* The count-word bit a borrow's token adds, and the field it lives in. */
static inline uint64_t token_bit(uintptr_t t, uint64_t *field) {
  bool away = (t & EXTREF__TOKEN_AWAY) != 0;
  if (t & EXTREF__TOKEN_EXCL) {
    *field = away ? EXTREF__EX_AWAY : EXTREF__EX_HOME;
    return *field;
  }
  *field = away ? EXTREF__SH_AWAY_MASK : EXTREF__SH_HOME_MASK;
  return away ? EXTREF__SH_AWAY_ONE : EXTREF__SH_HOME_ONE;
}

static inline uintptr_t make_token(const extref__slot_t *s, bool excl,
                                   bool away) {
  return s->token_base | (excl ? EXTREF__TOKEN_EXCL : 0) |
         (away ? EXTREF__TOKEN_AWAY : 0);
}

extref_status_t extref__refuse(const extref__slot_t *s, extref_status_t st,
                               uint64_t w, const char *verb, bool mutably,
                               bool away) {
  const char *how = mutably ? " mutably" : "";
  const char *name = extref__type_name(s->type);
  unsigned long long home_sh = w & EXTREF__SH_HOME_MASK;
  unsigned long long away_sh =
      (w & EXTREF__SH_AWAY_MASK) >> EXTREF__SH_AWAY_SHIFT;
  unsigned long long holds = (w & EXTREF__HOLD_MASK) >> EXTREF__HOLD_SHIFT;
  const char *where;
  switch (st) {
  case EXTREF_MUT_BORROWED:
    /* The exclusive borrow's side is recorded; "this thread" is exact when
     * the asker is on the creating thread, as JS callers are. */
    where = (w & EXTREF__EX_HOME) ? (away ? "the creating thread"
                                          : "this thread")
                                  : (away ? "a thread other than the creating"
                                            " one"
                                          : "another thread");
    return extref__fail(st, "cannot %s %s%s: it is mutably borrowed on %s",
                        verb, name, how, where);
  case EXTREF_BORROWED:
    return extref__fail(
        st, "cannot %s %s%s: %llu shared borrow%s live (%llu on %s, %llu on "
            "other threads)",
        verb, name, how, home_sh + away_sh, home_sh + away_sh == 1 ? " is" : "s are",
        home_sh, away ? "the creating thread" : "this thread", away_sh);
  case EXTREF_HELD:
    return extref__fail(st, "cannot %s %s%s: %llu hold%s still share%s it",
                        verb, name, how, holds, holds == 1 ? "" : "s",
                        holds == 1 ? "s" : "");
  case EXTREF_TAKEN:
    return extref__fail(st, "cannot %s %s%s: the payload was taken", verb,
                        name, how);
  default:
    return extref__fail(st, "cannot %s %s%s: more than %llu shared borrows "
                            "on one side",
                        verb, name, how,
                        (unsigned long long)EXTREF__MAX_SHARED_SIDE);
  }
}

/* Slow part of the type check: another descriptor may describe the same
 * type (same tag and payload size), as when another addon made it. */
static extref_status_t type_check_slow(const extref__slot_t *s,
                                       const extref_type_t *asked) {
  const extref_type_t *have = s->type;
  if (!extref__type_valid(asked))
    return extref__fail(EXTREF_INVALID_ARG,
                        asked == NULL ? "type is NULL"
                                      : "type->struct_size is too small");
  if (have->tag.lower != asked->tag.lower ||
      have->tag.upper != asked->tag.upper)
    return extref__fail(EXTREF_TYPE_MISMATCH,
                        "expected %s, got an external holding %s",
                        extref__type_name(asked), extref__type_name(have));
  if (have->payload_size != asked->payload_size)
    return extref__fail(EXTREF_TYPE_MISMATCH,
                        "expected %s of %zu bytes, got %s of %zu bytes with "
                        "the same tag",
                        extref__type_name(asked), asked->payload_size,
                        extref__type_name(have), have->payload_size);
  return EXTREF_OK;
}

extref_status_t extref__payload_check(extref__slot_t *s,
                                      const extref_type_t *asked) {
  uint32_t head = atomic_load_explicit(&s->head, memory_order_acquire);
  if (EXTREF__UNLIKELY((head & EXTREF__KIND_MASK) != EXTREF__KIND_PAYLOAD))
    return extref__fail(EXTREF_FOREIGN,
                        "expected %s, got an external that libextref did "
                        "not create or no longer owns",
                        extref__type_name(asked));
  if (EXTREF__UNLIKELY(s->type != asked)) {
    extref_status_t st = type_check_slow(s, asked);
    if (st != EXTREF_OK) return st;
  }
  if (EXTREF__UNLIKELY(!(s->flags & EXTREF_TYPE_SEND) &&
                       s->thread != extref__thread_id()))
    return extref__fail(EXTREF_WRONG_THREAD,
                        "%s is thread-bound and was created on another "
                        "thread",
                        extref__type_name(s->type));
  return EXTREF_OK;
}

extref_status_t extref__borrow(extref__slot_t *s, const extref_type_t *asked,
                               bool excl, extref_borrow_t *result) {
  uint64_t w, n;
  bool away;
  extref_status_t st = extref__payload_check(s, asked);
  if (st != EXTREF_OK) return st;
  away = s->thread != extref__thread_id();
  w = atomic_load_explicit(&s->count, memory_order_acquire);
  for (;;) {
    if (EXTREF__UNLIKELY(w & (EXTREF__TAKEN | EXTREF__EX_MASK))) {
      return extref__refuse(s,
                            (w & EXTREF__TAKEN) ? EXTREF_TAKEN
                                                : EXTREF_MUT_BORROWED,
                            w, "borrow", excl, away);
    }
    if (excl) {
      if (EXTREF__UNLIKELY(w & EXTREF__SH_MASK))
        return extref__refuse(s, EXTREF_BORROWED, w, "borrow", true, away);
      n = w | (away ? EXTREF__EX_AWAY : EXTREF__EX_HOME);
    } else {
      uint64_t mask = away ? EXTREF__SH_AWAY_MASK : EXTREF__SH_HOME_MASK;
      if (EXTREF__UNLIKELY((w & mask) == mask))
        return extref__refuse(s, EXTREF_OVERFLOW, w, "borrow", false, away);
      n = w + (away ? EXTREF__SH_AWAY_ONE : EXTREF__SH_HOME_ONE);
    }
    if (extref__count_update(s, &w, n)) break;
  }
  result->payload = s->payload;
  result->token = make_token(s, excl, away);
  return EXTREF_OK;
}

/* Every release that the fast path below does not finish: checks with
 * messages, SEND payloads, borrows taken away from the creating thread. */
static __attribute__((noinline)) extref_status_t
release_full(extref_borrow_t *borrow) {
  extref__slot_t *s;
  uintptr_t t;
  uint64_t w, n, bit, mask;
  EXTREF__CHECK_ARG(borrow != NULL, "borrow is NULL");
  t = borrow->token;
  EXTREF__CHECK_ARG(t & EXTREF__TOKEN_LIVE, "the borrow is empty: never "
                                            "made, zeroed or already "
                                            "released");
  s = extref__slot_at((t >> EXTREF__TOKEN_INDEX_SHIFT) &
                      EXTREF__TOKEN_INDEX_MASK);
  EXTREF__CHECK_ARG(s != NULL, "the borrow's token is not one of ours");
  EXTREF__CHECK_ARG(
      (atomic_load_explicit(&s->head, memory_order_acquire) &
       EXTREF__KIND_MASK) == EXTREF__KIND_PAYLOAD &&
          s->token_base == (t & ~(EXTREF__TOKEN_EXCL | EXTREF__TOKEN_AWAY)),
      "the borrowed payload no longer exists (a stale copy of a released "
      "borrow?)");
  if (EXTREF__UNLIKELY(!(s->flags & EXTREF_TYPE_SEND) &&
                       s->thread != extref__thread_id()))
    return extref__fail(EXTREF_WRONG_THREAD,
                        "%s is thread-bound: release its borrow on the "
                        "thread that created it",
                        extref__type_name(s->type));
  bit = token_bit(t, &mask);
  w = atomic_load_explicit(&s->count, memory_order_acquire);
  for (;;) {
    EXTREF__CHECK_ARG(w & mask,
                      "%s has no live %s borrow to release (a stale copy of "
                      "a released borrow?)",
                      extref__type_name(s->type),
                      (t & EXTREF__TOKEN_EXCL) ? "exclusive" : "shared");
    n = w - bit;
    if (extref__count_update(s, &w, n)) break;
  }
  borrow->payload = NULL;
  borrow->token = 0;
  if (n == 0) extref__payload_finish(s, true);
  return EXTREF_OK;
}

EXTREF_EXTERN extref_status_t extref_borrow_release(extref_borrow_t *borrow) {
  /* The common case: a live borrow taken and released on the payload's
   * creating thread. One compare against the slot's precomputed token
   * proves index, generation and liveness at once. */
  if (EXTREF__LIKELY(borrow != NULL)) {
    uintptr_t t = borrow->token;
    extref__slot_t *s = extref__slot_at((t >> EXTREF__TOKEN_INDEX_SHIFT) &
                                        EXTREF__TOKEN_INDEX_MASK);
    if (EXTREF__LIKELY(s != NULL && (t & EXTREF__TOKEN_AWAY) == 0 &&
                       s->token_base == (t & ~EXTREF__TOKEN_EXCL) &&
                       s->thread == extref__thread_id())) {
      uint64_t w = atomic_load_explicit(&s->count, memory_order_acquire);
      uint64_t mask, bit = token_bit(t, &mask);
      if (EXTREF__LIKELY(w & mask)) {
        if (!(s->flags & EXTREF_TYPE_SEND))
          atomic_store_explicit(&s->count, w - bit, memory_order_relaxed);
        else if (!atomic_compare_exchange_strong_explicit(
                     &s->count, &w, w - bit, memory_order_acq_rel,
                     memory_order_relaxed))
          return release_full(borrow);
        borrow->payload = NULL;
        borrow->token = 0;
        if (EXTREF__UNLIKELY(w - bit == 0)) extref__payload_finish(s, true);
        return EXTREF_OK;
      }
    }
  }
  return release_full(borrow);
}

extref_status_t extref__clone_out(extref__slot_t *s, const extref_type_t *asked,
                                  void *dst, size_t dst_size) {
  extref_borrow_t b;
  extref_status_t st;
  int rc;
  EXTREF__CHECK_ARG(dst != NULL, "dst is NULL");
  st = extref__borrow_inline(s, asked, false, &b);
  if (st != EXTREF_OK) return st;
  if (asked->clone == NULL)
    st = extref__fail(EXTREF_NOT_CLONEABLE, "%s has no clone callback",
                      extref__type_name(asked));
  else if (dst_size != asked->payload_size)
    st = extref__fail(EXTREF_BAD_SIZE,
                      "cannot clone %s into %zu bytes: its payload is %zu "
                      "bytes",
                      extref__type_name(asked), dst_size, asked->payload_size);
  else if ((rc = asked->clone(b.payload, dst, asked->type_data)) != 0)
    st = extref__fail(EXTREF_CLONE_FAILED,
                      "the clone callback of %s failed with %d",
                      extref__type_name(asked), rc);
  /* Our own live borrow: this release cannot fail. */
  (void)extref_borrow_release(&b);
  return st;
}
