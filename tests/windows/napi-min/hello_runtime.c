/* The minimal addon of hello.c with no import of any napi_* function: each
 * is found at run time with GetProcAddress on the host executable
 * (GetModuleHandleW(NULL): node.exe, deno.exe, bun.exe), then on node.dll
 * (hosts that keep Node in a DLL), which is how libextref binds on Windows.
 *
 * SPDX-License-Identifier: MIT
 */
#include <windows.h>
#include <node_api.h>

typedef napi_status (*create_string_utf8_t)(napi_env, const char *, size_t, napi_value *);
typedef napi_status (*define_properties_t)(napi_env, napi_value, size_t,
                                           const napi_property_descriptor *);
static create_string_utf8_t p_create_string_utf8;
static define_properties_t p_define_properties;

static FARPROC find(const char *name) {
  FARPROC f = GetProcAddress(GetModuleHandleW(NULL), name);
  HMODULE dll;
  if (f == NULL && (dll = GetModuleHandleW(L"node.dll")) != NULL)
    f = GetProcAddress(dll, name);
  return f;
}

static napi_value hello(napi_env env, napi_callback_info info) {
  napi_value s;
  (void)info;
  if (p_create_string_utf8(env, "hello from GetProcAddress", NAPI_AUTO_LENGTH, &s) != napi_ok)
    return NULL;
  return s;
}

NAPI_MODULE_EXPORT int32_t node_api_module_get_api_version_v1(void) { return 8; }

NAPI_MODULE_EXPORT napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  napi_property_descriptor p = {"hello", NULL, hello, NULL, NULL, NULL, napi_default, NULL};
  p_create_string_utf8 = (create_string_utf8_t)(void (*)(void))find("napi_create_string_utf8");
  p_define_properties = (define_properties_t)(void (*)(void))find("napi_define_properties");
  if (p_create_string_utf8 == NULL || p_define_properties == NULL) return NULL;
  if (p_define_properties(env, exports, 1, &p) != napi_ok) return NULL;
  return exports;
}
