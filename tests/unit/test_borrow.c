/* The borrow state machine: every transition of shared and exclusive
 * borrows, release, take, clone-out and the end of the JS side.
 *
 * SPDX-License-Identifier: MIT
 */
#include "helpers.h"

START_TEST(shared_borrows_coexist) {
  extref__slot_t *s = make_payload(&counter_type, 5);
  extref_borrow_t a, b;
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &b), EXTREF_OK);
  ck_assert_int_eq(((counter_t *)a.payload)->value, 5);
  ck_assert_ptr_eq(a.payload, b.payload);
  ASSERT_LIVE(1, 2, 0);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_OK);
  ASSERT_LIVE(1, 0, 0);
  extref__payload_js_end(s);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

START_TEST(mut_ref_refused_while_shared) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  extref_borrow_t a, m = {NULL, 0};
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &counter_type, true, &m), EXTREF_BORROWED);
  ck_assert_int_eq(extref_last_error()->status, EXTREF_BORROWED);
  ASSERT_MESSAGE_HAS("cannot borrow Counter mutably");
  ASSERT_MESSAGE_HAS("1 shared borrow is live (1 on this thread, 0 on other");
  ck_assert_ptr_null(m.payload); /* result untouched on failure */
  ck_assert_uint_eq(m.token, 0);
  ASSERT_LIVE(1, 1, 0);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &counter_type, true, &m), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&m), EXTREF_OK);
  extref__payload_js_end(s);
}
END_TEST

START_TEST(ref_refused_while_mut) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  extref_borrow_t m, a;
  ASSERT_STATUS(extref__borrow(s, &counter_type, true, &m), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a),
                EXTREF_MUT_BORROWED);
  ASSERT_MESSAGE_HAS("cannot borrow Counter: it is mutably borrowed on this "
                     "thread");
  ASSERT_STATUS(extref__borrow(s, &counter_type, true, &a),
                EXTREF_MUT_BORROWED);
  ASSERT_MESSAGE_HAS("cannot borrow Counter mutably");
  ASSERT_LIVE(1, 1, 0);
  ASSERT_STATUS(extref_borrow_release(&m), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  extref__payload_js_end(s);
}
END_TEST

START_TEST(exclusive_borrow_writes_are_seen) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  extref_borrow_t m, a;
  ASSERT_STATUS(extref__borrow(s, &counter_type, true, &m), EXTREF_OK);
  ((counter_t *)m.payload)->value = 99;
  ASSERT_STATUS(extref_borrow_release(&m), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  ck_assert_int_eq(((counter_t *)a.payload)->value, 99);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&last_drop_value), 99);
}
END_TEST

START_TEST(release_empties_and_double_release_is_invalid) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  extref_borrow_t a;
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ck_assert_ptr_null(a.payload);
  ck_assert_uint_eq(a.token, 0);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_INVALID_ARG);
  ASSERT_MESSAGE_HAS("empty");
  ASSERT_LIVE(1, 0, 0);
  extref__payload_js_end(s);
}
END_TEST

START_TEST(zeroed_and_null_borrows_are_invalid) {
  extref_borrow_t z;
  memset(&z, 0, sizeof z);
  ASSERT_STATUS(extref_borrow_release(&z), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_borrow_release(NULL), EXTREF_INVALID_ARG);
  z.token = ~(uintptr_t)0; /* a live-looking token of no slot */
  ASSERT_STATUS(extref_borrow_release(&z), EXTREF_INVALID_ARG);
}
END_TEST

START_TEST(stale_shared_copy_is_not_a_double_decrement) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  extref_borrow_t a, copy;
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  copy = a;
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&copy), EXTREF_INVALID_ARG);
  ASSERT_MESSAGE_HAS("not live");
  ASSERT_LIVE(1, 0, 0);
  /* The stale copy did not push the count below zero: an exclusive borrow
   * is still possible and refuses a shared one. */
  ASSERT_STATUS(extref__borrow(s, &counter_type, true, &a), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &copy),
                EXTREF_MUT_BORROWED);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  extref__payload_js_end(s);
}
END_TEST

START_TEST(stale_exclusive_copy_is_invalid) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  extref_borrow_t m, copy, a;
  ASSERT_STATUS(extref__borrow(s, &counter_type, true, &m), EXTREF_OK);
  copy = m;
  ASSERT_STATUS(extref_borrow_release(&m), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&copy), EXTREF_INVALID_ARG);
  ASSERT_MESSAGE_HAS("not live");
  ASSERT_LIVE(1, 1, 0);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  extref__payload_js_end(s);
}
END_TEST

START_TEST(release_after_drop_is_invalid) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  extref_borrow_t a, copy;
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  copy = a;
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ASSERT_STATUS(extref_borrow_release(&copy), EXTREF_INVALID_ARG);
  ASSERT_MESSAGE_HAS("no longer exists");
  /* The slot is reused by a new payload: the stale token still fails. */
  s = make_payload(&counter_type, 2);
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&copy), EXTREF_INVALID_ARG);
  ASSERT_LIVE(1, 1, 0);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 2);
}
END_TEST

START_TEST(release_after_take_is_invalid) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  extref_borrow_t a, copy;
  void *out = NULL;
  int64_t bytes = -1;
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  copy = a;
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref__payload_take(s, &counter_type, &out, &bytes),
                EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&copy), EXTREF_INVALID_ARG);
  ck_assert_uint_eq(stats_now().takes, base.takes + 1);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 0);
  free(out);
}
END_TEST

/* White-box: the count word is preset one below the limit, so the test
 * stays fast under valgrind; a borrow at the limit must be refused and the
 * count must not wrap into the other side or the exclusive bits. */
START_TEST(shared_count_overflows_into_a_status) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  extref_borrow_t a, b, last;
  atomic_store(&s->count, EXTREF__JS | (EXTREF__MAX_SHARED_SIDE - 1));
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &last),
                EXTREF_OVERFLOW);
  ASSERT_MESSAGE_HAS("more than 1048575 shared borrows");
  ck_assert_uint_eq(atomic_load(&s->count),
                    EXTREF__JS | EXTREF__MAX_SHARED_SIDE);
  ASSERT_LIVE(1, EXTREF__MAX_SHARED_SIDE, 0);
  ASSERT_STATUS(extref__borrow(s, &counter_type, true, &last),
                EXTREF_BORROWED);
  /* The preset count stands for borrows the test never made: the real one
   * releases, the count goes back, and a new one fits again. */
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ck_assert_uint_eq(atomic_load(&s->count),
                    EXTREF__JS | (EXTREF__MAX_SHARED_SIDE - 1));
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &b), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_OK);
  atomic_store(&s->count, EXTREF__JS);
  ASSERT_LIVE(1, 0, 0);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
}
END_TEST

START_TEST(type_checks) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  extref_borrow_t a;
  extref_type_t short_type = counter_type;
  ASSERT_STATUS(extref__borrow(s, &widget_type, false, &a),
                EXTREF_TYPE_MISMATCH);
  ASSERT_MESSAGE_HAS("expected Widget, got an external holding Counter");
  ASSERT_STATUS(extref__borrow(s, &wide_counter_type, false, &a),
                EXTREF_TYPE_MISMATCH);
  ASSERT_MESSAGE_HAS("16 bytes");
  ASSERT_STATUS(extref__borrow(s, NULL, false, &a), EXTREF_INVALID_ARG);
  short_type.struct_size = 8;
  ASSERT_STATUS(extref__borrow(s, &short_type, false, &a), EXTREF_INVALID_ARG);
  ASSERT_LIVE(1, 0, 0);
  /* Another descriptor of the same type is accepted. */
  ASSERT_STATUS(extref__borrow(s, &counter_type_twin, true, &a), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  extref__payload_js_end(s);
}
END_TEST

struct cross {
  extref__slot_t *s;
  const extref_type_t *type;
  extref_borrow_t *borrow;
  extref_status_t st;
  extref_status_t st2;
};

static void *borrow_there(void *arg) {
  struct cross *c = arg;
  c->st = extref__borrow(c->s, c->type, false, c->borrow);
  return NULL;
}

static void *release_there(void *arg) {
  struct cross *c = arg;
  c->st = extref_borrow_release(c->borrow);
  return NULL;
}

START_TEST(thread_bound_refuses_other_threads) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  extref_borrow_t a;
  struct cross c = {s, &counter_type, &a, EXTREF_OK, EXTREF_OK};
  on_other_thread(borrow_there, &c);
  ck_assert_int_eq(c.st, EXTREF_WRONG_THREAD);
  ASSERT_LIVE(1, 0, 0);
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  on_other_thread(release_there, &c);
  ck_assert_int_eq(c.st, EXTREF_WRONG_THREAD);
  ASSERT_LIVE(1, 1, 0); /* still live */
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  extref__payload_js_end(s);
}
END_TEST

START_TEST(send_borrow_on_other_thread_is_reported_there) {
  extref__slot_t *s = make_payload(&send_counter_type, 1);
  extref_borrow_t a, m;
  struct cross c = {s, &send_counter_type, &a, EXTREF_OK, EXTREF_OK};
  on_other_thread(borrow_there, &c);
  ck_assert_int_eq(c.st, EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &send_counter_type, true, &m),
                EXTREF_BORROWED);
  ASSERT_MESSAGE_HAS("1 shared borrow is live (0 on this thread, 1 on other "
                     "threads)");
  /* Released here, not where it was taken: fine for SEND types. */
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &send_counter_type, true, &m), EXTREF_OK);
  c.borrow = &a;
  on_other_thread(borrow_there, &c);
  ck_assert_int_eq(c.st, EXTREF_MUT_BORROWED);
  ASSERT_STATUS(extref_borrow_release(&m), EXTREF_OK);
  extref__payload_js_end(s);
}
END_TEST

START_TEST(take_rules) {
  extref__slot_t *s = make_payload(&counter_type, 8);
  extref_borrow_t a;
  extref_hold_t *h;
  void *out = NULL;
  int64_t bytes = 0;
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_OK);
  ASSERT_STATUS(extref__payload_take(s, &counter_type, &out, &bytes),
                EXTREF_BORROWED);
  ASSERT_MESSAGE_HAS("cannot take Counter: 1 shared borrow is live (1 on "
                     "this thread");
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &counter_type, true, &a), EXTREF_OK);
  ASSERT_STATUS(extref__payload_take(s, &counter_type, &out, &bytes),
                EXTREF_MUT_BORROWED);
  ASSERT_MESSAGE_HAS("cannot take Counter: it is mutably borrowed on this "
                     "thread");
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref__hold_new(s, &counter_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref__payload_take(s, &counter_type, &out, &bytes),
                EXTREF_HELD);
  ASSERT_MESSAGE_HAS("1 hold still shares it");
  ASSERT_STATUS(extref__payload_take(s, &widget_type, &out, &bytes),
                EXTREF_TYPE_MISMATCH);
  ck_assert_ptr_null(out);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  ASSERT_STATUS(extref__payload_take(s, &counter_type, &out, &bytes),
                EXTREF_OK);
  ck_assert_int_eq(((counter_t *)out)->value, 8);
  ASSERT_LIVE(0, 0, 0);
  ASSERT_STATUS(extref__payload_take(s, &counter_type, &out, &bytes),
                EXTREF_TAKEN);
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_TAKEN);
  ASSERT_STATUS(extref__borrow(s, &counter_type, true, &a), EXTREF_TAKEN);
  ASSERT_STATUS(extref__hold_new(s, &counter_type, &h), EXTREF_TAKEN);
  ASSERT_STATUS(extref__clone_out(s, &counter_type, &a, sizeof(counter_t)),
                EXTREF_TAKEN);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 0); /* moved out, not dropped */
  ck_assert_uint_eq(stats_now().takes, base.takes + 1);
  free(out);
}
END_TEST

START_TEST(clone_out_rules) {
  extref__slot_t *s = make_payload(&counter_type, 12);
  extref__slot_t *w = make_payload(&widget_type, 1);
  extref__slot_t *f = make_payload(&failing_clone_type, 1);
  counter_t dst = {0};
  extref_borrow_t m;
  ASSERT_STATUS(extref__clone_out(s, &counter_type, &dst, sizeof dst),
                EXTREF_OK);
  ck_assert_int_eq(dst.value, 12);
  ASSERT_STATUS(extref__clone_out(s, &counter_type, &dst, sizeof dst + 1),
                EXTREF_BAD_SIZE);
  ASSERT_STATUS(extref__clone_out(s, &counter_type, NULL, sizeof dst),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref__clone_out(w, &widget_type, &dst, sizeof dst),
                EXTREF_NOT_CLONEABLE);
  ASSERT_STATUS(extref__clone_out(f, &failing_clone_type, &dst, sizeof dst),
                EXTREF_CLONE_FAILED);
  ASSERT_MESSAGE_HAS("failed with 7");
  ASSERT_LIVE(3, 0, 0); /* no borrow left behind by any failure */
  ASSERT_STATUS(extref__borrow(s, &counter_type, true, &m), EXTREF_OK);
  ASSERT_STATUS(extref__clone_out(s, &counter_type, &dst, sizeof dst),
                EXTREF_MUT_BORROWED);
  ASSERT_STATUS(extref_borrow_release(&m), EXTREF_OK);
  extref__payload_js_end(s);
  extref__payload_js_end(w);
  extref__payload_js_end(f);
  ck_assert_int_eq(atomic_load(&drops_seen), 3);
}
END_TEST

START_TEST(js_end_drops_once_when_unowned) {
  extref__slot_t *s = make_payload(&counter_type, 3);
  extref_stats_t st;
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ck_assert_int_eq(atomic_load(&drops_with_env), 0);
  st = stats_now();
  ck_assert_uint_eq(st.drops, base.drops + 1);
  ck_assert_uint_eq(st.deferred_drops, base.deferred_drops);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

START_TEST(js_end_while_borrowed_defers_the_drop) {
  extref__slot_t *s = make_payload(&counter_type, 3);
  extref_borrow_t a;
  extref_stats_t st;
  ASSERT_STATUS(extref__borrow(s, &counter_type, true, &a), EXTREF_OK);
  extref__payload_js_end(s); /* GC while native code uses it */
  ck_assert_int_eq(atomic_load(&drops_seen), 0);
  ck_assert_int_eq(((counter_t *)a.payload)->value, 3); /* still intact */
  ASSERT_LIVE(1, 1, 0);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  st = stats_now();
  ck_assert_uint_eq(st.drops, base.drops + 1);
  ck_assert_uint_eq(st.deferred_drops, base.deferred_drops + 1);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

START_TEST(external_bytes_are_given_back_once) {
  extref__slot_t *s = NULL, *t = NULL;
  void *out;
  int64_t bytes = 0;
  ASSERT_STATUS(extref__payload_new(&counter_type, new_counter(1), NULL,
                                    1 << 20, &s),
                EXTREF_OK);
  ASSERT_STATUS(extref__payload_new(&counter_type, new_counter(2), NULL, 100,
                                    &t),
                EXTREF_OK);
  ck_assert_int_eq(stats_now().external_bytes,
                   base.external_bytes + (1 << 20) + 100);
  ASSERT_STATUS(extref__payload_take(t, &counter_type, &out, &bytes),
                EXTREF_OK);
  ck_assert_int_eq(bytes, 100);
  free(out);
  ck_assert_int_eq(extref__payload_js_end(t), 0); /* given back at take */
  ck_assert_int_eq(extref__payload_js_end(s), 1 << 20);
  ck_assert_int_eq(stats_now().external_bytes, base.external_bytes);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("borrow");
  TCase *tc = tcase_create("borrow");
  tcase_add_checked_fixture(tc, quiet_setup, NULL);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, shared_borrows_coexist);
  tcase_add_test(tc, mut_ref_refused_while_shared);
  tcase_add_test(tc, ref_refused_while_mut);
  tcase_add_test(tc, exclusive_borrow_writes_are_seen);
  tcase_add_test(tc, release_empties_and_double_release_is_invalid);
  tcase_add_test(tc, zeroed_and_null_borrows_are_invalid);
  tcase_add_test(tc, stale_shared_copy_is_not_a_double_decrement);
  tcase_add_test(tc, stale_exclusive_copy_is_invalid);
  tcase_add_test(tc, release_after_drop_is_invalid);
  tcase_add_test(tc, release_after_take_is_invalid);
  tcase_add_test(tc, shared_count_overflows_into_a_status);
  tcase_add_test(tc, type_checks);
  tcase_add_test(tc, thread_bound_refuses_other_threads);
  tcase_add_test(tc, send_borrow_on_other_thread_is_reported_there);
  tcase_add_test(tc, take_rules);
  tcase_add_test(tc, clone_out_rules);
  tcase_add_test(tc, js_end_drops_once_when_unowned);
  tcase_add_test(tc, js_end_while_borrowed_defers_the_drop);
  tcase_add_test(tc, external_bytes_are_given_back_once);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return run_suite(suite()); }
