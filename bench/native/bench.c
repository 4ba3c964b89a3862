/* The libextref benchmark addon.
 *
 * Every measurement that must not include the JS call overhead runs as a
 * native loop inside one call from JS (the loop_* and clone_* kinds), timed
 * with CLOCK_MONOTONIC around the loop only; the JS driver (bench/bench.js)
 * alternates the variants and takes medians. The call_* functions are the
 * JS-call-level variants: one call from JS per access.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <node_api.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extref.h"

/* The reference model of the leanest borrow path (lean.c, liblean.so). */
typedef struct lean_borrow_s {
  void *payload;
  uintptr_t token;
} lean_borrow_t;
void *lean_make(void *payload, const void *type);
int lean_ref(napi_env env, napi_value value, const void *type,
             lean_borrow_t *result);
int lean_release(lean_borrow_t *borrow);

/* The payload of every benchmark: 64 bytes, one field read per access. */
typedef struct payload_s {
  double value;
  uint64_t pad[7];
} payload_t;

_Static_assert(sizeof(payload_t) == 64, "the payload is 64 bytes");

/* ---- Types -------------------------------------------------------------- */

static atomic_uint_fast64_t drops_extref;
static atomic_uint_fast64_t drops_plain;

static void drop_free(void *payload, void *type_data, napi_env env) {
  (void)type_data;
  (void)env;
  free(payload);
}

/* The creation benchmarks wrap pointers into an arena; the drop counts. */
static void drop_count(void *payload, void *type_data, napi_env env) {
  (void)payload;
  (void)type_data;
  (void)env;
  atomic_fetch_add_explicit(&drops_extref, 1, memory_order_relaxed);
}

static void finalize_count(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  (void)hint;
  atomic_fetch_add_explicit(&drops_plain, 1, memory_order_relaxed);
}

static void finalize_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static int clone_copy(const void *payload, void *dst, void *type_data) {
  (void)type_data;
  memcpy(dst, payload, sizeof(payload_t));
  return 0;
}

static const extref_type_t type_bound = {
    sizeof(extref_type_t), 0,
    {0x6a1c3e0d5b7f2911ull, 0x8e4d2c6b1a09f735ull},
    "BenchBound", sizeof(payload_t), drop_free, clone_copy, NULL, NULL};

static const extref_type_t type_send = {
    sizeof(extref_type_t), EXTREF_TYPE_SEND,
    {0x2f5b8d7c4e3a1069ull, 0x93c1a7e5d2b4f806ull},
    "BenchSend", sizeof(payload_t), drop_free, clone_copy, NULL, NULL};

static const extref_type_t type_count = {
    sizeof(extref_type_t), 0,
    {0x7d3e9b1f0c5a2468ull, 0x1b6f4a8d3e2c9057ull},
    "BenchCount", sizeof(payload_t), drop_count, NULL, NULL, NULL};

static const napi_type_tag plain_tag = {0x4c8a1e6f3b2d7095ull,
                                        0xa2e7c5913f0b6d48ull};

/* ---- Helpers ------------------------------------------------------------ */

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The calling thread's CPU time. The machine's cores are shared, so every
 * timed loop counts only the time its thread ran: time spent descheduled
 * while another process had the core is not the library's cost. */
static double cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Keeps the compiler from proving that a loop's reads are unused. */
static volatile double sink;

static napi_value throw_msg(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static napi_value throw_extref(napi_env env, extref_status_t st) {
  extref_throw(env, st);
  return NULL;
}

#define NAPI_OK(call)                                                        \
  do {                                                                       \
    if ((call) != napi_ok)                                                   \
      return throw_msg(env, "Node-API call failed: " #call);                 \
  } while (0)

static napi_value make_double(napi_env env, double d) {
  napi_value v;
  if (napi_create_double(env, d, &v) != napi_ok) return NULL;
  return v;
}

static payload_t *payload_new(double value) {
  payload_t *p = calloc(1, sizeof *p);
  if (p) p->value = value;
  return p;
}

/* Reads up to max arguments; missing ones are NULL. */
static int args(napi_env env, napi_callback_info info, size_t max,
                napi_value *argv) {
  size_t argc = max;
  for (size_t i = 0; i < max; i++) argv[i] = NULL;
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok;
}

static int64_t arg_int(napi_env env, napi_value v) {
  int64_t n = 0;
  if (v) napi_get_value_int64(env, v, &n);
  return n;
}

/* ---- Externals for the loops -------------------------------------------- */

/* makePlain(): a plain external, freed by its finalizer. */
static napi_value make_plain(napi_env env, napi_callback_info info) {
  (void)info;
  payload_t *p = payload_new(1.5);
  napi_value v;
  if (!p) return throw_msg(env, "out of memory");
  if (napi_create_external(env, p, finalize_free, NULL, &v) != napi_ok) {
    free(p);
    return throw_msg(env, "napi_create_external failed");
  }
  return v;
}

/* makeTagged(): a plain external marked with napi_type_tag_object. */
static napi_value make_tagged(napi_env env, napi_callback_info info) {
  napi_value v = make_plain(env, info);
  if (!v) return NULL;
  NAPI_OK(napi_type_tag_object(env, v, &plain_tag));
  return v;
}

static napi_value make_extref(napi_env env, const extref_type_t *type) {
  payload_t *p = payload_new(1.5);
  napi_value v;
  extref_status_t st;
  if (!p) return throw_msg(env, "out of memory");
  st = extref_external_create(env, type, p, 0, &v);
  if (st != EXTREF_OK) {
    free(p);
    return throw_extref(env, st);
  }
  return v;
}

/* makeBound(): a thread-bound libextref payload. */
static napi_value make_bound(napi_env env, napi_callback_info info) {
  (void)info;
  return make_extref(env, &type_bound);
}

/* makeSend(): a SEND libextref payload. */
static napi_value make_send(napi_env env, napi_callback_info info) {
  (void)info;
  return make_extref(env, &type_send);
}

/* makeLean(): a plain external around a slot of the lean reference model. */
static napi_value make_lean(napi_env env, napi_callback_info info) {
  (void)info;
  payload_t *p = payload_new(1.5);
  void *slot;
  napi_value v;
  if (!p) return throw_msg(env, "out of memory");
  slot = lean_make(p, &type_bound);
  if (!slot) {
    free(p);
    return throw_msg(env, "the lean model is out of slots");
  }
  /* The model never frees: a few slots live as long as the process. */
  NAPI_OK(napi_create_external(env, slot, NULL, NULL, &v));
  return v;
}

/* ---- The other thread of the held-SEND benchmarks ----------------------- */

/* While a held-SEND loop runs, another thread owns a hold on the payload and
 * either just keeps it (idle) or borrows shared for about a microsecond every
 * 100 microseconds (busy). */
typedef struct holder_s {
  pthread_t thread;
  extref_hold_t *hold;
  int busy;
  atomic_int started;
  atomic_int stop;
  uint64_t borrows;
  extref_status_t failure;
} holder_t;

static void spin_ns(double ns) {
  double until = now_ns() + ns;
  while (now_ns() < until) {
  }
}

static void *holder_main(void *arg) {
  holder_t *h = arg;
  atomic_store(&h->started, 1);
  while (!atomic_load_explicit(&h->stop, memory_order_relaxed)) {
    if (!h->busy) {
      struct timespec ts = {0, 1000000};
      nanosleep(&ts, NULL);
      continue;
    }
    extref_borrow_t b;
    extref_status_t st = extref_hold_ref(h->hold, &b);
    if (st != EXTREF_OK) {
      /* The JS thread's exclusive borrow is live right now: retry later. */
      if (st != EXTREF_MUT_BORROWED) h->failure = st;
    } else {
      sink = ((payload_t *)b.payload)->value;
      spin_ns(1000);
      st = extref_borrow_release(&b);
      if (st != EXTREF_OK) h->failure = st;
      h->borrows++;
    }
    struct timespec ts = {0, 100000};
    nanosleep(&ts, NULL);
  }
  return NULL;
}

/* Takes the hold on the JS thread, then starts the thread that owns it. */
static extref_status_t holder_start(napi_env env, napi_value v, int busy,
                                    holder_t *h) {
  memset(h, 0, sizeof *h);
  h->busy = busy;
  extref_status_t st = extref_external_hold(env, v, &type_send, &h->hold);
  if (st != EXTREF_OK) return st;
  if (pthread_create(&h->thread, NULL, holder_main, h) != 0) {
    extref_hold_release(h->hold);
    return EXTREF_NO_MEMORY;
  }
  while (!atomic_load(&h->started)) sched_yield();
  return EXTREF_OK;
}

/* Stops the thread; the hold is released on that thread's behalf here, after
 * the join, as a SEND payload allows. */
static extref_status_t holder_stop(holder_t *h) {
  atomic_store(&h->stop, 1);
  pthread_join(h->thread, NULL);
  extref_status_t st = extref_hold_release(h->hold);
  if (h->failure != EXTREF_OK) return h->failure;
  return st;
}

/* ---- Native loops ------------------------------------------------------- */

enum loop_kind {
  LOOP_BARE = 0,      /* napi_get_value_external on a plain external */
  LOOP_TAG = 1,       /* napi_check_object_type_tag + get_value_external */
  LOOP_REF = 2,       /* extref_external_ref + release, thread-bound */
  LOOP_MUT = 3,       /* extref_external_mut_ref + release, thread-bound */
  LOOP_REF_SEND = 4,  /* the same on a SEND payload, no hold */
  LOOP_MUT_SEND = 5,
  LOOP_REF_HELD = 6,  /* SEND, another thread keeps a hold */
  LOOP_MUT_HELD = 7,
  LOOP_REF_BUSY = 8,  /* SEND, another thread holds and borrows now and then */
  LOOP_MUT_BUSY = 9,
  LOOP_CLONE = 10,    /* extref_external_clone_out of the 64-byte payload */
  LOOP_MEMCPY = 11,   /* memcpy of 64 bytes */
  LOOP_GET_MEMCPY = 12, /* napi_get_value_external + memcpy */
  LOOP_LEAN = 13      /* the lean reference model's borrow + release */
};

static napi_value loop_result(napi_env env, double ns, double refused) {
  napi_value o, a, b;
  NAPI_OK(napi_create_object(env, &o));
  NAPI_OK(napi_create_double(env, ns, &a));
  NAPI_OK(napi_create_double(env, refused, &b));
  NAPI_OK(napi_set_named_property(env, o, "ns", a));
  NAPI_OK(napi_set_named_property(env, o, "refused", b));
  return o;
}

/* loop(kind, external, n) -> { ns, refused }: n accesses in one native loop;
 * ns is the thread CPU time of the loop alone; refused counts the borrows
 * that the other thread's borrow refused (busy kinds only; each still counts
 * as an access). */
static napi_value loop(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, 3, argv) || !argv[1])
    return throw_msg(env, "loop(kind, external, n)");
  int kind = (int)arg_int(env, argv[0]);
  napi_value v = argv[1];
  int64_t n = arg_int(env, argv[2]);
  holder_t holder;
  int held = 0;
  double acc = 0, t0, t1;
  uint64_t refused = 0;
  extref_status_t st = EXTREF_OK;
  extref_borrow_t b;
  payload_t copy;
  void *p;
  bool ok;

  if (kind >= LOOP_REF_HELD && kind <= LOOP_MUT_BUSY) {
    st = holder_start(env, v, kind >= LOOP_REF_BUSY, &holder);
    if (st != EXTREF_OK) return throw_extref(env, st);
    held = 1;
  }
  t0 = cpu_ns();
  switch (kind) {
  case LOOP_BARE:
    for (int64_t i = 0; i < n; i++) {
      if (napi_get_value_external(env, v, &p) != napi_ok) goto napi_fail;
      acc += ((payload_t *)p)->value;
    }
    break;
  case LOOP_TAG:
    for (int64_t i = 0; i < n; i++) {
      if (napi_check_object_type_tag(env, v, &plain_tag, &ok) != napi_ok ||
          !ok)
        goto napi_fail;
      if (napi_get_value_external(env, v, &p) != napi_ok) goto napi_fail;
      acc += ((payload_t *)p)->value;
    }
    break;
  case LOOP_REF:
  case LOOP_REF_SEND:
  case LOOP_REF_HELD:
  case LOOP_REF_BUSY: {
    const extref_type_t *t = kind == LOOP_REF ? &type_bound : &type_send;
    for (int64_t i = 0; i < n; i++) {
      st = extref_external_ref(env, v, t, &b);
      if (st != EXTREF_OK) goto extref_fail;
      acc += ((payload_t *)b.payload)->value;
      st = extref_borrow_release(&b);
      if (st != EXTREF_OK) goto extref_fail;
    }
    break;
  }
  case LOOP_MUT:
  case LOOP_MUT_SEND:
  case LOOP_MUT_HELD:
  case LOOP_MUT_BUSY: {
    const extref_type_t *t = kind == LOOP_MUT ? &type_bound : &type_send;
    for (int64_t i = 0; i < n; i++) {
      st = extref_external_mut_ref(env, v, t, &b);
      if (st == EXTREF_BORROWED && kind == LOOP_MUT_BUSY) {
        refused++;
        continue;
      }
      if (st != EXTREF_OK) goto extref_fail;
      acc += ((payload_t *)b.payload)->value;
      st = extref_borrow_release(&b);
      if (st != EXTREF_OK) goto extref_fail;
    }
    break;
  }
  case LOOP_LEAN:
    for (int64_t i = 0; i < n; i++) {
      lean_borrow_t lb;
      if (lean_ref(env, v, &type_bound, &lb) != 0) goto napi_fail;
      acc += ((payload_t *)lb.payload)->value;
      if (lean_release(&lb) != 0) goto napi_fail;
    }
    break;
  case LOOP_CLONE:
    for (int64_t i = 0; i < n; i++) {
      st = extref_external_clone_out(env, v, &type_bound, &copy, sizeof copy);
      if (st != EXTREF_OK) goto extref_fail;
      __asm__ volatile("" : : "r"(&copy) : "memory");
    }
    break;
  case LOOP_MEMCPY: {
    if (napi_get_value_external(env, v, &p) != napi_ok) goto napi_fail;
    t0 = cpu_ns();
    for (int64_t i = 0; i < n; i++) {
      /* The barriers make the compiler copy all 64 bytes every time. */
      __asm__ volatile("" : : "r"(p) : "memory");
      memcpy(&copy, p, sizeof copy);
      __asm__ volatile("" : : "r"(&copy) : "memory");
    }
    break;
  }
  case LOOP_GET_MEMCPY:
    for (int64_t i = 0; i < n; i++) {
      if (napi_get_value_external(env, v, &p) != napi_ok) goto napi_fail;
      memcpy(&copy, p, sizeof copy);
      __asm__ volatile("" : : "r"(&copy) : "memory");
    }
    break;
  default:
    if (held) holder_stop(&holder);
    return throw_msg(env, "unknown loop kind");
  }
  t1 = cpu_ns();
  sink = acc;
  if (held && (st = holder_stop(&holder)) != EXTREF_OK)
    return throw_extref(env, st);
  return loop_result(env, t1 - t0, (double)refused);

napi_fail:
  if (held) holder_stop(&holder);
  return throw_msg(env, "a Node-API call failed in the loop");
extref_fail:
  if (held) holder_stop(&holder);
  return throw_extref(env, st);
}

/* ---- JS-call-level functions -------------------------------------------- */

/* Each reads field `value` of its argument's payload and returns it. */

/* The call floor: reads its argument and returns a number (the constant
 * the others read) without looking at the argument; the same return path
 * as the others, so the JS loops see a number from every variant. */
static napi_value call_noop(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return NULL;
  return make_double(env, 1.5);
}

static napi_value call_bare(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *p;
  if (!args(env, info, 1, argv)) return NULL;
  if (napi_get_value_external(env, argv[0], &p) != napi_ok)
    return throw_msg(env, "not an external");
  return make_double(env, ((payload_t *)p)->value);
}

/* The bare get behind one more non-inlined call: a control that shows what
 * one extra call level costs at the JS call level, with no library in it. */
__attribute__((noinline)) static napi_status get_nested(napi_env env,
                                                        napi_value v,
                                                        void **p) {
  napi_status s = napi_get_value_external(env, v, p);
  __asm__ volatile("" : : : "memory");
  return s;
}

static napi_value call_bare_nested(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *p;
  if (!args(env, info, 1, argv)) return NULL;
  if (get_nested(env, argv[0], &p) != napi_ok)
    return throw_msg(env, "not an external");
  return make_double(env, ((payload_t *)p)->value);
}

static napi_value call_lean(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  lean_borrow_t b;
  double d;
  if (!args(env, info, 1, argv)) return NULL;
  if (lean_ref(env, argv[0], &type_bound, &b) != 0)
    return throw_msg(env, "lean_ref failed");
  d = ((payload_t *)b.payload)->value;
  if (lean_release(&b) != 0) return throw_msg(env, "lean_release failed");
  return make_double(env, d);
}

static napi_value call_tag(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *p;
  bool ok;
  if (!args(env, info, 1, argv)) return NULL;
  if (napi_check_object_type_tag(env, argv[0], &plain_tag, &ok) != napi_ok ||
      !ok || napi_get_value_external(env, argv[0], &p) != napi_ok)
    return throw_msg(env, "not a tagged external");
  return make_double(env, ((payload_t *)p)->value);
}

static napi_value call_ref_of(napi_env env, napi_callback_info info,
                              const extref_type_t *type) {
  napi_value argv[1];
  extref_borrow_t b;
  extref_status_t st;
  double d;
  if (!args(env, info, 1, argv)) return NULL;
  st = extref_external_ref(env, argv[0], type, &b);
  if (st != EXTREF_OK) return throw_extref(env, st);
  d = ((payload_t *)b.payload)->value;
  st = extref_borrow_release(&b);
  if (st != EXTREF_OK) return throw_extref(env, st);
  return make_double(env, d);
}

static napi_value call_mut_of(napi_env env, napi_callback_info info,
                              const extref_type_t *type) {
  napi_value argv[1];
  extref_borrow_t b;
  extref_status_t st;
  double d;
  if (!args(env, info, 1, argv)) return NULL;
  st = extref_external_mut_ref(env, argv[0], type, &b);
  if (st != EXTREF_OK) return throw_extref(env, st);
  payload_t *p = b.payload;
  p->pad[0]++;
  d = p->value;
  st = extref_borrow_release(&b);
  if (st != EXTREF_OK) return throw_extref(env, st);
  return make_double(env, d);
}

/* The thread-bound type (callRef, callMut) and the SEND type (callRefSend,
 * callMutSend: with or without another thread holding the payload, see
 * holdStart). Each function is its own Node-API callback, so the library's
 * path is the only difference between them. */
static napi_value call_ref(napi_env env, napi_callback_info info) {
  return call_ref_of(env, info, &type_bound);
}
static napi_value call_mut(napi_env env, napi_callback_info info) {
  return call_mut_of(env, info, &type_bound);
}
static napi_value call_ref_send(napi_env env, napi_callback_info info) {
  return call_ref_of(env, info, &type_send);
}
static napi_value call_mut_send(napi_env env, napi_callback_info info) {
  return call_mut_of(env, info, &type_send);
}

/* holdStart(sendExternal, busy) -> id: another thread takes a hold on the
 * payload and keeps it (busy 0: idle) until holdStop(id), so JS-call
 * variants can run against a SEND payload held elsewhere. */
static holder_t js_holders[8];
static int js_holder_used[8];

static napi_value hold_start(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!args(env, info, 2, argv) || !argv[0])
    return throw_msg(env, "holdStart(sendExternal, busy)");
  for (int i = 0; i < 8; i++) {
    if (js_holder_used[i]) continue;
    extref_status_t st =
        holder_start(env, argv[0], (int)arg_int(env, argv[1]), &js_holders[i]);
    if (st != EXTREF_OK) return throw_extref(env, st);
    js_holder_used[i] = 1;
    return make_double(env, i);
  }
  return throw_msg(env, "holdStart: no free holder");
}

static napi_value hold_stop(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return NULL;
  int64_t i = arg_int(env, argv[0]);
  if (i < 0 || i >= 8 || !js_holder_used[i])
    return throw_msg(env, "holdStop: no such holder");
  js_holder_used[i] = 0;
  extref_status_t st = holder_stop(&js_holders[i]);
  if (st != EXTREF_OK) return throw_extref(env, st);
  return make_double(env, (double)js_holders[i].borrows);
}

/* ---- Creation and collection -------------------------------------------- */

/* Pointers handed to the creation benchmarks point into this arena, so both
 * variants wrap the same, untouched memory and allocate nothing per payload
 * themselves: what differs is the cost of the wrapping alone. */
static char *arena;
static size_t arena_count;

static int arena_ensure(size_t n) {
  if (n <= arena_count) return 1;
  free(arena);
  arena = malloc(n * sizeof(payload_t));
  arena_count = arena ? n : 0;
  return arena != NULL;
}

enum create_kind { CREATE_PLAIN = 0, CREATE_EXTREF = 1 };

static napi_status create_one(napi_env env, int kind, size_t i,
                              napi_value *result) {
  void *p = arena + i * sizeof(payload_t);
  if (kind == CREATE_PLAIN)
    return napi_create_external(env, p, finalize_count, NULL, result);
  return extref_external_create(env, &type_count, p, 0, result) == EXTREF_OK
             ? napi_ok
             : napi_generic_failure;
}

/* create(kind, n) -> thread CPU ns: creates n externals, each unreachable
 * as soon as its handle scope (256 externals) closes. */
static napi_value create(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!args(env, info, 2, argv)) return NULL;
  int kind = (int)arg_int(env, argv[0]);
  int64_t n = arg_int(env, argv[1]);
  if (n < 0 || !arena_ensure((size_t)n)) return throw_msg(env, "bad n");
  double t0 = cpu_ns();
  for (int64_t i = 0; i < n;) {
    napi_handle_scope scope;
    NAPI_OK(napi_open_handle_scope(env, &scope));
    for (int64_t end = i + 256 < n ? i + 256 : n; i < end; i++) {
      napi_value v;
      if (create_one(env, kind, (size_t)i, &v) != napi_ok) {
        napi_close_handle_scope(env, scope);
        return throw_msg(env, "creating an external failed");
      }
    }
    NAPI_OK(napi_close_handle_scope(env, scope));
  }
  return make_double(env, cpu_ns() - t0);
}

/* dropped(kind) -> the number of finalizers (plain) or drops (extref) run. */
static napi_value dropped(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return NULL;
  int kind = (int)arg_int(env, argv[0]);
  uint64_t d = kind == CREATE_PLAIN ? atomic_load(&drops_plain)
                                    : atomic_load(&drops_extref);
  return make_double(env, (double)d);
}

/* keep(kind, n) -> an array of n live externals, for the memory benchmark.
 * Kind 2 is a plain external without a finalizer. */
static napi_value keep(napi_env env, napi_callback_info info) {
  napi_value argv[2], arr;
  if (!args(env, info, 2, argv)) return NULL;
  int kind = (int)arg_int(env, argv[0]);
  int64_t n = arg_int(env, argv[1]);
  if (n < 0 || !arena_ensure((size_t)n)) return throw_msg(env, "bad n");
  NAPI_OK(napi_create_array_with_length(env, (size_t)n, &arr));
  for (int64_t i = 0; i < n; i++) {
    napi_handle_scope scope;
    napi_value v;
    napi_status s;
    NAPI_OK(napi_open_handle_scope(env, &scope));
    if (kind == 2)
      s = napi_create_external(env, arena + i * sizeof(payload_t), NULL, NULL,
                               &v);
    else
      s = create_one(env, kind, (size_t)i, &v);
    if (s != napi_ok || napi_set_element(env, arr, (uint32_t)i, v) != napi_ok) {
      napi_close_handle_scope(env, scope);
      return throw_msg(env, "keep: creating an external failed");
    }
    NAPI_OK(napi_close_handle_scope(env, scope));
  }
  return arr;
}

/* mapping(external) -> { kb, rssKb } of the /proc/self/smaps mapping that
 * contains the pointer napi_get_value_external gives for the external, or
 * null. For a libextref external that pointer is the library's own record,
 * so this reads the library's region from outside. */
static napi_value mapping(napi_env env, napi_callback_info info) {
  napi_value argv[1], o, res;
  void *p;
  if (!args(env, info, 1, argv)) return NULL;
  NAPI_OK(napi_get_value_external(env, argv[0], &p));
  FILE *f = fopen("/proc/self/smaps", "r");
  char line[512];
  int inside = 0;
  double kb = -1, rss = -1;
  if (!f) return throw_msg(env, "cannot open /proc/self/smaps");
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') &&
        line[0] != ' ' && strncmp(line, "Rss", 3) != 0) {
      if (inside) break;
      inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
      if (inside) kb = (double)(hi - lo) / 1024;
      continue;
    }
    if (inside && strncmp(line, "Rss:", 4) == 0) sscanf(line + 4, "%lf", &rss);
  }
  fclose(f);
  if (kb < 0) {
    NAPI_OK(napi_get_null(env, &res));
    return res;
  }
  NAPI_OK(napi_create_object(env, &o));
  NAPI_OK(napi_set_named_property(env, o, "kb", make_double(env, kb)));
  NAPI_OK(napi_set_named_property(env, o, "rssKb", make_double(env, rss)));
  return o;
}

/* ---- Contention --------------------------------------------------------- */

typedef struct worker_s {
  pthread_t thread;
  extref_hold_t *hold;
  atomic_int *go;
  atomic_int *stop;
  atomic_int *ready;
  int mode;          /* WORK_SHARED, WORK_MUT or WORK_CHECK */
  uint64_t ops;      /* successful borrows */
  uint64_t refused;  /* borrows refused by another thread's borrow */
  uint64_t violations; /* shared borrows that saw an exclusive one at work */
  double ns;
  extref_status_t failure;
} worker_t;

enum work_mode {
  WORK_SHARED = 0, /* extref_hold_ref, read, release */
  WORK_MUT = 1,    /* extref_hold_mut_ref, non-atomic increment, release */
  WORK_CHECK = 2   /* extref_hold_ref, check no exclusive borrow is at work */
};

/* The exclusive-borrow check: a mut borrower marks the payload busy
 * (pad[2]), increments pad[1] non-atomically in several steps, and clears
 * the mark; a shared borrower that sees the mark, or a final count that
 * differs from the number of successful mut borrows, means two borrows
 * overlapped that the library should have refused. */
static int work_one(worker_t *w, double *acc) {
  extref_borrow_t b;
  extref_status_t st;
  if (w->mode == WORK_MUT) {
    st = extref_hold_mut_ref(w->hold, &b);
    if (st == EXTREF_BORROWED || st == EXTREF_MUT_BORROWED) {
      w->refused++;
      return 1;
    }
    if (st != EXTREF_OK) goto fail;
    volatile uint64_t *pad = ((payload_t *)b.payload)->pad;
    pad[2] = 1;
    uint64_t v = pad[1];
    __asm__ volatile("" ::: "memory");
    pad[1] = v + 1;
    pad[2] = 0;
  } else {
    st = extref_hold_ref(w->hold, &b);
    if (w->mode == WORK_CHECK && st == EXTREF_MUT_BORROWED) {
      w->refused++;
      return 1;
    }
    if (st != EXTREF_OK) goto fail;
    if (w->mode == WORK_CHECK &&
        ((volatile payload_t *)b.payload)->pad[2] != 0)
      w->violations++;
    *acc += ((payload_t *)b.payload)->value;
  }
  st = extref_borrow_release(&b);
  if (st != EXTREF_OK) goto fail;
  w->ops++;
  return 1;
fail:
  w->failure = st;
  return 0;
}

/* Borrows and releases in batches until told to stop: every thread runs for
 * the same wall-clock window, so the threads overlap whenever the scheduler
 * lets them (a fixed count of operations per thread finished before the
 * next thread was even scheduled, on this machine). */
static void *worker_main(void *arg) {
  worker_t *w = arg;
  double acc = 0;
  atomic_fetch_add(w->ready, 1);
  while (!atomic_load_explicit(w->go, memory_order_acquire)) {
  }
  double t0 = cpu_ns();
  while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
    for (int i = 0; i < 256; i++)
      if (!work_one(w, &acc)) goto out;
  }
out:
  w->ns = cpu_ns() - t0;
  sink = acc;
  return NULL;
}

/* contention(sendExternal, threads, ms, check) -> { wallNs, threadNs: [...],
 * ops: [...], refused, violations, mutOps, counter }: each thread owns its
 * own hold (extref_hold_dup) on the one SEND payload and does
 * extref_hold_ref + release for ms milliseconds of wall time, all starting
 * together; threadNs is each thread's CPU time. With check set, the even
 * threads take exclusive borrows instead (WORK_MUT) and the odd ones check
 * (WORK_CHECK); counter is the payload's count of exclusive increments,
 * which must equal mutOps. */
static napi_value contention(napi_env env, napi_callback_info info) {
  napi_value argv[4], o, arr, ops;
  if (!args(env, info, 4, argv)) return NULL;
  int threads = (int)arg_int(env, argv[1]);
  int64_t ms = arg_int(env, argv[2]);
  int check = (int)arg_int(env, argv[3]);
  uint64_t counter0 = 0, counter1 = 0;
  worker_t w[64];
  extref_hold_t *hold;
  atomic_int go = 0, stop = 0, ready = 0;
  extref_status_t st, fail = EXTREF_OK;
  int started = 0;
  if (threads < 1 || threads > 64) return throw_msg(env, "1..64 threads");
  if (ms < 1 || ms > 10000) return throw_msg(env, "1..10000 ms");
  st = extref_external_hold(env, argv[0], &type_send, &hold);
  if (st != EXTREF_OK) return throw_extref(env, st);
  {
    extref_borrow_t b;
    st = extref_hold_ref(hold, &b);
    if (st != EXTREF_OK) {
      extref_hold_release(hold);
      return throw_extref(env, st);
    }
    counter0 = ((payload_t *)b.payload)->pad[1];
    extref_borrow_release(&b);
  }
  for (int i = 0; i < threads; i++) {
    memset(&w[i], 0, sizeof w[i]);
    w[i].mode = !check ? WORK_SHARED : (i % 2 == 0 ? WORK_MUT : WORK_CHECK);
    w[i].go = &go;
    w[i].stop = &stop;
    w[i].ready = &ready;
    st = extref_hold_dup(hold, &w[i].hold);
    if (st != EXTREF_OK) {
      fail = st;
      break;
    }
    if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0) {
      extref_hold_release(w[i].hold);
      fail = EXTREF_NO_MEMORY;
      break;
    }
    started++;
  }
  while (atomic_load(&ready) < started) sched_yield();
  double t0 = now_ns();
  atomic_store_explicit(&go, 1, memory_order_release);
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  atomic_store_explicit(&stop, 1, memory_order_relaxed);
  for (int i = 0; i < started; i++) pthread_join(w[i].thread, NULL);
  double wall = now_ns() - t0;
  for (int i = 0; i < started; i++) {
    if (w[i].failure != EXTREF_OK && fail == EXTREF_OK) fail = w[i].failure;
    st = extref_hold_release(w[i].hold);
    if (st != EXTREF_OK && fail == EXTREF_OK) fail = st;
  }
  if (fail == EXTREF_OK) {
    extref_borrow_t b;
    st = extref_hold_ref(hold, &b);
    if (st == EXTREF_OK) {
      counter1 = ((payload_t *)b.payload)->pad[1];
      st = extref_borrow_release(&b);
    }
    if (st != EXTREF_OK) fail = st;
  }
  st = extref_hold_release(hold);
  if (st != EXTREF_OK && fail == EXTREF_OK) fail = st;
  if (fail != EXTREF_OK) return throw_extref(env, fail);
  uint64_t refused = 0, violations = 0, mut_ops = 0;
  for (int i = 0; i < started; i++) {
    refused += w[i].refused;
    violations += w[i].violations;
    if (w[i].mode == WORK_MUT) mut_ops += w[i].ops;
  }
  NAPI_OK(napi_create_object(env, &o));
  NAPI_OK(napi_create_array_with_length(env, (size_t)started, &arr));
  NAPI_OK(napi_create_array_with_length(env, (size_t)started, &ops));
  for (int i = 0; i < started; i++) {
    NAPI_OK(napi_set_element(env, arr, (uint32_t)i, make_double(env, w[i].ns)));
    NAPI_OK(napi_set_element(env, ops, (uint32_t)i,
                             make_double(env, (double)w[i].ops)));
  }
  NAPI_OK(napi_set_named_property(env, o, "wallNs", make_double(env, wall)));
  NAPI_OK(napi_set_named_property(env, o, "threadNs", arr));
  NAPI_OK(napi_set_named_property(env, o, "ops", ops));
  NAPI_OK(napi_set_named_property(env, o, "refused",
                                  make_double(env, (double)refused)));
  NAPI_OK(napi_set_named_property(env, o, "violations",
                                  make_double(env, (double)violations)));
  NAPI_OK(napi_set_named_property(env, o, "mutOps",
                                  make_double(env, (double)mut_ops)));
  NAPI_OK(napi_set_named_property(
      env, o, "counter", make_double(env, (double)(counter1 - counter0))));
  return o;
}

/* stats() -> the library's live counts, to check that a benchmark leaked
 * nothing. */
static napi_value stats(napi_env env, napi_callback_info info) {
  (void)info;
  extref_stats_t s;
  napi_value o;
  memset(&s, 0, sizeof s);
  s.struct_size = sizeof s;
  extref_status_t st = extref_stats_get(&s);
  if (st != EXTREF_OK) return throw_extref(env, st);
  NAPI_OK(napi_create_object(env, &o));
  NAPI_OK(napi_set_named_property(env, o, "livePayloads",
                                  make_double(env, (double)s.live_payloads)));
  NAPI_OK(napi_set_named_property(env, o, "liveBorrows",
                                  make_double(env, (double)s.live_borrows)));
  NAPI_OK(napi_set_named_property(env, o, "liveHolds",
                                  make_double(env, (double)s.live_holds)));
  NAPI_OK(napi_set_named_property(env, o, "drops",
                                  make_double(env, (double)s.drops)));
  return o;
}

/* cpuNs() -> the calling thread's CPU time in ns, to time JS loops. */
static napi_value cpu_now(napi_env env, napi_callback_info info) {
  (void)info;
  return make_double(env, cpu_ns());
}

/* ---- Module ------------------------------------------------------------- */

static napi_value init(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback cb;
  } fns[] = {
      {"makePlain", make_plain},   {"makeTagged", make_tagged},
      {"makeBound", make_bound},   {"makeSend", make_send},
      {"loop", loop},              {"callNoop", call_noop},
      {"callBare", call_bare},     {"callTag", call_tag},
      {"callRef", call_ref},       {"callMut", call_mut},
      {"create", create},          {"dropped", dropped},
      {"keep", keep},              {"mapping", mapping},
      {"contention", contention},  {"stats", stats},
      {"cpuNs", cpu_now},          {"makeLean", make_lean},
      {"callBareNested", call_bare_nested},
      {"callLean", call_lean},     {"callRefSend", call_ref_send},
      {"callMutSend", call_mut_send}, {"holdStart", hold_start},
      {"holdStop", hold_stop},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb,
                             NULL, &f) != napi_ok ||
        napi_set_named_property(env, exports, fns[i].name, f) != napi_ok)
      return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
