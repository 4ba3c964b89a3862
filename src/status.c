/* Status names and texts, and the per-thread last error.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

EXTREF_EXTERN const char *extref_status_name(extref_status_t status) {
  switch ((int)status) {
#define X(name, value, text)                                                 \
  case value:                                                                \
    return "EXTREF_" #name;
    EXTREF_STATUS_MAP(X)
#undef X
  }
  return "EXTREF_UNKNOWN";
}

EXTREF_EXTERN const char *extref_status_text(extref_status_t status) {
  switch ((int)status) {
#define X(name, value, text)                                                 \
  case value:                                                                \
    return text;
    EXTREF_STATUS_MAP(X)
#undef X
  }
  return "unknown status";
}

/* The message buffer lives in thread-local storage: no allocation, nothing
 * to free at thread exit, and no other thread can overwrite it. */
static _Thread_local char last_message[256];
static _Thread_local extref_error_t last_error = {EXTREF_OK, 0, NULL};

EXTREF_EXTERN const extref_error_t *extref_last_error(void) {
  if (last_error.message == NULL) last_error.message = last_message;
  return &last_error;
}

extref_status_t extref__fail(extref_status_t status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_message, sizeof last_message, fmt, ap);
  va_end(ap);
  last_error.status = status;
  last_error.napi_status = 0;
  last_error.message = last_message;
  return status;
}

extref_status_t extref__fail_napi(int napi_status, const char *what) {
  snprintf(last_message, sizeof last_message,
           "%s failed with napi_status %d", what, napi_status);
  last_error.status = EXTREF_NAPI_FAILED;
  last_error.napi_status = napi_status;
  last_error.message = last_message;
  return EXTREF_NAPI_FAILED;
}

const char *extref__type_name(const extref_type_t *type) {
  return type != NULL && type->name != NULL ? type->name : "(unnamed type)";
}

bool extref__type_valid(const extref_type_t *type) {
  return type != NULL && type->struct_size >= EXTREF_TYPE_SIZE_1_0;
}

extref_move_cb extref__type_move(const extref_type_t *type) {
  return type->struct_size >= offsetof(extref_type_t, move) + sizeof type->move
             ? type->move
             : NULL;
}
