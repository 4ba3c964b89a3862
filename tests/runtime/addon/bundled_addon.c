/* The bundled addon of scenario 17: a second copy of libextref, compiled
 * from the library's own sources into this addon (a static archive linked
 * with -Wl,--exclude-libs,ALL and -fvisibility=hidden, so none of its
 * extref_ symbols is exported or interposes with libextref.so.1), next to
 * the main test addon, which uses the staged libextref.so.1.
 *
 * Its type has the tag and the layout of the main addon's "send" type, so
 * the only thing that tells the two apart is which copy made a payload.
 * Borrows and holds cross between the copies as raw BigInts.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>

#include <extref.h>

typedef struct bundled_payload_s { /* the main addon's counter_t */
  uint64_t magic;
  int64_t value;
  uint64_t id;
  int kind;
} bundled_payload_t;

#define MAGIC_ALIVE 0xA11CEA11CEA11CE5ull

static _Atomic uint64_t drops;

static void bundled_drop(void *payload, void *type_data, napi_env env) {
  (void)type_data;
  (void)env;
  atomic_fetch_add(&drops, 1);
  ((bundled_payload_t *)payload)->magic = 0;
  free(payload);
}

static const extref_type_t bundled_type = {
    sizeof(extref_type_t), EXTREF_TYPE_SEND,
    /* the main addon's TAG_SEND */
    {0x5a1e7e57c0de0002ull, 0x6c69626578747265ull}, "SendCounter",
    sizeof(bundled_payload_t), bundled_drop, NULL, NULL, NULL};

static size_t args(napi_env env, napi_callback_info info, size_t n,
                   napi_value *argv) {
  size_t argc = n;
  napi_value undef;
  napi_get_undefined(env, &undef);
  for (size_t i = 0; i < n; i++) argv[i] = undef;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  return argc;
}

static napi_value str(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

static napi_value big(napi_env env, uint64_t u) {
  napi_value v;
  napi_create_bigint_uint64(env, u, &v);
  return v;
}

static bool get_big(napi_env env, napi_value v, uint64_t *out) {
  bool lossless = false;
  if (napi_get_value_bigint_uint64(env, v, out, &lossless) != napi_ok) {
    napi_throw_type_error(env, "TEST_ARGS", "expected a BigInt");
    return false;
  }
  return true;
}

static napi_value status(napi_env env, extref_status_t st) {
  return str(env, extref_status_name(st));
}

/* create(value = 0) -> external of this copy */
static napi_value b_create(napi_env env, napi_callback_info info) {
  napi_value argv[1], ext;
  int64_t value = 0;
  args(env, info, 1, argv);
  napi_get_value_int64(env, argv[0], &value);
  bundled_payload_t *p = calloc(1, sizeof *p);
  if (p == NULL) {
    napi_throw_error(env, "TEST_NOMEM", "calloc failed");
    return NULL;
  }
  p->magic = MAGIC_ALIVE;
  p->value = value;
  extref_status_t st = extref_external_create(env, &bundled_type, p, 0, &ext);
  if (st != EXTREF_OK) {
    free(p);
    extref_throw(env, st);
    return NULL;
  }
  return ext;
}

static napi_value borrow(napi_env env, napi_callback_info info, bool excl) {
  napi_value argv[1], arr;
  extref_borrow_t b;
  args(env, info, 1, argv);
  extref_status_t st =
      excl ? extref_external_mut_ref(env, argv[0], &bundled_type, &b)
           : extref_external_ref(env, argv[0], &bundled_type, &b);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, big(env, (uintptr_t)b.payload));
  napi_set_element(env, arr, 1, big(env, (uint64_t)b.token));
  return arr;
}

/* ref(ext) / mutRef(ext) -> [payload, token] as BigInts (a live borrow) */
static napi_value b_ref(napi_env env, napi_callback_info info) {
  return borrow(env, info, false);
}

static napi_value b_mut_ref(napi_env env, napi_callback_info info) {
  return borrow(env, info, true);
}

/* release(payload, token) -> status name; also for another copy's borrow */
static napi_value b_release(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint64_t p, t;
  args(env, info, 2, argv);
  if (!get_big(env, argv[0], &p) || !get_big(env, argv[1], &t)) return NULL;
  extref_borrow_t b = {(void *)(uintptr_t)p, (uintptr_t)t};
  return status(env, extref_borrow_release(&b));
}

/* hold(ext) -> the hold pointer as a BigInt */
static napi_value b_hold(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  extref_hold_t *h = NULL;
  args(env, info, 1, argv);
  extref_status_t st = extref_external_hold(env, argv[0], &bundled_type, &h);
  if (st != EXTREF_OK) {
    extref_throw(env, st);
    return NULL;
  }
  return big(env, (uint64_t)(uintptr_t)h);
}

/* holdOp(op, ptr) -> status name; op "release", "ref", "mutRef", "dup" on a
 * raw hold pointer (this copy's or another's). A borrow or a dup that
 * succeeds is ended at once. */
static napi_value b_hold_op(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char op[16] = "";
  size_t len;
  uint64_t u;
  args(env, info, 2, argv);
  if (napi_get_value_string_utf8(env, argv[0], op, sizeof op, &len) !=
          napi_ok ||
      !get_big(env, argv[1], &u))
    return NULL;
  extref_hold_t *h = (extref_hold_t *)(uintptr_t)u, *d = NULL;
  extref_borrow_t b;
  extref_status_t st;
  if (strcmp(op, "release") == 0) {
    st = extref_hold_release(h);
  } else if (strcmp(op, "ref") == 0 || strcmp(op, "mutRef") == 0) {
    st = op[0] == 'r' ? extref_hold_ref(h, &b) : extref_hold_mut_ref(h, &b);
    if (st == EXTREF_OK) extref_borrow_release(&b);
  } else if (strcmp(op, "dup") == 0) {
    st = extref_hold_dup(h, &d);
    if (st == EXTREF_OK) extref_hold_release(d);
  } else {
    napi_throw_error(env, "TEST_ARGS", "unknown op");
    return NULL;
  }
  return status(env, st);
}

/* access(op, ext) -> status name of ref/mutRef/hold/take/clone on a JS
 * value with this copy's type; whatever succeeds is undone at once. */
static napi_value b_access(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char op[16] = "";
  size_t len;
  extref_status_t st;
  extref_borrow_t b;
  extref_hold_t *h;
  void *taken;
  bundled_payload_t dst;
  args(env, info, 2, argv);
  if (napi_get_value_string_utf8(env, argv[0], op, sizeof op, &len) !=
      napi_ok)
    return NULL;
  if (strcmp(op, "ref") == 0 || strcmp(op, "mutRef") == 0) {
    st = op[0] == 'r'
             ? extref_external_ref(env, argv[1], &bundled_type, &b)
             : extref_external_mut_ref(env, argv[1], &bundled_type, &b);
    if (st == EXTREF_OK) extref_borrow_release(&b);
  } else if (strcmp(op, "hold") == 0) {
    st = extref_external_hold(env, argv[1], &bundled_type, &h);
    if (st == EXTREF_OK) extref_hold_release(h);
  } else if (strcmp(op, "clone") == 0) {
    st = extref_external_clone_out(env, argv[1], &bundled_type, &dst,
                                   sizeof dst);
  } else if (strcmp(op, "take") == 0) {
    /* A take that succeeds would steal another copy's payload: report it
     * and leak it rather than free memory this copy does not own. */
    st = extref_external_take(env, argv[1], &bundled_type, &taken);
  } else {
    napi_throw_error(env, "TEST_ARGS", "unknown op");
    return NULL;
  }
  return status(env, st);
}

static void set(napi_env env, napi_value o, const char *k, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  napi_set_named_property(env, o, k, v);
}

/* stats() -> this copy's extref_stats_get, and its drops */
static napi_value b_stats(napi_env env, napi_callback_info info) {
  napi_value o;
  extref_stats_t s;
  (void)info;
  memset(&s, 0, sizeof s);
  s.struct_size = sizeof s;
  extref_stats_get(&s);
  napi_create_object(env, &o);
  set(env, o, "livePayloads", (double)s.live_payloads);
  set(env, o, "liveBorrows", (double)s.live_borrows);
  set(env, o, "liveHolds", (double)s.live_holds);
  set(env, o, "drops", (double)s.drops);
  set(env, o, "takes", (double)s.takes);
  set(env, o, "addonDrops", (double)atomic_load(&drops));
  return o;
}

/* libraryAddress() -> the address of this copy's extref_borrow_release, to
 * show it is not libextref.so.1's */
static napi_value b_library_address(napi_env env, napi_callback_info info) {
  (void)info;
  return big(env, (uint64_t)(uintptr_t)&extref_borrow_release);
}

#define FN(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_default, NULL}

NAPI_MODULE_INIT() {
  static const napi_property_descriptor props[] = {
      FN("create", b_create),   FN("ref", b_ref),
      FN("mutRef", b_mut_ref),  FN("release", b_release),
      FN("hold", b_hold),       FN("holdOp", b_hold_op),
      FN("access", b_access),   FN("stats", b_stats),
      FN("libraryAddress", b_library_address),
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0],
                             props) != napi_ok)
    return NULL;
  return exports;
}
