/* extref_throw: a failure as a JS exception with a `code`.
 *
 * SPDX-License-Identifier: MIT
 */
#include "napi.h"

EXTREF_EXTERN extref_status_t extref_throw(napi_env env,
                                           extref_status_t status) {
  const extref_error_t *last = extref_last_error();
  const char *code = extref_status_name(status);
  const char *message;
  bool pending = false;
  napi_status ns;
  EXTREF__CHECK_ARG(env != NULL, "env is NULL");
  EXTREF__CHECK_ARG(status != EXTREF_OK, "EXTREF_OK is not a failure");
  if (!extref__napi_ready())
    return extref__fail(EXTREF_NO_RUNTIME,
                        "no Node-API host was found in this process");
  message = last->status == status && last->message[0] != '\0'
                ? last->message
                : extref_status_text(status);
  ns = extref__napi.is_exception_pending(env, &pending);
  if (ns != napi_ok) return extref__fail_napi(ns, "napi_is_exception_pending");
  if (pending) return EXTREF_OK;
  switch (status) {
  case EXTREF_NOT_EXTERNAL:
  case EXTREF_FOREIGN:
  case EXTREF_TYPE_MISMATCH:
  case EXTREF_INVALID_ARG:
    ns = extref__napi.throw_type_error(env, code, message);
    break;
  default:
    ns = extref__napi.throw_error(env, code, message);
    break;
  }
  if (ns != napi_ok) return extref__fail_napi(ns, "napi_throw_error");
  return EXTREF_OK;
}
