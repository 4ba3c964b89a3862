/* A complete addon: create() returns a new Counter; bump(c) adds 1 under an
 * exclusive borrow, or throws a JS Error with code EXTREF_MUT_BORROWED,
 * EXTREF_TAKEN, ... when the library refuses the borrow. */
#include <extref.h>
#include <node_api.h>
#include <stdlib.h>

typedef struct { int64_t n; } counter_t;
static void drop(void *p, void *td, napi_env e) { (void)td, (void)e; free(p); }
static const extref_type_t COUNTER = {
    sizeof(extref_type_t), 0, {0xd01d590c04fd0913u, 0x5f4701f918b05022u},
    "Counter", sizeof(counter_t), drop, NULL, NULL, NULL};

static napi_value create(napi_env env, napi_callback_info info) {
  napi_value r = NULL;
  counter_t *c = calloc(1, sizeof *c); /* NULL is refused, and thrown */
  extref_status_t st = extref_external_create(env, &COUNTER, c, 0, &r);
  if (st != EXTREF_OK) free(c), extref_throw(env, st);
  (void)info;
  return r;
}

static napi_value bump(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, r = NULL;
  extref_borrow_t b;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  extref_status_t st = extref_external_mut_ref(env, arg, &COUNTER, &b);
  if (st != EXTREF_OK) return extref_throw(env, st), NULL;
  napi_create_int64(env, ++((counter_t *)b.payload)->n, &r);
  extref_borrow_release(&b);
  return r;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor fns[] = {
      {"create", 0, create, 0, 0, 0, napi_default, 0},
      {"bump", 0, bump, 0, 0, 0, napi_default, 0}};
  napi_define_properties(env, exports, 2, fns);
  return exports;
}
