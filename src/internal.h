/* libextref internal declarations, shared between src/ files and the unit
 * tests. Never installed. The core declared here includes no Node-API
 * header; the Node-API glue (napi.c, env.c, external.c, throw.c) is the only
 * code that does.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef EXTREF_INTERNAL_H
#define EXTREF_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "extref.h"

#define EXTREF__HIDDEN __attribute__((visibility("hidden")))
#define EXTREF__LIKELY(x) __builtin_expect(!!(x), 1)
#define EXTREF__UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Argument checks open every public function. */
#define EXTREF__CHECK_ARG(cond, ...)                                         \
  do {                                                                       \
    if (EXTREF__UNLIKELY(!(cond)))                                           \
      return extref__fail(EXTREF_INVALID_ARG, __VA_ARGS__);                  \
  } while (0)

/* ---- Threads ------------------------------------------------------------ */

/* A word that identifies the calling thread, cheap enough for every borrow:
 * the thread pointer is one instruction where the compiler offers it. */
static inline uintptr_t extref__thread_id(void) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__aarch64__)) &&   \
    (__GNUC__ >= 11 || defined(__clang__))
  return (uintptr_t)__builtin_thread_pointer();
#else
  extern uintptr_t extref__thread_id_slow(void);
  return extref__thread_id_slow();
#endif
}

/* ---- Allocation (alloc.c) ----------------------------------------------- */

/* Every allocation of the library goes through these, so that the unit tests
 * can make the Nth allocation fail and walk every failure path. */
EXTREF__HIDDEN void *extref__alloc(size_t size);
EXTREF__HIDDEN void extref__free(void *ptr);
/* True when the fault injector says this allocation must fail. Called by
 * extref__alloc and by the registry before it commits memory. */
EXTREF__HIDDEN bool extref__alloc_should_fail(void);
/* Test hook: fail the nth allocation from now (1 = the next one), and every
 * one after it when sticky; 0 turns injection off. */
EXTREF__HIDDEN void extref__alloc_fail_at(uint64_t nth, bool sticky);
/* Test hook: allocations attempted since injection was last set. */
EXTREF__HIDDEN uint64_t extref__alloc_count(void);

/* ---- Errors (status.c) -------------------------------------------------- */

/* Records a failure for extref_last_error() with a printf-style message and
 * returns status. */
EXTREF__HIDDEN extref_status_t extref__fail(extref_status_t status,
                                            const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same with the failing napi_status, for EXTREF_NAPI_FAILED. */
EXTREF__HIDDEN extref_status_t extref__fail_napi(int napi_status,
                                                 const char *what);
/* The type's name for messages: never NULL. */
EXTREF__HIDDEN const char *extref__type_name(const extref_type_t *type);
EXTREF__HIDDEN bool extref__type_valid(const extref_type_t *type);

/* ---- Slots and the registry (registry.c) -------------------------------- */

/* Every payload and every hold lives in a 64-byte slot carved from one
 * region of address space that the library reserved. A pointer is ours
 * exactly when it falls inside the used part of that region on a slot
 * boundary: two compares, and no read of memory we do not own. Slots are
 * never unmapped, so a stale pointer to a slot reads our own memory, and the
 * generation in the slot header tells a stale use from a live one. */

enum {
  EXTREF__KIND_FREE = 0,
  EXTREF__KIND_PAYLOAD = 1,
  EXTREF__KIND_HOLD = 2,
  EXTREF__KIND_MASK = 3,
  EXTREF__GEN_SHIFT = 2
};

/* The count word of a payload slot, changed in one atomic step so that
 * exactly one actor sees the last owner go. Shared borrows are counted by
 * side: taken on the creating thread ("home") or on another thread, so a
 * refused borrow can say where the conflict is. */
#define EXTREF__SH_AWAY_SHIFT 20
#define EXTREF__HOLD_SHIFT 42
#define EXTREF__SH_HOME_ONE ((uint64_t)1)
#define EXTREF__SH_HOME_MASK ((uint64_t)0xFFFFF)
#define EXTREF__SH_AWAY_ONE ((uint64_t)1 << EXTREF__SH_AWAY_SHIFT)
#define EXTREF__SH_AWAY_MASK ((uint64_t)0xFFFFF << EXTREF__SH_AWAY_SHIFT)
#define EXTREF__EX_HOME ((uint64_t)1 << 40)
#define EXTREF__EX_AWAY ((uint64_t)1 << 41)
#define EXTREF__HOLD_ONE ((uint64_t)1 << EXTREF__HOLD_SHIFT)
#define EXTREF__HOLD_MASK ((uint64_t)0xFFFFF << EXTREF__HOLD_SHIFT)
#define EXTREF__JS ((uint64_t)1 << 62)
#define EXTREF__TAKEN ((uint64_t)1 << 63)
#define EXTREF__SH_MASK (EXTREF__SH_HOME_MASK | EXTREF__SH_AWAY_MASK)
#define EXTREF__EX_MASK (EXTREF__EX_HOME | EXTREF__EX_AWAY)
#define EXTREF__BORROW_MASK (EXTREF__SH_MASK | EXTREF__EX_MASK)
#define EXTREF__MAX_SHARED_SIDE ((uint64_t)0xFFFFF)
#define EXTREF__MAX_HOLDS ((uint64_t)0xFFFFF)

typedef struct extref__env_s extref__env_t; /* env.c */

typedef struct extref__slot_s {
  /* Payload slots: the count word above. Hold slots: unused. */
  _Atomic uint64_t count;
  /* kind in the low 2 bits, generation above; changed only under the
   * registry lock, read anywhere. */
  _Atomic uint32_t head;
  uint32_t flags; /* the type's flags, copied at create */
  const extref_type_t *type;
  void *payload; /* payload slots: the payload; hold slots: the target slot */
  /* The creating env record; NULL in unit tests. Atomic because an env's
   * teardown scans every slot while other threads reuse theirs. */
  _Atomic(extref__env_t *) env;
  uintptr_t thread;   /* the creating thread */
  _Atomic int64_t external_bytes; /* announced and not yet given back */
  union {
    struct extref__slot_s *next_free; /* free slots: the free list */
    /* Live payload slots: the token of a shared borrow taken on the
     * creating thread (index, generation, live bit), precomputed so the
     * borrow path builds and checks tokens with one load; 0 in hold
     * slots. Always odd when set, so a free-list pointer never matches. */
    uintptr_t token_base;
  };
} extref__slot_t;

#define EXTREF__SLOT_SIZE 64

/* Internal bit in extref__slot_t.flags: the drop waited for a borrow or a
 * hold to end after the JS side had gone. */
#define EXTREF__FLAG_DEFERRED (1u << 31)

/* The registry's region, read on every borrow. */
typedef struct extref__region_s {
  uintptr_t base;               /* 0 until the first slot is made */
  _Atomic uintptr_t used_bytes; /* slots ever handed out, in bytes; grows */
} extref__region_t;
EXTREF__HIDDEN extern extref__region_t extref__region;

/* Proves that p is one of our slots without reading through it. */
static inline extref__slot_t *extref__slot_from_ptr(const void *p) {
  uintptr_t off = (uintptr_t)p - extref__region.base;
  uintptr_t used =
      atomic_load_explicit(&extref__region.used_bytes, memory_order_acquire);
  if (EXTREF__UNLIKELY(off >= used || (off & (EXTREF__SLOT_SIZE - 1)) != 0))
    return NULL;
  return (extref__slot_t *)p;
}

static inline uint32_t extref__slot_index(const extref__slot_t *s) {
  return (uint32_t)(((uintptr_t)s - extref__region.base) / EXTREF__SLOT_SIZE);
}

/* The slot at index i, or NULL if i was never handed out. */
static inline extref__slot_t *extref__slot_at(uintptr_t i) {
  uintptr_t used =
      atomic_load_explicit(&extref__region.used_bytes, memory_order_acquire);
  if (EXTREF__UNLIKELY(i >= used / EXTREF__SLOT_SIZE)) return NULL;
  return (extref__slot_t *)(extref__region.base + i * EXTREF__SLOT_SIZE);
}

/* Writes a payload's count word: a plain store for thread-bound payloads,
 * which one thread alone touches, a CAS for SEND ones (on failure *old is
 * refreshed and the caller decides again). */
static inline bool extref__count_update(extref__slot_t *s, uint64_t *old,
                                        uint64_t new_word) {
  if (!(s->flags & EXTREF_TYPE_SEND)) {
    atomic_store_explicit(&s->count, new_word, memory_order_relaxed);
    return true;
  }
  return atomic_compare_exchange_weak_explicit(
      &s->count, old, new_word, memory_order_acq_rel, memory_order_acquire);
}

/* Takes a free slot and marks it kind; its other fields are zero. */
EXTREF__HIDDEN extref_status_t extref__slot_alloc(uint32_t kind,
                                                  extref__slot_t **result);
/* Returns a slot to the free list and bumps its generation. False when the
 * slot was already free (a second release of the same hold). */
EXTREF__HIDDEN bool extref__slot_free(extref__slot_t *s);
/* Calls fn for every slot of the given kind (a snapshot, no lock held while
 * fn runs). */
EXTREF__HIDDEN void extref__slot_each(uint32_t kind,
                                      void (*fn)(extref__slot_t *, void *),
                                      void *arg);

/* ---- Borrows (borrow.c) ------------------------------------------------- */

/* Tokens: bit 0 set for every live borrow, bit 1 exclusive, bit 2 taken on
 * another thread than the creating one; the slot index from bit 3 and, on
 * 64-bit, the low 29 bits of the slot generation from bit 35. */
#define EXTREF__TOKEN_LIVE ((uintptr_t)1)
#define EXTREF__TOKEN_EXCL ((uintptr_t)2)
#define EXTREF__TOKEN_AWAY ((uintptr_t)4)
#define EXTREF__TOKEN_INDEX_SHIFT 3
#if UINTPTR_MAX > 0xFFFFFFFFu
#define EXTREF__TOKEN_GEN_SHIFT 35
#define EXTREF__TOKEN_INDEX_MASK ((uintptr_t)0xFFFFFFFF)
#define EXTREF__TOKEN_GEN_MASK ((uintptr_t)0x1FFFFFFF)
#else
#define EXTREF__TOKEN_INDEX_MASK ((uintptr_t)0x1FFFFFFF)
#endif

/* The token_base of a payload slot with the given head. */
static inline uintptr_t extref__token_base(const extref__slot_t *s,
                                           uint32_t head) {
  uintptr_t t = EXTREF__TOKEN_LIVE |
                ((uintptr_t)extref__slot_index(s) << EXTREF__TOKEN_INDEX_SHIFT);
#ifdef EXTREF__TOKEN_GEN_SHIFT
  t |= ((uintptr_t)(head >> EXTREF__GEN_SHIFT) & EXTREF__TOKEN_GEN_MASK)
       << EXTREF__TOKEN_GEN_SHIFT;
#else
  (void)head;
#endif
  return t;
}

/* Checks that s holds a live payload of the asked type that the calling
 * thread may touch. */
EXTREF__HIDDEN extref_status_t extref__payload_check(extref__slot_t *s,
                                                     const extref_type_t *asked);

/* Every borrow: checks, refusals with messages, both sides, both kinds. */
EXTREF__HIDDEN extref_status_t extref__borrow(extref__slot_t *s,
                                              const extref_type_t *asked,
                                              bool exclusive,
                                              extref_borrow_t *result);

/* The common case inline: a live payload of exactly the asked descriptor,
 * thread-bound on its own thread (plain loads and stores) or SEND (one
 * CAS), no conflict. Anything else takes the full path above. */
static inline extref_status_t extref__borrow_inline(extref__slot_t *s,
                                                    const extref_type_t *asked,
                                                    bool excl,
                                                    extref_borrow_t *result) {
  uint32_t head = atomic_load_explicit(&s->head, memory_order_acquire);
  if (EXTREF__LIKELY((head & EXTREF__KIND_MASK) == EXTREF__KIND_PAYLOAD &&
                     s->type == asked &&
                     s->thread == extref__thread_id())) {
    uint64_t w = atomic_load_explicit(&s->count, memory_order_acquire);
    uint64_t n;
    if (excl) {
      if (EXTREF__UNLIKELY(w & (EXTREF__TAKEN | EXTREF__BORROW_MASK)))
        goto full;
      n = w | EXTREF__EX_HOME;
    } else {
      if (EXTREF__UNLIKELY((w & (EXTREF__TAKEN | EXTREF__EX_MASK)) ||
                           (w & EXTREF__SH_HOME_MASK) ==
                               EXTREF__SH_HOME_MASK))
        goto full;
      n = w + EXTREF__SH_HOME_ONE;
    }
    if (!(s->flags & EXTREF_TYPE_SEND))
      atomic_store_explicit(&s->count, n, memory_order_relaxed);
    else if (!atomic_compare_exchange_strong_explicit(
                 &s->count, &w, n, memory_order_acq_rel,
                 memory_order_relaxed))
      goto full;
    result->payload = s->payload;
    result->token = s->token_base | (excl ? EXTREF__TOKEN_EXCL : 0);
    return EXTREF_OK;
  }
full:
  return extref__borrow(s, asked, excl, result);
}
/* Records why an access to s was refused ("cannot <verb> <Type>[ mutably]:
 * ..."), naming where the conflicting borrow is, and returns st. */
EXTREF__HIDDEN extref_status_t extref__refuse(const extref__slot_t *s,
                                              extref_status_t st, uint64_t w,
                                              const char *verb, bool mutably,
                                              bool away);
/* The clone-out under a transient shared borrow. */
EXTREF__HIDDEN extref_status_t extref__clone_out(extref__slot_t *s,
                                                 const extref_type_t *asked,
                                                 void *dst, size_t dst_size);

/* ---- Payloads (payload.c) ----------------------------------------------- */

/* Makes a payload slot owned by the JS side (its external). */
EXTREF__HIDDEN extref_status_t extref__payload_new(const extref_type_t *type,
                                                   void *payload,
                                                   extref__env_t *env,
                                                   int64_t external_bytes,
                                                   extref__slot_t **result);
/* Undoes extref__payload_new when the external could not be made; the
 * payload is not dropped. */
EXTREF__HIDDEN void extref__payload_abandon(extref__slot_t *s);
/* Moves the payload out; *bytes gets the external_bytes to give back. */
EXTREF__HIDDEN extref_status_t extref__payload_take(extref__slot_t *s,
                                                    const extref_type_t *asked,
                                                    void **result,
                                                    int64_t *bytes);
/* The JS side of the payload ended (finalizer or env teardown): drops now
 * when nothing else owns it, else when the last borrow or hold ends.
 * Returns the external_bytes to give back to the engine. */
EXTREF__HIDDEN int64_t extref__payload_js_end(extref__slot_t *s);
/* Called by whoever moved the count word to "no owner left". */
EXTREF__HIDDEN void extref__payload_finish(extref__slot_t *s, bool deferred);
/* Runs the drop of a finished payload and frees its slot; env is what the
 * drop callback receives (NULL off the JS thread or after teardown). */
EXTREF__HIDDEN void extref__payload_drop_now(extref__slot_t *s,
                                             struct napi_env__ *env);

/* ---- Holds (hold.c) ----------------------------------------------------- */

EXTREF__HIDDEN extref_status_t extref__hold_new(extref__slot_t *s,
                                                const extref_type_t *asked,
                                                extref_hold_t **result);

/* ---- Statistics (stats.c) ----------------------------------------------- */

typedef struct extref__counters_s {
  _Atomic uint64_t drops;
  _Atomic uint64_t deferred_drops;
  _Atomic uint64_t takes;
  _Atomic int64_t external_bytes;
} extref__counters_t;
EXTREF__HIDDEN extern extref__counters_t extref__counters;

/* ---- Envs (env.c; Node-API glue) ---------------------------------------- */

/* The env to hand to a drop running now on this thread: the record's env
 * when this is its JS thread and it is alive, else NULL. */
EXTREF__HIDDEN struct napi_env__ *extref__env_for_drop(extref__env_t *e);
/* For EXTREF_TYPE_JS_DROP payloads finished off their JS thread: queues the
 * drop to it. Returns false when the env is gone (drop here, env NULL). */
EXTREF__HIDDEN bool extref__env_queue_drop(extref__env_t *e,
                                           extref__slot_t *s);
/* A slot stops referring to its env record. */
EXTREF__HIDDEN void extref__env_unref(extref__env_t *e);

#endif /* EXTREF_INTERNAL_H */
