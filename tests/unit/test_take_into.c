/* Take-into (1.1): the payload moves into caller-owned memory with the
 * creator's move callback, so the creator's allocator frees the creator's
 * allocation whichever descriptor the taker asks with. The same refusals as
 * take, plus EXTREF_BAD_SIZE and EXTREF_NOT_MOVABLE.
 *
 * SPDX-License-Identifier: MIT
 */
#include "helpers.h"

/* Which allocator freed what: the creator's move frees with "its" free
 * (counted here), a wrong taker would call libc free on a block that the
 * creator's allocator made (ASan and valgrind would see it). */
static _Atomic int creator_frees, moves_seen;

static int creator_move(void *payload, void *dst, void *type_data) {
  (void)type_data;
  memcpy(dst, payload, sizeof(counter_t));
  atomic_fetch_add(&moves_seen, 1);
  atomic_fetch_add(&creator_frees, 1);
  free(payload);
  return 0;
}

static int failing_move(void *payload, void *dst, void *type_data) {
  (void)payload;
  (void)dst;
  (void)type_data;
  return 3;
}

static const extref_type_t movable_type = {
    sizeof(extref_type_t), EXTREF_TYPE_SEND, {11, 12}, "Movable",
    sizeof(counter_t), counter_drop, counter_clone, NULL, creator_move};
/* The taker's descriptor of the same type: no move of its own. What runs
 * is the creator's. */
static const extref_type_t movable_twin = {
    sizeof(extref_type_t), EXTREF_TYPE_SEND, {11, 12}, "MovableTwin",
    sizeof(counter_t), counter_drop, counter_clone, NULL, NULL};
static const extref_type_t failing_move_type = {
    sizeof(extref_type_t), 0, {13, 14}, "Stuck", sizeof(counter_t),
    counter_drop, NULL, NULL, failing_move};
/* A descriptor compiled against 1.0 ends before `move`: whatever follows
 * its struct_size is never read. */
static const extref_type_t old_type = {
    EXTREF_TYPE_SIZE_1_0, 0, {15, 16}, "Old", sizeof(counter_t),
    counter_drop, NULL, NULL, creator_move /* past struct_size: ignored */};

static void reset(void) {
  atomic_store(&creator_frees, 0);
  atomic_store(&moves_seen, 0);
}

START_TEST(take_into_moves_with_the_creators_move) {
  extref__slot_t *s;
  counter_t out = {0};
  int64_t bytes = -1;
  reset();
  ck_assert_int_eq(extref__payload_new(&movable_type, new_counter(42), NULL,
                                       1000, &s),
                   EXTREF_OK);
  ASSERT_STATUS(extref__payload_take_into(s, &movable_twin, &out, sizeof out,
                                          &bytes),
                EXTREF_OK);
  ck_assert_int_eq(out.value, 42);
  ck_assert_int_eq(bytes, 1000);
  ck_assert_int_eq(atomic_load(&moves_seen), 1);
  ck_assert_int_eq(atomic_load(&creator_frees), 1);
  ck_assert_uint_eq(stats_now().takes, base.takes + 1);
  ck_assert_int_eq(stats_now().external_bytes, base.external_bytes);
  /* Taken: every access says so, and the drop never runs. */
  ASSERT_STATUS(extref__payload_take_into(s, &movable_type, &out, sizeof out,
                                          &bytes),
                EXTREF_TAKEN);
  {
    extref_borrow_t b;
    ASSERT_STATUS(extref__borrow(s, &movable_type, false, &b), EXTREF_TAKEN);
  }
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 0);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

START_TEST(take_into_has_the_refusals_of_take) {
  extref__slot_t *s = make_payload(&movable_type, 7);
  extref_borrow_t b;
  extref_hold_t *h;
  counter_t out;
  int64_t bytes;
  reset();
  ASSERT_STATUS(extref__borrow(s, &movable_type, false, &b), EXTREF_OK);
  ASSERT_STATUS(extref__payload_take_into(s, &movable_type, &out, sizeof out,
                                          &bytes),
                EXTREF_BORROWED);
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_OK);
  ASSERT_STATUS(extref__borrow(s, &movable_type, true, &b), EXTREF_OK);
  ASSERT_STATUS(extref__payload_take_into(s, &movable_type, &out, sizeof out,
                                          &bytes),
                EXTREF_MUT_BORROWED);
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_OK);
  ASSERT_STATUS(extref__hold_new(s, &movable_type, &h), EXTREF_OK);
  ASSERT_STATUS(extref__payload_take_into(s, &movable_type, &out, sizeof out,
                                          &bytes),
                EXTREF_HELD);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  ASSERT_STATUS(extref__payload_take_into(s, &movable_type, &out, 3, &bytes),
                EXTREF_BAD_SIZE);
  ASSERT_STATUS(extref__payload_take_into(s, &movable_type, NULL, sizeof out,
                                          &bytes),
                EXTREF_INVALID_ARG);
  ASSERT_STATUS(extref__payload_take_into(s, &widget_type, &out, sizeof out,
                                          &bytes),
                EXTREF_TYPE_MISMATCH);
  ck_assert_int_eq(atomic_load(&moves_seen), 0);
  ASSERT_LIVE(1, 0, 0);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
}
END_TEST

START_TEST(take_into_without_move_is_not_movable) {
  extref__slot_t *a = make_payload(&old_type, 1);
  extref__slot_t *b = make_payload(&counter_type, 2);
  counter_t out;
  int64_t bytes;
  reset();
  ASSERT_STATUS(extref__payload_take_into(a, &old_type, &out, sizeof out,
                                          &bytes),
                EXTREF_NOT_MOVABLE);
  ASSERT_MESSAGE_HAS("no move callback");
  ASSERT_STATUS(extref__payload_take_into(b, &counter_type, &out, sizeof out,
                                          &bytes),
                EXTREF_NOT_MOVABLE);
  ck_assert_int_eq(atomic_load(&moves_seen), 0);
  ck_assert_str_eq(extref_status_name(EXTREF_NOT_MOVABLE),
                   "EXTREF_NOT_MOVABLE");
  /* Still there, and dropped as usual. */
  ASSERT_LIVE(2, 0, 0);
  extref__payload_js_end(a);
  extref__payload_js_end(b);
  ck_assert_int_eq(atomic_load(&drops_seen), 2);
}
END_TEST

START_TEST(failing_move_moves_nothing) {
  extref__slot_t *s = make_payload(&failing_move_type, 5);
  counter_t out = {-1};
  int64_t bytes;
  extref_borrow_t b;
  ASSERT_STATUS(extref__payload_take_into(s, &failing_move_type, &out,
                                          sizeof out, &bytes),
                EXTREF_NOT_MOVABLE);
  ASSERT_MESSAGE_HAS("failed with 3");
  ck_assert_int_eq(out.value, -1);
  ck_assert_uint_eq(stats_now().takes, base.takes);
  /* Not taken: borrows work, and the drop runs once. */
  ASSERT_STATUS(extref__borrow(s, &failing_move_type, true, &b), EXTREF_OK);
  ck_assert_int_eq(((counter_t *)b.payload)->value, 5);
  ASSERT_STATUS(extref_borrow_release(&b), EXTREF_OK);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("take_into");
  TCase *tc = tcase_create("take_into");
  tcase_add_checked_fixture(tc, quiet_setup, NULL);
  tcase_add_test(tc, take_into_moves_with_the_creators_move);
  tcase_add_test(tc, take_into_has_the_refusals_of_take);
  tcase_add_test(tc, take_into_without_move_is_not_movable);
  tcase_add_test(tc, failing_move_moves_nothing);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return run_suite(suite()); }
