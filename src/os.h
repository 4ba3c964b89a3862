/* What libextref asks of the system, in one place: the address-space
 * reservation of the registry, finding the host's Node-API functions,
 * keeping modules loaded, entropy for the handle key, and keeping fork()
 * children away from held locks. os.c implements it for Linux (and the
 * other ELF systems), macOS and Windows; nothing else in src/ differs
 * between them.
 *
 * Everything here is a cold path: it runs once per process, once per
 * commit chunk or once per descriptor, never per borrow. Locks stay
 * pthreads everywhere (on Windows the winpthreads of mingw-w64, which zig
 * cc links statically), and the borrow path's thread serial stays one
 * thread-local load.
 *
 * Included by internal.h.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef EXTREF_OS_H
#define EXTREF_OS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The TLS model of the thread serial (internal.h): a model is an ELF
 * notion. Mach-O reaches thread-locals through its own descriptors and PE
 * through the TEB's TLS array, each with one fixed access sequence, so
 * there the attribute is left out. */
#if defined(__ELF__)
#define EXTREF__TLS_MODEL_ATTR __attribute__((tls_model(EXTREF_TLS_MODEL)))
#else
#define EXTREF__TLS_MODEL_ATTR
#endif

/* Reserves size bytes of address space with no access and nothing
 * committed (Linux and macOS: mmap PROT_NONE; Windows: VirtualAlloc
 * MEM_RESERVE). NULL when the system refuses. Never given back. */
EXTREF__HIDDEN void *extref__os_reserve(size_t size);

/* Makes size bytes at addr, inside a reservation, readable and writable
 * (mprotect; VirtualAlloc MEM_COMMIT). False when the system refuses. */
EXTREF__HIDDEN bool extref__os_commit(void *addr, size_t size);

/* 64 random bits from the system (getentropy; rand_s, which is
 * RtlGenRandom, on Windows); a mix of a clock and an address when the
 * system has none to give. */
EXTREF__HIDDEN uint64_t extref__os_random64(void);

/* The address of the exported function name of the process's Node-API
 * host, or NULL. Linux and macOS: dlsym(RTLD_DEFAULT), the global lookup
 * order. Windows: the host executable first (node.exe, electron.exe,
 * bun.exe and deno.exe export Node-API themselves), then every loaded
 * module in load order (node.dll or libnode.dll of an embedder). */
EXTREF__HIDDEN void *extref__os_symbol(const char *name);

/* Keeps the module that holds addr loaded for the rest of the process
 * (dladdr, then dlopen RTLD_NOLOAD | RTLD_NODELETE; Windows:
 * GetModuleHandleExW FROM_ADDRESS | PIN). An address in no module, or in
 * the main program, needs nothing. */
EXTREF__HIDDEN void extref__os_pin_module(const void *addr);

/* Registers lock to be taken before fork() and given back after it in both
 * processes, so that a child of fork() never finds one of the library's
 * locks held by a thread that does not exist in it. Windows has no fork():
 * there it does nothing. */
EXTREF__HIDDEN void extref__fork_protect(pthread_mutex_t *lock);

#endif /* EXTREF_OS_H */
