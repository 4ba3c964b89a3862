/* A node-gyp addon built from the packed npm package `libextref` (its own,
 * hidden copy of the library): tests/suites/24-bundled.sh builds it in an
 * empty project from the tarball. A counter payload; every entry point
 * reports statuses as strings, never throws, so that a refused access is
 * seen as a value. GYP_ADDON_LABEL names the build in label().
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>

#include <node_api.h>

#include <extref.h>

#ifndef GYP_ADDON_LABEL
#define GYP_ADDON_LABEL "gyp"
#endif

typedef struct { int64_t value; } counter_t;

static void counter_drop(void *p, void *type_data, napi_env env) {
  (void)type_data;
  (void)env;
  free(p);
}

static const extref_type_t counter_type = {
    sizeof(extref_type_t), EXTREF_TYPE_SEND,
    {0x6779706164646f6eull, 0x636f756e74657231ull}, "GypCounter",
    sizeof(counter_t), counter_drop, NULL, NULL, NULL};

static extref_borrow_t held_borrow;
static int have_borrow;

static napi_value str(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

static napi_value arg0(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value v = NULL;
  napi_get_cb_info(env, info, &argc, &v, NULL, NULL);
  if (argc < 1) napi_get_undefined(env, &v);
  return v;
}

/* { status, message, value? } */
static napi_value result(napi_env env, extref_status_t st, const int64_t *v) {
  napi_value o;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "status", str(env, extref_status_name(st)));
  if (st != EXTREF_OK) {
    const extref_error_t *e = extref_last_error();
    napi_set_named_property(env, o, "message",
                            str(env, e && e->message ? e->message : ""));
  }
  if (v) {
    napi_value n;
    napi_create_int64(env, *v, &n);
    napi_set_named_property(env, o, "value", n);
  }
  return o;
}

static napi_value create(napi_env env, napi_callback_info info) {
  int64_t v = 0;
  napi_value out;
  counter_t *c = malloc(sizeof *c);
  napi_get_value_int64(env, arg0(env, info), &v);
  c->value = v;
  if (extref_external_create(env, &counter_type, c, 0, &out) != EXTREF_OK) {
    free(c);
    napi_throw_error(env, "EXTREF", extref_last_error()->message);
    return NULL;
  }
  return out;
}

static napi_value get(napi_env env, napi_callback_info info) {
  extref_borrow_t b;
  extref_status_t st = extref_external_ref(env, arg0(env, info), &counter_type,
                                           &b);
  if (st != EXTREF_OK) return result(env, st, NULL);
  int64_t v = ((counter_t *)b.payload)->value;
  extref_borrow_release(&b);
  return result(env, EXTREF_OK, &v);
}

static napi_value mut_begin(napi_env env, napi_callback_info info) {
  if (have_borrow) return result(env, EXTREF_INVALID_ARG, NULL);
  extref_status_t st = extref_external_mut_ref(env, arg0(env, info),
                                               &counter_type, &held_borrow);
  have_borrow = st == EXTREF_OK;
  return result(env, st, NULL);
}

static napi_value mut_end(napi_env env, napi_callback_info info) {
  (void)info;
  if (!have_borrow) return result(env, EXTREF_INVALID_ARG, NULL);
  have_borrow = 0;
  return result(env, extref_borrow_release(&held_borrow), NULL);
}

static napi_value take(napi_env env, napi_callback_info info) {
  void *p = NULL;
  extref_status_t st = extref_external_take(env, arg0(env, info),
                                            &counter_type, &p);
  if (st != EXTREF_OK) return result(env, st, NULL);
  int64_t v = ((counter_t *)p)->value;
  free(p);
  return result(env, EXTREF_OK, &v);
}

static void set_u64(napi_env env, napi_value o, const char *k, uint64_t u) {
  napi_value n;
  napi_create_double(env, (double)u, &n);
  napi_set_named_property(env, o, k, n);
}

static napi_value stats(napi_env env, napi_callback_info info) {
  extref_stats_t s = {sizeof s, 0, 0, 0, 0, 0, 0, 0};
  napi_value o;
  (void)info;
  extref_stats_get(&s);
  napi_create_object(env, &o);
  set_u64(env, o, "livePayloads", s.live_payloads);
  set_u64(env, o, "liveBorrows", s.live_borrows);
  set_u64(env, o, "liveHolds", s.live_holds);
  set_u64(env, o, "drops", s.drops);
  set_u64(env, o, "takes", s.takes);
  return o;
}

static napi_value version(napi_env env, napi_callback_info info) {
  (void)info;
  return str(env, extref_version_string());
}

static napi_value label(napi_env env, napi_callback_info info) {
  (void)info;
  return str(env, GYP_ADDON_LABEL);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor d[] = {
      {"create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
      {"get", NULL, get, NULL, NULL, NULL, napi_default, NULL},
      {"mutBegin", NULL, mut_begin, NULL, NULL, NULL, napi_default, NULL},
      {"mutEnd", NULL, mut_end, NULL, NULL, NULL, napi_default, NULL},
      {"take", NULL, take, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, stats, NULL, NULL, NULL, napi_default, NULL},
      {"version", NULL, version, NULL, NULL, NULL, napi_default, NULL},
      {"label", NULL, label, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  return exports;
}
