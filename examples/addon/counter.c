/* counter.c - the addon behind examples/demo.mjs.
 *
 * A "Counter" is a native struct with an int64 value. libextref owns every
 * Counter that JS can see: it hands out borrows, refuses the ones that would
 * conflict, keeps a payload alive while a hold uses it, and drops it exactly
 * once. The addon also records every drop (which payload, on which thread,
 * with which value) so that the demo can check the story it tells.
 *
 * Two types share the struct: "Counter" is bound to the JS thread (the
 * default), "SendCounter" is flagged EXTREF_TYPE_SEND so that a native worker
 * thread may use it.
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L

#include <node_api.h>

#include <extref.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct counter {
  int64_t value;
  uint32_t id; /* which payload this is, for the drop log */
};

/* ---- The drop log ------------------------------------------------------- */

#define MAX_IDS 64

struct drop_record {
  atomic_int count;   /* how many times this payload was dropped */
  int64_t value;      /* its value when dropped */
  uint64_t seq;       /* when, on the demo's event clock */
  bool env_null;      /* the library passed env NULL (off the JS thread) */
  pthread_t thread;   /* where the drop ran */
};

static struct drop_record drops[MAX_IDS];
static atomic_uint next_id = 1;
static atomic_uint_fast64_t clock_seq;
static pthread_t js_thread;

/* A monotonic event clock: it orders "the worker released" and "dropped". */
static uint64_t tick(void) { return atomic_fetch_add(&clock_seq, 1) + 1; }

static uint32_t new_id(void) {
  uint32_t id = atomic_fetch_add(&next_id, 1);
  return id < MAX_IDS ? id : 0; /* id 0: not tracked */
}

static void counter_drop(void *payload, void *type_data, napi_env env) {
  struct counter *c = payload;
  struct drop_record *r = &drops[c->id];
  (void)type_data;
  r->value = c->value;
  r->seq = tick();
  r->env_null = env == NULL;
  r->thread = pthread_self();
  atomic_fetch_add(&r->count, 1);
  free(c);
}

/* The clone is a new Counter: it gets an id of its own. */
static int counter_clone(const void *payload, void *dst, void *type_data) {
  const struct counter *src = payload;
  struct counter *out = dst;
  (void)type_data;
  out->value = src->value;
  out->id = new_id();
  return 0;
}

static const extref_type_t counter_type = {
  .struct_size = sizeof(extref_type_t),
  .flags = 0,
  .tag = {0x96d3da4966d05161u, 0x4c8790d3e50831edu},
  .name = "Counter",
  .payload_size = sizeof(struct counter),
  .drop = counter_drop,
  .clone = counter_clone,
};

static const extref_type_t send_counter_type = {
  .struct_size = sizeof(extref_type_t),
  .flags = EXTREF_TYPE_SEND,
  .tag = {0xb8608dcdbb192d1au, 0x1ee3465bac83105du},
  .name = "SendCounter",
  .payload_size = sizeof(struct counter),
  .drop = counter_drop,
  .clone = counter_clone,
};

/* ---- Small Node-API helpers ---------------------------------------------- */

/* Throws a plain Error for a Node-API failure and returns NULL. */
#define NAPI_CALL(env, call)                                                 \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error((env), NULL, "Node-API call failed: " #call);        \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

/* Throws a libextref failure into JS (an Error whose `code` is the status
 * name) and returns NULL. */
static napi_value throw_status(napi_env env, extref_status_t status) {
  extref_throw(env, status);
  return NULL;
}

static napi_value make_int64(napi_env env, int64_t v) {
  napi_value result;
  NAPI_CALL(env, napi_create_int64(env, v, &result));
  return result;
}

static napi_value make_string(napi_env env, const char *s) {
  napi_value result;
  NAPI_CALL(env, napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &result));
  return result;
}

static bool set_int(napi_env env, napi_value obj, const char *key,
                    int64_t v) {
  napi_value value = make_int64(env, v);
  return value && napi_set_named_property(env, obj, key, value) == napi_ok;
}

static bool set_str(napi_env env, napi_value obj, const char *key,
                    const char *s) {
  napi_value value = make_string(env, s);
  return value && napi_set_named_property(env, obj, key, value) == napi_ok;
}

static bool set_bool(napi_env env, napi_value obj, const char *key, bool b) {
  napi_value value;
  return napi_get_boolean(env, b, &value) == napi_ok &&
         napi_set_named_property(env, obj, key, value) == napi_ok;
}

/* Reads up to `want` arguments; missing ones are `undefined`. */
static bool get_args(napi_env env, napi_callback_info info, size_t want,
                     napi_value *argv) {
  size_t argc = want;
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok;
}

static bool get_int64_arg(napi_env env, napi_value v, int64_t *result) {
  if (napi_get_value_int64(env, v, result) == napi_ok)
    return true;
  napi_throw_type_error(env, NULL, "expected a number");
  return false;
}

/* ---- Creating counters --------------------------------------------------- */

static napi_value create_with(napi_env env, napi_callback_info info,
                              const extref_type_t *type) {
  napi_value argv[1], result;
  int64_t value;
  if (!get_args(env, info, 1, argv) || !get_int64_arg(env, argv[0], &value))
    return NULL;
  struct counter *c = malloc(sizeof *c);
  if (c == NULL)
    return throw_status(env, EXTREF_NO_MEMORY);
  c->value = value;
  c->id = new_id();
  /* The payload's own bytes are announced to the engine as external memory:
   * the library gives them back when the external is gone or taken. */
  extref_status_t st =
      extref_external_create(env, type, c, (int64_t)sizeof *c, &result);
  if (st != EXTREF_OK) {
    free(c); /* on failure the payload is still ours */
    return throw_status(env, st);
  }
  return result;
}

/* create(value): a new thread-bound Counter. */
static napi_value create(napi_env env, napi_callback_info info) {
  return create_with(env, info, &counter_type);
}

/* createSend(value): a new SendCounter, usable from native threads. */
static napi_value create_send(napi_env env, napi_callback_info info) {
  return create_with(env, info, &send_counter_type);
}

/* ---- One-shot access ----------------------------------------------------- */

/* get(counter): its value, read under a shared borrow. */
static napi_value get(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  extref_borrow_t b;
  if (!get_args(env, info, 1, argv))
    return NULL;
  extref_status_t st = extref_external_ref(env, argv[0], &counter_type, &b);
  if (st != EXTREF_OK)
    return throw_status(env, st);
  int64_t value = ((const struct counter *)b.payload)->value;
  extref_borrow_release(&b);
  return make_int64(env, value);
}

/* idOf(counter): which payload it is (for the drop log). */
static napi_value id_of(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  extref_borrow_t b;
  if (!get_args(env, info, 1, argv))
    return NULL;
  extref_status_t st = extref_external_ref(env, argv[0], &counter_type, &b);
  if (st != EXTREF_OK)
    st = extref_external_ref(env, argv[0], &send_counter_type, &b);
  if (st != EXTREF_OK)
    return throw_status(env, st);
  uint32_t id = ((const struct counter *)b.payload)->id;
  extref_borrow_release(&b);
  return make_int64(env, id);
}

/* ---- Borrows that outlive one call --------------------------------------- */

/* JS keeps a borrow open across calls by its slot number. A real binding
 * would scope borrows to one native call; the demo keeps them open to show
 * what the library refuses meanwhile. */
#define MAX_SLOTS 8
static extref_borrow_t slots[MAX_SLOTS];
static bool slot_used[MAX_SLOTS];

/* borrow(counter, exclusive): opens a borrow; returns its slot number. */
static napi_value borrow(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bool exclusive = false;
  int slot = 0;
  if (!get_args(env, info, 2, argv))
    return NULL;
  napi_get_value_bool(env, argv[1], &exclusive);
  while (slot < MAX_SLOTS && slot_used[slot])
    slot++;
  if (slot == MAX_SLOTS) {
    napi_throw_error(env, NULL, "the demo keeps at most 8 borrows open");
    return NULL;
  }
  extref_status_t st =
      exclusive
          ? extref_external_mut_ref(env, argv[0], &counter_type, &slots[slot])
          : extref_external_ref(env, argv[0], &counter_type, &slots[slot]);
  if (st != EXTREF_OK)
    return throw_status(env, st);
  slot_used[slot] = true;
  return make_int64(env, slot);
}

static extref_borrow_t *slot_arg(napi_env env, napi_value v) {
  int64_t slot;
  if (!get_int64_arg(env, v, &slot))
    return NULL;
  if (slot < 0 || slot >= MAX_SLOTS || !slot_used[slot]) {
    napi_throw_range_error(env, NULL, "no open borrow in that slot");
    return NULL;
  }
  return &slots[slot];
}

/* readBorrow(slot): the value seen through an open borrow. */
static napi_value read_borrow(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  extref_borrow_t *b;
  if (!get_args(env, info, 1, argv) || !(b = slot_arg(env, argv[0])))
    return NULL;
  return make_int64(env, ((const struct counter *)b->payload)->value);
}

/* addThrough(slot, n): adds n through an open borrow; the demo only calls
 * it on exclusive ones. Returns the new value. */
static napi_value add_through(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  extref_borrow_t *b;
  int64_t n;
  if (!get_args(env, info, 2, argv) || !(b = slot_arg(env, argv[0])) ||
      !get_int64_arg(env, argv[1], &n))
    return NULL;
  struct counter *c = b->payload;
  c->value += n;
  return make_int64(env, c->value);
}

/* release(slot): ends an open borrow. */
static napi_value release(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  extref_borrow_t *b;
  if (!get_args(env, info, 1, argv) || !(b = slot_arg(env, argv[0])))
    return NULL;
  extref_status_t st = extref_borrow_release(b);
  if (st != EXTREF_OK)
    return throw_status(env, st);
  slot_used[b - slots] = false;
  return NULL;
}

/* ---- A thread-bound Counter seen from another thread --------------------- */

struct probe {
  extref_hold_t *hold;
  extref_status_t status;
  char message[256];
};

static void *probe_main(void *arg) {
  struct probe *p = arg;
  extref_borrow_t b;
  p->status = extref_hold_ref(p->hold, &b);
  if (p->status == EXTREF_OK) {
    extref_borrow_release(&b);
    snprintf(p->message, sizeof p->message, "(granted)");
  } else {
    /* The message is valid until this thread's next extref_ call. */
    snprintf(p->message, sizeof p->message, "%s",
             extref_last_error()->message);
  }
  return NULL;
}

/* tryFromThread(counter): takes a hold on the JS thread, lets a native
 * thread try to borrow through it, and returns {code, message}. */
static napi_value try_from_thread(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  struct probe p = {0};
  pthread_t thread;
  if (!get_args(env, info, 1, argv))
    return NULL;
  extref_status_t st =
      extref_external_hold(env, argv[0], &counter_type, &p.hold);
  if (st != EXTREF_OK)
    return throw_status(env, st);
  if (pthread_create(&thread, NULL, probe_main, &p) != 0) {
    extref_hold_release(p.hold);
    napi_throw_error(env, NULL, "pthread_create failed");
    return NULL;
  }
  pthread_join(thread, NULL); /* the probe does not block */
  /* The hold of a thread-bound payload ends on the thread that made it. */
  st = extref_hold_release(p.hold);
  if (st != EXTREF_OK)
    return throw_status(env, st);
  NAPI_CALL(env, napi_create_object(env, &result));
  if (!set_str(env, result, "code", extref_status_name(p.status)) ||
      !set_str(env, result, "message", p.message))
    return NULL;
  return result;
}

/* ---- A native worker thread that holds a SendCounter --------------------- */

struct job {
  extref_hold_t *hold;
  uint32_t id; /* the payload's id */
  int64_t ms;
  pthread_t thread;
  napi_threadsafe_function tsfn;
  napi_deferred deferred;
  int64_t increments;
  extref_status_t borrow_status;  /* first failed borrow or release */
  extref_status_t release_status; /* what extref_hold_release answered */
  bool gate_timed_out;            /* JS never said "finish" */
  uint64_t released_seq;          /* when the worker let go */
};

/* The worker does its ~ms of work, then waits here until JS says it may
 * finish (at most 10 s), so that the demo's gc() calls always happen while
 * the worker still holds the payload, however busy the machine is. */
static pthread_mutex_t gate_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;

static bool wait_for_gate(void) {
  struct timespec deadline;
  int rc = 0;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 10;
  pthread_mutex_lock(&gate_mutex);
  while (!gate_open && rc == 0)
    rc = pthread_cond_timedwait(&gate_cond, &gate_mutex, &deadline);
  bool opened = gate_open;
  pthread_mutex_unlock(&gate_mutex);
  return opened;
}

static void set_gate(bool open) {
  pthread_mutex_lock(&gate_mutex);
  gate_open = open;
  pthread_cond_broadcast(&gate_cond);
  pthread_mutex_unlock(&gate_mutex);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* The worker adds 1 every 10 ms under an exclusive borrow taken through its
 * hold. JS may have collected the external meanwhile: the hold keeps the
 * payload alive. */
static void *worker_main(void *arg) {
  struct job *job = arg;
  job->borrow_status = EXTREF_OK;
  for (int64_t t = 0; t < job->ms; t += 10) {
    extref_borrow_t b;
    extref_status_t st = extref_hold_mut_ref(job->hold, &b);
    if (st != EXTREF_OK) {
      job->borrow_status = st;
      break;
    }
    ((struct counter *)b.payload)->value++;
    job->increments++;
    st = extref_borrow_release(&b);
    if (st != EXTREF_OK) {
      job->borrow_status = st;
      break;
    }
    sleep_ms(10);
  }
  job->gate_timed_out = !wait_for_gate();
  /* If JS no longer has the external, this is the last owner: the library
   * drops the payload right here, on this thread, with env NULL. */
  job->released_seq = tick();
  job->release_status = extref_hold_release(job->hold);
  napi_call_threadsafe_function(job->tsfn, job, napi_tsfn_blocking);
  napi_release_threadsafe_function(job->tsfn, napi_tsfn_release);
  return NULL;
}

/* Runs on the JS thread once the worker is done: settles the promise. */
static void worker_done(napi_env env, napi_value js_cb, void *context,
                        void *data) {
  struct job *job = data;
  napi_value report;
  (void)js_cb;
  (void)context;
  pthread_join(job->thread, NULL);
  if (env != NULL && napi_create_object(env, &report) == napi_ok) {
    const struct drop_record *r = &drops[job->id];
    set_int(env, report, "increments", job->increments);
    set_str(env, report, "borrowCode", extref_status_name(job->borrow_status));
    set_str(env, report, "releaseCode",
            extref_status_name(job->release_status));
    set_int(env, report, "releasedSeq", (int64_t)job->released_seq);
    set_bool(env, report, "gateTimedOut", job->gate_timed_out);
    set_int(env, report, "id", job->id);
    set_bool(env, report, "droppedOnWorkerThread",
             atomic_load(&r->count) > 0 &&
                 pthread_equal(r->thread, job->thread));
    napi_resolve_deferred(env, job->deferred, report);
  }
  free(job);
}

/* startWorker(sendCounter, ms): starts a native thread that holds the
 * payload, works on it for about ms milliseconds, and releases it once
 * letWorkerFinish() was called. Returns a promise of the worker's report. */
static napi_value start_worker(napi_env env, napi_callback_info info) {
  napi_value argv[2], promise, name;
  int64_t ms;
  if (!get_args(env, info, 2, argv) || !get_int64_arg(env, argv[1], &ms))
    return NULL;
  struct job *job = calloc(1, sizeof *job);
  if (job == NULL)
    return throw_status(env, EXTREF_NO_MEMORY);
  job->ms = ms;
  set_gate(false);
  extref_status_t st =
      extref_external_hold(env, argv[0], &send_counter_type, &job->hold);
  if (st != EXTREF_OK) {
    free(job);
    return throw_status(env, st);
  }
  extref_borrow_t b;
  if (extref_hold_ref(job->hold, &b) == EXTREF_OK) {
    job->id = ((const struct counter *)b.payload)->id;
    extref_borrow_release(&b);
  }
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "counter worker", NAPI_AUTO_LENGTH,
                              &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL,
                                      NULL, NULL, worker_done,
                                      &job->tsfn) != napi_ok) {
    extref_hold_release(job->hold);
    free(job);
    napi_throw_error(env, NULL, "could not set up the worker");
    return NULL;
  }
  if (pthread_create(&job->thread, NULL, worker_main, job) != 0) {
    napi_release_threadsafe_function(job->tsfn, napi_tsfn_abort);
    extref_hold_release(job->hold);
    free(job);
    napi_throw_error(env, NULL, "pthread_create failed");
    return NULL;
  }
  return promise;
}

/* letWorkerFinish(): the worker may release its hold once its work is done. */
static napi_value let_worker_finish(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  set_gate(true);
  return NULL;
}

/* ---- Clone-out and take -------------------------------------------------- */

/* cloneOut(counter): copies the payload with the type's clone callback into
 * memory we own, then wraps the copy in a fresh Counter. */
static napi_value clone_out(napi_env env, napi_callback_info info) {
  napi_value argv[1], result = NULL;
  if (!get_args(env, info, 1, argv))
    return NULL;
  struct counter *copy = malloc(sizeof *copy);
  if (copy == NULL)
    return throw_status(env, EXTREF_NO_MEMORY);
  extref_status_t st = extref_external_clone_out(env, argv[0], &counter_type,
                                                 copy, sizeof *copy);
  if (st == EXTREF_OK)
    st = extref_external_create(env, &counter_type, copy,
                                (int64_t)sizeof *copy, &result);
  if (st != EXTREF_OK) {
    free(copy);
    return throw_status(env, st);
  }
  return result;
}

/* take(counter): moves the payload out. It is ours now; the library will
 * never drop it, so we free it here. Returns the value it had. */
static napi_value take(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *payload;
  if (!get_args(env, info, 1, argv))
    return NULL;
  extref_status_t st =
      extref_external_take(env, argv[0], &counter_type, &payload);
  if (st != EXTREF_OK)
    return throw_status(env, st);
  int64_t value = ((struct counter *)payload)->value;
  free(payload);
  return make_int64(env, value);
}

/* ---- What the library and the addon saw ---------------------------------- */

/* stats(): extref_stats_get as a plain object. */
static napi_value stats(napi_env env, napi_callback_info info) {
  napi_value result;
  extref_stats_t s = {.struct_size = sizeof s};
  (void)info;
  extref_status_t st = extref_stats_get(&s);
  if (st != EXTREF_OK)
    return throw_status(env, st);
  NAPI_CALL(env, napi_create_object(env, &result));
  if (!set_int(env, result, "livePayloads", (int64_t)s.live_payloads) ||
      !set_int(env, result, "liveBorrows", (int64_t)s.live_borrows) ||
      !set_int(env, result, "liveHolds", (int64_t)s.live_holds) ||
      !set_int(env, result, "drops", (int64_t)s.drops) ||
      !set_int(env, result, "deferredDrops", (int64_t)s.deferred_drops) ||
      !set_int(env, result, "takes", (int64_t)s.takes) ||
      !set_int(env, result, "externalBytes", s.external_bytes))
    return NULL;
  return result;
}

/* dropLog(id): {count, value, seq, envNull, onJsThread} for one payload. */
static napi_value drop_log(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  int64_t id;
  if (!get_args(env, info, 1, argv) || !get_int64_arg(env, argv[0], &id))
    return NULL;
  if (id <= 0 || id >= MAX_IDS) {
    napi_throw_range_error(env, NULL, "no such payload id");
    return NULL;
  }
  struct drop_record *r = &drops[id];
  int count = atomic_load(&r->count);
  NAPI_CALL(env, napi_create_object(env, &result));
  if (!set_int(env, result, "count", count) ||
      !set_int(env, result, "value", count ? r->value : 0) ||
      !set_int(env, result, "seq", count ? (int64_t)r->seq : 0) ||
      !set_bool(env, result, "envNull", count && r->env_null) ||
      !set_bool(env, result, "onJsThread",
                count && pthread_equal(r->thread, js_thread)))
    return NULL;
  return result;
}

/* idsUsed(): how many payload ids were handed out (ids are 1..n). */
static napi_value ids_used(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int64(env, (int64_t)atomic_load(&next_id) - 1);
}

/* version(): the run-time library version. */
static napi_value version(napi_env env, napi_callback_info info) {
  (void)info;
  return make_string(env, extref_version_string());
}

NAPI_MODULE_INIT() {
#define FN(name, cb) {name, NULL, cb, NULL, NULL, NULL, napi_default, NULL}
  static const napi_property_descriptor fns[] = {
      FN("create", create),       FN("createSend", create_send),
      FN("get", get),             FN("idOf", id_of),
      FN("borrow", borrow),       FN("readBorrow", read_borrow),
      FN("addThrough", add_through), FN("release", release),
      FN("tryFromThread", try_from_thread),
      FN("startWorker", start_worker),
      FN("letWorkerFinish", let_worker_finish),
      FN("cloneOut", clone_out),  FN("take", take),
      FN("stats", stats),         FN("dropLog", drop_log),
      FN("idsUsed", ids_used),    FN("version", version),
  };
#undef FN
  js_thread = pthread_self();
  if (napi_define_properties(env, exports, sizeof fns / sizeof fns[0],
                             fns) != napi_ok)
    return NULL;
  return exports;
}
