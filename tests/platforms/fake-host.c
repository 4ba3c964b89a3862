/* A stand-in Node-API host for the Windows build, run under Wine by
 * tests/platforms/matrix.sh --unit: it proves that extref.dll, loaded
 * through its import library like an addon loads it, finds the host's
 * Node-API functions at run time, where a Windows host puts them:
 *   - FAKE_NAPI and FAKE_MAIN in one program (host-exe.exe): the
 *     executable exports napi_* itself, as node.exe, electron.exe, bun.exe
 *     and deno.exe do;
 *   - FAKE_NAPI alone as libnode.dll, FAKE_MAIN as host-dll.exe: the
 *     functions are in a DLL the executable loaded, as an embedder's
 *     node.dll or libnode.dll.
 * The stubs keep externals in a table; collect() runs their finalizers as
 * a GC would, teardown() the env's cleanup hooks. Prints "ok N - ..." per
 * case and ends with "N passed, N failed".
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Without BUILDING_NODE_EXTENSION, node_api.h declares napi_* dllexport:
 * what a host does. */
#include <node_api.h>

#if defined(_WIN32)
#define FAKE_EXPORT __declspec(dllexport)
#else
#define FAKE_EXPORT __attribute__((visibility("default")))
#endif

FAKE_EXPORT void fake_collect(napi_env env);
FAKE_EXPORT void fake_teardown(void);
FAKE_EXPORT napi_value fake_number(void);
FAKE_EXPORT int fake_thrown(void);

#if defined(FAKE_NAPI)

typedef struct fake_value_s {
  napi_valuetype kind;
  void *data;
  node_api_basic_finalize finalize;
  void *hint;
} fake_value_t;

static fake_value_t values[64];
static int nvalues;
static fake_value_t number = {napi_number, NULL, NULL, NULL};
static int thrown;
static napi_cleanup_hook hooks[8];
static void *hook_args[8];
static int nhooks;
static int64_t external_memory;

napi_status NAPI_CDECL napi_create_external(napi_env env, void *data,
                                            node_api_basic_finalize finalize_cb,
                                            void *finalize_hint,
                                            napi_value *result) {
  fake_value_t *v;
  (void)env;
  if (nvalues == 64) return napi_generic_failure;
  v = &values[nvalues++];
  v->kind = napi_external;
  v->data = data;
  v->finalize = finalize_cb;
  v->hint = finalize_hint;
  *result = (napi_value)v;
  return napi_ok;
}

napi_status NAPI_CDECL napi_get_value_external(napi_env env, napi_value value,
                                               void **result) {
  fake_value_t *v = (fake_value_t *)value;
  (void)env;
  if (v == NULL || v->kind != napi_external) return napi_invalid_arg;
  *result = v->data;
  return napi_ok;
}

napi_status NAPI_CDECL napi_typeof(napi_env env, napi_value value,
                                   napi_valuetype *result) {
  (void)env;
  *result = ((fake_value_t *)value)->kind;
  return napi_ok;
}

napi_status NAPI_CDECL napi_throw_error(napi_env env, const char *code,
                                        const char *msg) {
  (void)env;
  (void)code;
  thrown += msg != NULL && msg[0] != '\0';
  return napi_ok;
}

napi_status NAPI_CDECL napi_throw_type_error(napi_env env, const char *code,
                                             const char *msg) {
  return napi_throw_error(env, code, msg);
}

napi_status NAPI_CDECL napi_is_exception_pending(napi_env env, bool *result) {
  (void)env;
  *result = false;
  return napi_ok;
}

napi_status NAPI_CDECL napi_add_env_cleanup_hook(node_api_basic_env env,
                                                 napi_cleanup_hook fun,
                                                 void *arg) {
  (void)env;
  if (nhooks == 8) return napi_generic_failure;
  hooks[nhooks] = fun;
  hook_args[nhooks++] = arg;
  return napi_ok;
}

napi_status NAPI_CDECL napi_adjust_external_memory(node_api_basic_env env,
                                                   int64_t change,
                                                   int64_t *adjusted) {
  (void)env;
  external_memory += change;
  *adjusted = external_memory;
  return napi_ok;
}

void fake_collect(napi_env env) {
  int i;
  for (i = 0; i < nvalues; i++) {
    if (values[i].finalize == NULL) continue;
    values[i].finalize((node_api_basic_env)env, values[i].data,
                       values[i].hint);
    values[i].finalize = NULL;
  }
}

void fake_teardown(void) {
  while (nhooks > 0) {
    nhooks--;
    hooks[nhooks](hook_args[nhooks]);
  }
}

napi_value fake_number(void) { return (napi_value)&number; }
int fake_thrown(void) { return thrown; }

#endif /* FAKE_NAPI */

#if defined(FAKE_MAIN)

#include <extref.h>

static int passed, failed, case_no;

static void check(bool cond, const char *what) {
  case_no++;
  if (cond) {
    passed++;
    printf("ok %d - %s\n", case_no, what);
  } else {
    failed++;
    printf("not ok %d - %s (last error: %s)\n", case_no, what,
           extref_last_error()->message);
  }
}

typedef struct point_s {
  int64_t x;
} point_t;

static int drops;
static void point_drop(void *payload, void *type_data,
                       struct napi_env__ *env) {
  (void)type_data;
  (void)env;
  drops++;
  free(payload);
}

static const extref_type_t point_type = {
    sizeof(extref_type_t), 0, {0x6578747265667733ull, 0x32706f696e740000ull},
    "Point", sizeof(point_t), point_drop, NULL, NULL, NULL};

static uint64_t live_payloads(void) {
  extref_stats_t st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  return extref_stats_get(&st) == EXTREF_OK ? st.live_payloads : 999;
}

int main(void) {
  static int env_storage;
  napi_env env = (napi_env)&env_storage;
  point_t *p = malloc(sizeof *p), *q = malloc(sizeof *q);
  napi_value v = NULL, foreign_v = NULL;
  extref_borrow_t a, b;
  extref_hold_t *h = NULL;
  extref_status_t st;

  setvbuf(stdout, NULL, _IONBF, 0);
  p->x = 41;
  q->x = 7;
  check(extref_version() == EXTREF_VERSION_HEX,
        "extref.dll is loaded through its import library");
  st = extref_external_create(env, &point_type, p, 64, &v);
  check(st == EXTREF_OK && v != NULL,
        "extref_external_create: the DLL found napi_create_external and "
        "napi_add_env_cleanup_hook in the host");
  check(extref_external_ref(env, v, &point_type, &a) == EXTREF_OK &&
            a.payload == p,
        "extref_external_ref: napi_get_value_external, the slot is ours");
  check(extref_external_mut_ref(env, v, &point_type, &b) == EXTREF_BORROWED,
        "extref_external_mut_ref beside a shared borrow: EXTREF_BORROWED");
  check(extref_borrow_release(&a) == EXTREF_OK &&
            extref_external_mut_ref(env, v, &point_type, &b) == EXTREF_OK &&
            extref_borrow_release(&b) == EXTREF_OK,
        "released, then an exclusive borrow");
  check(napi_create_external(env, q, NULL, NULL, &foreign_v) == napi_ok &&
            extref_external_ref(env, foreign_v, &point_type, &a) ==
                EXTREF_FOREIGN,
        "an external libextref did not make: EXTREF_FOREIGN");
  check(extref_external_ref(env, fake_number(), &point_type, &a) ==
            EXTREF_NOT_EXTERNAL,
        "a number: EXTREF_NOT_EXTERNAL (napi_typeof)");
  check(extref_throw(env, EXTREF_FOREIGN) == EXTREF_OK && fake_thrown() == 1,
        "extref_throw: napi_throw_error with the message");
  check(extref_external_hold(env, v, &point_type, &h) == EXTREF_OK,
        "extref_external_hold");
  fake_collect(env);
  check(drops == 0 && live_payloads() == 1,
        "the external is collected: the hold keeps the payload");
  check(extref_hold_ref(h, &a) == EXTREF_OK && a.payload == p &&
            ((point_t *)a.payload)->x == 41 &&
            extref_borrow_release(&a) == EXTREF_OK,
        "the hold still borrows it");
  check(extref_hold_release(h) == EXTREF_OK && drops == 1 &&
            live_payloads() == 0,
        "the last hold released: dropped once");
  p = malloc(sizeof *p);
  p->x = 1;
  check(extref_external_create(env, &point_type, p, 0, &v) == EXTREF_OK &&
            live_payloads() == 1,
        "a second payload");
  fake_teardown();
  check(drops == 2 && live_payloads() == 0,
        "env teardown (the cleanup hook) drops it");
  free(q);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

#endif /* FAKE_MAIN */
