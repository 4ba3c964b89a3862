/* Finds the host's Node-API functions in the process at run time.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>
#include <string.h>

#include "napi.h"

/* Until a host is found, the borrow path's one Node-API call lands here and
 * the slow path answers EXTREF_NO_RUNTIME: the fast path needs no test. */
static napi_status no_host_get_value_external(napi_env env, napi_value value,
                                              void **result) {
  (void)env;
  (void)value;
  (void)result;
  return napi_generic_failure;
}

extref__napi_t extref__napi = {.get_value_external =
                                   no_host_get_value_external};

static pthread_once_t once = PTHREAD_ONCE_INIT;

#define FIND(field, name) (*(void **)&t.field = extref__os_symbol(name))

static void resolve(void) {
  extref__napi_t t;
  memset(&t, 0, sizeof t);
  FIND(get_value_external, "napi_get_value_external");
  FIND(create_external, "napi_create_external");
  FIND(typeof_value, "napi_typeof");
  FIND(throw_error, "napi_throw_error");
  FIND(throw_type_error, "napi_throw_type_error");
  FIND(is_exception_pending, "napi_is_exception_pending");
  FIND(add_env_cleanup_hook, "napi_add_env_cleanup_hook");
  FIND(adjust_external_memory, "napi_adjust_external_memory");
  FIND(create_string_utf8, "napi_create_string_utf8");
  FIND(create_threadsafe_function, "napi_create_threadsafe_function");
  FIND(call_threadsafe_function, "napi_call_threadsafe_function");
  FIND(release_threadsafe_function, "napi_release_threadsafe_function");
  FIND(unref_threadsafe_function, "napi_unref_threadsafe_function");
  t.ready = true;
  if (t.get_value_external == NULL || t.create_external == NULL ||
      t.typeof_value == NULL || t.throw_error == NULL ||
      t.throw_type_error == NULL || t.is_exception_pending == NULL ||
      t.add_env_cleanup_hook == NULL)
    return;
  if (t.create_string_utf8 == NULL || t.call_threadsafe_function == NULL ||
      t.release_threadsafe_function == NULL ||
      t.unref_threadsafe_function == NULL)
    t.create_threadsafe_function = NULL;
  extref__napi = t;
}

/* Resolving once, when the library is loaded (an addon loads it, so its
 * host is already in the process), keeps the borrow path to a NULL test. */
__attribute__((constructor)) static void resolve_at_load(void) {
  pthread_once(&once, resolve);
}

bool extref__napi_ready(void) {
  if (EXTREF__LIKELY(extref__napi.ready)) return true;
  pthread_once(&once, resolve);
  return extref__napi.ready;
}
