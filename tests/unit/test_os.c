/* What the library asks of the system (os.c), on each system the unit tests
 * run on: Linux natively and under qemu, Windows under Wine.
 *
 * SPDX-License-Identifier: MIT
 */
#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <dlfcn.h>
#endif

#include "helpers.h"

START_TEST(reserved_space_is_committed_in_chunks) {
  enum { CHUNK = 256 << 10 };
  unsigned char *p = extref__os_reserve((size_t)16 << 20);
  size_t i;
  ck_assert_ptr_nonnull(p);
  ck_assert(extref__os_commit(p, CHUNK));
  for (i = 0; i < CHUNK; i += 4096) p[i] = (unsigned char)i;
  /* The next chunk, after the first: the registry grows this way. */
  ck_assert(extref__os_commit(p + CHUNK, CHUNK));
  p[2 * CHUNK - 1] = 7;
  ck_assert_int_eq(p[2 * CHUNK - 1], 7);
  ck_assert_int_eq(p[4096], (unsigned char)4096);
}
END_TEST

START_TEST(random_words_differ) {
  uint64_t a = extref__os_random64(), b = extref__os_random64(),
           c = extref__os_random64();
  /* Equal by chance once in 2^64. */
  ck_assert(a != b || b != c);
}
END_TEST

START_TEST(symbols_are_found_in_the_process) {
  /* In the C library: a module other than the executable on every system
   * (on Windows, found by walking the loaded modules). */
  ck_assert_ptr_nonnull(extref__os_symbol("malloc"));
  ck_assert_ptr_null(extref__os_symbol("extref_no_such_function"));
#if defined(_WIN32)
  /* The executable exports the library's functions (they are dllexport
   * when EXTREF_BUILDING): found there first, as node.exe's napi_*. */
  ck_assert_ptr_eq(extref__os_symbol("extref_version"),
                   (void *)extref_version);
#endif
}
END_TEST

/* A module loaded, pinned through an address inside it, and unloaded stays
 * loaded. */
START_TEST(pinned_module_stays_loaded) {
#if defined(_WIN32)
  HMODULE m;
  FARPROC f;
  void *addr;
  if (GetModuleHandleW(L"version.dll") != NULL) {
    skip_case("pinned_module_stays_loaded", "version.dll is loaded already");
    return;
  }
  m = LoadLibraryW(L"version.dll");
  ck_assert_ptr_nonnull(m);
  f = GetProcAddress(m, "GetFileVersionInfoSizeW");
  ck_assert_ptr_nonnull(f);
  memcpy(&addr, &f, sizeof addr);
  extref__os_pin_module(addr);
  ck_assert(FreeLibrary(m));
  ck_assert_ptr_nonnull(GetModuleHandleW(L"version.dll"));
#else
  void *h, *addr;
  if (dlopen("libz.so.1", RTLD_LAZY | RTLD_NOLOAD) != NULL) {
    skip_case("pinned_module_stays_loaded", "libz.so.1 is loaded already");
    return;
  }
  h = dlopen("libz.so.1", RTLD_LAZY);
  if (h == NULL) {
    skip_case("pinned_module_stays_loaded", "no libz.so.1 to load");
    return;
  }
  addr = dlsym(h, "zlibVersion");
  ck_assert_ptr_nonnull(addr);
  extref__os_pin_module(addr);
  ck_assert_int_eq(dlclose(h), 0);
  h = dlopen("libz.so.1", RTLD_LAZY | RTLD_NOLOAD);
  ck_assert_ptr_nonnull(h);
  dlclose(h);
#endif
  extref__os_pin_module(NULL); /* nothing to pin */
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("os");
  TCase *tc = tcase_create("os");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, reserved_space_is_committed_in_chunks);
  tcase_add_test(tc, random_words_differ);
  tcase_add_test(tc, symbols_are_found_in_the_process);
  tcase_add_test(tc, pinned_module_stays_loaded);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return run_suite(suite()); }
