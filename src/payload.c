/* The life of a payload: created owned by its external, ended on the JS
 * side by the finalizer or env teardown, moved out by take, dropped exactly
 * once when its last owner goes.
 *
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

extref_status_t extref__payload_new(const extref_type_t *type, void *payload,
                                    extref__env_t *env, int64_t external_bytes,
                                    extref__slot_t **result) {
  extref__slot_t *s;
  extref_status_t st = extref__slot_alloc(EXTREF__KIND_PAYLOAD, &s);
  if (st != EXTREF_OK) return st;
  s->type = type;
  s->flags = type->flags & (EXTREF_TYPE_SEND | EXTREF_TYPE_JS_DROP);
  s->payload = payload;
  s->thread = extref__thread_id();
  s->token_base =
      extref__token_base(s, atomic_load_explicit(&s->head, memory_order_relaxed));
  atomic_store_explicit(&s->env, env, memory_order_relaxed);
  atomic_store_explicit(&s->external_bytes, external_bytes,
                        memory_order_relaxed);
  atomic_fetch_add_explicit(&extref__counters.external_bytes, external_bytes,
                            memory_order_relaxed);
  /* Publishing the JS owner last makes the fields above visible to an env
   * teardown that scans slots on another thread. */
  atomic_store_explicit(&s->count, EXTREF__JS, memory_order_release);
  *result = s;
  return EXTREF_OK;
}

static void release_slot(extref__slot_t *s) {
  extref__env_t *env = atomic_load_explicit(&s->env, memory_order_relaxed);
  extref__slot_free(s);
  if (env != NULL) extref__env_unref(env);
}

void extref__payload_abandon(extref__slot_t *s) {
  int64_t bytes = atomic_exchange(&s->external_bytes, 0);
  atomic_fetch_sub_explicit(&extref__counters.external_bytes, bytes,
                            memory_order_relaxed);
  release_slot(s);
}

void extref__payload_drop_now(extref__slot_t *s, struct napi_env__ *env) {
  const extref_type_t *type = s->type;
  bool deferred = (s->flags & EXTREF__FLAG_DEFERRED) != 0;
  if (type->drop != NULL) type->drop(s->payload, type->type_data, env);
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
  if (deferred) s->flags |= EXTREF__FLAG_DEFERRED;
  if (napi_env == NULL && env != NULL && (s->flags & EXTREF_TYPE_JS_DROP) &&
      extref__env_queue_drop(env, s))
    return;
  extref__payload_drop_now(s, napi_env);
}

extref_status_t extref__payload_take(extref__slot_t *s,
                                     const extref_type_t *asked, void **result,
                                     int64_t *bytes) {
  uint64_t w;
  extref_status_t st = extref__payload_check(s, asked);
  if (st != EXTREF_OK) return st;
  EXTREF__CHECK_ARG(result != NULL, "result is NULL");
  w = atomic_load_explicit(&s->count, memory_order_acquire);
  for (;;) {
    extref_status_t refusal = (w & EXTREF__TAKEN)     ? EXTREF_TAKEN
                              : (w & EXTREF__EX_MASK) ? EXTREF_MUT_BORROWED
                              : (w & EXTREF__SH_MASK) ? EXTREF_BORROWED
                              : (w & EXTREF__HOLD_MASK) ? EXTREF_HELD
                                                        : EXTREF_OK;
    if (refusal != EXTREF_OK)
      return extref__refuse(s, refusal, w, "take", false,
                            s->thread != extref__thread_id());
    if (extref__count_update(s, &w, w | EXTREF__TAKEN)) break;
  }
  *bytes = atomic_exchange(&s->external_bytes, 0);
  atomic_fetch_sub_explicit(&extref__counters.external_bytes, *bytes,
                            memory_order_relaxed);
  atomic_fetch_add_explicit(&extref__counters.takes, 1, memory_order_relaxed);
  *result = s->payload;
  return EXTREF_OK;
}

int64_t extref__payload_js_end(extref__slot_t *s) {
  int64_t bytes = atomic_exchange(&s->external_bytes, 0);
  uint64_t w, n;
  atomic_fetch_sub_explicit(&extref__counters.external_bytes, bytes,
                            memory_order_relaxed);
  w = atomic_load_explicit(&s->count, memory_order_acquire);
  do {
    n = w & ~EXTREF__JS;
  } while (!extref__count_update(s, &w, n));
  if (n == 0)
    extref__payload_finish(s, false);
  else if (n == EXTREF__TAKEN)
    release_slot(s); /* moved out earlier: nothing to drop */
  return bytes;
}
