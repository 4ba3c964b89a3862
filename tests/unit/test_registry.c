/* The registry proves ownership without reading foreign memory.
 *
 * SPDX-License-Identifier: MIT
 */
#include "helpers.h"

START_TEST(foreign_pointers_are_rejected_without_a_read) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  char *one = malloc(1);
  char *block = malloc(64);
  volatile uintptr_t freed = (uintptr_t)block; /* just an address */
  char on_stack[8];
  ck_assert_ptr_nonnull(one);
  free(block);
  ck_assert_ptr_null(extref__slot_from_ptr(NULL));
  ck_assert_ptr_null(extref__slot_from_ptr((void *)1));
  ck_assert_ptr_null(extref__slot_from_ptr(one));
  ck_assert_ptr_null(extref__slot_from_ptr((void *)freed));
  ck_assert_ptr_null(extref__slot_from_ptr(on_stack));
  ck_assert_ptr_null(extref__slot_from_ptr((char *)s + 1));
  ck_assert_ptr_null(extref__slot_from_ptr((char *)s + 32));
  ck_assert_ptr_null(extref__slot_from_ptr((void *)(extref__region.base +
                                                     (1u << 30))));
  ck_assert_ptr_eq(extref__slot_from_ptr(s), s);
  free(one);
  extref__payload_js_end(s);
}
END_TEST

START_TEST(freed_slot_is_foreign_and_reused_with_a_new_generation) {
  extref__slot_t *s = make_payload(&counter_type, 1);
  uint64_t head = atomic_load(&s->head);
  extref_borrow_t a;
  extref__slot_t *t;
  extref__payload_js_end(s);
  /* An external left pointing at a freed slot reads as not ours. */
  ASSERT_STATUS(extref__borrow(s, &counter_type, false, &a), EXTREF_FOREIGN);
  ASSERT_STATUS(extref__payload_check(s, &counter_type), EXTREF_FOREIGN);
  t = make_payload(&counter_type, 2);
  ck_assert_ptr_eq(t, s); /* LIFO reuse */
  ck_assert_uint_ne(atomic_load(&t->head) >> EXTREF__GEN_SHIFT,
                    head >> EXTREF__GEN_SHIFT);
  extref__payload_js_end(t);
}
END_TEST

START_TEST(many_slots_grow_the_region) {
  enum { N = 20000 }; /* more than one commit chunk */
  extref__slot_t **s = malloc(sizeof *s * N);
  int i;
  for (i = 0; i < N; i++) s[i] = make_payload(&counter_type, i);
  ASSERT_LIVE(N, 0, 0);
  for (i = 0; i < N; i++) {
    ck_assert_ptr_eq(extref__slot_from_ptr(s[i]), s[i]);
    ck_assert_int_eq(((counter_t *)atomic_load(&s[i]->payload))->value, i);
  }
  for (i = 0; i < N; i++) extref__payload_js_end(s[i]);
  ck_assert_int_eq(atomic_load(&drops_seen), N);
  ASSERT_LIVE(0, 0, 0);
  free(s);
}
END_TEST

START_TEST(slot_free_is_exactly_once) {
  extref__slot_t *s;
  uint64_t head;
  ASSERT_STATUS(extref__slot_alloc(EXTREF__KIND_HOLD, 0, &s), EXTREF_OK);
  head = atomic_load(&s->head);
  ck_assert(extref__slot_free(s, head));
  ck_assert(!extref__slot_free(s, head));
  ck_assert(!extref__slot_free(s, atomic_load(&s->head)));
}
END_TEST

/* Slots freed on a thread are kept for that thread's next allocations;
 * a thread that exits gives them back, so threads that come and go do not
 * grow the region. */
static void *churn_slots(void *arg) {
  int i;
  (void)arg;
  for (i = 0; i < 20; i++) {
    extref__slot_t *s = make_payload(&send_counter_type, i);
    extref_hold_t *h;
    ck_assert_int_eq(extref__hold_new(s, &send_counter_type, &h), EXTREF_OK);
    ck_assert_int_eq(extref_hold_release(h), EXTREF_OK);
    extref__payload_js_end(s);
  }
  return NULL;
}

START_TEST(exited_threads_give_their_free_slots_back) {
  uintptr_t before;
  int i;
  churn_slots(NULL); /* this thread's own cache is warm */
  on_other_thread(churn_slots, NULL);
  before = atomic_load(&extref__region.used_bytes);
  for (i = 0; i < 100; i++) on_other_thread(churn_slots, NULL);
  ck_assert_uint_le(atomic_load(&extref__region.used_bytes) - before,
                    4 * EXTREF__SLOT_SIZE);
  ck_assert_int_eq(atomic_load(&drops_seen), 20 * 102);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("registry");
  TCase *tc = tcase_create("registry");
  tcase_add_checked_fixture(tc, quiet_setup, NULL);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, foreign_pointers_are_rejected_without_a_read);
  tcase_add_test(tc, freed_slot_is_foreign_and_reused_with_a_new_generation);
  tcase_add_test(tc, many_slots_grow_the_region);
  tcase_add_test(tc, slot_free_is_exactly_once);
  tcase_add_test(tc, exited_threads_give_their_free_slots_back);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return run_suite(suite()); }
