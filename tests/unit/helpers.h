/* Shared fixtures of the unit tests: payload types, a drop recorder, and
 * payloads made without a JS host (the slot stands for its external).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef EXTREF_TEST_HELPERS_H
#define EXTREF_TEST_HELPERS_H

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Not every test file uses every helper. */
#define HELPER static __attribute__((unused))

typedef struct counter_s {
  int64_t value;
} counter_t;

/* Every drop is recorded: how many, of what, with which env, on which
 * thread. */
static _Atomic int drops_seen;
static _Atomic int drops_with_env;
static _Atomic uintptr_t last_drop_thread;
static _Atomic int64_t last_drop_value;

HELPER void counter_drop(void *payload, void *type_data,
                         struct napi_env__ *env) {
  (void)type_data;
  atomic_fetch_add(&drops_seen, 1);
  if (env != NULL) atomic_fetch_add(&drops_with_env, 1);
  atomic_store(&last_drop_thread, extref__thread_id());
  atomic_store(&last_drop_value, ((counter_t *)payload)->value);
  free(payload);
}

HELPER int counter_clone(const void *payload, void *dst, void *type_data) {
  (void)type_data;
  memcpy(dst, payload, sizeof(counter_t));
  return 0;
}

HELPER int failing_clone(const void *payload, void *dst, void *type_data) {
  (void)payload;
  (void)dst;
  (void)type_data;
  return 7;
}

#define TAG_COUNTER {0x6c69626578747265ull, 0x66436f756e746572ull}

static const extref_type_t counter_type = {
    sizeof(extref_type_t), 0, TAG_COUNTER, "Counter", sizeof(counter_t),
    counter_drop, counter_clone, NULL, NULL};
/* Same tag and size, another descriptor: the same type, as another addon
 * would declare it. */
static const extref_type_t counter_type_twin = {
    sizeof(extref_type_t), 0, TAG_COUNTER, "CounterTwin", sizeof(counter_t),
    counter_drop, counter_clone, NULL, NULL};
static const extref_type_t send_counter_type = {
    sizeof(extref_type_t), EXTREF_TYPE_SEND, {1, 2}, "SendCounter",
    sizeof(counter_t), counter_drop, counter_clone, NULL, NULL};
static const extref_type_t wide_counter_type = {
    sizeof(extref_type_t), 0, TAG_COUNTER, "WideCounter",
    2 * sizeof(counter_t), counter_drop, counter_clone, NULL, NULL};
static const extref_type_t widget_type = {
    sizeof(extref_type_t), 0, {3, 4}, "Widget", sizeof(counter_t),
    counter_drop, NULL, NULL, NULL};
static const extref_type_t failing_clone_type = {
    sizeof(extref_type_t), 0, {5, 6}, "Flaky", sizeof(counter_t),
    counter_drop, failing_clone, NULL, NULL};

HELPER counter_t *new_counter(int64_t value) {
  counter_t *c = malloc(sizeof *c);
  ck_assert_ptr_nonnull(c);
  c->value = value;
  return c;
}

/* A payload owned by its (imaginary) external, as after
 * extref_external_create. */
HELPER extref__slot_t *make_payload(const extref_type_t *type, int64_t value) {
  extref__slot_t *s = NULL;
  ck_assert_int_eq(extref__payload_new(type, new_counter(value), NULL, 0, &s),
                   EXTREF_OK);
  return s;
}

HELPER extref_stats_t stats_now(void) {
  extref_stats_t st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  ck_assert_int_eq(extref_stats_get(&st), EXTREF_OK);
  return st;
}

/* Every test starts from a quiet library and ends with nothing live. */
static extref_stats_t base;
HELPER void quiet_setup(void) {
  extref__alloc_fail_at(0, false);
  base = stats_now();
  ck_assert_uint_eq(base.live_payloads, 0);
  ck_assert_uint_eq(base.live_borrows, 0);
  ck_assert_uint_eq(base.live_holds, 0);
  atomic_store(&drops_seen, 0);
  atomic_store(&drops_with_env, 0);
}

#define ASSERT_LIVE(payloads, borrows, holds)                                \
  do {                                                                       \
    extref_stats_t now_ = stats_now();                                       \
    ck_assert_uint_eq(now_.live_payloads, (payloads));                       \
    ck_assert_uint_eq(now_.live_borrows, (borrows));                         \
    ck_assert_uint_eq(now_.live_holds, (holds));                             \
  } while (0)

#define ASSERT_STATUS(expr, status)                                          \
  do {                                                                       \
    extref_status_t st_ = (expr);                                            \
    ck_assert_msg(st_ == (status), "%s returned %s (%s), expected %s", #expr, \
                  extref_status_name(st_), extref_last_error()->message,     \
                  extref_status_name(status));                               \
  } while (0)

#define ASSERT_MESSAGE_HAS(text)                                             \
  ck_assert_msg(strstr(extref_last_error()->message, (text)) != NULL,        \
                "message \"%s\" lacks \"%s\"", extref_last_error()->message, \
                (text))

/* Runs fn(arg) on a new thread and waits for it. */
HELPER void on_other_thread(void *(*fn)(void *), void *arg) {
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, fn, arg), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
}

/* A case that cannot apply on this system is left out with its reason on
 * stdout, never silently: "skipped: NAME (WHY)", which the suites count
 * (tests/suites/66-platforms.sh). */
HELPER void skip_case(const char *name, const char *why) {
  printf("skipped: %s (%s)\n", name, why);
  fflush(stdout);
}

#if defined(_WIN32)
/* mingw-w64 has no rand_r: POSIX's example generator, with the caller's
 * state, is all the tests ask of it. */
static inline int rand_r(unsigned *seed) {
  *seed = *seed * 1103515245u + 12345u;
  return (int)((*seed / 65536u) % 32768u);
}
#endif

HELPER int run_suite(Suite *s) {
  SRunner *r = srunner_create(s);
  int failed;
  srunner_run_all(r, CK_NORMAL);
  failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif /* EXTREF_TEST_HELPERS_H */
