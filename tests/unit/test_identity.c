/* Handle identity: a hold pointer, a borrow and every copy of it, and a
 * payload slot are valid from the call that made them to the call that
 * ended them, and never again. A stale one is EXTREF_INVALID_ARG and changes
 * nothing, however the slot was reused since.
 *
 * SPDX-License-Identifier: MIT
 */
#if !defined(_WIN32) /* the fork test's */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#endif

#include "helpers.h"

/* The counts of s's live borrows, by kind. */
static void assert_borrows(extref__slot_t *s, uint64_t shared, bool excl) {
  uint64_t w = atomic_load(&s->count);
  uint64_t sh = (w & EXTREF__SH_HOME_MASK) +
                ((w & EXTREF__SH_AWAY_MASK) >> EXTREF__SH_AWAY_SHIFT);
  ck_assert_uint_eq(sh, shared);
  ck_assert_int_eq((w & EXTREF__EX_MASK) != 0, excl);
}

/* ---- Holds -------------------------------------------------------------- */

START_TEST(released_hold_is_invalid_after_its_slot_is_reused) {
  extref__slot_t *a = make_payload(&counter_type, 1);
  extref__slot_t *b = make_payload(&widget_type, 2);
  extref_hold_t *old, *fresh;
  extref_borrow_t x;
  ASSERT_STATUS(extref__hold_new(a, &counter_type, &old), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release(old), EXTREF_OK);
  /* The freed hold slot is the next one handed out. */
  ASSERT_STATUS(extref__hold_new(b, &widget_type, &fresh), EXTREF_OK);
  ASSERT_LIVE(2, 0, 1);
  ASSERT_STATUS(extref_hold_ref(old, &x), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_mut_ref(old, &x), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_clone_out(old, &x, sizeof(counter_t)),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_dup(old, &fresh), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_release(old), EXTREF_INVALID_ARG);
  ASSERT_LIVE(2, 0, 1);
  /* The live hold is untouched. */
  ASSERT_STATUS(extref_hold_ref(fresh, &x), EXTREF_OK);
  ck_assert_int_eq(((counter_t *)x.payload)->value, 2);
  ASSERT_STATUS(extref_borrow_release(&x), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release(fresh), EXTREF_OK);
  extref__payload_js_end(a);
  extref__payload_js_end(b);
  ck_assert_int_eq(atomic_load(&drops_seen), 2);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

START_TEST(released_hold_is_invalid_after_many_reuses) {
  extref__slot_t *a = make_payload(&counter_type, 1);
  extref_hold_t *old, *h;
  int i;
  ASSERT_STATUS(extref__hold_new(a, &counter_type, &old), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release(old), EXTREF_OK);
  for (i = 0; i < 1000; i++) {
    ASSERT_STATUS(extref__hold_new(a, &counter_type, &h), EXTREF_OK);
    ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
    ASSERT_STATUS(extref_hold_release(old), EXTREF_INVALID_ARG);
  }
  ASSERT_LIVE(1, 0, 0);
  extref__payload_js_end(a);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* ---- Borrows ------------------------------------------------------------ */

static void stale_shared_copy(const extref_type_t *type) {
  extref__slot_t *s = make_payload(type, 3);
  extref_borrow_t a, copy, live, m;
  ASSERT_STATUS(extref__borrow(s, type, false, &a), EXTREF_OK);
  copy = a;
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, type, false, &live), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&copy), EXTREF_INVALID_ARG);
  assert_borrows(s, 1, false);
  ASSERT_STATUS(extref__borrow(s, type, true, &m), EXTREF_BORROWED);
  ASSERT_STATUS(extref__payload_take(s, type, &m.payload, &(int64_t){0}),
                EXTREF_BORROWED);
  ASSERT_STATUS(extref_borrow_release(&live), EXTREF_OK);
  assert_borrows(s, 0, false);
  extref__payload_js_end(s);
  ASSERT_LIVE(0, 0, 0);
}

START_TEST(stale_shared_copy_is_invalid_beside_a_live_shared_borrow) {
  stale_shared_copy(&counter_type);
  stale_shared_copy(&send_counter_type);
}
END_TEST

static void stale_exclusive_copy(const extref_type_t *type) {
  extref__slot_t *s = make_payload(type, 3);
  extref_borrow_t a, copy, live, r;
  ASSERT_STATUS(extref__borrow(s, type, true, &a), EXTREF_OK);
  copy = a;
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, type, true, &live), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&copy), EXTREF_INVALID_ARG);
  assert_borrows(s, 0, true);
  ASSERT_STATUS(extref__borrow(s, type, false, &r), EXTREF_MUT_BORROWED);
  ASSERT_STATUS(extref_borrow_release(&live), EXTREF_OK);
  extref__payload_js_end(s);
  ASSERT_LIVE(0, 0, 0);
}

START_TEST(stale_exclusive_copy_is_invalid_beside_a_live_exclusive_borrow) {
  stale_exclusive_copy(&counter_type);
  stale_exclusive_copy(&send_counter_type);
}
END_TEST

/* A copy of a live borrow is the same borrow: the first of the two
 * releases ends it, the second is refused. */
START_TEST(copy_of_a_live_borrow_is_released_once) {
  extref__slot_t *s = make_payload(&counter_type, 3);
  extref_borrow_t a, b, copy;
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &b), EXTREF_OK);
  copy = a;
  ASSERT_STATUS(extref_borrow_release(&copy), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_INVALID_ARG);
  assert_borrows(s, 1, false);
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_OK);
  extref__payload_js_end(s);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* Many shared borrows released out of order, each with a stale copy tried
 * after it: every live one releases once, every stale one is refused. */
static void shared_borrows_out_of_order(const extref_type_t *type) {
  enum { N = 40 };
  extref__slot_t *s = make_payload(type, 3);
  extref_borrow_t b[N], stale[N];
  int order[N], i;
  for (i = 0; i < N; i++) {
    ASSERT_STATUS(extref__borrow(s, type, false, &b[i]), EXTREF_OK);
    order[i] = (i * 17) % N; /* 17 is prime to 40: a permutation */
  }
  for (i = 0; i < N; i++) {
    int k = order[i], j;
    stale[k] = b[k];
    ASSERT_STATUS(extref_borrow_release(&b[k]), EXTREF_OK);
    assert_borrows(s, (uint64_t)(N - 1 - i), false);
    for (j = 0; j <= i; j++)
      ASSERT_STATUS(extref_borrow_release(&stale[order[j]]),
                    EXTREF_INVALID_ARG);
    assert_borrows(s, (uint64_t)(N - 1 - i), false);
  }
  ASSERT_STATUS(extref__borrow(s, type, true, &b[0]), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&b[0]), EXTREF_OK);
  extref__payload_js_end(s);
  ASSERT_LIVE(0, 0, 0);
}

START_TEST(shared_borrows_released_out_of_order_keep_their_identity) {
  shared_borrows_out_of_order(&counter_type);
  shared_borrows_out_of_order(&send_counter_type);
}
END_TEST

START_TEST(stale_copy_of_a_dropped_payload_is_invalid_after_churn) {
  extref__slot_t *s = make_payload(&counter_type, 3);
  extref_borrow_t a, copy, live;
  int i;
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  copy = a;
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  extref__payload_js_end(s);
  for (i = 0; i < 2000; i++) {
    extref__slot_t *t = make_payload(&counter_type, i);
    ASSERT_STATUS(extref__borrow(t, &counter_type, false, &live), EXTREF_OK);
    ASSERT_STATUS(extref_borrow_release(&copy), EXTREF_INVALID_ARG);
    assert_borrows(t, 1, false);
    ASSERT_STATUS(extref_borrow_release(&live), EXTREF_OK);
    extref__payload_js_end(t);
  }
  ASSERT_LIVE(0, 0, 0);
}
END_TEST


/* ---- Serials near their limits (preset, no 2^32-step loops) ----------- */

/* A free slot's generation set to gen: the next slot handed out (LIFO). */
static extref__slot_t *preset_free_generation(uint64_t gen) {
  extref__slot_t *s = make_payload(&counter_type, 0);
  uint64_t head;
  extref__payload_js_end(s); /* s is now the head of the free list */
  head = atomic_load(&s->head);
  ck_assert_uint_eq(head & EXTREF__KIND_MASK, EXTREF__KIND_FREE);
  atomic_store(&s->head, gen << EXTREF__GEN_SHIFT);
  return s;
}

static void stale_holds_across(uint64_t gen) {
  extref__slot_t *p = make_payload(&counter_type, 1);
  extref__slot_t *slot = preset_free_generation(gen);
  extref_hold_t *old[4], *h;
  extref_borrow_t b;
  int i;
  /* The same slot serves four holds in a row, across the boundary. */
  for (i = 0; i < 4; i++) {
    ASSERT_STATUS(extref__hold_new(p, &counter_type, &old[i]), EXTREF_OK);
    ASSERT_STATUS(extref_hold_release(old[i]), EXTREF_OK);
  }
  ASSERT_STATUS(extref__hold_new(p, &counter_type, &h), EXTREF_OK);
  ck_assert_uint_eq(atomic_load(&slot->head) >> EXTREF__GEN_SHIFT, gen + 4);
  for (i = 0; i < 4; i++) {
    ASSERT_STATUS(extref_hold_ref(old[i], &b), EXTREF_INVALID_ARG);
    ASSERT_STATUS(extref_hold_release(old[i]), EXTREF_INVALID_ARG);
  }
  ASSERT_LIVE(1, 0, 1);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  extref__payload_js_end(p);
  ASSERT_LIVE(0, 0, 0);
}

START_TEST(hold_generation_does_not_wrap_at_2_32_or_2_40) {
  stale_holds_across(((uint64_t)1 << 32) - 2);
  stale_holds_across(((uint64_t)1 << 40) - 2);
}
END_TEST

static void stale_borrows_across(const extref_type_t *type, uint64_t serial) {
  extref__slot_t *s = make_payload(type, 1);
  extref_borrow_t b, old[4], live;
  int i;
  atomic_store(&s->bid, serial << EXTREF__BID_SEQ_SHIFT);
  for (i = 0; i < 4; i++) {
    ASSERT_STATUS(extref__borrow(s, type, i % 2 == 1, &b), EXTREF_OK);
    old[i] = b;
    ASSERT_STATUS(extref_borrow_release(&b), EXTREF_OK);
  }
  ASSERT_STATUS(extref__borrow(s, type, false, &live), EXTREF_OK);
  for (i = 0; i < 4; i++)
    ASSERT_STATUS(extref_borrow_release(&old[i]), EXTREF_INVALID_ARG);
  assert_borrows(s, 1, false);
  ASSERT_STATUS(extref_borrow_release(&live), EXTREF_OK);
  extref__payload_js_end(s);
  ASSERT_LIVE(0, 0, 0);
}

START_TEST(borrow_serial_does_not_wrap_at_2_32_or_2_40) {
  stale_borrows_across(&counter_type, ((uint64_t)1 << 32) - 2);
  stale_borrows_across(&send_counter_type, ((uint64_t)1 << 32) - 2);
  stale_borrows_across(&counter_type, ((uint64_t)1 << 40) - 2);
  stale_borrows_across(&send_counter_type, ((uint64_t)1 << 40) - 2);
}
END_TEST

/* The borrow serial outlives the payload: a stale copy from the previous
 * occupant of a slot never matches the new occupant's first borrow. */
START_TEST(borrow_serial_survives_slot_reuse) {
  extref__slot_t *s = make_payload(&counter_type, 1), *t;
  extref_borrow_t a, copy, live;
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  copy = a;
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  extref__payload_js_end(s);
  t = make_payload(&counter_type, 2);
  ck_assert_ptr_eq(t, s); /* LIFO reuse */
  ASSERT_STATUS(extref__borrow(t, &counter_type, false, &live), EXTREF_OK);
  ck_assert_uint_ne(live.token, copy.token);
  ASSERT_STATUS(extref_borrow_release(&copy), EXTREF_INVALID_ARG);
  assert_borrows(t, 1, false);
  ASSERT_STATUS(extref_borrow_release(&live), EXTREF_OK);
  extref__payload_js_end(t);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* A handle of another copy of the library: same index, same serial, other
 * key. Modelled by flipping the key bits a copy would differ in. */
START_TEST(handles_of_another_copy_are_invalid) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  extref_hold_t *h;
  extref_borrow_t a, other;
  uint64_t flip = ~EXTREF__INDEX_MASK; /* another key: every serial bit */
  ASSERT_STATUS(extref__hold_new(s, &counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  other = a;
  other.token ^= flip;
  ASSERT_STATUS(extref_borrow_release(&other), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_release((extref_hold_t *)((uintptr_t)h ^ flip)),
                EXTREF_INVALID_ARG);
  ASSERT_LIVE(1, 1, 1);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  extref__payload_js_end(s);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* ---- Sizes --------------------------------------------------------------- */

START_TEST(absurd_external_bytes_are_statuses) {
  static const int64_t bad[] = {-1, INT64_MIN,
                                EXTREF_MAX_EXTERNAL_BYTES + 1,
                                (int64_t)1 << 60, (int64_t)1 << 62,
                                INT64_MAX};
  extref__slot_t *s = NULL;
  counter_t *c = new_counter(1);
  size_t i;
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ASSERT_STATUS(extref__payload_new(&counter_type, c, NULL, bad[i], &s),
                  EXTREF_INVALID_ARG);
    ASSERT_LIVE(0, 0, 0);
    ck_assert_int_eq(stats_now().external_bytes, base.external_bytes);
  }
  ASSERT_STATUS(extref__payload_new(&counter_type, c, NULL,
                                    EXTREF_MAX_EXTERNAL_BYTES, &s),
                EXTREF_OK);
  ck_assert_int_eq(stats_now().external_bytes,
                   base.external_bytes + EXTREF_MAX_EXTERNAL_BYTES);
  extref__payload_js_end(s);
  ck_assert_int_eq(stats_now().external_bytes, base.external_bytes);
}
END_TEST

/* 8191 payloads of 2^50 bytes fit below INT64_MAX; the 8192nd would pass
 * it. The total never goes negative and comes back to its start. */
START_TEST(process_external_bytes_total_never_overflows) {
  enum { N = 8192 };
  extref__slot_t **s = malloc(sizeof *s * N);
  extref__slot_t *extra = NULL;
  int i;
  for (i = 0; i < N - 1; i++) {
    s[i] = NULL;
    ASSERT_STATUS(extref__payload_new(&counter_type, new_counter(i), NULL,
                                      EXTREF_MAX_EXTERNAL_BYTES, &s[i]),
                  EXTREF_OK);
  }
  {
    counter_t *c = new_counter(-1);
    ASSERT_STATUS(extref__payload_new(&counter_type, c, NULL,
                                      EXTREF_MAX_EXTERNAL_BYTES, &extra),
                  EXTREF_OVERFLOW);
    free(c);
  }
  ck_assert_int_gt(stats_now().external_bytes, 0);
  ASSERT_LIVE(N - 1, 0, 0);
  for (i = 0; i < N - 1; i++) {
    extref__payload_js_end(s[i]);
    ck_assert_int_ge(stats_now().external_bytes, 0);
  }
  ck_assert_int_eq(stats_now().external_bytes, base.external_bytes);
  ASSERT_LIVE(0, 0, 0);
  free(s);
}
END_TEST

/* ---- Threads ------------------------------------------------------------ */

static extref__slot_t *made_on_thread;

static void *make_and_exit(void *arg) {
  (void)arg;
  made_on_thread = make_payload(&counter_type, 9);
  return NULL;
}

static void *try_borrow(void *arg) {
  extref_borrow_t b;
  *(extref_status_t *)arg =
      extref__borrow(made_on_thread, &counter_type, false, &b);
  if (*(extref_status_t *)arg == EXTREF_OK) extref_borrow_release(&b);
  return NULL;
}

/* glibc hands a finished thread's stack and thread pointer to the next
 * thread: that thread is still another thread. */
START_TEST(a_new_thread_is_never_the_creating_thread) {
  int i;
  for (i = 0; i < 8; i++) {
    extref_status_t st = EXTREF_OK;
    on_other_thread(make_and_exit, NULL);
    on_other_thread(try_borrow, &st);
    ck_assert_msg(st == EXTREF_WRONG_THREAD, "round %d: %s", i,
                  extref_status_name(st));
    /* The payload can never be touched again: it leaks, visibly. (The
     * test frees the counter itself, so that leak checkers stay quiet:
     * the library never reads it again.) */
    ASSERT_LIVE((uint64_t)i + 1, 0, 0);
    free(atomic_load(&made_on_thread->payload));
  }
}
END_TEST

/* ---- fork --------------------------------------------------------------- */

#if !defined(_WIN32) /* Windows has no fork() */

static _Atomic bool churn_stop;

static void *churn(void *arg) {
  extref__slot_t *s = arg;
  while (!atomic_load(&churn_stop)) {
    extref_hold_t *h;
    extref_borrow_t b;
    if (extref__hold_new(s, &send_counter_type, &h) != EXTREF_OK) continue;
    if (extref_hold_ref(h, &b) == EXTREF_OK) extref_borrow_release(&b);
    extref_hold_release(h);
  }
  return NULL;
}

/* A child forked while other threads are inside the library never waits on
 * a lock that one of them held. */
START_TEST(forked_child_never_hangs_in_the_library) {
  extref__slot_t *s = make_payload(&send_counter_type, 5);
  pthread_t t[2];
  int i, hung = 0;
  atomic_store(&churn_stop, false);
  for (i = 0; i < 2; i++) pthread_create(&t[i], NULL, churn, s);
  for (i = 0; i < 64; i++) {
    struct timespec ms = {0, 1000000};
    int status = 0, waited = 0;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
      extref_hold_t *h;
      extref_stats_t st;
      if (extref__hold_new(s, &send_counter_type, &h) != EXTREF_OK) _exit(2);
      if (extref_hold_release(h) != EXTREF_OK) _exit(3);
      st.struct_size = sizeof st;
      if (extref_stats_get(&st) != EXTREF_OK) _exit(4);
      _exit(0);
    }
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (++waited > 3000) { /* 3 s: it hangs */
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        hung++;
        break;
      }
      nanosleep(&ms, NULL);
    }
    if (hung) break;
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "child %d ended with status %d", i, status);
  }
  atomic_store(&churn_stop, true);
  for (i = 0; i < 2; i++) pthread_join(t[i], NULL);
  ck_assert_msg(hung == 0, "child %d of 64 hung in the library", i);
  extref__payload_js_end(s);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST
#endif

static Suite *identity_suite(void) {
  Suite *s = suite_create("identity");
  TCase *tc = tcase_create("identity");
  tcase_add_checked_fixture(tc, quiet_setup, NULL);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, released_hold_is_invalid_after_its_slot_is_reused);
  tcase_add_test(tc, released_hold_is_invalid_after_many_reuses);
  tcase_add_test(tc, stale_shared_copy_is_invalid_beside_a_live_shared_borrow);
  tcase_add_test(tc,
                 stale_exclusive_copy_is_invalid_beside_a_live_exclusive_borrow);
  tcase_add_test(tc, copy_of_a_live_borrow_is_released_once);
  tcase_add_test(tc, shared_borrows_released_out_of_order_keep_their_identity);
  tcase_add_test(tc, stale_copy_of_a_dropped_payload_is_invalid_after_churn);
#if !defined(_WIN32)
  tcase_add_test(tc, forked_child_never_hangs_in_the_library);
#else
  skip_case("forked_child_never_hangs_in_the_library",
            "Windows has no fork(); extref__fork_protect is a no-op there");
#endif
  tcase_add_test(tc, hold_generation_does_not_wrap_at_2_32_or_2_40);
  tcase_add_test(tc, borrow_serial_does_not_wrap_at_2_32_or_2_40);
  tcase_add_test(tc, borrow_serial_survives_slot_reuse);
  tcase_add_test(tc, handles_of_another_copy_are_invalid);
  tcase_add_test(tc, absurd_external_bytes_are_statuses);
  tcase_add_test(tc, process_external_bytes_total_never_overflows);
  suite_add_tcase(s, tc);
  /* Leaks payloads on purpose: its own case, after the others. */
  tc = tcase_create("threads");
  tcase_add_test(tc, a_new_thread_is_never_the_creating_thread);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return run_suite(identity_suite()); }
