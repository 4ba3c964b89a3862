/* The life of a payload: created owned by its external, ended on the JS
 * side by the finalizer or env teardown, moved out by take, dropped exactly
 * once when its last owner goes.
 *
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

/* Adds delta to the process-wide external_bytes total unless that would
 * pass INT64_MAX. */
static bool total_add(int64_t delta) {
  int64_t t = atomic_load_explicit(&extref__counters.external_bytes,
                                   memory_order_relaxed);
  do {
    if (delta > 0 && t > INT64_MAX - delta) return false;
  } while (!atomic_compare_exchange_weak_explicit(
      &extref__counters.external_bytes, &t, t + delta, memory_order_relaxed,
      memory_order_relaxed));
  return true;
}

extref_status_t extref__payload_new(const extref_type_t *type, void *payload,
                                    extref__env_t *env, int64_t external_bytes,
                                    extref__slot_t **result) {
  extref__slot_t *s;
  extref__side_t *side = NULL;
  extref_status_t st;
  EXTREF__CHECK_ARG(external_bytes >= 0 &&
                        external_bytes <= EXTREF_MAX_EXTERNAL_BYTES,
                    "external_bytes is %lld: it must be between 0 and 2^50",
                    (long long)external_bytes);
  st = extref__pin_type(type);
  if (st != EXTREF_OK) return st;
  st = extref__slot_alloc(EXTREF__KIND_PAYLOAD, type->flags, &s);
  if (st != EXTREF_OK) return st;
  if (external_bytes > 0) {
    side = extref__side_get(s);
    if (side == NULL) {
      extref__slot_free(s, atomic_load(&s->head));
      return extref__fail(EXTREF_NO_MEMORY,
                          "out of memory for a payload's side record");
    }
    if (!total_add(external_bytes)) {
      extref__slot_free(s, atomic_load(&s->head));
      return extref__fail(EXTREF_OVERFLOW,
                          "external_bytes: the process-wide total would "
                          "pass 2^63-1");
    }
    atomic_store_explicit(&side->external_bytes, external_bytes,
                          memory_order_relaxed);
  }
  atomic_store_explicit(&s->type, type, memory_order_relaxed);
  atomic_store_explicit(&s->payload, payload, memory_order_relaxed);
  atomic_store_explicit(&s->thread, extref__thread_id(), memory_order_relaxed);
  atomic_store_explicit(&s->env, env, memory_order_relaxed);
  /* Publishing the JS owner last makes the fields above visible to an env
   * teardown that scans slots on another thread. */
  atomic_store_explicit(&s->count, EXTREF__JS, memory_order_release);
  *result = s;
  return EXTREF_OK;
}

/* Gives back s's announced external_bytes, once; returns them. */
static int64_t bytes_back(extref__slot_t *s) {
  extref__side_t *side = atomic_load_explicit(&s->side, memory_order_acquire);
  int64_t bytes;
  if (side == NULL) return 0;
  bytes = atomic_exchange(&side->external_bytes, 0);
  total_add(-bytes);
  return bytes;
}

static void release_slot(extref__slot_t *s) {
  extref__env_t *env = atomic_load_explicit(&s->env, memory_order_relaxed);
  extref__slot_free(s, atomic_load_explicit(&s->head, memory_order_acquire));
  if (env != NULL) extref__env_unref(env);
}

void extref__payload_abandon(extref__slot_t *s) {
  bytes_back(s);
  release_slot(s);
}

void extref__payload_drop_now(extref__slot_t *s, struct napi_env__ *env) {
  const extref_type_t *type = atomic_load(&s->type);
  bool deferred = (atomic_load(&s->bid) & EXTREF__BID_DEFERRED) != 0;
  if (type->drop != NULL)
    type->drop(atomic_load(&s->payload), type->type_data, env);
  atomic_fetch_add_explicit(&extref__counters.drops, 1, memory_order_relaxed);
  if (deferred)
    atomic_fetch_add_explicit(&extref__counters.deferred_drops, 1,
                              memory_order_relaxed);
  release_slot(s);
}

void extref__payload_finish(extref__slot_t *s, bool deferred) {
  /* The caller saw the count word reach zero: no JS side, no hold, no
   * borrow. Nobody else can reach this slot any more. */
  extref__env_t *env = atomic_load_explicit(&s->env, memory_order_relaxed);
  struct napi_env__ *napi_env = extref__env_for_drop(env);
  uint64_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
  if (deferred)
    atomic_fetch_or_explicit(&s->bid, EXTREF__BID_DEFERRED,
                             memory_order_relaxed);
  if (napi_env == NULL && env != NULL && (head & EXTREF__HEAD_JS_DROP) &&
      extref__env_queue_drop(env, s))
    return;
  extref__payload_drop_now(s, napi_env);
}

/* Why a payload with count word w cannot be taken now, with its message;
 * EXTREF_OK when it can. */
/* A take counts every borrow: a payload in shared mode leaves it first
 * (its published borrows become counted ones). We own it: never the last
 * owner here. */
static void leave_shared_mode(extref__slot_t *s) {
  if (!(atomic_load_explicit(&s->bid, memory_order_acquire) &
        EXTREF__BID_SHARED))
    return;
  extref__stripe_lock(s);
  (void)extref__shared_leave(s);
  extref__stripe_unlock(s);
}

static extref_status_t take_refusal(const extref__slot_t *s, uint64_t w) {
  extref_status_t refusal = (w & EXTREF__TAKEN)       ? EXTREF_TAKEN
                            : (w & EXTREF__EX_MASK)   ? EXTREF_MUT_BORROWED
                            : (w & EXTREF__SH_MASK)   ? EXTREF_BORROWED
                            : (w & EXTREF__HOLD_MASK) ? EXTREF_HELD
                                                      : EXTREF_OK;
  if (refusal == EXTREF_OK) return EXTREF_OK;
  return extref__refuse(s, refusal, w, "take", false,
                        atomic_load(&((extref__slot_t *)s)->thread) !=
                            extref__thread_id());
}

extref_status_t extref__payload_take(extref__slot_t *s,
                                     const extref_type_t *asked, void **result,
                                     int64_t *bytes) {
  uint64_t w, head;
  extref_status_t st = extref__payload_check(s, asked);
  if (st != EXTREF_OK) return st;
  EXTREF__CHECK_ARG(result != NULL, "result is NULL");
  leave_shared_mode(s);
  head = atomic_load_explicit(&s->head, memory_order_acquire);
  w = atomic_load_explicit(&s->count, memory_order_acquire);
  for (;;) {
    st = take_refusal(s, w);
    if (st != EXTREF_OK) return st;
    if (extref__count_update(s, head, &w, w | EXTREF__TAKEN)) break;
  }
  *bytes = bytes_back(s);
  atomic_fetch_add_explicit(&extref__counters.takes, 1, memory_order_relaxed);
  *result = atomic_load_explicit(&s->payload, memory_order_relaxed);
  return EXTREF_OK;
}

extref_status_t extref__payload_take_into(extref__slot_t *s,
                                          const extref_type_t *asked,
                                          void *dst, size_t dst_size,
                                          int64_t *bytes) {
  uint64_t w, head;
  const extref_type_t *creator;
  extref_move_cb move;
  int rc;
  extref_status_t st = extref__payload_check(s, asked);
  if (st != EXTREF_OK) return st;
  EXTREF__CHECK_ARG(dst != NULL, "dst is NULL");
  creator = atomic_load_explicit(&s->type, memory_order_relaxed);
  move = extref__type_move(creator);
  leave_shared_mode(s);
  head = atomic_load_explicit(&s->head, memory_order_acquire);
  w = atomic_load_explicit(&s->count, memory_order_acquire);
  for (;;) {
    st = take_refusal(s, w);
    if (st != EXTREF_OK) return st;
    if (move == NULL)
      return extref__fail(EXTREF_NOT_MOVABLE,
                          "cannot take %s into caller memory: its creator's "
                          "descriptor has no move callback",
                          extref__type_name(creator));
    if (dst_size != creator->payload_size)
      return extref__fail(EXTREF_BAD_SIZE,
                          "cannot take %s into %zu bytes: its payload is %zu "
                          "bytes",
                          extref__type_name(creator), dst_size,
                          creator->payload_size);
    if (extref__count_update(s, head, &w, w | EXTREF__TAKEN)) break;
  }
  /* Marked taken: nothing else can borrow, hold or take it while the
   * creator's move runs. */
  rc = move(atomic_load_explicit(&s->payload, memory_order_relaxed), dst,
            creator->type_data);
  if (rc != 0) {
    w = atomic_load_explicit(&s->count, memory_order_acquire);
    while (!extref__count_update(s, head, &w, w & ~EXTREF__TAKEN)) {
    }
    return extref__fail(EXTREF_NOT_MOVABLE,
                        "the move callback of %s failed with %d; nothing "
                        "moved",
                        extref__type_name(creator), rc);
  }
  *bytes = bytes_back(s);
  atomic_fetch_add_explicit(&extref__counters.takes, 1, memory_order_relaxed);
  return EXTREF_OK;
}

int64_t extref__payload_js_end(extref__slot_t *s) {
  int64_t bytes = bytes_back(s);
  uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
  uint64_t w, n;
  w = atomic_load_explicit(&s->count, memory_order_acquire);
  do {
    n = w & ~EXTREF__JS;
  } while (!extref__count_update(s, head, &w, n));
  if (extref__count_idle(n))
    extref__count_ended(s, n, false);
  else if (n == EXTREF__TAKEN)
    release_slot(s); /* moved out earlier: nothing to drop */
  return bytes;
}
