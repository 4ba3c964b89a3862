/* The owner addon of scenario 15: a second, small addon that defines its
 * own EXTREF_TYPE_SEND type. Its descriptor and its drop live in this
 * shared object, which the test loads only inside a Worker; Node dlclose()s
 * such an addon when the Worker's env is destroyed. A payload of this type
 * that is held past that point must still be dropped safely (1.1: the
 * library keeps the type's owner module loaded while it has payloads).
 *
 * The drop counts itself in a counter whose address the payload carries:
 * the main test addon's ownerCounterAddress(), which stays mapped.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include <node_api.h>

#include <extref.h>

#define OWNER_MAGIC 0x0B0E0B0E0B0E0B0Eull

typedef struct owner_payload_s {
  uint64_t magic;
  _Atomic uint64_t *drops; /* may be NULL */
} owner_payload_t;

static void owner_drop(void *payload, void *type_data, napi_env env) {
  owner_payload_t *p = payload;
  (void)type_data;
  (void)env;
  if (p->drops != NULL) atomic_fetch_add(p->drops, 1);
  p->magic = 0;
  free(p);
}

static const extref_type_t owner_type = {
    sizeof(extref_type_t), EXTREF_TYPE_SEND,
    {0x5a1e7e57c0de00f1ull, 0x6f776e6572616464ull}, "OwnerSend",
    sizeof(owner_payload_t), owner_drop, NULL, NULL, NULL};

static napi_value fail(napi_env env, extref_status_t st, const char *what) {
  if (st != EXTREF_OK)
    extref_throw(env, st);
  else
    napi_throw_error(env, "TEST_OWNER", what);
  return NULL;
}

/* createHeld(counterAddress: BigInt) -> {external, hold: BigInt}: a payload
 * of this addon's type and a hold on it, handed out as a raw pointer. */
static napi_value create_held(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], ext, o, hv;
  uint64_t addr = 0;
  bool lossless = false;
  extref_hold_t *hold = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok ||
      argc < 1 ||
      napi_get_value_bigint_uint64(env, argv[0], &addr, &lossless) !=
          napi_ok)
    return fail(env, EXTREF_OK, "createHeld(counterAddress: BigInt)");
  owner_payload_t *p = calloc(1, sizeof *p);
  if (p == NULL) return fail(env, EXTREF_OK, "calloc failed");
  p->magic = OWNER_MAGIC;
  p->drops = (_Atomic uint64_t *)(uintptr_t)addr;
  extref_status_t st = extref_external_create(env, &owner_type, p, 0, &ext);
  if (st != EXTREF_OK) {
    free(p);
    return fail(env, st, NULL);
  }
  st = extref_external_hold(env, ext, &owner_type, &hold);
  if (st != EXTREF_OK) return fail(env, st, NULL);
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "external", ext);
  napi_create_bigint_uint64(env, (uint64_t)(uintptr_t)hold, &hv);
  napi_set_named_property(env, o, "hold", hv);
  return o;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "createHeld", NAPI_AUTO_LENGTH, create_held,
                           NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "createHeld", fn) != napi_ok)
    return NULL;
  return exports;
}
