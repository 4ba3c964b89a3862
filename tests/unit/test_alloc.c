/* The failing-allocation walk: every allocation the library makes is made
 * to fail in turn; each failure must be reported as EXTREF_NO_MEMORY,
 * change nothing, and leak nothing (valgrind and ASan run this file too).
 *
 * SPDX-License-Identifier: MIT
 */
#include "helpers.h"

static bool same_state(extref_stats_t a, extref_stats_t b) {
  return a.live_payloads == b.live_payloads &&
         a.live_borrows == b.live_borrows && a.live_holds == b.live_holds &&
         a.drops == b.drops && a.deferred_drops == b.deferred_drops &&
         a.takes == b.takes && a.external_bytes == b.external_bytes;
}

/* One operation that may allocate; returns its status. */
typedef extref_status_t (*op_fn)(void *ctx);

/* Makes the 1st, 2nd, ... allocation inside op fail until op succeeds
 * without hitting the injector; every failure must leave the stats and the
 * drop count unchanged. Returns how many failures were walked. */
static int walk(op_fn op, void *ctx) {
  int nth, failures = 0;
  for (nth = 1; nth < 64; nth++) {
    extref_stats_t before = stats_now();
    int drops_before = atomic_load(&drops_seen);
    extref_status_t st;
    extref__alloc_fail_at((uint64_t)nth, false);
    st = op(ctx);
    extref__alloc_fail_at(0, false);
    if (st == EXTREF_OK) return failures;
    ck_assert_msg(st == EXTREF_NO_MEMORY,
                  "allocation %d failing gave %s, not EXTREF_NO_MEMORY", nth,
                  extref_status_name(st));
    ck_assert_int_eq(extref_last_error()->status, EXTREF_NO_MEMORY);
    ck_assert_msg(same_state(before, stats_now()),
                  "allocation %d failing changed the state", nth);
    ck_assert_int_eq(atomic_load(&drops_seen), drops_before);
    failures++;
  }
  ck_abort_msg("the operation never succeeded");
  return failures;
}

struct ctx {
  extref__slot_t *slot;
  extref_hold_t *hold;
  extref_hold_t *dup;
  counter_t *payload;
};

static extref_status_t op_create(void *arg) {
  struct ctx *c = arg;
  return extref__payload_new(&counter_type, c->payload, NULL, 4096, &c->slot);
}

static extref_status_t op_hold(void *arg) {
  struct ctx *c = arg;
  return extref__hold_new(c->slot, &counter_type, &c->hold);
}

static extref_status_t op_dup(void *arg) {
  struct ctx *c = arg;
  return extref_hold_dup(c->hold, &c->dup);
}

START_TEST(each_allocation_failure_changes_nothing) {
  struct ctx c = {NULL, NULL, NULL, new_counter(1)};
  extref__slot_t *warm = make_payload(&counter_type, 0); /* pins the type */
  int f1, f2, f3;
  extref__payload_js_end(warm);
  f1 = walk(op_create, &c);
  f2 = walk(op_hold, &c);
  f3 = walk(op_dup, &c);
  /* A create with external_bytes allocates its slot and its side record;
   * a hold its slot. Each failure was seen. */
  ck_assert_int_eq(f1, 2);
  ck_assert_int_eq(f2, 1);
  ck_assert_int_eq(f3, 1);
  ASSERT_LIVE(1, 0, 2);
  /* The caller still owns a payload whose create failed: here it was
   * created at last, so the library owns it and drops it once. */
  extref__payload_js_end(c.slot);
  ASSERT_STATUS(extref_hold_release(c.hold), EXTREF_OK);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
  ASSERT_STATUS(extref_hold_release(c.dup), EXTREF_OK);
  ck_assert_int_eq(atomic_load(&drops_seen), 2);
  ASSERT_LIVE(0, 0, 0);
  ck_assert_int_eq(stats_now().external_bytes, base.external_bytes);
}
END_TEST

struct table_ctx {
  extref__slot_t *slot;
  extref_borrow_t b;
};

static extref_status_t op_second_shared(void *arg) {
  struct table_ctx *c = arg;
  return extref__borrow(c->slot, &send_counter_type, false, &c->b);
}

/* A second live shared borrow moves both into the slot's borrow table:
 * its side record and its entries are the allocations. */
START_TEST(borrow_table_allocation_failure_changes_nothing) {
  struct table_ctx c;
  extref_borrow_t first;
  c.slot = make_payload(&send_counter_type, 1);
  ASSERT_STATUS(extref__borrow(c.slot, &send_counter_type, false, &first),
                EXTREF_OK);
  ck_assert_int_eq(walk(op_second_shared, &c), 2);
  ASSERT_LIVE(1, 2, 0);
  ASSERT_STATUS(extref_borrow_release(&first), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&c.b), EXTREF_OK);
  extref__payload_js_end(c.slot);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* The first payload of each descriptor records it in the table of pinned
 * types, which grows now and then: walked over enough new descriptors that
 * it grows at least once. */
START_TEST(pin_table_allocation_failure_changes_nothing) {
  enum { N = 40 };
  static extref_type_t fresh[N];
  int i, failures = 0;
  for (i = 0; i < N; i++) {
    struct ctx c = {NULL, NULL, NULL, new_counter(i)};
    int f;
    fresh[i] = counter_type;
    fresh[i].tag.lower = 1000 + (uint64_t)i;
    c.slot = NULL;
    /* op_create's descriptor, made fresh: */
    {
      extref_status_t st;
      int nth;
      for (nth = 1, f = 0;; nth++) {
        extref_stats_t before = stats_now();
        extref__alloc_fail_at((uint64_t)nth, false);
        st = extref__payload_new(&fresh[i], c.payload, NULL, 0, &c.slot);
        extref__alloc_fail_at(0, false);
        if (st == EXTREF_OK) break;
        ASSERT_STATUS(st, EXTREF_NO_MEMORY);
        ck_assert(same_state(before, stats_now()));
        f++;
      }
    }
    ck_assert_msg(f == 1 || f == 2, "descriptor %d: %d failures", i, f);
    failures += f;
    extref__payload_js_end(c.slot);
  }
  ck_assert_int_gt(failures, N);
  ASSERT_LIVE(0, 0, 0);
}
END_TEST

/* One borrow at a time never allocates (the inline record, or the
 * thread's reader record in shared mode, which is not an allocation that
 * can fail: without one the borrow is counted as before). */
START_TEST(borrows_and_releases_never_allocate) {
  extref__slot_t *s = make_payload(&send_counter_type, 1);
  extref_hold_t *h;
  extref_borrow_t a;
  counter_t dst;
  void *out;
  int64_t bytes;
  ASSERT_STATUS(extref__hold_new(s, &send_counter_type, &h), EXTREF_OK);
  extref__alloc_fail_at(1, true); /* every allocation fails from now */
  ASSERT_STATUS(extref__borrow(s, &send_counter_type, false, &a), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref_hold_mut_ref(h, &a), EXTREF_OK);
  ASSERT_STATUS(extref_borrow_release(&a), EXTREF_OK);
  ASSERT_STATUS(extref_hold_clone_out(h, &dst, sizeof dst), EXTREF_OK);
  ASSERT_STATUS(extref_hold_release(h), EXTREF_OK);
  ASSERT_STATUS(extref__payload_take(s, &send_counter_type, &out, &bytes),
                EXTREF_OK);
  extref__payload_js_end(s);
  ck_assert_uint_eq(extref__alloc_count(), 0);
  extref__alloc_fail_at(0, false);
  free(out);
}
END_TEST

START_TEST(sticky_failure_then_recovery) {
  extref__slot_t *s = NULL;
  counter_t *p = new_counter(3);
  extref__alloc_fail_at(1, true);
  ASSERT_STATUS(extref__payload_new(&counter_type, p, NULL, 0, &s),
                EXTREF_NO_MEMORY);
  ASSERT_STATUS(extref__payload_new(&counter_type, p, NULL, 0, &s),
                EXTREF_NO_MEMORY);
  ck_assert_ptr_null(s);
  ASSERT_LIVE(0, 0, 0);
  extref__alloc_fail_at(0, false);
  ASSERT_STATUS(extref__payload_new(&counter_type, p, NULL, 0, &s),
                EXTREF_OK);
  extref__payload_js_end(s);
  ck_assert_int_eq(atomic_load(&drops_seen), 1);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("alloc");
  TCase *tc = tcase_create("alloc");
  tcase_add_checked_fixture(tc, quiet_setup, NULL);
  tcase_add_test(tc, each_allocation_failure_changes_nothing);
  tcase_add_test(tc, borrow_table_allocation_failure_changes_nothing);
  tcase_add_test(tc, pin_table_allocation_failure_changes_nothing);
  tcase_add_test(tc, borrows_and_releases_never_allocate);
  tcase_add_test(tc, sticky_failure_then_recovery);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return run_suite(suite()); }
