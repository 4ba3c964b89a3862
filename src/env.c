/* Env records: what the library knows of each napi_env that created
 * payloads. It learns of the env's teardown through a cleanup hook, not
 * through finalizers (some runtimes run none then), ends the JS side of the
 * env's payloads there, and keeps a queue to the env's JS thread for drops
 * that must run there (EXTREF_TYPE_JS_DROP).
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>

#include "napi.h"

struct extref__env_s {
  napi_env env;
  uintptr_t thread;     /* the env's JS thread */
  _Atomic bool alive;   /* false from teardown on */
  _Atomic uint64_t refs; /* payloads referring to it, +1 while alive, +1
                            while its queue exists */
  pthread_mutex_t lock; /* guards queue and closing */
  napi_threadsafe_function queue;
  bool closing; /* the queue is going or gone */
  /* external_bytes of this env's live payloads, and how much of it the
   * engine has been told; both touched on the JS thread only. */
  int64_t announced;
  int64_t reported;
  struct extref__env_s *next;
};

static pthread_mutex_t envs_lock = PTHREAD_MUTEX_INITIALIZER;
static extref__env_t *envs;
static _Thread_local extref__env_t *cached;

static void forget(extref__env_t *e) {
  extref__env_t **p;
  pthread_mutex_lock(&envs_lock);
  for (p = &envs; *p != NULL; p = &(*p)->next) {
    if (*p == e) {
      *p = e->next;
      break;
    }
  }
  pthread_mutex_unlock(&envs_lock);
  pthread_mutex_destroy(&e->lock);
  extref__free(e);
}

void extref__env_ref(extref__env_t *e) {
  atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
}

void extref__env_unref(extref__env_t *e) {
  if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1)
    forget(e);
}

napi_env extref__env_for_drop(extref__env_t *e) {
  if (e != NULL && e->thread == extref__thread_id() &&
      atomic_load_explicit(&e->alive, memory_order_acquire))
    return e->env;
  return NULL;
}

static void end_js_side(extref__slot_t *s, void *arg) {
  extref__env_t *e = arg;
  uint64_t w = atomic_load_explicit(&s->count, memory_order_acquire);
  /* Only this env's thread clears the JS bit of this env's payloads, so a
   * slot seen here with the bit set stays ours until we clear it. */
  if (!(w & EXTREF__JS) ||
      atomic_load_explicit(&s->env, memory_order_relaxed) != e)
    return;
  extref__env_account(e, -extref__payload_js_end(s));
}

/* The engine is told of external_bytes in batches: a call to
 * napi_adjust_external_memory per external makes V8 step its marker on
 * every call once the announced total passes its limit, which in a loop
 * that never yields (finalizers wait for it) costs ~0.25 ms per external.
 * What the engine was told stays within FLUSH_BYTES of the truth, and is
 * exact whenever the env has no announced bytes left. */
#define FLUSH_BYTES ((int64_t)32 << 20)

extref_status_t extref__env_account(extref__env_t *e, int64_t delta) {
  int64_t gap, ignored;
  napi_status ns;
  if (e == NULL || delta == 0 ||
      extref__napi.adjust_external_memory == NULL)
    return EXTREF_OK;
  /* V8 refuses (aborts on) adjustments of 2^60 or more; the env's running
   * total stays below that, so no flush can reach it. */
  if (delta > 0 && e->announced > EXTREF_MAX_ENV_EXTERNAL_BYTES - delta)
    return extref__fail(EXTREF_OVERFLOW,
                        "external_bytes: this env's announced total would "
                        "reach 2^60");
  e->announced += delta;
  gap = e->announced - e->reported;
  if (gap < FLUSH_BYTES && gap > -FLUSH_BYTES && e->announced != 0)
    return EXTREF_OK;
  ns = extref__napi.adjust_external_memory(e->env, gap, &ignored);
  if (ns != napi_ok) {
    if (delta > 0) {
      e->announced -= delta;
      return extref__fail_napi(ns, "napi_adjust_external_memory");
    }
    return EXTREF_OK; /* told later, with the next flush */
  }
  e->reported = e->announced;
  return EXTREF_OK;
}

static void teardown(void *arg) {
  extref__env_t *e = arg;
  napi_threadsafe_function queue;
  /* The env is dead to drops from here on. A cleanup hook runs with no
   * handle scope open (in Node a drop that makes a handle there aborts the
   * process), so every drop from now on, here or at a later last release,
   * gets env NULL, runs in place, and is never queued. */
  atomic_store_explicit(&e->alive, false, memory_order_release);
  if (cached == e) cached = NULL;
  pthread_mutex_lock(&e->lock);
  queue = e->queue;
  e->closing = true;
  pthread_mutex_unlock(&e->lock);
  /* Payloads nobody else owns are dropped now; held or borrowed ones at
   * their last release. */
  extref__slot_each(EXTREF__KIND_PAYLOAD, end_js_side, e);
  /* Closing the queue hands every drop still in it to drain_one with a
   * NULL env, then calls queue_finalized. */
  if (queue != NULL)
    extref__napi.release_threadsafe_function(queue, napi_tsfn_abort);
  extref__env_unref(e);
}

extref_status_t extref__env_get(napi_env env, extref__env_t **result) {
  extref__env_t *e = cached;
  uintptr_t me = extref__thread_id();
  napi_status ns;
  if (EXTREF__LIKELY(e != NULL && e->env == env &&
                     atomic_load_explicit(&e->alive, memory_order_relaxed))) {
    *result = e;
    return EXTREF_OK;
  }
  pthread_mutex_lock(&envs_lock);
  for (e = envs; e != NULL; e = e->next)
    if (e->env == env && e->thread == me &&
        atomic_load_explicit(&e->alive, memory_order_relaxed))
      break;
  pthread_mutex_unlock(&envs_lock);
  if (e == NULL) {
    e = extref__alloc(sizeof *e);
    if (e == NULL)
      return extref__fail(EXTREF_NO_MEMORY, "out of memory for an env record");
    e->env = env;
    e->thread = me;
    atomic_init(&e->alive, true);
    atomic_init(&e->refs, 1);
    pthread_mutex_init(&e->lock, NULL);
    e->queue = NULL;
    e->closing = false;
    e->announced = 0;
    e->reported = 0;
    ns = extref__napi.add_env_cleanup_hook(env, teardown, e);
    if (ns != napi_ok) {
      pthread_mutex_destroy(&e->lock);
      extref__free(e);
      return extref__fail_napi(ns, "napi_add_env_cleanup_hook");
    }
    pthread_mutex_lock(&envs_lock);
    e->next = envs;
    envs = e;
    pthread_mutex_unlock(&envs_lock);
  }
  cached = e;
  *result = e;
  return EXTREF_OK;
}

static void drain_one(napi_env env, napi_value js_cb, void *context,
                      void *data) {
  (void)js_cb;
  (void)context;
  /* env is NULL when the queue is being torn down. */
  extref__payload_drop_now(data, env);
}

static void queue_finalized(napi_env env, void *data, void *hint) {
  extref__env_t *e = data;
  (void)env;
  (void)hint;
  pthread_mutex_lock(&e->lock);
  e->queue = NULL;
  e->closing = true;
  pthread_mutex_unlock(&e->lock);
  extref__env_unref(e);
}

extref_status_t extref__env_want_queue(extref__env_t *e) {
  napi_value name;
  napi_status ns;
  napi_threadsafe_function q;
  if (e->queue != NULL || e->closing ||
      extref__napi.create_threadsafe_function == NULL)
    return EXTREF_OK; /* without a queue, off-thread drops run in place */
  ns = extref__napi.create_string_utf8(e->env, "extref drop queue",
                                       NAPI_AUTO_LENGTH, &name);
  if (ns != napi_ok) return extref__fail_napi(ns, "napi_create_string_utf8");
  extref__env_ref(e);
  ns = extref__napi.create_threadsafe_function(e->env, NULL, NULL, name, 0, 1,
                                               e, queue_finalized, NULL,
                                               drain_one, &q);
  if (ns != napi_ok) {
    extref__env_unref(e);
    return extref__fail_napi(ns, "napi_create_threadsafe_function");
  }
  /* The queue must not keep the event loop alive. */
  extref__napi.unref_threadsafe_function(e->env, q);
  pthread_mutex_lock(&e->lock);
  e->queue = q;
  pthread_mutex_unlock(&e->lock);
  return EXTREF_OK;
}

bool extref__env_queue_drop(extref__env_t *e, extref__slot_t *s) {
  bool queued = false;
  pthread_mutex_lock(&e->lock);
  if (e->queue != NULL && !e->closing)
    queued = extref__napi.call_threadsafe_function(e->queue, s,
                                                   napi_tsfn_nonblocking) ==
             napi_ok;
  pthread_mutex_unlock(&e->lock);
  return queued;
}
