/* Statuses, their names and texts, the per-thread last error, versions and
 * the frozen layouts of ABI 1.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>

#include "helpers.h"

START_TEST(status_values_are_pinned) {
  /* Append-only: these numbers are the ABI. */
  ck_assert_int_eq(EXTREF_OK, 0);
  ck_assert_int_eq(EXTREF_INVALID_ARG, 1);
  ck_assert_int_eq(EXTREF_NO_MEMORY, 2);
  ck_assert_int_eq(EXTREF_NAPI_FAILED, 3);
  ck_assert_int_eq(EXTREF_NO_RUNTIME, 4);
  ck_assert_int_eq(EXTREF_NOT_EXTERNAL, 5);
  ck_assert_int_eq(EXTREF_FOREIGN, 6);
  ck_assert_int_eq(EXTREF_TYPE_MISMATCH, 7);
  ck_assert_int_eq(EXTREF_BORROWED, 8);
  ck_assert_int_eq(EXTREF_MUT_BORROWED, 9);
  ck_assert_int_eq(EXTREF_TAKEN, 10);
  ck_assert_int_eq(EXTREF_NOT_CLONEABLE, 11);
  ck_assert_int_eq(EXTREF_CLONE_FAILED, 12);
  ck_assert_int_eq(EXTREF_WRONG_THREAD, 13);
  ck_assert_int_eq(EXTREF_BAD_SIZE, 14);
  ck_assert_int_eq(EXTREF_OVERFLOW, 15);
  ck_assert_int_eq(EXTREF_HELD, 16);
  ck_assert_int_eq(EXTREF_NOT_MOVABLE, 17);
  ck_assert_uint_eq(sizeof(extref_status_t), sizeof(int));
}
END_TEST

START_TEST(every_status_has_a_name_and_a_text) {
#define X(name, value, text)                                                 \
  ck_assert_str_eq(extref_status_name(EXTREF_##name), "EXTREF_" #name);      \
  ck_assert_str_eq(extref_status_text(EXTREF_##name), text);                 \
  ck_assert_uint_gt(strlen(text), 5);
  EXTREF_STATUS_MAP(X)
#undef X
}
END_TEST

START_TEST(unknown_statuses_get_static_text) {
  int bad[] = {-1, 18, 100, 0x7fffffff};
  size_t i;
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_str_eq(extref_status_name((extref_status_t)bad[i]),
                     "EXTREF_UNKNOWN");
    ck_assert_str_eq(extref_status_text((extref_status_t)bad[i]),
                     "unknown status");
  }
}
END_TEST

static void *read_last_error(void *arg) {
  *(extref_error_t *)arg = *extref_last_error();
  return NULL;
}

START_TEST(last_error_is_per_thread) {
  extref_error_t other;
  const extref_error_t *e;
  ASSERT_STATUS(extref_borrow_release(NULL), EXTREF_INVALID_ARG);
  e = extref_last_error();
  ck_assert_int_eq(e->status, EXTREF_INVALID_ARG);
  ck_assert_int_eq(e->napi_status, 0);
  ck_assert_str_eq(e->message, "borrow is NULL");
  on_other_thread(read_last_error, &other);
  ck_assert_int_eq(other.status, EXTREF_OK);
  ck_assert_ptr_nonnull(other.message);
  ck_assert_str_eq(other.message, "");
  /* A success does not clear it. */
  ck_assert_str_eq(extref_version_string(), EXTREF_VERSION_STRING);
  ck_assert_int_eq(extref_last_error()->status, EXTREF_INVALID_ARG);
}
END_TEST

START_TEST(versions_agree) {
  char s[32];
  ck_assert_uint_eq(extref_version(), EXTREF_VERSION_HEX);
  ck_assert_uint_eq(EXTREF_VERSION_HEX, 0x010100);
  ck_assert_str_eq(extref_version_string(), EXTREF_VERSION_STRING);
  snprintf(s, sizeof s, "%d.%d.%d", EXTREF_VERSION_MAJOR,
           EXTREF_VERSION_MINOR, EXTREF_VERSION_PATCH);
  ck_assert_str_eq(s, EXTREF_VERSION_STRING);
}
END_TEST

START_TEST(abi_layouts_are_frozen) {
  ck_assert_uint_eq(sizeof(extref_tag_t), 16);
  ck_assert_uint_eq(sizeof(extref_borrow_t), 2 * sizeof(void *));
  ck_assert_uint_eq(offsetof(extref_borrow_t, token), sizeof(void *));
  ck_assert_uint_eq(offsetof(extref_type_t, flags), 4);
  ck_assert_uint_eq(offsetof(extref_type_t, tag), 8);
  ck_assert_uint_eq(offsetof(extref_type_t, name), 24);
  /* 1.1 appended move; everything before it kept its place. */
  ck_assert_uint_eq(EXTREF_TYPE_SIZE_1_0, 64);
  ck_assert_uint_eq(offsetof(extref_type_t, move), 64);
  ck_assert_uint_eq(sizeof(extref_type_t), 72);
  ck_assert_uint_eq(offsetof(extref_stats_t, live_payloads), 8);
  ck_assert_uint_eq(offsetof(extref_stats_t, external_bytes), 56);
  ck_assert_uint_eq(sizeof(extref_stats_t), 64);
  ck_assert_uint_eq(offsetof(extref_error_t, napi_status), sizeof(int));
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("status");
  TCase *tc = tcase_create("status");
  tcase_add_test(tc, status_values_are_pinned);
  tcase_add_test(tc, every_status_has_a_name_and_a_text);
  tcase_add_test(tc, unknown_statuses_get_static_text);
  tcase_add_test(tc, last_error_is_per_thread);
  tcase_add_test(tc, versions_agree);
  tcase_add_test(tc, abi_layouts_are_frozen);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return run_suite(suite()); }
