/* Holds: counted owners that outlive the JS side, duplicated and released
 * on any thread for SEND types, refused off-thread for thread-bound ones.
 *
 * SPDX-License-Identifier: MIT
 */
#include "helpers.h"

START_TEST(hold_keeps_payload_after_js_end) {
  extref__slot_t *s = make_payload(&counter_type, 4);
  extref_hold_t *h;
  extref_borrow_t a;
  extref_stats_t st;
  ASSERT_STATUS(extref__hold_new(s, &counter_type, &h), EXTREF_OK);
  ASSERT_LIVE(1, 0, 1);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 0);
  ASSERT_STATUS(extref_hold_ref(h, &a), EXTREF_OK);
  ck_assert_int_eq(((counter_t *)a.payload)->value, 4);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  st = stats_now();
  ck_assert_uint_eq(st.deferred_drops, base.deferred_drops + 1);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

START_TEST(last_of_borrow_and_hold_drops) {
  extref__slot_t *s = make_payload(&counter_type, 4);
  extref_hold_t *h;
  extref_borrow_t a;
  ASSERT_STATUS(extref__hold_new(s, &counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref_hold_mut_ref(h, &a), EXTREF_OK);
  extref__payload_js_end(s);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK); /* borrow still live */
  ck_assert_int_eq(atomic_load(&drops_seen), 0);
  ASSERT_LIVE(1, 1, 0);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

START_TEST(dup_counts_owners) {
  extref__slot_t *s = make_payload(&counter_type, 4);
  extref_hold_t *h, *d;
  ASSERT_STATUS(extref__hold_new(s, &counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref_hold_dup(h, &d), EXTREF_OK);
  ck_assert_ptr_ne(h, d);
  ASSERT_LIVE(1, 0, 2);
  extref__payload_js_end(s);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  ck_assert_int_eq(atomic_load(&drops_seen), 0);
  ASSERT_STATUS(extref_hold_release(d), EXTREF_OK);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

START_TEST(hold_borrows_follow_the_rules) {
  extref__slot_t *s = make_payload(&counter_type, 4);
  extref_hold_t *h;
  extref_borrow_t a, m, e;
  counter_t dst;
  ASSERT_STATUS(extref__hold_new(s, &counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref_hold_ref(h, &a), EXTREF_OK);
  ASSERT_STATUS(extref_hold_mut_ref(h, &m), EXTREF_BORROWED);
  ASSERT_STATUS(extref__borrow(s, &counter_type, true, &m), EXTREF_BORROWED);
  ASSERT_STATUS(extref_hold_clone_out(h, &dst, sizeof dst), EXTREF_OK);
  ck_assert_int_eq(dst.value, 4);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &counter_type, true, &e), EXTREF_OK);
  ASSERT_STATUS(extref_hold_ref(h, &a), EXTREF_MUT_BORROWED);
  ASSERT_STATUS(extref_hold_clone_out(h, &dst, sizeof dst),
                EXTREF_MUT_BORROWED);
  ASSERT_STATUS(extref_hold_clone_out(h, &dst, 3), EXTREF_MUT_BORROWED);
  ASSERT_STATUS(extref_borrow_release(&e), EXTREF_OK);
  ASSERT_STATUS(extref_hold_clone_out(h, &dst, 3), EXTREF_BAD_SIZE);
  ASSERT_STATUS(extref_hold_ref(h, NULL), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_mut_ref(h, NULL), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_dup(h, NULL), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref__hold_new(s, &counter_type, NULL), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref__hold_new(s, &widget_type, &h), EXTREF_TYPE_MISMATCH);
  ASSERT_LIVE(1, 0, 1);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  extref__payload_js_end(s);
}
END_TEST

START_TEST(bad_holds_are_invalid) {
  extref__slot_t *s = make_payload(&counter_type, 4);
  extref_hold_t *h;
  extref_borrow_t a;
  char on_stack[64];
  char *heap = malloc(1);
  ASSERT_STATUS(extref_hold_release(NULL), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release((extref_hold_t *)1), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_release((extref_hold_t *)on_stack),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_ref((extref_hold_t *)heap, &a),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_ref(NULL, &a), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_dup(NULL, &h), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_clone_out(NULL, &a, 8), EXTREF_INVALID_ARG);
  /* A payload slot is ours but is not a hold. */
  ASSERT_STATUS(extref_hold_release((extref_hold_t *)s), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_ref((extref_hold_t *)((char *)s + 8), &a),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref__hold_new(s, &counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_INVALID_ARG); /* double */
  ASSERT_STATUS(extref_hold_ref(h, &a), EXTREF_INVALID_ARG);
  ASSERT_LIVE(1, 0, 0);
  free(heap);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
}
END_TEST

struct hold_job {
  extref_hold_t *hold;
  extref_status_t ref, mut, dup, release;
  int64_t seen;
};

static void *use_hold_there(void *arg) {
  struct hold_job *j = arg;
  extref_borrow_t a;
  extref_hold_t *d = NULL;
  j->ref = extref_hold_ref(j->hold, &a);
  if (j->ref == EXTREF_OK) {
    j->seen = ((counter_t *)a.payload)->value;
    extref_borrow_release(&a);
  }
  j->mut = extref_hold_mut_ref(j->hold, &a);
  if (j->mut == EXTREF_OK) extref_borrow_release(&a);
  j->dup = extref_hold_dup(j->hold, &d);
  if (j->dup == EXTREF_OK) extref_hold_release(d);
  j->release = extref_hold_release(j->hold);
  return NULL;
}

START_TEST(thread_bound_hold_stays_home) {
  extref__slot_t *s = make_payload(&counter_type, 4);
  struct hold_job j = {NULL, 0, 0, 0, 0, 0};
  ASSERT_STATUS(extref__hold_new(s, &counter_type, &j.hold), EXTREF_OK);
  on_other_thread(use_hold_there, &j);
  ck_assert_int_eq(j.ref, EXTREF_WRONG_THREAD);
  ck_assert_int_eq(j.mut, EXTREF_WRONG_THREAD);
  ck_assert_int_eq(j.dup, EXTREF_WRONG_THREAD);
  ck_assert_int_eq(j.release, EXTREF_WRONG_THREAD);
  ASSERT_LIVE(1, 0, 1); /* the hold is still live */
  ASSERT_STATUS(extref_hold_release(j.hold), EXTREF_OK);
  extref__payload_js_end(s);
}
END_TEST

START_TEST(send_hold_works_anywhere_and_drops_there) {
  extref__slot_t *s = make_payload(&send_counter_type, 6);
  struct hold_job j = {NULL, 0, 0, 0, 0, 0};
  ASSERT_STATUS(extref__hold_new(s, &send_counter_type, &j.hold), EXTREF_OK);
  extref__payload_js_end(s);
  atomic_store(&last_drop_thread, 0);
  on_other_thread(use_hold_there, &j);
  ck_assert_int_eq(j.ref, EXTREF_OK);
  ck_assert_int_eq(j.seen, 6);
  ck_assert_int_eq(j.mut, EXTREF_OK);
  ck_assert_int_eq(j.dup, EXTREF_OK);
  ck_assert_int_eq(j.release, EXTREF_OK);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ck_assert_int_eq(atomic_load(&drops_with_env), 0); /* no env off-thread */
  ck_assert(atomic_load(&last_drop_thread) != extref__thread_id());
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* White-box, as for borrows: holds preset one below the limit. */
START_TEST(hold_count_overflows_into_a_status) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  extref_hold_t *h, *extra = NULL;
  atomic_store(&s->count, EXTREF__JS | ((EXTREF__MAX_HOLDS - 1) << EXTREF__HOLD_SHIFT));
  ASSERT_STATUS(extref__hold_new(s, &counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref__hold_new(s, &counter_type, &extra), EXTREF_OVERFLOW);
  ASSERT_MESSAGE_HAS("1048575 holds are live");
  ASSERT_STATUS(extref_hold_dup(h, &extra), EXTREF_OVERFLOW);
  ck_assert_ptr_null(extra);
  ck_assert_uint_eq(atomic_load(&s->count), EXTREF__JS | EXTREF__HOLD_MASK);
  ASSERT_LIVE(1, 0, 1); /* one hold slot; the rest were preset */
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  ck_assert_uint_eq(atomic_load(&s->count),
                    EXTREF__JS | ((EXTREF__MAX_HOLDS - 1) << EXTREF__HOLD_SHIFT));
  atomic_store(&s->count, EXTREF__JS);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("hold");
  TCase *tc = tcase_create("hold");
  tcase_add_checked_fixture(tc, quiet_setup, NULL);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, hold_keeps_payload_after_js_end);
  tcase_add_test(tc, last_of_borrow_and_hold_drops);
  tcase_add_test(tc, dup_counts_owners);
  tcase_add_test(tc, hold_borrows_follow_the_rules);
  tcase_add_test(tc, bad_holds_are_invalid);
  tcase_add_test(tc, thread_bound_hold_stays_home);
  tcase_add_test(tc, send_hold_works_anywhere_and_drops_there);
  tcase_add_test(tc, hold_count_overflows_into_a_status);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return run_suite(suite()); }
