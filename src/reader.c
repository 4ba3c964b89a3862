/* Shared mode: shared borrows of a shared SEND payload that never write to
 * the payload's line.
 *
 * A SEND payload that a hold shares with other threads starts counting its
 * shared borrows in its own count word, so every borrow on every thread
 * writes the same cache line, and two threads borrowing at once slow each
 * other down. In shared mode a shared borrow is instead published in a
 * record its thread owns (a registry slot of kind READER: the payload it
 * borrows and the borrow's serial), and nothing is written to the payload.
 * Readers publish first and look second (is the payload still in shared
 * mode?); whoever needs to see every borrow -- an exclusive borrow, a take,
 * the last owner leaving -- ends shared mode first and looks second (which
 * records name this payload?), both with sequentially consistent atomics,
 * so one of the two always sees the other: a reader that finds shared mode
 * over takes the counted path, and a borrow that the ending finds becomes a
 * counted one, given back when it is released. (A reader-writer lock with
 * visible readers, as in BRAVO, Dice and Kogan, USENIX ATC 2019; here the
 * "writer" never waits: it counts and decides.)
 *
 * In shared mode the count word holds one extra away-side shared borrow,
 * the ticket, so that every path that decides from the count word alone
 * takes the stripe lock and ends shared mode before it decides. Shared mode
 * starts and ends under the payload's stripe lock.
 *
 * A borrow's identity is (record, serial): each record's serial grows with
 * every borrow it publishes and is never reset, so a copy of a released
 * borrow stays refused after its record is reused, by its thread or by a
 * later one. Records are never freed: a thread that exits hands its free
 * records to the next new thread.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>

#include "internal.h"

/* Records in the process (the scan that ends shared mode reads them all),
 * and per thread. */
#define RECORDS_MAX EXTREF__READER_RECORDS
#define RECORDS_PER_THREAD 4
/* A record's state: a live borrow, taken away from the payload's creating
 * thread, and counted in the payload's count word by an ending of shared
 * mode. */
#define REC_LIVE EXTREF__BID_LIVE
#define REC_AWAY EXTREF__BID_AWAY
#define REC_COUNTED EXTREF__BID_TABLE

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static extref__slot_t *records[RECORDS_MAX]; /* append-only */
static _Atomic size_t records_n;
static extref__slot_t *spare[RECORDS_MAX]; /* free records of gone threads */
static size_t spare_n;
static pthread_key_t exit_key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static _Thread_local extref__slot_t *mine[RECORDS_PER_THREAD]
    EXTREF__TLS_MODEL_ATTR;
static _Thread_local unsigned mine_n
    EXTREF__TLS_MODEL_ATTR;
/* After a record could not be made, this many tries are skipped (the
 * counted path serves meanwhile), so that a full region or a failing
 * allocator costs one attempt now and then, not one per borrow. */
#define RETRY_AFTER 1024
static _Thread_local unsigned skip_tries
    EXTREF__TLS_MODEL_ATTR;

static inline uint64_t serial_of(uint64_t bid) {
  return (bid >> EXTREF__BID_SEQ_SHIFT) & EXTREF__SERIAL_MASK;
}

/* The count-word bit of a published shared borrow. */
static inline uint64_t count_bit(uint64_t rec) {
  return (rec & REC_AWAY) ? EXTREF__SH_AWAY_ONE : EXTREF__SH_HOME_ONE;
}

/* A thread that exits gives its free records to the next new thread. A
 * record still live (a SEND borrow released later elsewhere) stays out. */
static void thread_exit(void *unused) {
  unsigned i;
  (void)unused;
  pthread_mutex_lock(&lock);
  for (i = 0; i < mine_n; i++) {
    extref__slot_t *r = mine[i];
    atomic_store_explicit(&r->thread, 0, memory_order_relaxed);
    if (!(atomic_load_explicit(&r->bid, memory_order_acquire) & REC_LIVE))
      spare[spare_n++] = r;
    mine[i] = NULL;
  }
  mine_n = 0;
  pthread_mutex_unlock(&lock);
}

static void init(void) {
  extref__fork_protect(&lock);
  (void)pthread_key_create(&exit_key, thread_exit);
}

/* A new record for this thread, or NULL (none left, or no memory). */
static extref__slot_t *record_new(void) {
  extref__slot_t *r = NULL;
  if (skip_tries > 0) {
    skip_tries--;
    return NULL;
  }
  pthread_once(&once, init);
  pthread_mutex_lock(&lock);
  if (spare_n > 0) {
    r = spare[--spare_n];
  } else {
    size_t n = atomic_load_explicit(&records_n, memory_order_relaxed);
    if (n < RECORDS_MAX &&
        (r = extref__slot_alloc_optional(EXTREF__KIND_READER,
                                         EXTREF_TYPE_SEND)) != NULL) {
      records[n] = r;
      atomic_store_explicit(&records_n, n + 1, memory_order_release);
    }
  }
  pthread_mutex_unlock(&lock);
  if (r == NULL) {
    skip_tries = RETRY_AFTER;
    return NULL;
  }
  atomic_store_explicit(&r->thread, extref__thread_id(), memory_order_relaxed);
  mine[mine_n++] = r;
  if (mine_n == 1) (void)pthread_setspecific(exit_key, (void *)1);
  return r;
}

/* One of this thread's records with no live borrow, or NULL. */
static inline extref__slot_t *record_free(void) {
  unsigned i;
  for (i = 0; i < mine_n; i++)
    if (!(atomic_load_explicit(&mine[i]->bid, memory_order_relaxed) &
          REC_LIVE))
      return mine[i];
  return mine_n < RECORDS_PER_THREAD ? record_new() : NULL;
}

bool extref__reader_ready(void) { return record_free() != NULL; }

extref_status_t extref__reader_borrow(extref__slot_t *s,
                                      extref_borrow_t *result) {
  extref__slot_t *r = record_free();
  uint64_t b, nb;
  if (EXTREF__UNLIKELY(r == NULL)) return EXTREF_BORROWED;
  b = atomic_load_explicit(&r->bid, memory_order_relaxed);
  nb = extref__bid_next(
      b, REC_LIVE | (atomic_load_explicit(&s->thread, memory_order_relaxed) !=
                             extref__thread_id()
                         ? REC_AWAY
                         : 0));
  atomic_store_explicit(&r->payload, (void *)s, memory_order_relaxed);
  /* Publish, then look: the ending of shared mode clears the flag, then
   * looks at the records. */
  atomic_store_explicit(&r->bid, nb, memory_order_seq_cst);
  if (EXTREF__UNLIKELY(
          !(atomic_load_explicit(&s->bid, memory_order_seq_cst) &
            EXTREF__BID_SHARED))) {
    /* Shared mode ended: withdraw, unless the ending counted this borrow
     * already (then it is a counted borrow, and stands). */
    if (atomic_compare_exchange_strong_explicit(
            &r->bid, &nb, nb & ~EXTREF__BID_STATE, memory_order_acq_rel,
            memory_order_acquire))
      return EXTREF_BORROWED;
  }
  result->payload = atomic_load_explicit(&s->payload, memory_order_relaxed);
  result->token = extref__handle(r, serial_of(nb));
  return EXTREF_OK;
}

extref_status_t extref__reader_release(extref__slot_t *r, uint64_t serial,
                                       extref_borrow_t *borrow) {
  uint64_t b = atomic_load_explicit(&r->bid, memory_order_acquire);
  for (;;) {
    extref__slot_t *s;
    if (!(b & REC_LIVE) || serial_of(b) != serial)
      return extref__stale_borrow();
    /* Read while the borrow is live: the record is not reused before. */
    s = atomic_load_explicit(&r->payload, memory_order_relaxed);
    if (atomic_compare_exchange_weak_explicit(&r->bid, &b,
                                              b & ~EXTREF__BID_STATE,
                                              memory_order_acq_rel,
                                              memory_order_acquire)) {
      borrow->payload = NULL;
      borrow->token = 0;
      if (b & REC_COUNTED) {
        uint64_t n = atomic_fetch_sub_explicit(&s->count, count_bit(b),
                                               memory_order_acq_rel) -
                     count_bit(b);
        if (extref__count_idle(n)) extref__count_ended(s, n, true);
      }
      return EXTREF_OK;
    }
  }
}

bool extref__shared_enter(extref__slot_t *s) {
  uint64_t w = atomic_load_explicit(&s->count, memory_order_acquire);
  /* Room for every record to be counted when shared mode ends. */
  const uint64_t room = EXTREF__MAX_SHARED_SIDE - EXTREF__READER_RESERVE;
  if (atomic_load_explicit(&s->bid, memory_order_relaxed) &
      EXTREF__BID_SHARED)
    return true;
  for (;;) {
    if ((w & (EXTREF__TAKEN | EXTREF__EX_MASK)) || !(w & EXTREF__HOLD_MASK) ||
        (w & EXTREF__SH_HOME_MASK) > room ||
        ((w & EXTREF__SH_AWAY_MASK) >> EXTREF__SH_AWAY_SHIFT) > room)
      return false;
    if (atomic_compare_exchange_weak_explicit(&s->count, &w, w + EXTREF__TICKET,
                                              memory_order_acq_rel,
                                              memory_order_acquire))
      break;
  }
  /* The ticket first: whenever the flag is set, the ticket is there. */
  atomic_fetch_or_explicit(&s->bid, EXTREF__BID_SHARED, memory_order_seq_cst);
  return true;
}

uint64_t extref__shared_leave(extref__slot_t *s) {
  uint64_t b = atomic_load_explicit(&s->bid, memory_order_acquire), bit;
  size_t i, n;
  /* Clear the flag, then look: a reader that published before this sees
   * its record found; one that publishes after sees the flag clear. */
  do {
    if (!(b & EXTREF__BID_SHARED))
      return atomic_load_explicit(&s->count, memory_order_acquire);
  } while (!atomic_compare_exchange_weak_explicit(&s->bid, &b,
                                                  b & ~EXTREF__BID_SHARED,
                                                  memory_order_seq_cst,
                                                  memory_order_acquire));
  n = atomic_load_explicit(&records_n, memory_order_acquire);
  for (i = 0; i < n; i++) {
    extref__slot_t *r = records[i];
    uint64_t rb = atomic_load_explicit(&r->bid, memory_order_seq_cst);
    if ((rb & (REC_LIVE | REC_COUNTED)) != REC_LIVE ||
        atomic_load_explicit(&r->payload, memory_order_acquire) != s)
      continue;
    /* Count it first, then mark it counted; if it was released (or
     * withdrawn) in between, give the count back. */
    bit = count_bit(rb);
    atomic_fetch_add_explicit(&s->count, bit, memory_order_acq_rel);
    if (!atomic_compare_exchange_strong_explicit(&r->bid, &rb,
                                                 rb | REC_COUNTED,
                                                 memory_order_acq_rel,
                                                 memory_order_acquire))
      atomic_fetch_sub_explicit(&s->count, bit, memory_order_acq_rel);
  }
  return atomic_fetch_sub_explicit(&s->count, EXTREF__TICKET,
                                   memory_order_acq_rel) -
         EXTREF__TICKET;
}

void extref__count_ended(extref__slot_t *s, uint64_t n, bool deferred) {
  if (n != 0) {
    /* Only the ticket, or one counted away borrow, is left: under the
     * lock, the flag tells which. No owner is left to race with us, except
     * published borrows, which the ending counts. */
    extref__stripe_lock(s);
    n = (atomic_load_explicit(&s->bid, memory_order_acquire) &
         EXTREF__BID_SHARED)
            ? extref__shared_leave(s)
            : 1;
    extref__stripe_unlock(s);
    if (n != 0) return;
  }
  extref__payload_finish(s, deferred);
}
