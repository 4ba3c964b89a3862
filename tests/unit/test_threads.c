/* Threads: 8 threads make 1,000,000 operations through holds on SEND
 * payloads; the borrow rules hold at every instant and the counts come out
 * exact. Also run under ThreadSanitizer.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sched.h>

#include "helpers.h"

enum { THREADS = 8, OPS = 1000000, PAYLOADS = 4 };

typedef struct shared_s {
  int64_t value;      /* the payload's field, written only under mut */
  _Atomic int readers; /* borrowers inside a shared borrow now */
  _Atomic int writers; /* borrowers inside an exclusive borrow now */
} shared_t;

static void shared_drop(void *payload, void *type_data,
                        struct napi_env__ *env) {
  (void)type_data;
  (void)env;
  atomic_fetch_add(&drops_seen, 1);
  free(payload);
}

static const extref_type_t shared_type = {
    sizeof(extref_type_t), EXTREF_TYPE_SEND, {9, 9}, "Shared",
    sizeof(shared_t), shared_drop, NULL, NULL, NULL};

struct worker {
  extref_hold_t *hold[PAYLOADS];
  unsigned seed;
  long ok_ref, ok_mut, refused, violations, writes;
};

static void *work(void *arg) {
  struct worker *w = arg;
  long i;
  for (i = 0; i < OPS / THREADS; i++) {
    unsigned r = rand_r(&w->seed);
    extref_hold_t *h = w->hold[r % PAYLOADS];
    extref_borrow_t b;
    extref_status_t st;
    if ((r >> 8) % 4 == 0) {
      st = extref_hold_mut_ref(h, &b);
      if (st == EXTREF_OK) {
        shared_t *p = b.payload;
        if (atomic_fetch_add(&p->writers, 1) != 0 ||
            atomic_load(&p->readers) != 0)
          w->violations++;
        p->value++;
        w->writes++;
        atomic_fetch_sub(&p->writers, 1);
        if (extref_borrow_release(&b) != EXTREF_OK) w->violations++;
        w->ok_mut++;
      } else if (st == EXTREF_BORROWED || st == EXTREF_MUT_BORROWED) {
        w->refused++;
      } else {
        w->violations++;
      }
    } else {
      st = extref_hold_ref(h, &b);
      if (st == EXTREF_OK) {
        shared_t *p = b.payload;
        atomic_fetch_add(&p->readers, 1);
        if (atomic_load(&p->writers) != 0) w->violations++;
        (void)*(volatile int64_t *)&p->value;
        atomic_fetch_sub(&p->readers, 1);
        if (extref_borrow_release(&b) != EXTREF_OK) w->violations++;
        w->ok_ref++;
      } else if (st == EXTREF_MUT_BORROWED) {
        w->refused++;
      } else {
        w->violations++;
      }
    }
  }
  for (i = 0; i < PAYLOADS; i++)
    if (extref_hold_release(w->hold[i]) != EXTREF_OK) w->violations++;
  return NULL;
}

START_TEST(eight_threads_a_million_operations_exact_counts) {
  extref__slot_t *s[PAYLOADS];
  shared_t *p[PAYLOADS];
  struct worker w[THREADS];
  pthread_t t[THREADS];
  long ok_ref = 0, ok_mut = 0, refused = 0, violations = 0, writes = 0;
  int64_t total = 0;
  int i, j;
  for (i = 0; i < PAYLOADS; i++) {
    p[i] = calloc(1, sizeof(shared_t));
    ASSERT_STATUS(extref__payload_new(&shared_type, p[i], NULL, 0, &s[i]),
                  EXTREF_OK);
  }
  for (j = 0; j < THREADS; j++) {
    memset(&w[j], 0, sizeof w[j]);
    w[j].seed = 1234u + (unsigned)j;
    for (i = 0; i < PAYLOADS; i++)
      ASSERT_STATUS(extref__hold_new(s[i], &shared_type, &w[j].hold[i]),
                    EXTREF_OK);
  }
  ASSERT_LIVE(PAYLOADS, 0, THREADS * PAYLOADS);
  /* JS lets go of every external while the threads still work. */
  for (j = 0; j < THREADS; j++)
    ck_assert_int_eq(pthread_create(&t[j], NULL, work, &w[j]), 0);
  for (i = 0; i < PAYLOADS; i++) extref__payload_js_end(s[i]);
  /* The values can only be read while the payloads live: sum them in the
   * drop-free window through a fresh check below instead. */
  for (j = 0; j < THREADS; j++) {
    ck_assert_int_eq(pthread_join(t[j], NULL), 0);
    ok_ref += w[j].ok_ref;
    ok_mut += w[j].ok_mut;
    refused += w[j].refused;
    violations += w[j].violations;
    writes += w[j].writes;
  }
  ck_assert_int_eq(violations, 0);
  ck_assert_int_eq(ok_ref + ok_mut + refused, OPS);
  ck_assert_int_eq(writes, ok_mut);
  ck_assert_int_eq(atomic_load(&drops_seen), PAYLOADS);
  ASSERT_LIVE(0, 0, 0);
  ck_assert_uint_eq(stats_now().deferred_drops,
                    base.deferred_drops + PAYLOADS);
  (void)total;
  fprintf(stderr, "threads: %ld shared, %ld exclusive, %ld refused\n", ok_ref,
          ok_mut, refused);
}
END_TEST

/* Every exclusive borrow's write lands: the sum of the values equals the
 * number of successful exclusive borrows. */
START_TEST(exclusive_writes_are_never_lost) {
  extref__slot_t *s;
  shared_t *p = calloc(1, sizeof(shared_t));
  struct worker w[THREADS];
  pthread_t t[THREADS];
  extref_hold_t *keep;
  extref_borrow_t b;
  long writes = 0;
  int i, j;
  ASSERT_STATUS(extref__payload_new(&shared_type, p, NULL, 0, &s), EXTREF_OK);
  ASSERT_STATUS(extref__hold_new(s, &shared_type, &keep), EXTREF_OK);
  for (j = 0; j < THREADS; j++) {
    memset(&w[j], 0, sizeof w[j]);
    w[j].seed = 99u + (unsigned)j;
    for (i = 0; i < PAYLOADS; i++)
      ASSERT_STATUS(extref_hold_dup(keep, &w[j].hold[i]), EXTREF_OK);
  }
  for (j = 0; j < THREADS; j++)
    ck_assert_int_eq(pthread_create(&t[j], NULL, work, &w[j]), 0);
  for (j = 0; j < THREADS; j++) {
    ck_assert_int_eq(pthread_join(t[j], NULL), 0);
    ck_assert_int_eq(w[j].violations, 0);
    writes += w[j].writes;
  }
  ASSERT_STATUS(extref_hold_ref(keep, &b), EXTREF_OK);
  ck_assert_int_eq(((shared_t *)b.payload)->value, writes);
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_OK);
  ASSERT_LIVE(1, 0, 1);
  extref__payload_js_end(s);
  ASSERT_STATUS(extref_hold_release(keep), EXTREF_OK);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
}
END_TEST

struct taker {
  extref__slot_t *slot;
  _Atomic int *in_borrow;
  _Atomic int *released;
  long held_refusals;
  int took_while_borrowed;
  void *out;
};

static void *take_loop(void *arg) {
  struct taker *tk = arg;
  int64_t bytes;
  for (;;) {
    extref_status_t st =
        extref__payload_take(tk->slot, &shared_type, &tk->out, &bytes);
    if (st == EXTREF_OK) {
      if (atomic_load(tk->in_borrow)) tk->took_while_borrowed = 1;
      return NULL;
    }
    if (st == EXTREF_HELD || st == EXTREF_BORROWED ||
        st == EXTREF_MUT_BORROWED)
      tk->held_refusals++;
    else
      return NULL;
    /* Let the borrowing thread run: under valgrind's serialised threads a
     * bare spin here would eat most of the run. */
    sched_yield();
  }
}

/* Take on one thread, borrows through a hold on another: never both. */
START_TEST(concurrent_take_and_borrow_never_both_succeed) {
  int round;
  for (round = 0; round < 50; round++) {
    extref__slot_t *s;
    shared_t *p = calloc(1, sizeof(shared_t));
    _Atomic int in_borrow = 0, released = 0;
    struct taker tk = {NULL, &in_borrow, &released, 0, 0, NULL};
    extref_hold_t *h;
    pthread_t t;
    int k;
    ASSERT_STATUS(extref__payload_new(&shared_type, p, NULL, 0, &s),
                  EXTREF_OK);
    ASSERT_STATUS(extref__hold_new(s, &shared_type, &h), EXTREF_OK);
    tk.slot = s;
    ck_assert_int_eq(pthread_create(&t, NULL, take_loop, &tk), 0);
    for (k = 0; k < 2000; k++) {
      extref_borrow_t b;
      if (extref_hold_mut_ref(h, &b) == EXTREF_OK) {
        atomic_store(&in_borrow, 1);
        ((shared_t *)b.payload)->value++;
        atomic_store(&in_borrow, 0);
        ck_assert_int_eq(extref_borrow_release(&b), EXTREF_OK);
      }
    }
    ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_int_eq(tk.took_while_borrowed, 0);
    ck_assert_ptr_eq(tk.out, p);
    ck_assert_int_eq(p->value, 2000); /* every borrow came before the take */
    extref__payload_js_end(s);
    free(tk.out);
  }
  ck_assert_int_eq(atomic_load(&drops_seen), 0);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST


/* Stale handles released while their slots are reused. Churn threads make
 * payloads, hold and borrow them (two shared borrows at once, so the borrow
 * table is used too), release, end them, and publish the released handles;
 * stale threads feed those handles back to the library as fast as they
 * can. Every stale use must be EXTREF_INVALID_ARG and change nothing; under
 * ThreadSanitizer, no report. */
enum { RING = 256, CHURNERS = 2, STALERS = 2, ROUNDS = 20000 };

static _Atomic uintptr_t stale_tokens[RING];
static _Atomic uintptr_t stale_holds[RING];
static _Atomic bool stale_stop;
static _Atomic long stale_accepted, stale_uses, churn_errors;

static void *churn_loop(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg;
  int i;
  for (i = 0; i < ROUNDS; i++) {
    extref__slot_t *s;
    extref_hold_t *h;
    extref_borrow_t a, b;
    shared_t *p = calloc(1, sizeof *p);
    unsigned k = (unsigned)rand_r(&seed) % RING;
    if (extref__payload_new(&shared_type, p, NULL, 0, &s) != EXTREF_OK ||
        extref__hold_new(s, &shared_type, &h) != EXTREF_OK ||
        extref_hold_ref(h, &a) != EXTREF_OK ||
        extref_hold_ref(h, &b) != EXTREF_OK) {
      atomic_fetch_add(&churn_errors, 1);
      continue;
    }
    {
      uintptr_t ta = a.token, tm;
      if (extref_borrow_release(&a) != EXTREF_OK ||
          extref_borrow_release(&b) != EXTREF_OK)
        atomic_fetch_add(&churn_errors, 1);
      /* Published only once released: every handle in the rings is
       * stale. */
      atomic_store(&stale_tokens[k], ta);
      if (extref_hold_mut_ref(h, &a) != EXTREF_OK) {
        atomic_fetch_add(&churn_errors, 1);
      } else {
        tm = a.token;
        if (extref_borrow_release(&a) != EXTREF_OK)
          atomic_fetch_add(&churn_errors, 1);
        atomic_store(&stale_tokens[(k + 1) % RING], tm);
      }
    }
    extref__payload_js_end(s);
    if (extref_hold_release(h) != EXTREF_OK)
      atomic_fetch_add(&churn_errors, 1);
    atomic_store(&stale_holds[k], (uintptr_t)h);
  }
  return NULL;
}

static void *stale_loop(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg;
  while (!atomic_load(&stale_stop)) {
    unsigned k = (unsigned)rand_r(&seed) % RING;
    extref_borrow_t b = {NULL, atomic_load(&stale_tokens[k])};
    extref_hold_t *h = (extref_hold_t *)atomic_load(&stale_holds[k]);
    extref_borrow_t x;
    if (b.token != 0) {
      if (extref_borrow_release(&b) == EXTREF_OK)
        atomic_fetch_add(&stale_accepted, 1);
      atomic_fetch_add(&stale_uses, 1);
    }
    if (h != NULL) {
      if (extref_hold_ref(h, &x) == EXTREF_OK) {
        atomic_fetch_add(&stale_accepted, 1);
        extref_borrow_release(&x);
      }
      if (extref_hold_dup(h, &h) == EXTREF_OK) {
        atomic_fetch_add(&stale_accepted, 1);
        extref_hold_release(h);
      }
      atomic_fetch_add(&stale_uses, 1);
    }
  }
  return NULL;
}

/* A SEND payload with no hold: its creating thread borrows with plain
 * stores while no hold and no other borrow exists. A borrow handed to
 * another thread (allowed for SEND) and released there must never race
 * with that: the creating thread sees the borrow in the count word and
 * takes the atomic path until the other thread's release is done. */
enum { HANDOFFS = 20000 };

static _Atomic uintptr_t handoff_token;
static _Atomic bool handoff_stop;
static _Atomic long handoff_errors;

static void *release_handed_off(void *arg) {
  (void)arg;
  while (!atomic_load(&handoff_stop)) {
    uintptr_t t = atomic_exchange(&handoff_token, 0);
    if (t != 0) {
      extref_borrow_t b = {NULL, t};
      if (extref_borrow_release(&b) != EXTREF_OK)
        atomic_fetch_add(&handoff_errors, 1);
    }
  }
  return NULL;
}

START_TEST(send_borrow_released_elsewhere_while_home_borrows) {
  extref__slot_t *s;
  shared_t *p = calloc(1, sizeof *p);
  pthread_t t;
  int i, handed = 0;
  ck_assert_int_eq(extref__payload_new(&shared_type, p, NULL, 0, &s),
                   EXTREF_OK);
  atomic_store(&handoff_stop, false);
  pthread_create(&t, NULL, release_handed_off, NULL);
  for (i = 0; i < HANDOFFS * 4; i++) {
    extref_borrow_t a, m;
    if (extref__borrow_inline(s, &shared_type, false, &a) != EXTREF_OK) {
      atomic_fetch_add(&handoff_errors, 1);
      continue;
    }
    if (handed < HANDOFFS && atomic_load(&handoff_token) == 0) {
      atomic_store(&handoff_token, a.token); /* the other thread ends it */
      handed++;
    } else if (extref_borrow_release(&a) != EXTREF_OK) {
      atomic_fetch_add(&handoff_errors, 1);
    }
    /* An exclusive borrow is granted only when no shared one is live. */
    if (extref__borrow_inline(s, &shared_type, true, &m) == EXTREF_OK) {
      if (atomic_load(&handoff_token) != 0) { /* not yet picked up */
        atomic_fetch_add(&handoff_errors, 1000);
      }
      p->value++;
      if (extref_borrow_release(&m) != EXTREF_OK)
        atomic_fetch_add(&handoff_errors, 1);
    }
  }
  while (atomic_load(&handoff_token) != 0) sched_yield();
  atomic_store(&handoff_stop, true);
  pthread_join(t, NULL);
  ck_assert_int_eq(atomic_load(&handoff_errors), 0);
  ASSERT_LIVE(1, 0, 0);
  ck_assert_uint_eq(atomic_load(&s->count), EXTREF__JS);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
}
END_TEST

START_TEST(stale_handles_refused_while_slots_are_reused) {
  pthread_t c[CHURNERS], t[STALERS];
  int i;
  atomic_store(&stale_stop, false);
  for (i = 0; i < STALERS; i++)
    pthread_create(&t[i], NULL, stale_loop, (void *)(uintptr_t)(i + 7));
  for (i = 0; i < CHURNERS; i++)
    pthread_create(&c[i], NULL, churn_loop, (void *)(uintptr_t)(i + 1));
  for (i = 0; i < CHURNERS; i++) pthread_join(c[i], NULL);
  atomic_store(&stale_stop, true);
  for (i = 0; i < STALERS; i++) pthread_join(t[i], NULL);
  ck_assert_int_eq(atomic_load(&churn_errors), 0);
  ck_assert_int_gt(atomic_load(&stale_uses), 0);
  ck_assert_msg(atomic_load(&stale_accepted) == 0,
                "%ld of %ld stale uses were accepted",
                atomic_load(&stale_accepted), atomic_load(&stale_uses));
  ck_assert_int_eq(atomic_load(&drops_seen), CHURNERS * ROUNDS);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("threads");
  TCase *tc = tcase_create("threads");
  tcase_add_checked_fixture(tc, quiet_setup, NULL);
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, eight_threads_a_million_operations_exact_counts);
  tcase_add_test(tc, exclusive_writes_are_never_lost);
  tcase_add_test(tc, concurrent_take_and_borrow_never_both_succeed);
  tcase_add_test(tc, stale_handles_refused_while_slots_are_reused);
  tcase_add_test(tc, send_borrow_released_elsewhere_while_home_borrows);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return run_suite(suite()); }
