/* The public functions that take a napi_env: create, borrow, clone-out,
 * take and hold through a JS external. A thin layer over the core: find
 * the external's pointer, prove it is one of our slots, hand over.
 *
 * SPDX-License-Identifier: MIT
 */
#include "napi.h"

static const char *type_of_name(napi_valuetype t) {
  switch (t) {
  case napi_undefined: return "undefined";
  case napi_null: return "null";
  case napi_boolean: return "a boolean";
  case napi_number: return "a number";
  case napi_string: return "a string";
  case napi_symbol: return "a symbol";
  case napi_object: return "an object";
  case napi_function: return "a function";
  case napi_external: return "an external";
  case napi_bigint: return "a bigint";
  }
  return "a value of unknown type";
}

/* Explains why the fast path could not get an external's pointer. */
static extref_status_t access_error(napi_env env, napi_value value,
                                    const extref_type_t *type,
                                    const void *result) {
  napi_valuetype t;
  napi_status ns;
  EXTREF__CHECK_ARG(env != NULL, "env is NULL");
  EXTREF__CHECK_ARG(value != NULL, "value is NULL");
  EXTREF__CHECK_ARG(extref__type_valid(type),
                    type == NULL ? "type is NULL"
                                 : "type->struct_size is too small");
  EXTREF__CHECK_ARG(result != NULL, "result is NULL");
  if (!extref__napi_ready())
    return extref__fail(EXTREF_NO_RUNTIME,
                        "no Node-API host was found in this process");
  ns = extref__napi.typeof_value(env, value, &t);
  if (ns != napi_ok) return extref__fail_napi(ns, "napi_typeof");
  if (t != napi_external)
    return extref__fail(EXTREF_NOT_EXTERNAL,
                        "expected an external holding %s, got %s",
                        extref__type_name(type), type_of_name(t));
  return extref__fail_napi(napi_generic_failure, "napi_get_value_external");
}

static extref_status_t foreign(const extref_type_t *type) {
  if (!extref__type_valid(type))
    return extref__fail(EXTREF_INVALID_ARG, type == NULL
                                                ? "type is NULL"
                                                : "type->struct_size is too "
                                                  "small");
  return extref__fail(EXTREF_FOREIGN,
                      "expected %s, got an external that this copy of "
                      "libextref (%s) did not create: another copy made it "
                      "(copies do not share payloads) or it is not "
                      "libextref's",
                      extref__type_name(type), EXTREF_VERSION_STRING);
}

/* The external's slot, proven ours; *result is untouched on failure. */
static inline __attribute__((always_inline)) extref_status_t
open_external(napi_env env, napi_value value,
                                            const extref_type_t *type,
                                            const void *result,
                                            extref__slot_t **slot) {
  void *p;
  if (EXTREF__LIKELY(result != NULL &&
                     extref__napi.get_value_external(env, value, &p) ==
                         napi_ok)) {
    *slot = extref__slot_from_ptr(p);
    return EXTREF__LIKELY(*slot != NULL) ? EXTREF_OK : foreign(type);
  }
  return access_error(env, value, type, result);
}

static void finalize(napi_env env, void *data, void *hint) {
  extref__slot_t *s = extref__slot_from_ptr(data);
  extref__env_t *e;
  (void)env;
  if (s == NULL) return;
  /* The hint is the slot's head when the external was made: a teardown
   * that already ended this payload has freed or reused the slot since. */
  if (atomic_load_explicit(&s->head, memory_order_acquire) !=
          (uint64_t)(uintptr_t)hint ||
      !(atomic_load_explicit(&s->count, memory_order_acquire) & EXTREF__JS))
    return;
  /* The env record outlives this call: its alive reference is dropped
   * only by its teardown, which ends every payload before. */
  e = atomic_load_explicit(&s->env, memory_order_relaxed);
  extref__env_account(e, -extref__payload_js_end(s));
}

EXTREF_EXTERN extref_status_t extref_external_create(napi_env env,
                                                     const extref_type_t *type,
                                                     void *payload,
                                                     int64_t external_bytes,
                                                     napi_value *result) {
  extref__env_t *e;
  extref__slot_t *s;
  extref_status_t st;
  napi_status ns;
  napi_value v;
  EXTREF__CHECK_ARG(env != NULL, "env is NULL");
  EXTREF__CHECK_ARG(extref__type_valid(type),
                    type == NULL ? "type is NULL"
                                 : "type->struct_size is too small");
  EXTREF__CHECK_ARG(payload != NULL, "payload is NULL");
  EXTREF__CHECK_ARG(external_bytes >= 0 &&
                        external_bytes <= EXTREF_MAX_EXTERNAL_BYTES,
                    "external_bytes is %lld: it must be between 0 and 2^50",
                    (long long)external_bytes);
  EXTREF__CHECK_ARG(result != NULL, "result is NULL");
  if (!extref__napi_ready())
    return extref__fail(EXTREF_NO_RUNTIME,
                        "no Node-API host was found in this process");
  st = extref__env_get(env, &e);
  if (st != EXTREF_OK) return st;
  if (type->flags & EXTREF_TYPE_JS_DROP) {
    st = extref__env_want_queue(e);
    if (st != EXTREF_OK) return st;
  }
  st = extref__payload_new(type, payload, e, external_bytes, &s);
  if (st != EXTREF_OK) return st;
  extref__env_ref(e);
  st = extref__env_account(e, external_bytes);
  if (st != EXTREF_OK) {
    extref__payload_abandon(s);
    return st;
  }
  ns = extref__napi.create_external(
      env, s, finalize,
      (void *)(uintptr_t)atomic_load_explicit(&s->head, memory_order_relaxed),
      &v);
  if (ns != napi_ok) {
    extref__env_account(e, -external_bytes);
    extref__payload_abandon(s);
    return extref__fail_napi(ns, "napi_create_external");
  }
  *result = v;
  return EXTREF_OK;
}

/* Inlined into both public borrows: the fast path stays one function. */
static inline __attribute__((always_inline)) extref_status_t
external_borrow(napi_env env, napi_value value,
                                              const extref_type_t *type,
                                              bool excl,
                                              extref_borrow_t *result) {
  extref__slot_t *s;
  extref_status_t st = open_external(env, value, type, result, &s);
  if (EXTREF__UNLIKELY(st != EXTREF_OK)) return st;
  return extref__borrow_inline(s, type, excl, result);
}

EXTREF_EXTERN extref_status_t extref_external_ref(napi_env env,
                                                  napi_value value,
                                                  const extref_type_t *type,
                                                  extref_borrow_t *result) {
  return external_borrow(env, value, type, false, result);
}

EXTREF_EXTERN extref_status_t extref_external_mut_ref(
    napi_env env, napi_value value, const extref_type_t *type,
    extref_borrow_t *result) {
  return external_borrow(env, value, type, true, result);
}

EXTREF_EXTERN extref_status_t extref_external_clone_out(
    napi_env env, napi_value value, const extref_type_t *type, void *dst,
    size_t dst_size) {
  extref__slot_t *s;
  extref_status_t st = open_external(env, value, type, dst, &s);
  if (st != EXTREF_OK) return st;
  return extref__clone_out(s, type, dst, dst_size);
}

EXTREF_EXTERN extref_status_t extref_external_take(napi_env env,
                                                   napi_value value,
                                                   const extref_type_t *type,
                                                   void **result) {
  extref__slot_t *s;
  int64_t bytes = 0;
  extref_status_t st = open_external(env, value, type, result, &s);
  if (st != EXTREF_OK) return st;
  st = extref__payload_take(s, type, result, &bytes);
  if (st == EXTREF_OK)
    extref__env_account(atomic_load_explicit(&s->env, memory_order_relaxed),
                        -bytes);
  return st;
}

EXTREF_EXTERN extref_status_t extref_external_take_into(
    napi_env env, napi_value value, const extref_type_t *type, void *dst,
    size_t dst_size) {
  extref__slot_t *s;
  int64_t bytes = 0;
  extref_status_t st = open_external(env, value, type, dst, &s);
  if (st != EXTREF_OK) return st;
  st = extref__payload_take_into(s, type, dst, dst_size, &bytes);
  if (st == EXTREF_OK)
    extref__env_account(atomic_load_explicit(&s->env, memory_order_relaxed),
                        -bytes);
  return st;
}

EXTREF_EXTERN extref_status_t extref_external_hold(napi_env env,
                                                   napi_value value,
                                                   const extref_type_t *type,
                                                   extref_hold_t **result) {
  extref__slot_t *s;
  extref_status_t st = open_external(env, value, type, result, &s);
  if (st != EXTREF_OK) return st;
  return extref__hold_new(s, type, result);
}
