/* libextref internal declarations, shared between src/ files and the unit
 * tests. Never installed. The core declared here includes no Node-API
 * header; the Node-API glue (napi.c, env.c, external.c, throw.c) is the only
 * code that does.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef EXTREF_INTERNAL_H
#define EXTREF_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "extref.h"

#define EXTREF__HIDDEN __attribute__((visibility("hidden")))
#define EXTREF__LIKELY(x) __builtin_expect(!!(x), 1)
#define EXTREF__UNLIKELY(x) __builtin_expect(!!(x), 0)

/* What the library asks of the system (os.c). */
#include "os.h"

/* Argument checks open every public function. */
#define EXTREF__CHECK_ARG(cond, ...)                                         \
  do {                                                                       \
    if (EXTREF__UNLIKELY(!(cond)))                                           \
      return extref__fail(EXTREF_INVALID_ARG, __VA_ARGS__);                  \
  } while (0)

/* Handles carry a 24-bit slot index and a 40-bit serial in one word. */
_Static_assert(sizeof(void *) == 8 && sizeof(uintptr_t) == 8,
               "libextref needs 64-bit pointers: a handle carries a 24-bit "
               "slot index and a 40-bit serial in one pointer-sized word");

/* ---- Threads (thread.c) ------------------------------------------------- */

/* Every thread that enters the library gets a serial of its own, never
 * given to another thread for the life of the process (the system reuses
 * thread pointers and stacks; a serial is never reused). 0 means "none
 * yet". Initial-exec TLS: one load on the borrow path. A copy compiled
 * into an addon may build with -DEXTREF_TLS_MODEL='"global-dynamic"': an
 * initial-exec variable marks the whole addon STATIC_TLS, and dlopen fails
 * ("cannot allocate memory in static TLS block") when the addon's TLS
 * (Zig's is 256 KiB) or the copies together exceed glibc's surplus. A
 * model is an ELF notion: macOS and Windows use their one access sequence
 * (EXTREF__TLS_MODEL_ATTR, os.h). */
#ifndef EXTREF_TLS_MODEL
#define EXTREF_TLS_MODEL "initial-exec"
#endif
EXTREF__HIDDEN extern _Thread_local uint64_t extref__thread_serial
    EXTREF__TLS_MODEL_ATTR;
EXTREF__HIDDEN uint64_t extref__thread_serial_new(void);

static inline uint64_t extref__thread_id(void) {
  uint64_t t = extref__thread_serial;
  if (EXTREF__UNLIKELY(t == 0)) t = extref__thread_serial_new();
  return t;
}

/* The calling thread's serial, or 0 before its first call into the library.
 * Fast paths compare it with a payload's creating thread, which is never
 * 0: a thread without a serial yet takes the full path. */
static inline uint64_t extref__thread_id_fast(void) {
  return extref__thread_serial;
}

/* extref__fork_protect(lock), which keeps a child of fork() from finding
 * one of the library's locks held, is in os.h. */

/* ---- Allocation (alloc.c) ----------------------------------------------- */

/* Every allocation of the library goes through these, so that the unit tests
 * can make the Nth allocation fail and walk every failure path. */
EXTREF__HIDDEN void *extref__alloc(size_t size);
EXTREF__HIDDEN void *extref__realloc(void *ptr, size_t size);
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
/* The descriptor's move callback, or NULL (none, or a 1.0 descriptor). */
EXTREF__HIDDEN extref_move_cb extref__type_move(const extref_type_t *type);

/* ---- Slots and the registry (registry.c) -------------------------------- */

/* Every payload and every hold lives in a 64-byte slot carved from one
 * region of address space that the library reserved. A pointer is ours
 * exactly when it falls inside the used part of that region on a slot
 * boundary: two compares, and no read of memory we do not own. Slots are
 * never unmapped, so a stale handle always reads our own memory, and the
 * serials in the slot tell a stale handle from a live one. Slot 0 is never
 * handed out, so no handle is 0. */

enum {
  EXTREF__KIND_FREE = 0,
  EXTREF__KIND_PAYLOAD = 1,
  EXTREF__KIND_HOLD = 2,
  EXTREF__KIND_READER = 3, /* a thread's record of published borrows */
  EXTREF__KIND_MASK = 3,
  /* The head keeps the type's SEND and JS_DROP flags beside the kind. */
  EXTREF__HEAD_FLAGS_SHIFT = 2,
  EXTREF__GEN_SHIFT = 4
};
#define EXTREF__HEAD_SEND ((uint64_t)EXTREF_TYPE_SEND << EXTREF__HEAD_FLAGS_SHIFT)
#define EXTREF__HEAD_JS_DROP                                                 \
  ((uint64_t)EXTREF_TYPE_JS_DROP << EXTREF__HEAD_FLAGS_SHIFT)

/* Handles: index in the low 24 bits, a 40-bit serial above, the whole
 * scrambled with this copy's key (random, low 24 bits zero), so that a
 * handle of another copy of the library names a serial no slot here has. */
#define EXTREF__INDEX_BITS 24
#define EXTREF__INDEX_MASK ((uint64_t)0xFFFFFF)
#define EXTREF__SERIAL_MASK ((uint64_t)0xFFFFFFFFFF)
#define EXTREF__MAX_SLOTS ((uint64_t)1 << EXTREF__INDEX_BITS)

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
/* While a SEND payload is in shared mode (EXTREF__BID_SHARED below), its
 * count word carries one extra away-side shared borrow, the "ticket": no
 * path that decides from the count word alone (an exclusive borrow, a
 * take, a last owner) can pass while readers it cannot count may be live;
 * each goes to the stripe lock and ends shared mode first (reader.c). */
#define EXTREF__TICKET EXTREF__SH_AWAY_ONE

/* The borrow-identity word of a payload slot: a serial that grows by one
 * for every borrow the slot ever gives (never reset, not even when the slot
 * is reused), and the state of the one borrow it records inline. A borrow's
 * identity is (slot, serial); it is live while the inline record or the
 * slot's borrow table (table.c) holds its serial. */
#define EXTREF__BID_LIVE ((uint64_t)1)     /* the inline record is a borrow */
#define EXTREF__BID_EXCL ((uint64_t)2)     /* ... an exclusive one */
#define EXTREF__BID_AWAY ((uint64_t)4)     /* ... taken off the home thread */
#define EXTREF__BID_TABLE ((uint64_t)8)    /* live borrows are in the table */
#define EXTREF__BID_DEFERRED ((uint64_t)16) /* finished slot: drop deferred */
#define EXTREF__BID_STATE ((uint64_t)31)
/* Not part of a borrow's state: the payload is in shared mode, where
 * shared borrows are published in their threads' reader records
 * (reader.c) and the count word holds the ticket. */
#define EXTREF__BID_SHARED ((uint64_t)32)
#define EXTREF__BID_SEQ_SHIFT 6
#define EXTREF__BID_SEQ_ONE ((uint64_t)1 << EXTREF__BID_SEQ_SHIFT)

/* The bid word that records the slot's next serial with these state bits
 * (the serial grows by one; the old state goes). */
static inline uint64_t extref__bid_next(uint64_t bid, uint64_t state) {
  return ((bid & ~EXTREF__BID_STATE) + EXTREF__BID_SEQ_ONE) | state;
}

typedef struct extref__env_s extref__env_t;   /* env.c */
typedef struct extref__side_s extref__side_t; /* table.c */

typedef struct extref__slot_s {
  /* Payload slots: the count word above. Hold slots: unused. */
  _Atomic uint64_t count;
  /* Kind, the type's SEND/JS_DROP flags, and the generation above
   * EXTREF__GEN_SHIFT, which grows by one each time the slot is freed.
   * Changed only under the registry lock or by the one owner of the slot;
   * read anywhere. */
  _Atomic uint64_t head;
  /* Payload slots: the borrow-identity word above. */
  _Atomic uint64_t bid;
  _Atomic(const extref_type_t *) type;
  /* Payload slots: the payload; hold slots: the target slot; free slots:
   * the next free slot. */
  _Atomic(void *) payload;
  /* The creating env record; NULL in unit tests. */
  _Atomic(extref__env_t *) env;
  _Atomic uint64_t thread; /* the creating thread's serial */
  /* Payload slots: announced external_bytes and the borrow table, made on
   * first need; NULL for most payloads. */
  _Atomic(extref__side_t *) side;
} extref__slot_t;

#define EXTREF__SLOT_SIZE 64

/* The registry's region, read on every borrow. */
typedef struct extref__region_s {
  uintptr_t base;               /* 0 until the first slot is made */
  _Atomic uintptr_t used_bytes; /* slots ever handed out, in bytes; grows */
  uint64_t key;                 /* this copy's handle key */
} extref__region_t;
EXTREF__HIDDEN extern extref__region_t extref__region;

/* Proves that p is one of our slots without reading through it. */
static inline extref__slot_t *extref__slot_from_ptr(const void *p) {
  uintptr_t off = (uintptr_t)p - extref__region.base;
  uintptr_t used =
      atomic_load_explicit(&extref__region.used_bytes, memory_order_acquire);
  /* Slot 0 passes but is never handed out: its kind reads FREE. */
  if (EXTREF__UNLIKELY(off >= used || (off & (EXTREF__SLOT_SIZE - 1)) != 0))
    return NULL;
  return (extref__slot_t *)p;
}

static inline uint64_t extref__slot_index(const extref__slot_t *s) {
  return ((uintptr_t)s - extref__region.base) / EXTREF__SLOT_SIZE;
}

/* The slot at index i (below 2^24), or NULL if i was never handed out.
 * Slot 0 is never handed out: its kind reads FREE. */
static inline extref__slot_t *extref__slot_at(uint64_t i) {
  uintptr_t used =
      atomic_load_explicit(&extref__region.used_bytes, memory_order_acquire);
  if (EXTREF__UNLIKELY(i * EXTREF__SLOT_SIZE >= used)) return NULL;
  return (extref__slot_t *)(extref__region.base + i * EXTREF__SLOT_SIZE);
}

/* A handle word for (slot, serial), and back. */
static inline uint64_t extref__handle(const extref__slot_t *s,
                                      uint64_t serial) {
  return (((serial & EXTREF__SERIAL_MASK) << EXTREF__INDEX_BITS) |
          extref__slot_index(s)) ^
         extref__region.key;
}
static inline extref__slot_t *extref__handle_slot(uint64_t h,
                                                  uint64_t *serial) {
  uint64_t raw = h ^ extref__region.key;
  *serial = raw >> EXTREF__INDEX_BITS;
  return extref__slot_at(raw & EXTREF__INDEX_MASK);
}

static inline bool extref__is_send(uint64_t head) {
  return (head & EXTREF__HEAD_SEND) != 0;
}

/* Writes a payload's count word: a plain store for thread-bound payloads,
 * which one thread alone touches, a CAS for SEND ones (on failure *old is
 * refreshed and the caller decides again). */
static inline bool extref__count_update(extref__slot_t *s, uint64_t head,
                                        uint64_t *old, uint64_t new_word) {
  if (!extref__is_send(head)) {
    atomic_store_explicit(&s->count, new_word, memory_order_relaxed);
    return true;
  }
  return atomic_compare_exchange_weak_explicit(
      &s->count, old, new_word, memory_order_acq_rel, memory_order_acquire);
}

/* The same for the borrow-identity word. */
static inline bool extref__bid_update(extref__slot_t *s, uint64_t head,
                                      uint64_t *old, uint64_t new_word) {
  if (!extref__is_send(head)) {
    atomic_store_explicit(&s->bid, new_word, memory_order_relaxed);
    return true;
  }
  return atomic_compare_exchange_strong_explicit(
      &s->bid, old, new_word, memory_order_acq_rel, memory_order_acquire);
}

/* Takes a free slot and marks it kind, with the type flags given (SEND and
 * JS_DROP); its other fields are zero. */
EXTREF__HIDDEN extref_status_t extref__slot_alloc(uint32_t kind,
                                                  uint32_t flags,
                                                  extref__slot_t **result);
/* The same for a slot the caller can do without (a reader record): NULL
 * when the region is full, no error recorded, and never failed by the
 * test allocator's fault injection. */
EXTREF__HIDDEN extref__slot_t *extref__slot_alloc_optional(uint32_t kind,
                                                           uint32_t flags);
/* Frees a slot whose head is still `head`, bumping its generation; false
 * when the head changed (the slot was freed already: a second release). */
EXTREF__HIDDEN bool extref__slot_free(extref__slot_t *s, uint64_t head);
/* Calls fn for every slot of the given kind (a snapshot, no lock held while
 * fn runs). */
EXTREF__HIDDEN void extref__slot_each(uint32_t kind,
                                      void (*fn)(extref__slot_t *, void *),
                                      void *arg);

/* ---- Side records and borrow tables (table.c) --------------------------- */

/* The part of a payload that most payloads never need: announced
 * external_bytes, and the table of live borrows once more than one shared
 * borrow is live at a time. */
struct extref__side_s {
  _Atomic int64_t external_bytes; /* announced and not yet given back */
  uint32_t n, cap;                /* live entries in ids, room */
  uint64_t *ids;                  /* bid-shaped entries: serial and state */
};

/* The side record of s, made if missing; NULL on allocation failure. Under
 * the slot's stripe lock, or by the slot's only owner. */
EXTREF__HIDDEN extref__side_t *extref__side_get(extref__slot_t *s);
/* Frees s's side record; s is being freed and nobody else can reach it. */
EXTREF__HIDDEN void extref__side_free(extref__slot_t *s);
/* The stripe lock that guards s's table. */
EXTREF__HIDDEN void extref__stripe_lock(const extref__slot_t *s);
EXTREF__HIDDEN void extref__stripe_unlock(const extref__slot_t *s);
/* Table operations, under the stripe lock. Reserve makes room for `more`
 * entries (EXTREF_NO_MEMORY, nothing changed, when it cannot); add cannot
 * fail after a reserve; remove finds an entry by its 40-bit serial. */
EXTREF__HIDDEN extref_status_t extref__table_reserve(extref__slot_t *s,
                                                     uint32_t more);
EXTREF__HIDDEN void extref__table_add(extref__slot_t *s, uint64_t entry);
EXTREF__HIDDEN bool extref__table_remove(extref__slot_t *s, uint64_t serial,
                                         uint64_t *entry);
EXTREF__HIDDEN uint32_t extref__table_size(const extref__slot_t *s);

/* ---- Borrows (borrow.c) ------------------------------------------------- */

/* Checks that s holds a live payload of the asked type that the calling
 * thread may touch. */
EXTREF__HIDDEN extref_status_t extref__payload_check(extref__slot_t *s,
                                                     const extref_type_t *asked);

/* Every borrow: checks, refusals with messages, both sides, both kinds,
 * inline or in the table. */
EXTREF__HIDDEN extref_status_t extref__borrow(extref__slot_t *s,
                                              const extref_type_t *asked,
                                              bool exclusive,
                                              extref_borrow_t *result);

/* Every borrow the inline path below does not finish: SEND payloads (one
 * CAS on each word when the inline record is free), then the full path. */
EXTREF__HIDDEN extref_status_t extref__borrow_other(extref__slot_t *s,
                                                    const extref_type_t *asked,
                                                    bool excl,
                                                    extref_borrow_t *result);

/* The common case inline: a live payload of exactly the asked descriptor
 * on its creating thread, no borrow live (so the inline record is free),
 * and, for a SEND payload, no hold: plain loads and stores, nothing else.
 * A SEND payload with no hold and no borrow can be reached from no other
 * thread (another thread needs a hold or a borrow to reach it, and a first
 * hold is made on this thread), so it is as thread-bound as a thread-bound
 * one until a hold or a borrow goes out. */
static inline __attribute__((always_inline)) extref_status_t
extref__borrow_inline(extref__slot_t *s, const extref_type_t *asked,
                      bool excl, extref_borrow_t *result) {
  uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
  if (EXTREF__LIKELY(
          (head & EXTREF__KIND_MASK) == EXTREF__KIND_PAYLOAD &&
          atomic_load_explicit(&s->type, memory_order_relaxed) == asked &&
          atomic_load_explicit(&s->thread, memory_order_relaxed) ==
              extref__thread_id_fast())) {
    uint64_t w = atomic_load_explicit(&s->count, memory_order_acquire);
    uint64_t b = atomic_load_explicit(&s->bid, memory_order_relaxed);
    if (EXTREF__LIKELY(
            !((w & (EXTREF__TAKEN | EXTREF__BORROW_MASK)) |
              (b & (EXTREF__BID_LIVE | EXTREF__BID_TABLE))) &&
            (!extref__is_send(head) || !(w & EXTREF__HOLD_MASK)))) {
      uint64_t nb = extref__bid_next(
          b, EXTREF__BID_LIVE | (excl ? EXTREF__BID_EXCL : 0));
      atomic_store_explicit(&s->count,
                            w | (excl ? EXTREF__EX_HOME : EXTREF__SH_HOME_ONE),
                            memory_order_relaxed);
      atomic_store_explicit(&s->bid, nb, memory_order_relaxed);
      result->payload =
          atomic_load_explicit(&s->payload, memory_order_relaxed);
      result->token = extref__handle(s, nb >> EXTREF__BID_SEQ_SHIFT);
      return EXTREF_OK;
    }
  }
  return extref__borrow_other(s, asked, excl, result);
}

/* Records in the table a borrow (state: EXTREF__BID_EXCL, _AWAY) whose
 * count the SEND inline path took but whose inline record it lost. */
EXTREF__HIDDEN extref_status_t extref__borrow_late(extref__slot_t *s,
                                                   uint64_t state,
                                                   extref_borrow_t *result);

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

/* ---- Shared mode: borrows published by their readers (reader.c) ------- */

/* Reader records in the process; while a payload is in shared mode, this
 * many more shared borrows than the count word shows may be live on each
 * side, so counted shared borrows stop this much short of the limit. */
#define EXTREF__READER_RECORDS 4096
#define EXTREF__READER_RESERVE ((uint64_t)EXTREF__READER_RECORDS + 1)

/* A shared borrow of SEND payload s (checked: live, the asked type, and
 * the caller owns it) published in the calling thread's reader record: one
 * atomic store to a line that thread owns, then a load of s's bid. OK, or
 * any other status (nothing recorded) when s is not in shared mode or this
 * thread has no free record: the caller takes the counted path. */
EXTREF__HIDDEN extref_status_t extref__reader_borrow(extref__slot_t *s,
                                                     extref_borrow_t *result);
/* True when the calling thread has a free reader record (made if needed):
 * a thread that cannot publish must not put a payload in shared mode. */
EXTREF__HIDDEN bool extref__reader_ready(void);
/* Releases the borrow (r, serial) of a reader record. */
EXTREF__HIDDEN extref_status_t extref__reader_release(extref__slot_t *r,
                                                      uint64_t serial,
                                                      extref_borrow_t *borrow);
/* Under s's stripe lock: puts SEND payload s in shared mode when a hold
 * shares it and no exclusive borrow or take stands in the way. */
EXTREF__HIDDEN bool extref__shared_enter(extref__slot_t *s);
/* Under s's stripe lock: ends shared mode (if on): every published borrow
 * of s becomes a counted one, and the ticket goes. Returns the count word
 * after. */
EXTREF__HIDDEN uint64_t extref__shared_leave(extref__slot_t *s);
/* The status of a release that names no live borrow (a stale copy). */
EXTREF__HIDDEN extref_status_t extref__stale_borrow(void);

/* True when count word n, just lowered, has no owner left but perhaps the
 * ticket: the caller then calls extref__count_ended. */
static inline bool extref__count_idle(uint64_t n) {
  return (n & ~EXTREF__TICKET) == 0;
}
/* The caller lowered the count word to n (extref__count_idle(n)): drops
 * the payload when no owner is left, after ending shared mode if only the
 * ticket was. No lock held. */
EXTREF__HIDDEN void extref__count_ended(extref__slot_t *s, uint64_t n,
                                        bool deferred);

/* ---- Code that payloads depend on (pin.c) ------------------------------ */

/* Keeps the modules of type, of its callbacks, and of the library loaded
 * for the rest of the process (first payload of each descriptor only). */
EXTREF__HIDDEN extref_status_t extref__pin_type(const extref_type_t *type);

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
/* Moves the payload out into dst with the creator's move callback;
 * *bytes gets the external_bytes to give back. */
EXTREF__HIDDEN extref_status_t extref__payload_take_into(
    extref__slot_t *s, const extref_type_t *asked, void *dst, size_t dst_size,
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
