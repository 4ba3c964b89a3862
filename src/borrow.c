/* The borrow state machine: shared and exclusive borrows of a payload slot,
 * their identity, and their release.
 *
 * Two words decide everything. The count word holds the rules (how many
 * shared borrows on each side, the exclusive bit, holds, JS side, taken);
 * the borrow-identity word ("bid") holds a serial that grows with every
 * borrow the slot ever gives, and the record of one live borrow inline. A
 * borrow's token names its slot and its serial, so a release proves which
 * borrow it ends: a copy of a released borrow names a serial that is no
 * longer live and is refused, whatever else is live. When more than one
 * shared borrow is live at once, their serials move to the slot's table
 * (table.c) under a stripe lock.
 *
 * Order of the steps: a borrow takes the count first and records its
 * serial second; a release erases its serial first and gives the count
 * back second. So a live serial always has its count, and only the
 * borrower that took the count from "no borrow" to "one" writes the inline
 * record. Thread-bound payloads are touched by one thread only and change
 * both words with plain stores; SEND payloads with a CAS each.
 *
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

/* The count-word bit a borrow with these state bits holds, and the field
 * it lives in. */
static inline uint64_t count_bit(uint64_t state, uint64_t *field) {
  bool away = (state & EXTREF__BID_AWAY) != 0;
  if (state & EXTREF__BID_EXCL) {
    *field = away ? EXTREF__EX_AWAY : EXTREF__EX_HOME;
    return *field;
  }
  *field = away ? EXTREF__SH_AWAY_MASK : EXTREF__SH_HOME_MASK;
  return away ? EXTREF__SH_AWAY_ONE : EXTREF__SH_HOME_ONE;
}

/* The state bits of a borrow of this kind, taken on the creating thread or
 * away from it. */
static inline uint64_t borrow_state(bool excl, bool away) {
  return (excl ? EXTREF__BID_EXCL : 0) | (away ? EXTREF__BID_AWAY : 0);
}

static inline uint64_t serial_of(uint64_t bid) {
  return (bid >> EXTREF__BID_SEQ_SHIFT) & EXTREF__SERIAL_MASK;
}

static inline const extref_type_t *type_of(const extref__slot_t *s) {
  return atomic_load_explicit(&((extref__slot_t *)s)->type,
                              memory_order_relaxed);
}

static inline uint64_t thread_of(const extref__slot_t *s) {
  return atomic_load_explicit(&((extref__slot_t *)s)->thread,
                              memory_order_relaxed);
}

extref_status_t extref__refuse(const extref__slot_t *s, extref_status_t st,
                               uint64_t w, const char *verb, bool mutably,
                               bool away) {
  const char *how = mutably ? " mutably" : "";
  const char *name = extref__type_name(type_of(s));
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
  const extref_type_t *have = type_of(s);
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
  uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
  if (EXTREF__UNLIKELY((head & EXTREF__KIND_MASK) != EXTREF__KIND_PAYLOAD))
    return extref__fail(EXTREF_FOREIGN,
                        "expected %s, got an external that libextref did "
                        "not create or no longer owns",
                        extref__type_name(asked));
  if (EXTREF__UNLIKELY(type_of(s) != asked)) {
    extref_status_t st = type_check_slow(s, asked);
    if (st != EXTREF_OK) return st;
  }
  if (EXTREF__UNLIKELY(!extref__is_send(head) &&
                       thread_of(s) != extref__thread_id()))
    return extref__fail(EXTREF_WRONG_THREAD,
                        "%s is thread-bound and was created on another "
                        "thread",
                        extref__type_name(type_of(s)));
  return EXTREF_OK;
}

/* Gives back a count taken by a borrow that could not be recorded. The
 * borrower's caller keeps the payload alive (its external is in scope, or
 * it owns a hold), so the count never reaches zero here. */
static void undo_count(extref__slot_t *s, uint64_t head, uint64_t bit) {
  uint64_t w = atomic_load_explicit(&s->count, memory_order_acquire);
  while (!extref__count_update(s, head, &w, w - bit)) {
  }
}

/* Records a borrow whose count is taken in the table, beside the borrows
 * already live; moves the inline record there first if it is live. Under
 * the stripe lock. Returns the new serial, or 0 with EXTREF_NO_MEMORY
 * recorded (the count is given back). */
static uint64_t record_in_table(extref__slot_t *s, uint64_t head,
                                uint64_t state, uint64_t bit) {
  uint64_t b, nb;
  if (extref__table_reserve(s, 2) != EXTREF_OK) {
    undo_count(s, head, bit);
    return 0;
  }
  b = atomic_load_explicit(&s->bid, memory_order_acquire);
  for (;;) {
    nb = extref__bid_next(b, EXTREF__BID_TABLE);
    if (extref__bid_update(s, head, &b, nb)) break;
  }
  if (b & EXTREF__BID_LIVE) extref__table_add(s, b & ~EXTREF__BID_TABLE);
  extref__table_add(s, (nb & ~EXTREF__BID_STATE) | EXTREF__BID_LIVE | state);
  return nb >> EXTREF__BID_SEQ_SHIFT;
}

extref_status_t extref__borrow_late(extref__slot_t *s, uint64_t state,
                                    extref_borrow_t *result) {
  uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
  uint64_t field, serial;
  extref__stripe_lock(s);
  serial = record_in_table(s, head, state, count_bit(state, &field));
  extref__stripe_unlock(s);
  if (serial == 0) return EXTREF_NO_MEMORY;
  result->payload = atomic_load_explicit(&s->payload, memory_order_relaxed);
  result->token = extref__handle(s, serial);
  return EXTREF_OK;
}

extref_status_t extref__borrow_other(extref__slot_t *s,
                                     const extref_type_t *asked, bool excl,
                                     extref_borrow_t *result) {
  /* SEND payloads, on any thread: the inline record when no borrow is
   * live, with one CAS on each word. */
  uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
  if ((head & EXTREF__KIND_MASK) == EXTREF__KIND_PAYLOAD &&
      extref__is_send(head) && type_of(s) == asked) {
    bool away = thread_of(s) != extref__thread_id();
    uint64_t w = atomic_load_explicit(&s->count, memory_order_acquire);
    uint64_t b = atomic_load_explicit(&s->bid, memory_order_acquire);
    /* Shared mode: published in this thread's record (reader.c). A
     * shared borrow of a payload that a hold shares starts shared mode
     * under the lock (extref__borrow). */
    if (!excl && (b & EXTREF__BID_SHARED)) {
      if (extref__reader_borrow(s, result) == EXTREF_OK) return EXTREF_OK;
    } else if (!(w & (EXTREF__TAKEN | EXTREF__BORROW_MASK)) &&
               (excl || !(w & EXTREF__HOLD_MASK)) &&
               !(b & (EXTREF__BID_LIVE | EXTREF__BID_TABLE))) {
      uint64_t state = borrow_state(excl, away);
      uint64_t field, n = w | count_bit(state, &field);
      uint64_t nb = extref__bid_next(b, EXTREF__BID_LIVE | state);
      if (atomic_compare_exchange_strong_explicit(&s->count, &w, n,
                                                  memory_order_acq_rel,
                                                  memory_order_relaxed)) {
        /* We took the count from "no borrow", so the inline record is
         * ours; a borrower that came after us and went to the table may
         * have moved the serial on, and then ours goes to the table too. */
        if (!atomic_compare_exchange_strong_explicit(&s->bid, &b, nb,
                                                     memory_order_acq_rel,
                                                     memory_order_relaxed))
          return extref__borrow_late(s, state, result);
        result->payload =
            atomic_load_explicit(&s->payload, memory_order_relaxed);
        result->token = extref__handle(s, nb >> EXTREF__BID_SEQ_SHIFT);
        return EXTREF_OK;
      }
    }
  }
  return extref__borrow(s, asked, excl, result);
}

extref_status_t extref__borrow(extref__slot_t *s, const extref_type_t *asked,
                               bool excl, extref_borrow_t *result) {
  uint64_t w, n, bit, field, head, state, serial, ticket;
  bool away, publish;
  extref_status_t st = extref__payload_check(s, asked);
  if (st != EXTREF_OK) return st;
  head = atomic_load_explicit(&s->head, memory_order_acquire);
  away = thread_of(s) != extref__thread_id();
  state = borrow_state(excl, away);
  bit = count_bit(state, &field);
  /* Only a thread that can publish its borrow puts a payload in shared
   * mode (its record is made here, before the lock). */
  publish = extref__is_send(head) && !excl && extref__reader_ready();
  extref__stripe_lock(s);
  if (extref__is_send(head)) {
    /* An exclusive borrow counts every borrow: shared mode ends first. A
     * shared one of a payload that a hold shares goes to shared mode. */
    if (excl) {
      (void)extref__shared_leave(s); /* we own it: never the last */
    } else if (publish && extref__shared_enter(s)) {
      extref__stripe_unlock(s);
      if (extref__reader_borrow(s, result) == EXTREF_OK) return EXTREF_OK;
      extref__stripe_lock(s);
    }
  }
  /* Shared mode starts and ends under this lock: its ticket stands still
   * until we unlock. */
  ticket = (atomic_load_explicit(&s->bid, memory_order_acquire) &
            EXTREF__BID_SHARED)
               ? EXTREF__TICKET
               : 0;
  w = atomic_load_explicit(&s->count, memory_order_acquire);
  for (;;) {
    if (EXTREF__UNLIKELY(w & (EXTREF__TAKEN | EXTREF__EX_MASK))) {
      extref__stripe_unlock(s);
      return extref__refuse(s,
                            (w & EXTREF__TAKEN) ? EXTREF_TAKEN
                                                : EXTREF_MUT_BORROWED,
                            w, "borrow", excl, away);
    }
    if (excl) {
      if (EXTREF__UNLIKELY(w & EXTREF__SH_MASK)) {
        extref__stripe_unlock(s);
        return extref__refuse(s, EXTREF_BORROWED, w, "borrow", true, away);
      }
      n = w | bit;
    } else {
      /* In shared mode, room stays for every reader record to be counted
       * when it ends (reader.c). */
      if (EXTREF__UNLIKELY(
              (w & field) == field ||
              (ticket && (w & field) >= field - EXTREF__READER_RESERVE * bit))) {
        extref__stripe_unlock(s);
        return extref__refuse(s, EXTREF_OVERFLOW, w, "borrow", false, away);
      }
      n = w + bit;
    }
    if (extref__count_update(s, head, &w, n)) break;
  }
  if ((w & EXTREF__BORROW_MASK) == ticket) {
    /* We took the count from "no borrow" (but perhaps shared mode's
     * ticket, which keeps every other path out): the inline record is
     * ours, and only stale releases (which never match) race with this
     * write. */
    uint64_t b = atomic_load_explicit(&s->bid, memory_order_acquire), nb;
    do {
      nb = extref__bid_next(b, EXTREF__BID_LIVE | state);
    } while (!extref__bid_update(s, head, &b, nb));
    serial = nb >> EXTREF__BID_SEQ_SHIFT;
  } else {
    serial = record_in_table(s, head, state, bit);
  }
  extref__stripe_unlock(s);
  if (serial == 0) return EXTREF_NO_MEMORY;
  result->payload = atomic_load_explicit(&s->payload, memory_order_relaxed);
  result->token = extref__handle(s, serial);
  return EXTREF_OK;
}

/* Gives back the count of the borrow recorded with `entry` (its
 * bid-shaped record, already erased) and empties *borrow. Returns the new
 * count word: 0 when that was the last owner. */
static inline uint64_t give_back(extref__slot_t *s, uint64_t head,
                                 uint64_t entry, extref_borrow_t *borrow) {
  uint64_t field, bit = count_bit(entry, &field), w, n;
  w = atomic_load_explicit(&s->count, memory_order_acquire);
  do {
    n = w - bit;
  } while (!extref__count_update(s, head, &w, n));
  borrow->payload = NULL;
  borrow->token = 0;
  return n;
}

static extref_status_t wrong_thread(const extref__slot_t *s) {
  return extref__fail(EXTREF_WRONG_THREAD,
                      "%s is thread-bound: release its borrow on the thread "
                      "that created it",
                      extref__type_name(type_of(s)));
}

/* Every release that the fast path below does not finish: the checks with
 * messages, borrows in the table, races on SEND payloads. */
static __attribute__((noinline)) extref_status_t
release_full(extref_borrow_t *borrow) {
  extref__slot_t *s;
  uint64_t serial, head, b, entry, n;
  bool in_table;
  EXTREF__CHECK_ARG(borrow != NULL, "borrow is NULL");
  EXTREF__CHECK_ARG(borrow->token != 0, "the borrow is empty: never made, "
                                        "zeroed or already released");
  s = extref__handle_slot(borrow->token, &serial);
  EXTREF__CHECK_ARG(s != NULL, "the borrow's token is not one of ours (made "
                               "by another copy of libextref?)");
  extref__stripe_lock(s);
  head = atomic_load_explicit(&s->head, memory_order_acquire);
  b = atomic_load_explicit(&s->bid, memory_order_acquire);
  if ((head & EXTREF__KIND_MASK) != EXTREF__KIND_PAYLOAD) goto stale;
  /* Identity first: a stale copy is INVALID_ARG on any thread. The inline
   * record is checked in place; a table entry is taken out, and put back if
   * this thread may not end it. */
  in_table = !((b & EXTREF__BID_LIVE) && serial_of(b) == serial);
  if (in_table && !((b & EXTREF__BID_TABLE) &&
                    extref__table_remove(s, serial, &entry)))
    goto stale;
  if (!extref__is_send(head) && thread_of(s) != extref__thread_id()) {
    if (in_table) extref__table_add(s, entry); /* room: just removed */
    extref__stripe_unlock(s);
    return wrong_thread(s);
  }
  if (!in_table) {
    entry = b;
    /* Only a release of this same borrow races here, and it takes the
     * stripe lock or fails this CAS. */
    if (!extref__bid_update(s, head, &b, b & ~EXTREF__BID_STATE)) goto stale;
  } else if (extref__table_size(s) == 0) {
    while (!extref__bid_update(s, head, &b, b & ~EXTREF__BID_TABLE)) {
    }
  }
  /* The count goes back under the lock, so that a borrower holding it sees
   * "no borrow" only when the table is empty. */
  n = give_back(s, head, entry, borrow);
  extref__stripe_unlock(s);
  /* The drop runs with no lock held: it may call the library. */
  if (extref__count_idle(n)) extref__count_ended(s, n, true);
  return EXTREF_OK;
stale:
  extref__stripe_unlock(s);
  return extref__stale_borrow();
}

extref_status_t extref__stale_borrow(void) {
  return extref__fail(EXTREF_INVALID_ARG,
                      "the borrow is not live: a copy of a released borrow, "
                      "a borrow of a payload that no longer exists, or one "
                      "made by another copy of libextref");
}

/* A borrow whose payload lost its last owner with this release. */
static __attribute__((noinline)) extref_status_t
finish_last(extref__slot_t *s) {
  extref__payload_finish(s, true);
  return EXTREF_OK;
}

/* Releases that the thread-bound fast path below does not finish: the
 * inline borrow of a SEND payload (one CAS on each word), then everything
 * else. */
static __attribute__((noinline)) extref_status_t
release_other(extref_borrow_t *borrow) {
  uint64_t serial;
  extref__slot_t *s;
  if (borrow == NULL) return release_full(borrow);
  s = extref__handle_slot(borrow->token, &serial);
  if (s != NULL) {
    uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
    uint64_t b = atomic_load_explicit(&s->bid, memory_order_acquire);
    if ((head & EXTREF__KIND_MASK) == EXTREF__KIND_READER)
      return extref__reader_release(s, serial, borrow);
    if ((b & EXTREF__BID_LIVE) && serial_of(b) == serial &&
        extref__is_send(head) &&
        atomic_compare_exchange_strong_explicit(
            &s->bid, &b, b & ~EXTREF__BID_STATE, memory_order_acq_rel,
            memory_order_relaxed)) {
      uint64_t n = give_back(s, head, b, borrow);
      if (EXTREF__UNLIKELY(extref__count_idle(n)))
        extref__count_ended(s, n, true);
      return EXTREF_OK;
    }
  }
  return release_full(borrow);
}

EXTREF_EXTERN extref_status_t extref_borrow_release(extref_borrow_t *borrow) {
  /* The common case: the live inline home-side borrow of a payload,
   * released on its creating thread, where nobody else can reach the
   * payload: thread-bound, or SEND with no hold and no other borrow (see
   * extref__borrow_inline). Plain loads and stores. */
  if (EXTREF__LIKELY(borrow != NULL)) {
    uint64_t raw = borrow->token ^ extref__region.key;
    extref__slot_t *s = extref__slot_at(raw & EXTREF__INDEX_MASK);
    if (EXTREF__LIKELY(s != NULL)) {
      uint64_t b = atomic_load_explicit(&s->bid, memory_order_relaxed);
      uint64_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
      if (EXTREF__LIKELY(
              (b & (EXTREF__BID_LIVE | EXTREF__BID_AWAY)) ==
                  EXTREF__BID_LIVE &&
              serial_of(b) == (raw >> EXTREF__INDEX_BITS) &&
              atomic_load_explicit(&s->thread, memory_order_relaxed) ==
                  extref__thread_id_fast())) {
        uint64_t bit =
            (b & EXTREF__BID_EXCL) ? EXTREF__EX_HOME : EXTREF__SH_HOME_ONE;
        uint64_t w = atomic_load_explicit(&s->count, memory_order_acquire);
        if (EXTREF__LIKELY(!extref__is_send(head) ||
                           (w & ~EXTREF__JS) == bit)) {
          uint64_t n = w - bit;
          atomic_store_explicit(&s->bid, b & ~EXTREF__BID_STATE,
                                memory_order_relaxed);
          atomic_store_explicit(&s->count, n, memory_order_release);
          borrow->payload = NULL;
          borrow->token = 0;
          if (EXTREF__UNLIKELY(n == 0)) return finish_last(s);
          return EXTREF_OK;
        }
      }
    }
  }
  return release_other(borrow);
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
