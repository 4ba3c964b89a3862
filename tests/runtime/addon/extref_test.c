/* The runtime test addon: exposes libextref to the JS scenario tests.
 *
 * Every library failure is thrown with extref_throw, so JS sees the status
 * name in `code`. Borrows and holds live in fixed tables and reach JS as
 * integer ids. Drops are counted per type in process-wide atomics, so the
 * main thread can read what happened in a Worker's env after it is gone.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <node_api.h>

#include <extref.h>

/* ---- Payloads and types ------------------------------------------------- */

#define MAGIC_ALIVE 0xA11CEA11CEA11CE5ull
#define MAGIC_DEAD 0xDEADDEADDEADDEADull

typedef struct counter_s {
  uint64_t magic;
  int64_t value;
  uint64_t id;
  int kind;
} counter_t;

/* The same tag as Counter, a bigger payload: "another payload_size". */
typedef struct big_counter_s {
  counter_t c;
  uint64_t extra[2];
} big_counter_t;

enum {
  K_COUNTER, /* thread-bound */
  K_SEND,    /* EXTREF_TYPE_SEND */
  K_JSDROP,  /* EXTREF_TYPE_SEND | EXTREF_TYPE_JS_DROP */
  K_BIG,     /* Counter's tag, another payload_size */
  K_OTHER,   /* another tag, Counter's size */
  K_NOCLONE, /* no clone callback */
  K_FAILCLONE, /* clone reports failure */
  K_NAPIDROP, /* SEND | JS_DROP; its drop makes Node-API calls (scenario 14) */
  K_COUNT
};

static const char *const kind_names[K_COUNT] = {
    "counter", "send", "jsdrop", "big", "other", "noclone", "failclone",
    "napidrop"};
static int kind_ids[K_COUNT] = {0, 1, 2, 3, 4, 5, 6, 7};

static _Atomic uint64_t c_creates[K_COUNT];
static _Atomic uint64_t c_drops[K_COUNT];
static _Atomic uint64_t c_drops_env[K_COUNT];
static _Atomic uint64_t c_drops_null[K_COUNT];
static _Atomic uint64_t c_taken_freed[K_COUNT];
static _Atomic uint64_t c_double_drops;
static _Atomic uint64_t c_bad_magic;
static _Atomic uint64_t c_next_id = 1;
static _Atomic int drop_log_fd = -1;

/* One byte per payload id counts its drops, so that a second drop of the
 * same payload is seen even when its memory was reused. */
#define DROP_TABLE_SIZE (1u << 23)
static _Atomic unsigned char *drop_table;
static pthread_once_t drop_table_once = PTHREAD_ONCE_INIT;
static void drop_table_init(void) {
  drop_table = calloc(DROP_TABLE_SIZE, 1);
}

static void counter_drop(void *payload, void *type_data, napi_env env) {
  int kind = *(int *)type_data;
  counter_t *c = payload;
  atomic_fetch_add(&c_drops[kind], 1);
  atomic_fetch_add(env ? &c_drops_env[kind] : &c_drops_null[kind], 1);
  if (c->magic != MAGIC_ALIVE) atomic_fetch_add(&c_bad_magic, 1);
  if (drop_table && c->id < DROP_TABLE_SIZE &&
      atomic_fetch_add(&drop_table[c->id], 1) != 0)
    atomic_fetch_add(&c_double_drops, 1);
  int fd = atomic_load(&drop_log_fd);
  if (fd >= 0) {
    char line[96];
    int n = snprintf(line, sizeof line, "extref-test drop %s id=%llu env=%s\n",
                     kind_names[kind], (unsigned long long)c->id,
                     env ? "js" : "null");
    if (n > 0) {
      ssize_t w = write(fd, line, (size_t)n);
      (void)w;
    }
  }
  c->magic = MAGIC_DEAD;
  free(c);
}

/* A payload whose drop, given an env, makes Node-API calls that create
 * handles (scenario 14): a reference made at create time is read and
 * deleted, and an object is made. Without a handle scope open, V8 aborts
 * ("Cannot create a handle without a HandleScope"). */
typedef struct napidrop_s {
  counter_t c;
  napi_ref ref; /* to an object made at create time; NULL if none */
} napidrop_t;

static _Atomic uint64_t c_napidrop_calls_ok, c_napidrop_calls_failed;

static void napidrop_drop(void *payload, void *type_data, napi_env env) {
  napidrop_t *p = payload;
  int st_obj = -1, st_get = -1, st_del = -1;
  int log_fd = atomic_load(&drop_log_fd);
  if (log_fd >= 0) {
    /* Written before the calls, so a crash in them still shows the env. */
    char line[96];
    int n = snprintf(line, sizeof line,
                     "extref-test napidrop-enter id=%llu env=%s\n",
                     (unsigned long long)p->c.id, env ? "js" : "null");
    if (n > 0) {
      ssize_t w = write(log_fd, line, (size_t)n);
      (void)w;
    }
  }
  if (env != NULL) {
    napi_value obj = NULL, val = NULL;
    st_obj = napi_create_object(env, &obj);
    if (p->ref != NULL) {
      st_get = napi_get_reference_value(env, p->ref, &val);
      st_del = napi_delete_reference(env, p->ref);
      p->ref = NULL;
    }
    bool ok = st_obj == napi_ok && (st_get == -1 || st_get == napi_ok) &&
              (st_del == -1 || st_del == napi_ok);
    atomic_fetch_add(ok ? &c_napidrop_calls_ok : &c_napidrop_calls_failed, 1);
  }
  int fd = atomic_load(&drop_log_fd);
  if (fd >= 0) {
    char line[128];
    int n = snprintf(line, sizeof line,
                     "extref-test napidrop id=%llu env=%s create_object=%d "
                     "get_reference=%d delete_reference=%d\n",
                     (unsigned long long)p->c.id, env ? "js" : "null",
                     st_obj, st_get, st_del);
    if (n > 0) {
      ssize_t w = write(fd, line, (size_t)n);
      (void)w;
    }
  }
  counter_drop(payload, type_data, env);
}

static int napidrop_clone(const void *payload, void *dst, void *type_data) {
  (void)type_data;
  memcpy(dst, payload, sizeof(napidrop_t));
  ((napidrop_t *)dst)->ref = NULL;
  return 0;
}

static int counter_clone(const void *payload, void *dst, void *type_data) {
  (void)type_data;
  memcpy(dst, payload, sizeof(counter_t));
  return 0;
}

/* The creator's move (1.1 take-into): the value into dst, the creator's
 * storage freed here, no drop. Counted per kind in this copy of the addon,
 * so a take-into through another copy shows whose move ran. */
static _Atomic int64_t c_moves[K_COUNT];

static int counter_move(void *payload, void *dst, void *type_data) {
  int kind = *(int *)type_data;
  counter_t *c = payload;
  memcpy(dst, c, sizeof *c);
  atomic_fetch_add(&c_moves[kind], 1);
  c->magic = MAGIC_DEAD;
  free(c);
  return 0;
}

static int big_clone(const void *payload, void *dst, void *type_data) {
  (void)type_data;
  memcpy(dst, payload, sizeof(big_counter_t));
  return 0;
}

static int failing_clone(const void *payload, void *dst, void *type_data) {
  (void)payload;
  (void)dst;
  (void)type_data;
  return 1;
}

#define TAG_COUNTER {0x5a1e7e57c0de0001ull, 0x6c69626578747265ull}
#define TAG_SEND {0x5a1e7e57c0de0002ull, 0x6c69626578747265ull}
#define TAG_JSDROP {0x5a1e7e57c0de0003ull, 0x6c69626578747265ull}
#define TAG_OTHER {0x5a1e7e57c0de0004ull, 0x6c69626578747265ull}
#define TAG_NOCLONE {0x5a1e7e57c0de0005ull, 0x6c69626578747265ull}
#define TAG_FAILCLONE {0x5a1e7e57c0de0006ull, 0x6c69626578747265ull}
#define TAG_NAPIDROP {0x5a1e7e57c0de0007ull, 0x6c69626578747265ull}

static const extref_type_t types[K_COUNT] = {
    {sizeof(extref_type_t), 0, TAG_COUNTER, "Counter", sizeof(counter_t),
     counter_drop, counter_clone, &kind_ids[K_COUNTER], counter_move},
    {sizeof(extref_type_t), EXTREF_TYPE_SEND, TAG_SEND, "SendCounter",
     sizeof(counter_t), counter_drop, counter_clone, &kind_ids[K_SEND],
     counter_move},
    {sizeof(extref_type_t), EXTREF_TYPE_SEND | EXTREF_TYPE_JS_DROP,
     TAG_JSDROP, "JsDropCounter", sizeof(counter_t), counter_drop,
     counter_clone, &kind_ids[K_JSDROP], counter_move},
    {sizeof(extref_type_t), 0, TAG_COUNTER, "BigCounter",
     sizeof(big_counter_t), counter_drop, big_clone, &kind_ids[K_BIG], NULL},
    {sizeof(extref_type_t), 0, TAG_OTHER, "Other", sizeof(counter_t),
     counter_drop, counter_clone, &kind_ids[K_OTHER], counter_move},
    {sizeof(extref_type_t), EXTREF_TYPE_SEND, TAG_NOCLONE, "NoClone",
     sizeof(counter_t), counter_drop, NULL, &kind_ids[K_NOCLONE], NULL},
    {sizeof(extref_type_t), EXTREF_TYPE_SEND, TAG_FAILCLONE, "FailClone",
     sizeof(counter_t), counter_drop, failing_clone, &kind_ids[K_FAILCLONE],
     NULL},
    {sizeof(extref_type_t), EXTREF_TYPE_SEND | EXTREF_TYPE_JS_DROP,
     TAG_NAPIDROP, "NapiDropCounter", sizeof(napidrop_t), napidrop_drop,
     napidrop_clone, &kind_ids[K_NAPIDROP], NULL},
};

static counter_t *counter_new(int kind, int64_t value) {
  size_t size = kind == K_BIG        ? sizeof(big_counter_t)
                : kind == K_NAPIDROP ? sizeof(napidrop_t)
                                     : sizeof(counter_t);
  counter_t *c = calloc(1, size);
  if (!c) return NULL;
  pthread_once(&drop_table_once, drop_table_init);
  c->magic = MAGIC_ALIVE;
  c->value = value;
  c->id = atomic_fetch_add(&c_next_id, 1);
  c->kind = kind;
  return c;
}

static void sleep_ms(unsigned ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- Tables of borrows and holds ---------------------------------------- */

#define TABLE_SIZE 65536

typedef struct borrow_slot_s {
  bool used;
  int kind;
  extref_borrow_t b;
} borrow_slot_t;

static borrow_slot_t borrows[TABLE_SIZE];
static extref_hold_t *holds[TABLE_SIZE];
static bool holds_used[TABLE_SIZE];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t borrow_cursor, hold_cursor;

static int borrow_slot_new(int kind, const extref_borrow_t *b) {
  int id = -1;
  pthread_mutex_lock(&table_lock);
  for (uint32_t i = 0; i < TABLE_SIZE; i++) {
    uint32_t j = (borrow_cursor + i) % TABLE_SIZE;
    if (j != 0 && !borrows[j].used) {
      borrows[j].used = true;
      borrows[j].kind = kind;
      borrows[j].b = *b;
      borrow_cursor = j + 1;
      id = (int)j;
      break;
    }
  }
  pthread_mutex_unlock(&table_lock);
  return id;
}

static int hold_slot_new(extref_hold_t *h) {
  int id = -1;
  pthread_mutex_lock(&table_lock);
  for (uint32_t i = 0; i < TABLE_SIZE; i++) {
    uint32_t j = (hold_cursor + i) % TABLE_SIZE;
    if (j != 0 && !holds_used[j]) {
      holds_used[j] = true;
      holds[j] = h;
      hold_cursor = j + 1;
      id = (int)j;
      break;
    }
  }
  pthread_mutex_unlock(&table_lock);
  return id;
}

/* ---- Argument helpers --------------------------------------------------- */

#define NAPI_CALL(env, call)                                                 \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      test_throw(env, "TEST_NAPI", #call);                                   \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static void test_throw(napi_env env, const char *code, const char *msg) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, code, msg);
}

static bool get_args(napi_env env, napi_callback_info info, size_t want,
                     napi_value *argv) {
  size_t argc = want;
  napi_value undef;
  napi_get_undefined(env, &undef);
  for (size_t i = 0; i < want; i++) argv[i] = undef;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    test_throw(env, "TEST_ARGS", "napi_get_cb_info failed");
    return false;
  }
  return true;
}

static bool get_string(napi_env env, napi_value v, char *buf, size_t size) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok) {
    test_throw(env, "TEST_ARGS", "expected a string");
    return false;
  }
  return true;
}

static int get_kind(napi_env env, napi_value v) {
  char buf[32];
  if (!get_string(env, v, buf, sizeof buf)) return -1;
  for (int k = 0; k < K_COUNT; k++)
    if (strcmp(buf, kind_names[k]) == 0) return k;
  test_throw(env, "TEST_ARGS", "unknown kind");
  return -1;
}

static bool get_i64(napi_env env, napi_value v, int64_t def, int64_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return false;
  if (t == napi_undefined) {
    *out = def;
    return true;
  }
  if (napi_get_value_int64(env, v, out) != napi_ok) {
    test_throw(env, "TEST_ARGS", "expected a number");
    return false;
  }
  return true;
}

static napi_value num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

static napi_value str(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

static napi_value boolean(napi_env env, bool b) {
  napi_value v;
  napi_get_boolean(env, b, &v);
  return v;
}

static void set_num(napi_env env, napi_value obj, const char *k, double d) {
  napi_set_named_property(env, obj, k, num(env, d));
}

static void set_str(napi_env env, napi_value obj, const char *k,
                    const char *s) {
  napi_set_named_property(env, obj, k, str(env, s));
}

static borrow_slot_t *get_borrow(napi_env env, napi_value v) {
  int64_t id;
  if (!get_i64(env, v, -1, &id)) return NULL;
  if (id <= 0 || id >= TABLE_SIZE || !borrows[id].used) {
    test_throw(env, "TEST_ARGS", "not a borrow id");
    return NULL;
  }
  return &borrows[id];
}

static int get_hold_id(napi_env env, napi_value v) {
  int64_t id;
  if (!get_i64(env, v, -1, &id)) return -1;
  if (id <= 0 || id >= TABLE_SIZE || !holds_used[id]) {
    test_throw(env, "TEST_ARGS", "not a hold id");
    return -1;
  }
  return (int)id;
}

/* ---- Externals ---------------------------------------------------------- */

/* Makes one payload of kind with external_bytes; NULL after a throw. A
 * napidrop payload gets a reference to a new object, which its drop reads
 * and deletes. */
static napi_value create_with_bytes(napi_env env, int kind, int64_t value,
                                    int64_t bytes) {
  napi_value result;
  counter_t *c = counter_new(kind, value);
  if (!c) {
    test_throw(env, "TEST_NOMEM", "calloc failed");
    return NULL;
  }
  if (kind == K_NAPIDROP) {
    napi_value obj;
    if (napi_create_object(env, &obj) != napi_ok ||
        napi_create_reference(env, obj, 1, &((napidrop_t *)c)->ref) !=
            napi_ok) {
      free(c);
      test_throw(env, "TEST_NAPI", "napi_create_reference failed");
      return NULL;
    }
  }
  extref_status_t st = extref_external_create(env, &types[kind], c, bytes,
                                              &result);
  if (st != EXTREF_OK) {
    if (kind == K_NAPIDROP) napi_delete_reference(env, ((napidrop_t *)c)->ref);
    free(c);
    extref_throw(env, st);
    return NULL;
  }
  atomic_fetch_add(&c_creates[kind], 1);
  return result;
}

/* create(kind, value = 0, externalBytes = 0) -> external */
static napi_value t_create(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  int kind = get_kind(env, argv[0]);
  int64_t value, bytes;
  if (kind < 0 || !get_i64(env, argv[1], 0, &value) ||
      !get_i64(env, argv[2], 0, &bytes))
    return NULL;
  return create_with_bytes(env, kind, value, bytes);
}

/* createMany(kind, n, externalBytes): n externals, none kept. */
static napi_value t_create_many(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  int kind = get_kind(env, argv[0]);
  int64_t n, bytes;
  if (kind < 0 || !get_i64(env, argv[1], 0, &n) ||
      !get_i64(env, argv[2], 0, &bytes))
    return NULL;
  for (int64_t i = 0; i < n; i++) {
    napi_handle_scope scope;
    napi_value result;
    NAPI_CALL(env, napi_open_handle_scope(env, &scope));
    counter_t *c = counter_new(kind, i);
    extref_status_t st =
        c ? extref_external_create(env, &types[kind], c, bytes, &result)
          : EXTREF_NO_MEMORY;
    napi_close_handle_scope(env, scope);
    if (st != EXTREF_OK) {
      free(c);
      extref_throw(env, st);
      return NULL;
    }
    atomic_fetch_add(&c_creates[kind], 1);
  }
  return NULL;
}

static napi_value do_borrow(napi_env env, napi_callback_info info,
                            bool exclusive) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int kind = get_kind(env, argv[1]);
  if (kind < 0) return NULL;
  extref_borrow_t b;
  extref_status_t st =
      exclusive ? extref_external_mut_ref(env, argv[0], &types[kind], &b)
                : extref_external_ref(env, argv[0], &types[kind], &b);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  int id = borrow_slot_new(kind, &b);
  if (id < 0) {
    extref_borrow_release(&b);
    test_throw(env, "TEST_FULL", "borrow table full");
    return NULL;
  }
  return num(env, id);
}

/* ref(ext, kind) -> borrow id */
static napi_value t_ref(napi_env env, napi_callback_info info) {
  return do_borrow(env, info, false);
}

/* mutRef(ext, kind) -> borrow id */
static napi_value t_mut_ref(napi_env env, napi_callback_info info) {
  return do_borrow(env, info, true);
}

/* borrowRead(id) -> the payload's value, read through the borrow */
static napi_value t_borrow_read(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  borrow_slot_t *s = get_borrow(env, argv[0]);
  if (!s) return NULL;
  counter_t *c = s->b.payload;
  if (!c) {
    test_throw(env, "TEST_EMPTY", "the borrow is empty");
    return NULL;
  }
  if (c->magic != MAGIC_ALIVE) {
    test_throw(env, "TEST_CORRUPT", "payload magic is wrong");
    return NULL;
  }
  return num(env, (double)c->value);
}

/* borrowWrite(id, value) */
static napi_value t_borrow_write(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  borrow_slot_t *s = get_borrow(env, argv[0]);
  int64_t v;
  if (!s || !get_i64(env, argv[1], 0, &v)) return NULL;
  counter_t *c = s->b.payload;
  if (!c) {
    test_throw(env, "TEST_EMPTY", "the borrow is empty");
    return NULL;
  }
  c->value = v;
  return NULL;
}

/* release(id): releases; the id is freed on success only. */
static napi_value t_release(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  borrow_slot_t *s = get_borrow(env, argv[0]);
  if (!s) return NULL;
  extref_status_t st = extref_borrow_release(&s->b);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  pthread_mutex_lock(&table_lock);
  s->used = false;
  pthread_mutex_unlock(&table_lock);
  return NULL;
}

/* releaseStatus(id) -> status name; keeps the id, so the same struct can be
 * released again. */
static napi_value t_release_status(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  borrow_slot_t *s = get_borrow(env, argv[0]);
  if (!s) return NULL;
  return str(env, extref_status_name(extref_borrow_release(&s->b)));
}

/* borrowCopy(id) -> a new id holding a bitwise copy of the borrow. */
static napi_value t_borrow_copy(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  borrow_slot_t *s = get_borrow(env, argv[0]);
  if (!s) return NULL;
  int id = borrow_slot_new(s->kind, &s->b);
  if (id < 0) {
    test_throw(env, "TEST_FULL", "borrow table full");
    return NULL;
  }
  return num(env, id);
}

/* borrowIsEmpty(id) -> whether the struct is all zero. */
static napi_value t_borrow_is_empty(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  borrow_slot_t *s = get_borrow(env, argv[0]);
  if (!s) return NULL;
  return boolean(env, s->b.payload == NULL && s->b.token == 0);
}

/* borrowForget(id): frees the id without releasing. */
static napi_value t_borrow_forget(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  borrow_slot_t *s = get_borrow(env, argv[0]);
  if (!s) return NULL;
  pthread_mutex_lock(&table_lock);
  s->used = false;
  pthread_mutex_unlock(&table_lock);
  return NULL;
}

/* cloneOut(ext, kind, sizeDelta = 0) -> value of the clone */
static napi_value t_clone_out(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  int kind = get_kind(env, argv[1]);
  int64_t delta;
  if (kind < 0 || !get_i64(env, argv[2], 0, &delta)) return NULL;
  big_counter_t dst;
  memset(&dst, 0x5a, sizeof dst);
  size_t size = (size_t)((int64_t)types[kind].payload_size + delta);
  extref_status_t st =
      extref_external_clone_out(env, argv[0], &types[kind], &dst, size);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  if (dst.c.magic != MAGIC_ALIVE) {
    test_throw(env, "TEST_CORRUPT", "the clone has a wrong magic");
    return NULL;
  }
  return num(env, (double)dst.c.value);
}

/* take(ext, kind) -> value; the taken payload is freed by the addon. */
static napi_value t_take(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int kind = get_kind(env, argv[1]);
  if (kind < 0) return NULL;
  void *p = NULL;
  extref_status_t st = extref_external_take(env, argv[0], &types[kind], &p);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  counter_t *c = p;
  if (c->magic != MAGIC_ALIVE) {
    test_throw(env, "TEST_CORRUPT", "taken payload magic is wrong");
    return NULL;
  }
  double v = (double)c->value;
  atomic_fetch_add(&c_taken_freed[kind], 1);
  c->magic = MAGIC_DEAD;
  free(c);
  return num(env, v);
}

/* takeInto(ext, kind, sizeDelta = 0) -> value; the creator's move runs. */
static napi_value t_take_into(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  int kind = get_kind(env, argv[1]);
  int64_t delta;
  if (kind < 0 || !get_i64(env, argv[2], 0, &delta)) return NULL;
  counter_t dst;
  memset(&dst, 0x5a, sizeof dst);
  size_t size = (size_t)((int64_t)types[kind].payload_size + delta);
  extref_status_t st =
      extref_external_take_into(env, argv[0], &types[kind], &dst, size);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  if (dst.magic != MAGIC_ALIVE) {
    test_throw(env, "TEST_CORRUPT", "the moved value has a wrong magic");
    return NULL;
  }
  return num(env, (double)dst.value);
}

/* moves(kind) -> how many times this copy's move ran for kind */
static napi_value t_moves(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  int kind = get_kind(env, argv[0]);
  if (kind < 0) return NULL;
  return num(env, (double)atomic_load(&c_moves[kind]));
}

/* hold(ext, kind) -> hold id */
static napi_value t_hold(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int kind = get_kind(env, argv[1]);
  if (kind < 0) return NULL;
  extref_hold_t *h = NULL;
  extref_status_t st = extref_external_hold(env, argv[0], &types[kind], &h);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  int id = hold_slot_new(h);
  if (id < 0) {
    extref_hold_release(h);
    test_throw(env, "TEST_FULL", "hold table full");
    return NULL;
  }
  return num(env, id);
}

static napi_value do_hold_borrow(napi_env env, napi_callback_info info,
                                 bool exclusive) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  int hid = get_hold_id(env, argv[0]);
  if (hid < 0) return NULL;
  extref_borrow_t b;
  extref_status_t st = exclusive ? extref_hold_mut_ref(holds[hid], &b)
                                 : extref_hold_ref(holds[hid], &b);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  int id = borrow_slot_new(-1, &b);
  if (id < 0) {
    extref_borrow_release(&b);
    test_throw(env, "TEST_FULL", "borrow table full");
    return NULL;
  }
  return num(env, id);
}

/* holdRef(hid) / holdMutRef(hid) -> borrow id */
static napi_value t_hold_ref(napi_env env, napi_callback_info info) {
  return do_hold_borrow(env, info, false);
}

static napi_value t_hold_mut_ref(napi_env env, napi_callback_info info) {
  return do_hold_borrow(env, info, true);
}

/* holdCloneOut(hid, sizeDelta = 0) -> value */
static napi_value t_hold_clone_out(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int hid = get_hold_id(env, argv[0]);
  int64_t delta;
  if (hid < 0 || !get_i64(env, argv[1], 0, &delta)) return NULL;
  big_counter_t dst;
  memset(&dst, 0x5a, sizeof dst);
  extref_status_t st = extref_hold_clone_out(
      holds[hid], &dst, (size_t)((int64_t)sizeof(counter_t) + delta));
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  return num(env, (double)dst.c.value);
}

/* holdDup(hid) -> hold id */
static napi_value t_hold_dup(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  int hid = get_hold_id(env, argv[0]);
  if (hid < 0) return NULL;
  extref_hold_t *h = NULL;
  extref_status_t st = extref_hold_dup(holds[hid], &h);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  int id = hold_slot_new(h);
  if (id < 0) {
    extref_hold_release(h);
    test_throw(env, "TEST_FULL", "hold table full");
    return NULL;
  }
  return num(env, id);
}

/* holdRelease(hid): the id is freed on success only. */
static napi_value t_hold_release(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  int hid = get_hold_id(env, argv[0]);
  if (hid < 0) return NULL;
  extref_status_t st = extref_hold_release(holds[hid]);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  pthread_mutex_lock(&table_lock);
  holds_used[hid] = false;
  holds[hid] = NULL;
  pthread_mutex_unlock(&table_lock);
  return NULL;
}

/* refMany(ext, kind, n) -> {taken, next, mutNext, releasedOk}: takes n
 * shared borrows (stopping at the first failure), reports the status of
 * one more shared and one exclusive borrow, then releases them all. */
static napi_value t_ref_many(napi_env env, napi_callback_info info) {
  napi_value argv[3], o;
  if (!get_args(env, info, 3, argv)) return NULL;
  int kind = get_kind(env, argv[1]);
  int64_t n;
  if (kind < 0 || !get_i64(env, argv[2], 0, &n) || n < 0) return NULL;
  extref_borrow_t *bs = calloc((size_t)n + 1, sizeof *bs);
  if (!bs) {
    test_throw(env, "TEST_NOMEM", "calloc failed");
    return NULL;
  }
  int64_t got = 0;
  extref_status_t st = EXTREF_OK;
  while (got < n &&
         (st = extref_external_ref(env, argv[0], &types[kind], &bs[got])) ==
             EXTREF_OK)
    got++;
  extref_status_t next = EXTREF_OK, mut_next;
  extref_borrow_t extra = {0}, mut_extra = {0};
  if (got == n) {
    next = extref_external_ref(env, argv[0], &types[kind], &extra);
    if (next == EXTREF_OK) extref_borrow_release(&extra);
  }
  mut_next = extref_external_mut_ref(env, argv[0], &types[kind], &mut_extra);
  if (mut_next == EXTREF_OK) extref_borrow_release(&mut_extra);
  int64_t ok = 0;
  for (int64_t i = 0; i < got; i++)
    if (extref_borrow_release(&bs[i]) == EXTREF_OK) ok++;
  free(bs);
  napi_create_object(env, &o);
  set_num(env, o, "taken", (double)got);
  set_str(env, o, "stoppedBy", extref_status_name(st));
  set_str(env, o, "next", extref_status_name(next));
  set_str(env, o, "mutNext", extref_status_name(mut_next));
  set_num(env, o, "releasedOk", (double)ok);
  return o;
}

/* ---- Re-entrancy -------------------------------------------------------- */

/* Calls cb(ext) while holding a borrow of ext; the borrow is released
 * before the callback's exception, if any, is rethrown. */
static napi_value with_borrow(napi_env env, napi_callback_info info,
                              bool exclusive) {
  napi_value argv[3], global, result = NULL;
  if (!get_args(env, info, 3, argv)) return NULL;
  int kind = get_kind(env, argv[1]);
  if (kind < 0) return NULL;
  extref_borrow_t b;
  extref_status_t st =
      exclusive ? extref_external_mut_ref(env, argv[0], &types[kind], &b)
                : extref_external_ref(env, argv[0], &types[kind], &b);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  napi_get_global(env, &global);
  napi_status ns = napi_call_function(env, global, argv[2], 1, argv, &result);
  napi_value exc = NULL;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) napi_get_and_clear_last_exception(env, &exc);
  st = extref_borrow_release(&b);
  if (exc) {
    napi_throw(env, exc);
    return NULL;
  }
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  if (ns != napi_ok) {
    test_throw(env, "TEST_NAPI", "napi_call_function failed");
    return NULL;
  }
  return result;
}

/* withMut(ext, kind, cb) / withRef(ext, kind, cb) -> cb's result */
static napi_value t_with_mut(napi_env env, napi_callback_info info) {
  return with_borrow(env, info, true);
}

static napi_value t_with_ref(napi_env env, napi_callback_info info) {
  return with_borrow(env, info, false);
}

/* swap(a, b, kind): two exclusive borrows at once, like swap(&mut, &mut). */
static napi_value t_swap(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  int kind = get_kind(env, argv[2]);
  if (kind < 0) return NULL;
  extref_borrow_t a, b;
  extref_status_t st = extref_external_mut_ref(env, argv[0], &types[kind], &a);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  st = extref_external_mut_ref(env, argv[1], &types[kind], &b);
  if (st != EXTREF_OK) {
    /* Throw first: the message is this thread's last error. */
    extref_throw(env, st);
    extref_borrow_release(&a);
    return NULL;
  }
  counter_t *x = a.payload, *y = b.payload;
  int64_t t = x->value;
  x->value = y->value;
  y->value = t;
  extref_borrow_release(&b);
  extref_borrow_release(&a);
  return NULL;
}

/* refThenMut(a, b, kind): a shared borrow of a, then an exclusive of b. */
static napi_value t_ref_then_mut(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  int kind = get_kind(env, argv[2]);
  if (kind < 0) return NULL;
  extref_borrow_t a, b;
  extref_status_t st = extref_external_ref(env, argv[0], &types[kind], &a);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  st = extref_external_mut_ref(env, argv[1], &types[kind], &b);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    extref_borrow_release(&a);
    return NULL;
  }
  extref_borrow_release(&b);
  extref_borrow_release(&a);
  return NULL;
}

/* ---- Threads ------------------------------------------------------------ */

enum {
  OP_HOLD,     /* keep the hold only */
  OP_REF,      /* a shared borrow through the hold, kept */
  OP_MUT,      /* an exclusive borrow through the hold, kept */
  OP_TICK,     /* short shared borrows in a loop */
  OP_SPIN,     /* `iterations` borrows, shared and exclusive alternately */
  OP_WRONG,    /* touches a thread-bound payload from this thread */
  OP_COUNT
};
static const char *const op_names[OP_COUNT] = {"hold", "ref", "mut", "tick",
                                                "spin", "wrong"};

#define JOB_TABLE 1024

typedef struct job_s {
  bool used, joined;
  pthread_t thread;
  int op, kind;
  extref_hold_t *hold;
  borrow_slot_t *foreign_borrow; /* OP_WRONG: a borrow of the JS thread */
  unsigned ms;
  int64_t iterations;
  _Atomic int gate;
  _Atomic int state; /* 0 starting, 1 acquired, 2 done */
  int acquire_status, release_status, hold_release_status;
  int wrong_ref, wrong_mut, wrong_dup, wrong_clone, wrong_release,
      wrong_borrow_release;
  bool intact;
  int64_t value_seen;
  uint64_t ticks, successes;
  uint64_t refusals[32];
  uint64_t drops_before, drops_after;
} job_t;

static job_t jobs[JOB_TABLE];

static uint64_t drops_total(void) {
  uint64_t n = 0;
  for (int k = 0; k < K_COUNT; k++) n += atomic_load(&c_drops[k]);
  return n;
}

static bool job_should_stop(job_t *j, uint64_t start) {
  if (atomic_load(&j->gate)) return true;
  return j->ms > 0 && now_ms() - start >= j->ms;
}

static bool check_intact(const counter_t *c, int64_t expect) {
  return c && c->magic == MAGIC_ALIVE && c->value == expect;
}

static void *job_main(void *arg) {
  job_t *j = arg;
  uint64_t start = now_ms();
  extref_borrow_t b = {0};
  j->intact = true;
  switch (j->op) {
  case OP_HOLD:
    atomic_store(&j->state, 1);
    while (!job_should_stop(j, start)) sleep_ms(1);
    break;
  case OP_REF:
  case OP_MUT:
    j->acquire_status = j->op == OP_REF ? extref_hold_ref(j->hold, &b)
                                        : extref_hold_mut_ref(j->hold, &b);
    if (j->acquire_status == EXTREF_OK) {
      counter_t *c = b.payload;
      j->value_seen = c->value;
      j->intact = c->magic == MAGIC_ALIVE;
    }
    atomic_store(&j->state, 1);
    while (!job_should_stop(j, start)) {
      if (j->acquire_status == EXTREF_OK &&
          !check_intact(b.payload, j->value_seen))
        j->intact = false;
      j->ticks++;
      sleep_ms(1);
    }
    if (j->acquire_status == EXTREF_OK) {
      if (j->op == OP_MUT) ((counter_t *)b.payload)->value += 1;
      j->release_status = extref_borrow_release(&b);
    }
    break;
  case OP_TICK:
    atomic_store(&j->state, 1);
    while (!job_should_stop(j, start)) {
      extref_status_t st = extref_hold_ref(j->hold, &b);
      if (st == EXTREF_OK) {
        counter_t *c = b.payload;
        if (j->ticks == 0) j->value_seen = c->value;
        if (!check_intact(c, j->value_seen)) j->intact = false;
        st = extref_borrow_release(&b);
        if (st != EXTREF_OK) j->release_status = st;
        j->successes++;
      } else {
        j->refusals[st & 31]++;
      }
      j->ticks++;
      sleep_ms(1);
    }
    break;
  case OP_SPIN:
    atomic_store(&j->state, 1);
    while (!atomic_load(&j->gate)) sleep_ms(1);
    for (int64_t i = 0; i < j->iterations; i++) {
      extref_status_t st = (i & 1) ? extref_hold_mut_ref(j->hold, &b)
                                   : extref_hold_ref(j->hold, &b);
      if (st == EXTREF_OK) {
        counter_t *c = b.payload;
        if (c->magic != MAGIC_ALIVE) j->intact = false;
        j->value_seen = c->value;
        st = extref_borrow_release(&b);
        if (st != EXTREF_OK) j->release_status = st;
        j->successes++;
      } else {
        j->refusals[st & 31]++;
      }
      j->ticks++;
    }
    break;
  case OP_WRONG: {
    extref_hold_t *dup = NULL;
    big_counter_t dst;
    j->wrong_ref = extref_hold_ref(j->hold, &b);
    if (j->wrong_ref == EXTREF_OK) extref_borrow_release(&b);
    j->wrong_mut = extref_hold_mut_ref(j->hold, &b);
    if (j->wrong_mut == EXTREF_OK) extref_borrow_release(&b);
    j->wrong_dup = extref_hold_dup(j->hold, &dup);
    if (j->wrong_dup == EXTREF_OK) extref_hold_release(dup);
    j->wrong_clone = extref_hold_clone_out(j->hold, &dst, sizeof(counter_t));
    j->wrong_borrow_release = -1;
    if (j->foreign_borrow)
      j->wrong_borrow_release =
          (int)extref_borrow_release(&j->foreign_borrow->b);
    j->wrong_release = extref_hold_release(j->hold);
    if (j->wrong_release == EXTREF_OK) j->hold = NULL;
    atomic_store(&j->state, 1);
    break;
  }
  }
  j->drops_before = drops_total();
  if (j->op != OP_WRONG) {
    j->hold_release_status = extref_hold_release(j->hold);
    if (j->hold_release_status == EXTREF_OK) j->hold = NULL;
  }
  j->drops_after = drops_total();
  atomic_store(&j->state, 2);
  return NULL;
}

static int get_op(napi_env env, napi_value v) {
  char buf[16];
  if (!get_string(env, v, buf, sizeof buf)) return -1;
  for (int i = 0; i < OP_COUNT; i++)
    if (strcmp(buf, op_names[i]) == 0) return i;
  test_throw(env, "TEST_ARGS", "unknown op");
  return -1;
}

/* jobStart(op, ext, kind, ms = 0, iterations = 0, borrowId = 0) -> job id.
 * The hold is made here on the JS thread; the thread releases it. ms = 0
 * waits for jobOpen. */
static napi_value t_job_start(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv)) return NULL;
  int op = get_op(env, argv[0]);
  if (op < 0) return NULL;
  int kind = get_kind(env, argv[2]);
  int64_t ms, iterations, bid;
  if (kind < 0 || !get_i64(env, argv[3], 0, &ms) ||
      !get_i64(env, argv[4], 0, &iterations) ||
      !get_i64(env, argv[5], 0, &bid))
    return NULL;
  borrow_slot_t *fb = NULL;
  if (bid > 0 && !(fb = get_borrow(env, argv[5]))) return NULL;
  extref_hold_t *h = NULL;
  extref_status_t st = extref_external_hold(env, argv[1], &types[kind], &h);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  int id = -1;
  pthread_mutex_lock(&table_lock);
  for (int i = 1; i < JOB_TABLE; i++) {
    if (!jobs[i].used) {
      memset(&jobs[i], 0, sizeof jobs[i]);
      jobs[i].used = true;
      id = i;
      break;
    }
  }
  pthread_mutex_unlock(&table_lock);
  if (id < 0) {
    extref_hold_release(h);
    test_throw(env, "TEST_FULL", "job table full");
    return NULL;
  }
  job_t *j = &jobs[id];
  j->op = op;
  j->kind = kind;
  j->hold = h;
  j->ms = (unsigned)ms;
  j->iterations = iterations;
  j->foreign_borrow = fb;
  if (pthread_create(&j->thread, NULL, job_main, j) != 0) {
    extref_hold_release(h);
    j->used = false;
    test_throw(env, "TEST_THREAD", "pthread_create failed");
    return NULL;
  }
  return num(env, id);
}

static job_t *get_job(napi_env env, napi_value v) {
  int64_t id;
  if (!get_i64(env, v, -1, &id)) return NULL;
  if (id <= 0 || id >= JOB_TABLE || !jobs[id].used) {
    test_throw(env, "TEST_ARGS", "not a job id");
    return NULL;
  }
  return &jobs[id];
}

static napi_value job_object(napi_env env, job_t *j) {
  napi_value o, refusals;
  napi_create_object(env, &o);
  set_num(env, o, "state", atomic_load(&j->state));
  if (atomic_load(&j->state) == 2 || j->op == OP_WRONG) {
    set_str(env, o, "acquire", extref_status_name(j->acquire_status));
    set_str(env, o, "release", extref_status_name(j->release_status));
    set_str(env, o, "holdRelease",
            extref_status_name(j->hold_release_status));
    set_num(env, o, "ticks", (double)j->ticks);
    set_num(env, o, "successes", (double)j->successes);
    set_num(env, o, "valueSeen", (double)j->value_seen);
    set_num(env, o, "dropsBefore", (double)j->drops_before);
    set_num(env, o, "dropsAfter", (double)j->drops_after);
    napi_set_named_property(env, o, "intact", boolean(env, j->intact));
    napi_create_object(env, &refusals);
    for (int i = 0; i < 32; i++)
      if (j->refusals[i])
        set_num(env, refusals, extref_status_name((extref_status_t)i),
                (double)j->refusals[i]);
    napi_set_named_property(env, o, "refusals", refusals);
  }
  if (j->op == OP_WRONG) {
    set_str(env, o, "wrongRef", extref_status_name(j->wrong_ref));
    set_str(env, o, "wrongMut", extref_status_name(j->wrong_mut));
    set_str(env, o, "wrongDup", extref_status_name(j->wrong_dup));
    set_str(env, o, "wrongClone", extref_status_name(j->wrong_clone));
    set_str(env, o, "wrongRelease", extref_status_name(j->wrong_release));
    set_str(env, o, "wrongBorrowRelease",
            j->wrong_borrow_release < 0
                ? "none"
                : extref_status_name(j->wrong_borrow_release));
  }
  return o;
}

/* jobState(id) -> {state, ...}; state 1: acquired, 2: finished */
static napi_value t_job_state(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  job_t *j = get_job(env, argv[0]);
  return j ? job_object(env, j) : NULL;
}

/* jobOpen(id): lets the thread finish. */
static napi_value t_job_open(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  job_t *j = get_job(env, argv[0]);
  if (j) atomic_store(&j->gate, 1);
  return NULL;
}

/* jobJoin(id) -> final state; frees the job. For OP_WRONG the hold, still
 * live, is handed back as a hold id in `hold`. */
static napi_value t_job_join(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  job_t *j = get_job(env, argv[0]);
  if (!j) return NULL;
  pthread_join(j->thread, NULL);
  napi_value o = job_object(env, j);
  if (j->hold) set_num(env, o, "hold", hold_slot_new(j->hold));
  pthread_mutex_lock(&table_lock);
  j->used = false;
  pthread_mutex_unlock(&table_lock);
  return o;
}

/* ---- Async work --------------------------------------------------------- */

typedef struct async_s {
  napi_async_work work;
  napi_ref cb;
  extref_hold_t *hold;
  int kind;
  unsigned ms;
  int mode; /* 0: tick and release in execute; 1: release in complete;
               2: try an exclusive borrow, which must fail; 3: a shared
               borrow on the JS thread */
  bool intact;
  int64_t value_seen;
  uint64_t ticks, drops_before, drops_after;
  int status, release_status;
} async_t;

static void async_execute(napi_env env, void *data) {
  (void)env;
  async_t *a = data;
  uint64_t start = now_ms();
  extref_borrow_t b;
  a->intact = true;
  if (a->mode == 2) {
    a->status = extref_hold_mut_ref(a->hold, &b);
    if (a->status == EXTREF_OK) extref_borrow_release(&b);
  } else {
    do {
      if (types[a->kind].flags & EXTREF_TYPE_SEND) {
        extref_status_t st = extref_hold_ref(a->hold, &b);
        if (st != EXTREF_OK) {
          a->status = st;
          break;
        }
        counter_t *c = b.payload;
        if (a->ticks == 0) a->value_seen = c->value;
        if (!check_intact(c, a->value_seen)) a->intact = false;
        extref_borrow_release(&b);
      }
      a->ticks++;
      if (a->ms) sleep_ms(1);
    } while (now_ms() - start < a->ms);
  }
  a->drops_before = drops_total();
  if (a->mode != 1) {
    a->release_status = extref_hold_release(a->hold);
    a->hold = NULL;
  }
  a->drops_after = drops_total();
}

static void async_complete(napi_env env, napi_status status, void *data) {
  async_t *a = data;
  if (a->hold) {
    a->drops_before = drops_total();
    a->release_status = extref_hold_release(a->hold);
    a->hold = NULL;
    a->drops_after = drops_total();
  }
  napi_value cb, o, global;
  if (status == napi_ok && napi_get_reference_value(env, a->cb, &cb) ==
                               napi_ok && cb) {
    napi_create_object(env, &o);
    set_str(env, o, "status", extref_status_name(a->status));
    set_str(env, o, "release", extref_status_name(a->release_status));
    set_num(env, o, "ticks", (double)a->ticks);
    set_num(env, o, "valueSeen", (double)a->value_seen);
    set_num(env, o, "dropsBefore", (double)a->drops_before);
    set_num(env, o, "dropsAfter", (double)a->drops_after);
    napi_set_named_property(env, o, "intact", boolean(env, a->intact));
    napi_get_global(env, &global);
    napi_call_function(env, global, cb, 1, &o, NULL);
  }
  napi_delete_reference(env, a->cb);
  napi_delete_async_work(env, a->work);
  free(a);
}

/* asyncHold(ext, kind, ms, mode, cb): napi async work over a hold. Fails
 * synchronously, holding nothing, when the hold cannot be made. */
static napi_value t_async_hold(napi_env env, napi_callback_info info) {
  napi_value argv[5], name;
  if (!get_args(env, info, 5, argv)) return NULL;
  int kind = get_kind(env, argv[1]);
  int64_t ms, mode;
  if (kind < 0 || !get_i64(env, argv[2], 0, &ms) ||
      !get_i64(env, argv[3], 0, &mode))
    return NULL;
  napi_valuetype t;
  napi_typeof(env, argv[4], &t);
  if (t != napi_function) {
    test_throw(env, "TEST_ARGS", "cb must be a function");
    return NULL;
  }
  async_t *a = calloc(1, sizeof *a);
  if (!a) {
    test_throw(env, "TEST_NOMEM", "calloc failed");
    return NULL;
  }
  a->kind = kind;
  a->ms = (unsigned)ms;
  a->mode = (int)mode;
  extref_status_t st =
      extref_external_hold(env, argv[0], &types[kind], &a->hold);
  if (st != EXTREF_OK) {
    free(a);
    extref_throw(env, st);
    return NULL;
  }
  if (a->mode == 3) {
    /* A shared borrow on the JS thread through the hold, then done. */
    extref_borrow_t b;
    a->status = extref_hold_ref(a->hold, &b);
    if (a->status == EXTREF_OK) extref_borrow_release(&b);
    a->mode = 1;
    a->ms = 0;
  }
  napi_create_string_utf8(env, "extref_test.asyncHold", NAPI_AUTO_LENGTH,
                          &name);
  if (napi_create_reference(env, argv[4], 1, &a->cb) != napi_ok ||
      napi_create_async_work(env, NULL, name, async_execute, async_complete,
                             a, &a->work) != napi_ok ||
      napi_queue_async_work(env, a->work) != napi_ok) {
    extref_hold_release(a->hold);
    if (a->cb) napi_delete_reference(env, a->cb);
    if (a->work) napi_delete_async_work(env, a->work);
    free(a);
    test_throw(env, "TEST_NAPI", "async work setup failed");
    return NULL;
  }
  return NULL;
}

/* ---- Foreign externals -------------------------------------------------- */

static void free_finalizer(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

/* foreign(what) -> a plain napi external: "one" (void *)1, "byte" a live
 * 1-byte allocation, "freed" a freed one, "null" NULL. */
static napi_value t_foreign(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  char what[16];
  if (!get_args(env, info, 1, argv) ||
      !get_string(env, argv[0], what, sizeof what))
    return NULL;
  if (strcmp(what, "one") == 0) {
    NAPI_CALL(env, napi_create_external(env, (void *)1, NULL, NULL, &result));
  } else if (strcmp(what, "byte") == 0) {
    void *p = malloc(1);
    NAPI_CALL(env,
              napi_create_external(env, p, free_finalizer, NULL, &result));
  } else if (strcmp(what, "freed") == 0) {
    /* Launder the address so the compiler lets us keep a dangling one. */
    void *p = malloc(64);
    volatile uintptr_t addr = (uintptr_t)p;
    free(p);
    NAPI_CALL(env, napi_create_external(env, (void *)addr, NULL, NULL,
                                        &result));
  } else if (strcmp(what, "null") == 0) {
    NAPI_CALL(env, napi_create_external(env, NULL, NULL, NULL, &result));
  } else {
    test_throw(env, "TEST_ARGS", "unknown foreign kind");
    return NULL;
  }
  return result;
}

/* ---- Counters ----------------------------------------------------------- */

static napi_value per_kind(napi_env env, _Atomic uint64_t *a) {
  napi_value o;
  napi_create_object(env, &o);
  uint64_t total = 0;
  for (int k = 0; k < K_COUNT; k++) {
    uint64_t v = atomic_load(&a[k]);
    total += v;
    set_num(env, o, kind_names[k], (double)v);
  }
  set_num(env, o, "total", (double)total);
  return o;
}

/* stats() -> extref_stats_get as numbers */
static napi_value t_stats(napi_env env, napi_callback_info info) {
  (void)info;
  extref_stats_t s;
  memset(&s, 0, sizeof s);
  s.struct_size = sizeof s;
  extref_status_t st = extref_stats_get(&s);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  napi_value o;
  napi_create_object(env, &o);
  set_num(env, o, "livePayloads", (double)s.live_payloads);
  set_num(env, o, "liveBorrows", (double)s.live_borrows);
  set_num(env, o, "liveHolds", (double)s.live_holds);
  set_num(env, o, "drops", (double)s.drops);
  set_num(env, o, "deferredDrops", (double)s.deferred_drops);
  set_num(env, o, "takes", (double)s.takes);
  set_num(env, o, "externalBytes", (double)s.external_bytes);
  return o;
}

/* counters() -> this copy of the addon's own drop accounting */
static napi_value t_counters(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "creates", per_kind(env, c_creates));
  napi_set_named_property(env, o, "drops", per_kind(env, c_drops));
  napi_set_named_property(env, o, "dropsEnv", per_kind(env, c_drops_env));
  napi_set_named_property(env, o, "dropsEnvNull",
                          per_kind(env, c_drops_null));
  napi_set_named_property(env, o, "takenFreed",
                          per_kind(env, c_taken_freed));
  set_num(env, o, "doubleDrops", (double)atomic_load(&c_double_drops));
  set_num(env, o, "badMagic", (double)atomic_load(&c_bad_magic));
  return o;
}

/* lastError() -> {status, name, napiStatus, message} */
static napi_value t_last_error(napi_env env, napi_callback_info info) {
  (void)info;
  const extref_error_t *e = extref_last_error();
  napi_value o;
  napi_create_object(env, &o);
  if (!e) return o;
  set_num(env, o, "status", e->status);
  set_str(env, o, "name", extref_status_name(e->status));
  set_num(env, o, "napiStatus", e->napi_status);
  set_str(env, o, "message", e->message ? e->message : "<NULL>");
  return o;
}

/* statusName(n), statusText(n) */
static napi_value t_status_name(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t n;
  if (!get_args(env, info, 1, argv) || !get_i64(env, argv[0], 0, &n))
    return NULL;
  const char *s = extref_status_name((extref_status_t)n);
  return str(env, s ? s : "<NULL>");
}

static napi_value t_status_text(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t n;
  if (!get_args(env, info, 1, argv) || !get_i64(env, argv[0], 0, &n))
    return NULL;
  const char *s = extref_status_text((extref_status_t)n);
  return str(env, s ? s : "<NULL>");
}

/* throwStatus(n): extref_throw(env, n); returns its status name when
 * nothing was thrown. */
static napi_value t_throw_status(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t n;
  if (!get_args(env, info, 1, argv) || !get_i64(env, argv[0], 0, &n))
    return NULL;
  extref_status_t st = extref_throw(env, (extref_status_t)n);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return NULL;
  return str(env, extref_status_name(st));
}

/* version() -> {hex, string, headerHex} */
static napi_value t_version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o;
  napi_create_object(env, &o);
  set_num(env, o, "hex", extref_version());
  const char *s = extref_version_string();
  set_str(env, o, "string", s ? s : "<NULL>");
  set_num(env, o, "headerHex", EXTREF_VERSION_HEX);
  set_str(env, o, "headerString", EXTREF_VERSION_STRING);
  return o;
}

/* engineExternal() -> the engine's external-memory counter, as
 * napi_adjust_external_memory(env, 0) reports it. */
static napi_value t_engine_external(napi_env env, napi_callback_info info) {
  (void)info;
  int64_t total = 0;
  NAPI_CALL(env, napi_adjust_external_memory(env, 0, &total));
  return num(env, (double)total);
}

/* setDropLog(fd): drops write a line to fd (-1: off). */
static napi_value t_set_drop_log(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t fd;
  if (!get_args(env, info, 1, argv) || !get_i64(env, argv[0], -1, &fd))
    return NULL;
  atomic_store(&drop_log_fd, (int)fd);
  return NULL;
}

/* ---- Raw handles, sizes, stashed holds (scenarios 14-19) ---------------- */

/* A 64-bit integer from a BigInt (exact) or a Number. */
static bool get_big(napi_env env, napi_value v, uint64_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return false;
  if (t == napi_bigint) {
    bool lossless = false;
    if (napi_get_value_bigint_uint64(env, v, out, &lossless) != napi_ok ||
        !lossless) {
      test_throw(env, "TEST_ARGS", "the BigInt does not fit 64 bits");
      return false;
    }
    return true;
  }
  int64_t i;
  if (!get_i64(env, v, 0, &i)) return false;
  *out = (uint64_t)i;
  return true;
}

static napi_value big_u64(napi_env env, uint64_t u) {
  napi_value v;
  napi_create_bigint_uint64(env, u, &v);
  return v;
}

static napi_value big_i64(napi_env env, int64_t i) {
  napi_value v;
  napi_create_bigint_int64(env, i, &v);
  return v;
}

/* createBytes(kind, externalBytes: BigInt, value = 0) -> external */
static napi_value t_create_bytes(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  int kind = get_kind(env, argv[0]);
  uint64_t bytes;
  int64_t value;
  if (kind < 0 || !get_big(env, argv[1], &bytes) ||
      !get_i64(env, argv[2], 0, &value))
    return NULL;
  return create_with_bytes(env, kind, value, (int64_t)bytes);
}

/* externalBytes() -> extref_stats_t.external_bytes as a BigInt (exact) */
static napi_value t_external_bytes(napi_env env, napi_callback_info info) {
  (void)info;
  extref_stats_t s;
  memset(&s, 0, sizeof s);
  s.struct_size = sizeof s;
  extref_status_t st = extref_stats_get(&s);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  return big_i64(env, s.external_bytes);
}

/* holdPtr(hid) -> the extref_hold_t * as a BigInt; it stays usable (as a
 * stale pointer) after holdRelease(hid). */
static napi_value t_hold_ptr(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  int hid = get_hold_id(env, argv[0]);
  if (hid < 0) return NULL;
  return big_u64(env, (uint64_t)(uintptr_t)holds[hid]);
}

/* rawHold(op, ptr: BigInt) -> {status, value?, id?}: one call on a raw
 * (possibly stale or foreign) hold pointer. op: "ref", "mutRef", "clone",
 * "dup", "release". A borrow that succeeds is read and released at once; a
 * hold that dup makes is kept in the table (its id in `id`). */
static napi_value t_raw_hold(napi_env env, napi_callback_info info) {
  napi_value argv[2], o;
  char op[16];
  uint64_t u;
  if (!get_args(env, info, 2, argv) || !get_string(env, argv[0], op, sizeof op)
      || !get_big(env, argv[1], &u))
    return NULL;
  extref_hold_t *h = (extref_hold_t *)(uintptr_t)u;
  extref_status_t st;
  extref_borrow_t b = {0};
  bool have_value = false;
  int64_t value = 0;
  int id = -1;
  napi_create_object(env, &o);
  if (strcmp(op, "ref") == 0 || strcmp(op, "mutRef") == 0) {
    st = op[0] == 'r' ? extref_hold_ref(h, &b) : extref_hold_mut_ref(h, &b);
    if (st == EXTREF_OK) {
      value = ((counter_t *)b.payload)->value;
      have_value = true;
      extref_borrow_release(&b);
    }
  } else if (strcmp(op, "clone") == 0) {
    big_counter_t dst;
    st = extref_hold_clone_out(h, &dst, sizeof(counter_t));
    if (st == EXTREF_OK) {
      value = dst.c.value;
      have_value = true;
    }
  } else if (strcmp(op, "dup") == 0) {
    extref_hold_t *d = NULL;
    st = extref_hold_dup(h, &d);
    if (st == EXTREF_OK) id = hold_slot_new(d);
  } else if (strcmp(op, "release") == 0) {
    st = extref_hold_release(h);
  } else {
    test_throw(env, "TEST_ARGS", "unknown rawHold op");
    return NULL;
  }
  set_str(env, o, "status", extref_status_name(st));
  if (have_value) set_num(env, o, "value", (double)value);
  if (id > 0) set_num(env, o, "id", id);
  return o;
}

/* borrowRaw(id) -> [payload, token] as BigInts */
static napi_value t_borrow_raw(napi_env env, napi_callback_info info) {
  napi_value argv[1], arr;
  if (!get_args(env, info, 1, argv)) return NULL;
  borrow_slot_t *s = get_borrow(env, argv[0]);
  if (!s) return NULL;
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, big_u64(env, (uintptr_t)s->b.payload));
  napi_set_element(env, arr, 1, big_u64(env, (uint64_t)s->b.token));
  return arr;
}

/* releaseRaw(payload, token) -> status name: extref_borrow_release of a
 * borrow rebuilt from raw words (another copy's, a stale one). */
static napi_value t_release_raw(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint64_t p, t;
  if (!get_args(env, info, 2, argv) || !get_big(env, argv[0], &p) ||
      !get_big(env, argv[1], &t))
    return NULL;
  extref_borrow_t b = {(void *)(uintptr_t)p, (uintptr_t)t};
  return str(env, extref_status_name(extref_borrow_release(&b)));
}

/* Holds handed over by other code (another addon, a Worker), kept in a
 * process-wide table until released from a native thread. */
#define STASH_SIZE 64
static _Atomic(extref_hold_t *) stash[STASH_SIZE];

/* stashHold(ptr: BigInt) -> index */
static napi_value t_stash_hold(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  uint64_t u;
  if (!get_args(env, info, 1, argv) || !get_big(env, argv[0], &u)) return NULL;
  for (int i = 0; i < STASH_SIZE; i++) {
    extref_hold_t *expect = NULL;
    if (atomic_compare_exchange_strong(&stash[i], &expect,
                                       (extref_hold_t *)(uintptr_t)u))
      return num(env, i);
  }
  test_throw(env, "TEST_FULL", "stash full");
  return NULL;
}

typedef struct stash_job_s {
  extref_hold_t *hold;
  extref_status_t status;
} stash_job_t;

static void *stash_release_main(void *arg) {
  stash_job_t *j = arg;
  j->status = extref_hold_release(j->hold);
  return NULL;
}

/* releaseStashedOnThread(index) -> status name: extref_hold_release of the
 * stashed hold on a new native thread, joined before returning. */
static napi_value t_release_stashed(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t i;
  if (!get_args(env, info, 1, argv) || !get_i64(env, argv[0], -1, &i))
    return NULL;
  if (i < 0 || i >= STASH_SIZE || atomic_load(&stash[i]) == NULL) {
    test_throw(env, "TEST_ARGS", "not a stash index");
    return NULL;
  }
  stash_job_t j = {atomic_exchange(&stash[i], NULL), EXTREF_OK};
  pthread_t th;
  if (pthread_create(&th, NULL, stash_release_main, &j) != 0) {
    test_throw(env, "TEST_THREAD", "pthread_create failed");
    return NULL;
  }
  pthread_join(th, NULL);
  return str(env, extref_status_name(j.status));
}

/* The owner addon of scenario 15 counts its drops here: its payloads carry
 * this address (ownerCounterAddress()), which stays mapped with this addon. */
static _Atomic uint64_t owner_drops;

static napi_value t_owner_counter_address(napi_env env,
                                          napi_callback_info info) {
  (void)info;
  return big_u64(env, (uint64_t)(uintptr_t)&owner_drops);
}

static napi_value t_owner_drops(napi_env env, napi_callback_info info) {
  (void)info;
  return num(env, (double)atomic_load(&owner_drops));
}

/* napiDropCalls() -> {ok, failed}: drops of napidrop payloads that were given
 * an env, by whether their Node-API calls succeeded. */
static napi_value t_napidrop_calls(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o;
  napi_create_object(env, &o);
  set_num(env, o, "ok", (double)atomic_load(&c_napidrop_calls_ok));
  set_num(env, o, "failed", (double)atomic_load(&c_napidrop_calls_failed));
  return o;
}

/* ---- Bad arguments ------------------------------------------------------ */

#include "probe.inc"

/* ---- Module ------------------------------------------------------------- */

#define FN(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_default, NULL}

NAPI_MODULE_INIT() {
  static const napi_property_descriptor props[] = {
      FN("create", t_create),
      FN("createMany", t_create_many),
      FN("ref", t_ref),
      FN("mutRef", t_mut_ref),
      FN("borrowRead", t_borrow_read),
      FN("borrowWrite", t_borrow_write),
      FN("release", t_release),
      FN("releaseStatus", t_release_status),
      FN("borrowCopy", t_borrow_copy),
      FN("borrowIsEmpty", t_borrow_is_empty),
      FN("borrowForget", t_borrow_forget),
      FN("cloneOut", t_clone_out),
      FN("take", t_take),
      FN("takeInto", t_take_into),
      FN("moves", t_moves),
      FN("hold", t_hold),
      FN("holdRef", t_hold_ref),
      FN("holdMutRef", t_hold_mut_ref),
      FN("holdCloneOut", t_hold_clone_out),
      FN("holdDup", t_hold_dup),
      FN("holdRelease", t_hold_release),
      FN("refMany", t_ref_many),
      FN("withMut", t_with_mut),
      FN("withRef", t_with_ref),
      FN("swap", t_swap),
      FN("refThenMut", t_ref_then_mut),
      FN("jobStart", t_job_start),
      FN("jobState", t_job_state),
      FN("jobOpen", t_job_open),
      FN("jobJoin", t_job_join),
      FN("asyncHold", t_async_hold),
      FN("foreign", t_foreign),
      FN("stats", t_stats),
      FN("counters", t_counters),
      FN("lastError", t_last_error),
      FN("statusName", t_status_name),
      FN("statusText", t_status_text),
      FN("throwStatus", t_throw_status),
      FN("version", t_version),
      FN("setDropLog", t_set_drop_log),
      FN("engineExternal", t_engine_external),
      FN("probe", t_probe),
      FN("createBytes", t_create_bytes),
      FN("externalBytes", t_external_bytes),
      FN("holdPtr", t_hold_ptr),
      FN("rawHold", t_raw_hold),
      FN("borrowRaw", t_borrow_raw),
      FN("releaseRaw", t_release_raw),
      FN("stashHold", t_stash_hold),
      FN("releaseStashedOnThread", t_release_stashed),
      FN("ownerCounterAddress", t_owner_counter_address),
      FN("ownerDrops", t_owner_drops),
      FN("napiDropCalls", t_napidrop_calls),
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0],
                             props) != napi_ok)
    return NULL;
  return exports;
}
