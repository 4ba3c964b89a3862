/* Every public function, called with every kind of bad argument outside a
 * JS host, answers a status and crashes on none.
 *
 * SPDX-License-Identifier: MIT
 */
#include "helpers.h"

/* Stand-ins for handles; never dereferenced, because there is no host. */
#define FAKE_ENV ((struct napi_env__ *)0x1000)
#define FAKE_VALUE ((struct napi_value__ *)0x2000)

START_TEST(env_functions_check_arguments_first) {
  extref_borrow_t b = {NULL, 0};
  extref_hold_t *h = NULL;
  struct napi_value__ *v = NULL;
  void *out = NULL;
  counter_t dst;
  extref_type_t small = counter_type;
  int dummy = 1;
  small.struct_size = 4;
  ASSERT_STATUS(extref_external_create(NULL, &counter_type, &dummy, 0, &v),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_external_create(FAKE_ENV, NULL, &dummy, 0, &v),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_external_create(FAKE_ENV, &small, &dummy, 0, &v),
                EXTREF_INVALID_ARG);
  ASSERT_MESSAGE_HAS("struct_size");
  ASSERT_STATUS(extref_external_create(FAKE_ENV, &counter_type, NULL, 0, &v),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_external_create(FAKE_ENV, &counter_type, &dummy, -1,
                                       &v),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(
      extref_external_create(FAKE_ENV, &counter_type, &dummy, 0, NULL),
      EXTREF_INVALID_ARG);
  ck_assert_ptr_null(v);

  ASSERT_STATUS(extref_external_ref(NULL, FAKE_VALUE, &counter_type, &b),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_external_ref(FAKE_ENV, NULL, &counter_type, &b),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_external_ref(FAKE_ENV, FAKE_VALUE, NULL, &b),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_external_ref(FAKE_ENV, FAKE_VALUE, &small, &b),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_external_ref(FAKE_ENV, FAKE_VALUE, &counter_type, NULL),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_external_mut_ref(NULL, FAKE_VALUE, &counter_type, &b),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(
      extref_external_mut_ref(FAKE_ENV, FAKE_VALUE, &counter_type, NULL),
      EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_external_clone_out(FAKE_ENV, FAKE_VALUE, &counter_type,
                                          NULL, sizeof dst),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_external_clone_out(NULL, FAKE_VALUE, &counter_type,
                                          &dst, sizeof dst),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_external_take(FAKE_ENV, FAKE_VALUE, &counter_type,
                                     NULL),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_external_take(FAKE_ENV, NULL, &counter_type, &out),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_external_hold(FAKE_ENV, FAKE_VALUE, NULL, &h),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_external_hold(FAKE_ENV, FAKE_VALUE, &counter_type,
                                     NULL),
                EXTREF_INVALID_ARG);
  ck_assert_uint_eq(b.token, 0);
  ck_assert_ptr_null(h);
  ck_assert_ptr_null(out);
}
END_TEST

START_TEST(env_functions_answer_no_runtime_outside_a_host) {
  extref_borrow_t b;
  extref_hold_t *h;
  struct napi_value__ *v;
  void *out;
  counter_t dst;
  int dummy = 1;
  ASSERT_STATUS(
      extref_external_create(FAKE_ENV, &counter_type, &dummy, 0, &v),
      EXTREF_NO_RUNTIME);
  ASSERT_MESSAGE_HAS("no Node-API host");
  ASSERT_STATUS(extref_external_ref(FAKE_ENV, FAKE_VALUE, &counter_type, &b),
                EXTREF_NO_RUNTIME);
  ASSERT_STATUS(
      extref_external_mut_ref(FAKE_ENV, FAKE_VALUE, &counter_type, &b),
      EXTREF_NO_RUNTIME);
  ASSERT_STATUS(extref_external_clone_out(FAKE_ENV, FAKE_VALUE, &counter_type,
                                          &dst, sizeof dst),
                EXTREF_NO_RUNTIME);
  ASSERT_STATUS(extref_external_take(FAKE_ENV, FAKE_VALUE, &counter_type,
                                     &out),
                EXTREF_NO_RUNTIME);
  ASSERT_STATUS(extref_external_hold(FAKE_ENV, FAKE_VALUE, &counter_type, &h),
                EXTREF_NO_RUNTIME);
  ASSERT_STATUS(extref_throw(FAKE_ENV, EXTREF_BORROWED), EXTREF_NO_RUNTIME);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

START_TEST(throw_checks_arguments) {
  ASSERT_STATUS(extref_throw(NULL, EXTREF_BORROWED), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_throw(FAKE_ENV, EXTREF_OK), EXTREF_INVALID_ARG);
}
END_TEST

START_TEST(stats_check_their_size) {
  struct {
    uint32_t struct_size;
    uint64_t live_payloads;
    uint64_t canary;
  } small;
  extref_stats_t st;
  extref__slot_t *s = make_payload(&counter_type, 1);
  ASSERT_STATUS(extref_stats_get(NULL), EXTREF_INVALID_ARG);
  memset(&st, 0, sizeof st);
  ASSERT_STATUS(extref_stats_get(&st), EXTREF_INVALID_ARG); /* size 0 */
  st.struct_size = 12;
  ASSERT_STATUS(extref_stats_get(&st), EXTREF_INVALID_ARG);
  /* An older, shorter struct gets what fits and nothing past it. */
  small.struct_size = 16;
  small.canary = 0xfeedfacecafebeefull;
  ASSERT_STATUS(extref_stats_get((extref_stats_t *)&small), EXTREF_OK);
  ck_assert_uint_eq(small.live_payloads, 1);
  ck_assert_uint_eq(small.canary, 0xfeedfacecafebeefull);
  ck_assert_uint_eq(small.struct_size, 16);
  extref__payload_js_end(s);
}
END_TEST

START_TEST(release_functions_reject_garbage) {
  extref_borrow_t b;
  extref__slot_t *s = make_payload(&counter_type, 1);
  ASSERT_STATUS(extref_borrow_release(NULL), EXTREF_INVALID_ARG);
  b.payload = NULL;
  b.token = 0;
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_INVALID_ARG);
  b.token = 0xdeadbeef;
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_INVALID_ARG);
  b.token = 1; /* index 0, generation 0: a slot, but no borrow of it */
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_release((extref_hold_t *)0x10), EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref_hold_release(NULL), EXTREF_OK);
  ASSERT_LIVE(1, 0, 0);
  extref__payload_js_end(s);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("api");
  TCase *tc = tcase_create("api");
  tcase_add_checked_fixture(tc, quiet_setup, NULL);
  tcase_add_test(tc, env_functions_check_arguments_first);
  tcase_add_test(tc, env_functions_answer_no_runtime_outside_a_host);
  tcase_add_test(tc, throw_checks_arguments);
  tcase_add_test(tc, stats_check_their_size);
  tcase_add_test(tc, release_functions_reject_garbage);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return run_suite(suite()); }
