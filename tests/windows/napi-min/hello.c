/* A minimal pure Node-API addon (no libextref): hello() returns a string,
 * add(a, b) a number. Built for x86_64-windows-gnu three ways by
 * tests/windows/build-napi-min.sh to find out how an addon binds to the
 * napi_* functions the host executable exports:
 *   direct (this file, BUILDING_NODE_EXTENSION: napi_* are dllimport)
 *     linked against an import library naming deno.exe, node.exe, or
 *     node.exe delay-loaded with delay_hook.c;
 *   runtime (hello_runtime.c): no import at all, GetProcAddress on the
 *     host executable, as libextref does.
 *
 * SPDX-License-Identifier: MIT
 */
#include <node_api.h>

static napi_value hello(napi_env env, napi_callback_info info) {
  napi_value s;
  (void)info;
  if (napi_create_string_utf8(env, "hello from a Windows addon", NAPI_AUTO_LENGTH, &s) != napi_ok)
    return NULL;
  return s;
}

static napi_value add(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], r;
  double a, b;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_double(env, argv[0], &a) != napi_ok ||
      napi_get_value_double(env, argv[1], &b) != napi_ok) {
    napi_throw_type_error(env, NULL, "add(a, b) wants two numbers");
    return NULL;
  }
  napi_create_double(env, a + b, &r);
  return r;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor p[] = {
      {"hello", NULL, hello, NULL, NULL, NULL, napi_default, NULL},
      {"add", NULL, add, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, 2, p) != napi_ok) return NULL;
  return exports;
}
