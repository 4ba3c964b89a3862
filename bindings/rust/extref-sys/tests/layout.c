/* Prints the layout of every struct of extref.h and every constant, one
 * "key value" pair a line, for tests/layout.rs to compare with the Rust
 * declarations. Compiled against the installed header, never a copy. */
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>

#include <extref.h>

#define SIZE(t) printf(#t ".size %zu\n" #t ".align %zu\n", sizeof(t), \
                       alignof(t))
#define FIELD(t, f) printf(#t "." #f " %zu %zu\n", offsetof(t, f), \
                           sizeof(((t *)0)->f))
#define STATUS(name, value, text) printf("EXTREF_" #name " %d\n", \
                                         (int)EXTREF_##name);

int main(void) {
  SIZE(extref_tag_t);
  FIELD(extref_tag_t, lower);
  FIELD(extref_tag_t, upper);
  SIZE(extref_type_t);
  FIELD(extref_type_t, struct_size);
  FIELD(extref_type_t, flags);
  FIELD(extref_type_t, tag);
  FIELD(extref_type_t, name);
  FIELD(extref_type_t, payload_size);
  FIELD(extref_type_t, drop);
  FIELD(extref_type_t, clone);
  FIELD(extref_type_t, type_data);
  FIELD(extref_type_t, move);
  SIZE(extref_borrow_t);
  FIELD(extref_borrow_t, payload);
  FIELD(extref_borrow_t, token);
  SIZE(extref_error_t);
  FIELD(extref_error_t, status);
  FIELD(extref_error_t, napi_status);
  FIELD(extref_error_t, message);
  SIZE(extref_stats_t);
  FIELD(extref_stats_t, struct_size);
  FIELD(extref_stats_t, live_payloads);
  FIELD(extref_stats_t, live_borrows);
  FIELD(extref_stats_t, live_holds);
  FIELD(extref_stats_t, drops);
  FIELD(extref_stats_t, deferred_drops);
  FIELD(extref_stats_t, takes);
  FIELD(extref_stats_t, external_bytes);
  SIZE(extref_status_t);
  EXTREF_STATUS_MAP(STATUS)
  printf("EXTREF_TYPE_SEND %u\n", (unsigned)EXTREF_TYPE_SEND);
  printf("EXTREF_TYPE_JS_DROP %u\n", (unsigned)EXTREF_TYPE_JS_DROP);
  printf("EXTREF_TYPE_SIZE_1_0 %zu\n", (size_t)EXTREF_TYPE_SIZE_1_0);
  printf("EXTREF_VERSION_MAJOR %d\n", EXTREF_VERSION_MAJOR);
  printf("EXTREF_VERSION_MINOR %d\n", EXTREF_VERSION_MINOR);
  printf("EXTREF_VERSION_PATCH %d\n", EXTREF_VERSION_PATCH);
  printf("EXTREF_VERSION_HEX %d\n", EXTREF_VERSION_HEX);
  printf("EXTREF_VERSION_STRING %s\n", EXTREF_VERSION_STRING);
  return 0;
}
