/* Shared mode (src/reader.c): shared borrows of a SEND payload that a hold
 * shares are published in their threads' records and write nothing to the
 * payload; everything that must see every borrow still does.
 *
 * SPDX-License-Identifier: MIT
 */
#include "helpers.h"

static uint64_t count_of(extref__slot_t *s) { return atomic_load(&s->count); }
static bool in_shared_mode(extref__slot_t *s) {
  return (atomic_load(&s->bid) & EXTREF__BID_SHARED) != 0;
}
static uint64_t kind_of_token(const extref_borrow_t *b) {
  uint64_t serial;
  extref__slot_t *r = extref__handle_slot(b->token, &serial);
  ck_assert_ptr_nonnull(r);
  return atomic_load(&r->head) & EXTREF__KIND_MASK;
}

/* A held SEND payload: its own thread's shared borrows are published, the
 * count word stays as it was (JS side, one hold, the ticket). */
START_TEST(published_borrows_leave_the_payload_untouched) {
  extref__slot_t *s = make_payload(&send_counter_type, 7);
  extref_hold_t *h;
  extref_borrow_t a, b;
  uint64_t w;
  ASSERT_STATUS(extref__hold_new(s, &send_counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &send_counter_type, false, &a), EXTREF_OK);
  ck_assert(in_shared_mode(s));
  ck_assert_uint_eq(kind_of_token(&a), EXTREF__KIND_READER);
  w = count_of(s);
  ck_assert_uint_eq(w, EXTREF__JS | EXTREF__HOLD_ONE | EXTREF__TICKET);
  ASSERT_STATUS(extref_hold_ref(h, &b), EXTREF_OK);
  ck_assert_uint_eq(kind_of_token(&b), EXTREF__KIND_READER);
  ck_assert_int_eq(((counter_t *)b.payload)->value, 7);
  ck_assert_uint_eq(count_of(s), w);
  ASSERT_LIVE(1, 2, 1);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_OK);
  ck_assert_uint_eq(count_of(s), w);
  ASSERT_LIVE(1, 0, 1);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* An exclusive borrow sees the published borrow: refused with the right
 * count, and granted once it is released. */
START_TEST(exclusive_borrow_counts_published_borrows) {
  extref__slot_t *s = make_payload(&send_counter_type, 1);
  extref_hold_t *h;
  extref_borrow_t a, m;
  ASSERT_STATUS(extref__hold_new(s, &send_counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref_hold_ref(h, &a), EXTREF_OK);
  ck_assert(in_shared_mode(s));
  ASSERT_STATUS(extref_hold_mut_ref(h, &m), EXTREF_BORROWED);
  ASSERT_MESSAGE_HAS("1 shared borrow is live (1 on this thread");
  ck_assert(!in_shared_mode(s));
  ck_assert_uint_eq(count_of(s),
                    EXTREF__JS | EXTREF__HOLD_ONE | EXTREF__SH_HOME_ONE);
  ASSERT_LIVE(1, 1, 1);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ck_assert_uint_eq(count_of(s), EXTREF__JS | EXTREF__HOLD_ONE);
  ASSERT_STATUS(extref_hold_mut_ref(h, &m), EXTREF_OK);
  ((counter_t *)m.payload)->value = 2;
  /* Shared mode cannot start while the exclusive borrow is live. */
  ASSERT_STATUS(extref_hold_ref(h, &a), EXTREF_MUT_BORROWED);
  ck_assert(!in_shared_mode(s));
  ASSERT_STATUS(extref_borrow_release(&m), EXTREF_OK);
  ASSERT_STATUS(extref_hold_ref(h, &a), EXTREF_OK);
  ck_assert(in_shared_mode(s));
  ck_assert_int_eq(((counter_t *)a.payload)->value, 2);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* A copy of a released published borrow is refused, also after its record
 * published the next borrow, which stays live. */
START_TEST(stale_copy_of_a_published_borrow_is_invalid) {
  extref__slot_t *s = make_payload(&send_counter_type, 1);
  extref_hold_t *h;
  extref_borrow_t a, copy, b, m;
  ASSERT_STATUS(extref__hold_new(s, &send_counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref_hold_ref(h, &a), EXTREF_OK);
  copy = a;
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&copy), EXTREF_INVALID_ARG);
  ASSERT_MESSAGE_HAS("not live");
  ASSERT_STATUS(extref_hold_ref(h, &b), EXTREF_OK);
  ck_assert_uint_eq(b.token & EXTREF__INDEX_MASK,
                    copy.token & EXTREF__INDEX_MASK); /* same record */
  ASSERT_STATUS(extref_borrow_release(&copy), EXTREF_INVALID_ARG);
  ASSERT_LIVE(1, 1, 1);
  ASSERT_STATUS(extref_hold_mut_ref(h, &m), EXTREF_BORROWED);
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_INVALID_ARG);
  ASSERT_LIVE(1, 0, 1);
  ASSERT_STATUS(extref_hold_mut_ref(h, &m), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&m), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  extref__payload_js_end(s);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* The last owner leaving while a published borrow is live: the payload
 * stays until that borrow is released, then drops once. */
START_TEST(last_owner_leaving_waits_for_published_borrows) {
  extref__slot_t *s = make_payload(&send_counter_type, 3);
  extref_hold_t *h;
  extref_borrow_t a;
  ASSERT_STATUS(extref__hold_new(s, &send_counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref_hold_ref(h, &a), EXTREF_OK);
  extref__payload_js_end(s);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  ck_assert_int_eq(atomic_load(&drops_seen), 0);
  ck_assert_int_eq(((counter_t *)a.payload)->value, 3);
  ASSERT_LIVE(1, 1, 0);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ck_assert_uint_eq(stats_now().deferred_drops, base.deferred_drops + 1);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* The same with the hold released first and the JS side last. */
START_TEST(js_side_ending_last_drops_after_the_published_borrow) {
  extref__slot_t *s = make_payload(&send_counter_type, 3);
  extref_hold_t *h;
  extref_borrow_t a;
  ASSERT_STATUS(extref__hold_new(s, &send_counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref_hold_ref(h, &a), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 0);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* A take sees the published borrow. */
START_TEST(take_counts_published_borrows) {
  extref__slot_t *s = make_payload(&send_counter_type, 4);
  extref_hold_t *h;
  extref_borrow_t a;
  void *out;
  int64_t bytes;
  ASSERT_STATUS(extref__hold_new(s, &send_counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref_hold_ref(h, &a), EXTREF_OK);
  ASSERT_STATUS(extref__payload_take(s, &send_counter_type, &out, &bytes),
                EXTREF_BORROWED);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref__payload_take(s, &send_counter_type, &out, &bytes),
                EXTREF_HELD);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  ASSERT_STATUS(extref__payload_take(s, &send_counter_type, &out, &bytes),
                EXTREF_OK);
  ck_assert_int_eq(((counter_t *)out)->value, 4);
  free(out);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 0);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

struct away {
  extref_hold_t *hold;
  extref_borrow_t borrow, copy;
  extref_status_t st;
  bool release;
};

static void *borrow_away(void *arg) {
  struct away *a = arg;
  a->st = extref_hold_ref(a->hold, &a->borrow);
  a->copy = a->borrow;
  if (a->st == EXTREF_OK && a->release)
    a->st = extref_borrow_release(&a->borrow);
  return NULL;
}

/* A borrow published on another thread: counted on the away side when an
 * exclusive borrow looks, and released from here. */
START_TEST(away_published_borrow_is_counted_on_its_side) {
  extref__slot_t *s = make_payload(&send_counter_type, 1);
  extref_hold_t *h;
  extref_borrow_t m;
  struct away a = {0};
  ASSERT_STATUS(extref__hold_new(s, &send_counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref_hold_dup(h, &a.hold), EXTREF_OK);
  on_other_thread(borrow_away, &a);
  ASSERT_STATUS(a.st, EXTREF_OK);
  ck_assert_uint_eq(kind_of_token(&a.borrow), EXTREF__KIND_READER);
  ASSERT_STATUS(extref_hold_mut_ref(h, &m), EXTREF_BORROWED);
  ASSERT_MESSAGE_HAS("(0 on this thread, 1 on other threads)");
  /* The thread is gone; its borrow is SEND and released here. */
  ASSERT_STATUS(extref_borrow_release(&a.borrow), EXTREF_OK);
  ASSERT_STATUS(extref_hold_mut_ref(h, &m), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&m), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release(a.hold), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* A thread that exits hands its records to a later thread; copies of the
 * first thread's borrows stay refused. */
START_TEST(records_of_an_exited_thread_are_reused_and_stay_exact) {
  extref__slot_t *s = make_payload(&send_counter_type, 1);
  extref_hold_t *h;
  struct away first = {0}, second = {0};
  extref_borrow_t copy;
  ASSERT_STATUS(extref__hold_new(s, &send_counter_type, &h), EXTREF_OK);
  first.hold = second.hold = h;
  first.release = true;
  on_other_thread(borrow_away, &first);
  ASSERT_STATUS(first.st, EXTREF_OK);
  on_other_thread(borrow_away, &second);
  ASSERT_STATUS(second.st, EXTREF_OK);
  /* The second thread published in the first one's record ... */
  ck_assert_uint_eq(second.borrow.token & EXTREF__INDEX_MASK,
                    first.copy.token & EXTREF__INDEX_MASK);
  ck_assert_uint_ne(second.borrow.token, first.copy.token);
  /* ... and a copy of the first thread's released borrow is refused while
   * the second one's is live. */
  ASSERT_STATUS(extref_borrow_release(&first.copy), EXTREF_INVALID_ARG);
  ASSERT_LIVE(1, 1, 1);
  copy = second.borrow;
  ASSERT_STATUS(extref_borrow_release(&second.borrow), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&copy), EXTREF_INVALID_ARG);
  ASSERT_LIVE(1, 0, 1);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
}
END_TEST

/* Readers and writers at once: no exclusive borrow is ever granted while a
 * shared one is live, none is lost, and the payload drops once. */
#define RW_THREADS 4
#define RW_OPS 100000
typedef struct {
  int64_t value;
  _Atomic int readers;
  _Atomic int writers;
} rw_t;
static void rw_drop(void *p, void *d, struct napi_env__ *e) {
  (void)d;
  (void)e;
  atomic_fetch_add(&drops_seen, 1);
  free(p);
}
static const extref_type_t rw_type = {
    sizeof(extref_type_t), EXTREF_TYPE_SEND, {9, 9}, "RW", sizeof(rw_t),
    rw_drop, NULL, NULL, NULL};
struct rw_worker {
  extref_hold_t *hold;
  int writer;
  long reads, writes, refused, violations;
};
static void *rw_work(void *arg) {
  struct rw_worker *w = arg;
  int i;
  for (i = 0; i < RW_OPS; i++) {
    extref_borrow_t b;
    bool excl = w->writer && (i % 16) == 0;
    extref_status_t st =
        excl ? extref_hold_mut_ref(w->hold, &b) : extref_hold_ref(w->hold, &b);
    rw_t *p;
    if (st != EXTREF_OK) {
      if (st != EXTREF_BORROWED && st != EXTREF_MUT_BORROWED) w->violations++;
      w->refused++;
      continue;
    }
    p = b.payload;
    if (excl) {
      if (atomic_fetch_add(&p->writers, 1) != 0 ||
          atomic_load(&p->readers) != 0)
        w->violations++;
      p->value++;
      w->writes++;
      atomic_fetch_sub(&p->writers, 1);
    } else {
      atomic_fetch_add(&p->readers, 1);
      if (atomic_load(&p->writers) != 0) w->violations++;
      w->reads++;
      atomic_fetch_sub(&p->readers, 1);
    }
    if (extref_borrow_release(&b) != EXTREF_OK) w->violations++;
  }
  return NULL;
}

START_TEST(readers_and_writers_at_once_stay_exclusive) {
  rw_t *p = calloc(1, sizeof *p);
  extref__slot_t *s;
  extref_hold_t *h;
  extref_borrow_t b;
  struct rw_worker w[RW_THREADS];
  pthread_t t[RW_THREADS];
  long writes = 0;
  int j;
  ASSERT_STATUS(extref__payload_new(&rw_type, p, NULL, 0, &s), EXTREF_OK);
  ASSERT_STATUS(extref__hold_new(s, &rw_type, &h), EXTREF_OK);
  for (j = 0; j < RW_THREADS; j++) {
    memset(&w[j], 0, sizeof w[j]);
    w[j].writer = j == 0;
    ASSERT_STATUS(extref_hold_dup(h, &w[j].hold), EXTREF_OK);
  }
  for (j = 0; j < RW_THREADS; j++)
    ck_assert_int_eq(pthread_create(&t[j], NULL, rw_work, &w[j]), 0);
  for (j = 0; j < RW_THREADS; j++) {
    ck_assert_int_eq(pthread_join(t[j], NULL), 0);
    ck_assert_int_eq(w[j].violations, 0);
    writes += w[j].writes;
    ASSERT_STATUS(extref_hold_release(w[j].hold), EXTREF_OK);
  }
  ASSERT_STATUS(extref_hold_mut_ref(h, &b), EXTREF_OK);
  ck_assert_int_eq(((rw_t *)b.payload)->value, writes);
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_OK);
  ASSERT_LIVE(1, 0, 1);
  extref__payload_js_end(s);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ASSERT_LIVE(0, 0, 0);
  fprintf(stderr, "shared: %ld exclusive writes, %ld/%ld/%ld reads\n", writes,
          w[1].reads, w[2].reads, w[3].reads);
}
END_TEST

/* Thread-bound payloads and SEND ones without a hold never enter shared
 * mode: their fast paths stay plain loads and stores. */
START_TEST(unshared_payloads_never_enter_shared_mode) {
  extref__slot_t *s = make_payload(&send_counter_type, 1);
  extref__slot_t *t = make_payload(&counter_type, 1);
  extref_borrow_t a, b;
  ASSERT_STATUS(extref__borrow(s, &send_counter_type, false, &a), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &send_counter_type, false, &b), EXTREF_OK);
  ck_assert(!in_shared_mode(s));
  ck_assert_uint_eq(kind_of_token(&b), EXTREF__KIND_PAYLOAD);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(t, &counter_type, false, &a), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(t, &counter_type, false, &b), EXTREF_OK);
  ck_assert(!in_shared_mode(t));
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_OK);
  extref__payload_js_end(s);
  extref__payload_js_end(t);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* A thread whose every record holds a live borrow borrows counted (the
 * payload's table), and everything still adds up. */
START_TEST(a_thread_with_every_record_busy_borrows_counted) {
  extref__slot_t *s = make_payload(&send_counter_type, 1);
  extref_hold_t *h;
  extref_borrow_t b[8], m;
  int i;
  ASSERT_STATUS(extref__hold_new(s, &send_counter_type, &h), EXTREF_OK);
  for (i = 0; i < 8; i++) ASSERT_STATUS(extref_hold_ref(h, &b[i]), EXTREF_OK);
  ck_assert_uint_eq(kind_of_token(&b[0]), EXTREF__KIND_READER);
  ck_assert_uint_eq(kind_of_token(&b[7]), EXTREF__KIND_PAYLOAD);
  ASSERT_LIVE(1, 8, 1);
  ASSERT_STATUS(extref_hold_mut_ref(h, &m), EXTREF_BORROWED);
  ASSERT_MESSAGE_HAS("8 shared borrows are live");
  for (i = 7; i >= 0; i--) ASSERT_STATUS(extref_borrow_release(&b[i]), EXTREF_OK);
  ASSERT_LIVE(1, 0, 1);
  ASSERT_STATUS(extref_hold_mut_ref(h, &m), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&m), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* White-box: in shared mode counted shared borrows stop short of the
 * limit by the reserve, so that ending shared mode, which counts every
 * published borrow, can never carry into the exclusive bits. */
START_TEST(shared_mode_keeps_room_to_count_every_record) {
  extref__slot_t *s = make_payload(&send_counter_type, 1);
  extref_hold_t *h;
  extref_borrow_t pub, b[4], m;
  const uint64_t edge = EXTREF__MAX_SHARED_SIDE - EXTREF__READER_RESERVE;
  uint64_t w;
  int i;
  ASSERT_STATUS(extref__hold_new(s, &send_counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref_hold_ref(h, &pub), EXTREF_OK); /* enters */
  ck_assert(in_shared_mode(s));
  /* Preset: the home side one below the edge; this thread's other records
   * are taken by borrows, so the next ones are counted. */
  for (i = 0; i < 3; i++) ASSERT_STATUS(extref_hold_ref(h, &b[i]), EXTREF_OK);
  w = atomic_load(&s->count);
  atomic_store(&s->count, w | (edge - 1));
  ASSERT_STATUS(extref_hold_ref(h, &b[3]), EXTREF_OK);
  ck_assert_uint_eq(kind_of_token(&b[3]), EXTREF__KIND_PAYLOAD);
  ASSERT_STATUS(extref_hold_ref(h, &m), EXTREF_OVERFLOW);
  ck_assert_uint_eq(atomic_load(&s->count) & EXTREF__EX_MASK, 0);
  /* Ending shared mode counts the four published borrows: no carry. */
  ASSERT_STATUS(extref_hold_mut_ref(h, &m), EXTREF_BORROWED);
  ck_assert_uint_eq(atomic_load(&s->count) & EXTREF__SH_HOME_MASK,
                    edge + 4);
  ck_assert_uint_eq(atomic_load(&s->count) & EXTREF__EX_MASK, 0);
  ASSERT_STATUS(extref_borrow_release(&b[3]), EXTREF_OK);
  for (i = 0; i < 3; i++) ASSERT_STATUS(extref_borrow_release(&b[i]), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&pub), EXTREF_OK);
  ck_assert_uint_eq(atomic_load(&s->count) & EXTREF__SH_HOME_MASK, edge - 1);
  /* Drop the preset borrows the test never made. */
  atomic_store(&s->count, atomic_load(&s->count) & ~EXTREF__SH_HOME_MASK);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("shared");
  TCase *tc = tcase_create("shared");
  tcase_add_checked_fixture(tc, quiet_setup, NULL);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, published_borrows_leave_the_payload_untouched);
  tcase_add_test(tc, exclusive_borrow_counts_published_borrows);
  tcase_add_test(tc, stale_copy_of_a_published_borrow_is_invalid);
  tcase_add_test(tc, last_owner_leaving_waits_for_published_borrows);
  tcase_add_test(tc, js_side_ending_last_drops_after_the_published_borrow);
  tcase_add_test(tc, take_counts_published_borrows);
  tcase_add_test(tc, away_published_borrow_is_counted_on_its_side);
  tcase_add_test(tc, records_of_an_exited_thread_are_reused_and_stay_exact);
  tcase_add_test(tc, readers_and_writers_at_once_stay_exclusive);
  tcase_add_test(tc, unshared_payloads_never_enter_shared_mode);
  tcase_add_test(tc, a_thread_with_every_record_busy_borrows_counted);
  tcase_add_test(tc, shared_mode_keeps_room_to_count_every_record);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return run_suite(suite()); }
