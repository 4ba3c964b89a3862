/* The system-specific half of libextref (os.h): Windows, then the POSIX
 * systems (Linux and the other ELF systems, macOS). Every function here
 * runs on a cold path.
 *
 * SPDX-License-Identifier: MIT
 */
#if defined(_WIN32)
/* rand_s is declared only on request, before the CRT headers. */
#define _CRT_RAND_S
#endif

#include <string.h>

#include "internal.h"

#if defined(_WIN32)

#define WIN32_LEAN_AND_MEAN
#include <stdlib.h>
#include <windows.h>
#include <psapi.h>

void *extref__os_reserve(size_t size) {
  return VirtualAlloc(NULL, size, MEM_RESERVE, PAGE_NOACCESS);
}

bool extref__os_commit(void *addr, size_t size) {
  return VirtualAlloc(addr, size, MEM_COMMIT, PAGE_READWRITE) != NULL;
}

uint64_t extref__os_random64(void) {
  /* rand_s is RtlGenRandom behind the CRT: no import library to add to
   * every build that bundles the library (bcrypt would be one). */
  unsigned int lo = 0, hi = 0;
  LARGE_INTEGER t;
  if (rand_s(&lo) == 0 && rand_s(&hi) == 0)
    return ((uint64_t)hi << 32) | lo;
  QueryPerformanceCounter(&t);
  return ((uint64_t)t.QuadPart * 0x9E3779B97F4A7C15u) ^
         (uint64_t)(uintptr_t)&t ^ ((uint64_t)GetCurrentProcessId() << 32);
}

static void *proc(HMODULE m, const char *name) {
  FARPROC f = GetProcAddress(m, name);
  void *p;
  /* A function pointer as a data pointer, as dlsym gives it. */
  memcpy(&p, &f, sizeof p);
  return p;
}

/* The modules looked at after the executable: enough for any process that
 * hosts Node-API (Node itself loads about 40). */
#define MAX_MODULES 1024

void *extref__os_symbol(const char *name) {
  HMODULE mods[MAX_MODULES];
  DWORD bytes = 0, i, n;
  void *p = proc(GetModuleHandleW(NULL), name);
  if (p != NULL) return p;
  /* K32EnumProcessModules lives in kernel32 (psapi.dll only forwards to
   * it): no import library to add. It lists the executable first, then the
   * modules in load order, like the ELF global scope. */
  if (!K32EnumProcessModules(GetCurrentProcess(), mods, sizeof mods, &bytes))
    return NULL;
  n = bytes / sizeof mods[0];
  if (n > MAX_MODULES) n = MAX_MODULES;
  for (i = 0; i < n; i++) {
    p = proc(mods[i], name);
    if (p != NULL) return p;
  }
  return NULL;
}

void extref__os_pin_module(const void *addr) {
  HMODULE m;
  if (addr == NULL) return;
  /* PIN: the module stays until the process ends, whatever FreeLibrary
   * calls follow. The handle needs no release. */
  (void)GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                               GET_MODULE_HANDLE_EX_FLAG_PIN,
                           (LPCWSTR)addr, &m);
}

void extref__fork_protect(pthread_mutex_t *lock) { (void)lock; }

#else /* POSIX: Linux and the other ELF systems, macOS */

#include <dlfcn.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

void *extref__os_reserve(size_t size) {
  void *p = mmap(NULL, size, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

bool extref__os_commit(void *addr, size_t size) {
  return mprotect(addr, size, PROT_READ | PROT_WRITE) == 0;
}

uint64_t extref__os_random64(void) {
  uint64_t k = 0;
  if (getentropy(&k, sizeof k) != 0) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    k = ((uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15u) ^
        (uint64_t)(uintptr_t)&k ^ ((uint64_t)ts.tv_sec << 32);
  }
  return k;
}

void *extref__os_symbol(const char *name) { return dlsym(RTLD_DEFAULT, name); }

void extref__os_pin_module(const void *addr) {
  Dl_info info;
  if (addr == NULL || dladdr(addr, &info) == 0 || info.dli_fname == NULL)
    return;
  /* The handle is kept for ever on purpose. NULL (the main program under a
   * name the loader does not know it by) is fine: it is never unloaded. */
  (void)dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
}

/* Every lock of the library is taken before fork() and given back after it
 * in both processes, so the child finds them all free. pthread_atfork runs
 * prepare handlers in the reverse order of registration and the others in
 * order; the library never holds two of these locks at once, so any order
 * is deadlock-free. */
#define MAX_LOCKS 80

static pthread_mutex_t registration = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t *locks[MAX_LOCKS];
static int nlocks;

static void prepare(void) {
  int i;
  pthread_mutex_lock(&registration);
  for (i = 0; i < nlocks; i++) pthread_mutex_lock(locks[i]);
}

static void after(void) {
  int i;
  for (i = nlocks - 1; i >= 0; i--) pthread_mutex_unlock(locks[i]);
  pthread_mutex_unlock(&registration);
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void atfork_init(void) { pthread_atfork(prepare, after, after); }

void extref__fork_protect(pthread_mutex_t *lock) {
  pthread_once(&atfork_once, atfork_init);
  pthread_mutex_lock(&registration);
  if (nlocks < MAX_LOCKS) locks[nlocks++] = lock;
  pthread_mutex_unlock(&registration);
}

#endif
