/* The host's Node-API functions, found at run time in the process so that
 * libextref.so has no undefined Node-API symbol and loads anywhere.
 * Included by the glue only (napi.c, env.c, external.c, throw.c).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef EXTREF_NAPI_H
#define EXTREF_NAPI_H

#include <node_api.h>

#include "internal.h"

typedef struct extref__napi_s {
  bool ready; /* every required function was found */
  /* Required: without any of these there is no usable host. */
  napi_status (*get_value_external)(napi_env, napi_value, void **);
  napi_status (*create_external)(napi_env, void *, napi_finalize, void *,
                                 napi_value *);
  napi_status (*typeof_value)(napi_env, napi_value, napi_valuetype *);
  napi_status (*throw_error)(napi_env, const char *, const char *);
  napi_status (*throw_type_error)(napi_env, const char *, const char *);
  napi_status (*is_exception_pending)(napi_env, bool *);
  napi_status (*add_env_cleanup_hook)(napi_env, napi_cleanup_hook, void *);
  /* Optional: memory accounting and the JS-thread drop queue degrade
   * gracefully where a host lacks them. */
  napi_status (*adjust_external_memory)(napi_env, int64_t, int64_t *);
  napi_status (*create_string_utf8)(napi_env, const char *, size_t,
                                    napi_value *);
  napi_status (*create_threadsafe_function)(
      napi_env, napi_value, napi_value, napi_value, size_t, size_t, void *,
      napi_finalize, void *, napi_threadsafe_function_call_js,
      napi_threadsafe_function *);
  napi_status (*call_threadsafe_function)(napi_threadsafe_function, void *,
                                          napi_threadsafe_function_call_mode);
  napi_status (*release_threadsafe_function)(
      napi_threadsafe_function, napi_threadsafe_function_release_mode);
  napi_status (*unref_threadsafe_function)(napi_env, napi_threadsafe_function);
} extref__napi_t;

/* Filled once, all or nothing; before that (and without a host) only
 * get_value_external is set, to a stub that fails. */
EXTREF__HIDDEN extern extref__napi_t extref__napi;

/* True when a host is present (resolving it on first use). */
EXTREF__HIDDEN bool extref__napi_ready(void);

/* Finds (or makes) the record of env for the calling thread. */
EXTREF__HIDDEN extref_status_t extref__env_get(napi_env env,
                                               extref__env_t **result);
/* Makes sure env's JS-thread drop queue exists (for EXTREF_TYPE_JS_DROP). */
EXTREF__HIDDEN extref_status_t extref__env_want_queue(extref__env_t *e);
/* Announces (delta > 0) or gives back (delta < 0) external bytes of e's
 * payloads to the engine. On the env's JS thread. */
EXTREF__HIDDEN extref_status_t extref__env_account(extref__env_t *e,
                                                   int64_t delta);
/* A new payload refers to e. */
EXTREF__HIDDEN void extref__env_ref(extref__env_t *e);

#endif /* EXTREF_NAPI_H */
