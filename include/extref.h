/* libextref - run-time borrow checking for Node-API externals.
 *
 * Copyright (c) 2026 The libextref authors.
 * SPDX-License-Identifier: MIT
 *
 * This header is the manual of ABI version 1. The contract it implements is
 * described in extref(7); every function below documents its parameters,
 * every status it returns, who owns what, and on which thread it may run.
 *
 * Handles. A hold pointer, a borrow (and every copy of it) and an external's
 * payload are handles: valid from the call that made them to the call that
 * ended them, and never again. A stale handle is EXTREF_INVALID_ARG and
 * changes nothing, for the life of the process. See extref_borrow_t and
 * extref_hold_t for how each is identified.
 *
 * Copies of the library. A process may hold several copies (the shared
 * libextref.so.1, copies built into addons). They stay apart: another copy's
 * externals are EXTREF_FOREIGN here, its holds and borrows
 * EXTREF_INVALID_ARG, and neither changes the other's counts.
 *
 * Trust boundary. Native code in the process is trusted: an external that
 * another native module builds around a pointer it read out of a libextref
 * external is outside this contract.
 *
 * Threads and processes. "The creating thread" is one thread for the life
 * of the process, even when the system reuses its stack or thread pointer.
 * A thread-bound payload that outlives its creating thread (through a hold)
 * can no longer be used or released anywhere (EXTREF_WRONG_THREAD): it is
 * leaked, never dropped on a thread its type does not allow, and stays in
 * extref_stats_t.live_payloads. A child of fork() never waits on a lock of
 * the library.
 *
 * Code stays loaded. The first payload created with a descriptor marks the
 * modules that hold the descriptor and its callbacks, and the library
 * itself, RTLD_NODELETE: a hold released after the addon that made the
 * payload was unloaded (Node unloads an addon only a Worker loaded when the
 * Worker ends) still finds its drop.
 *
 * This version needs 64-bit pointers.
 */
#ifndef EXTREF_H
#define EXTREF_H

#ifdef __cplusplus
extern "C" {
#endif

/* A copy compiled into an addon (the Rust crate's `bundled` feature, the npm
 * package, Zig's -Dbundled) defines EXTREF_EXTERN as empty and compiles with
 * -fvisibility=hidden, so its extref_ functions are not exported and never
 * interpose with another copy. */
#ifndef EXTREF_EXTERN
#if defined(_WIN32) && defined(EXTREF_BUILDING)
#define EXTREF_EXTERN __declspec(dllexport)
#elif defined(_WIN32)
#define EXTREF_EXTERN __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define EXTREF_EXTERN __attribute__((visibility("default")))
#else
#define EXTREF_EXTERN
#endif
#endif /* EXTREF_EXTERN */

#include <stddef.h>
#include <stdint.h>

/* ---- Versions ----------------------------------------------------------- */

#define EXTREF_VERSION_MAJOR 1
#define EXTREF_VERSION_MINOR 1
#define EXTREF_VERSION_PATCH 0
#define EXTREF_VERSION_HEX                                                   \
  ((EXTREF_VERSION_MAJOR << 16) | (EXTREF_VERSION_MINOR << 8) |              \
   EXTREF_VERSION_PATCH)
#define EXTREF_VERSION_STRING "1.1.0"

/* ---- Limits ------------------------------------------------------------- */

/* The most external_bytes one payload may announce; more is
 * EXTREF_INVALID_ARG. */
#define EXTREF_MAX_EXTERNAL_BYTES ((int64_t)1 << 50)
/* The most external_bytes the live payloads of one env may announce
 * together (the engine refuses amounts of 2^60 and more); a create that
 * would pass it is EXTREF_OVERFLOW. The process-wide total is likewise kept
 * at or below INT64_MAX. */
#define EXTREF_MAX_ENV_EXTERNAL_BYTES (((int64_t)1 << 60) - 1)
/* Live shared borrows of one payload, counted apart on its creating thread
 * and on all other threads together, and live holds of one payload; one
 * more is EXTREF_OVERFLOW. While a SEND payload that a hold shares has its
 * shared borrows published per thread (man 7 extref, Threads), 4,097 of
 * each side are kept for them. */
#define EXTREF_MAX_SHARED_BORROWS 1048575
#define EXTREF_MAX_HOLDS 1048575
/* Live payloads and holds together, in one copy of the library, less the
 * slots of its per-thread reader records (at most 4,096); one more is
 * EXTREF_NO_MEMORY. */
#define EXTREF_MAX_HANDLES 16777215

/* ---- Node-API handles --------------------------------------------------- */

/* The library needs only two Node-API handle types. They are spelled here as
 * the struct pointers that <node_api.h> names napi_env and napi_value, so this
 * header compiles alone and before or after <node_api.h>, in C99 too, where a
 * repeated typedef would be an error. The types are identical: pass a
 * napi_env where a struct napi_env__ * is asked for. */
struct napi_env__;
struct napi_value__;

/* ---- Status codes ------------------------------------------------------- */

/* The one table of statuses. Values are pinned and append-only; bindings
 * treat a value they do not know as a failure. X(name, value, text). */
#define EXTREF_STATUS_MAP(X)                                                  \
  X(OK, 0, "success")                                                         \
  X(INVALID_ARG, 1,                                                           \
    "an argument was NULL or malformed, or the borrow is not live")           \
  X(NO_MEMORY, 2, "an allocation failed; nothing changed")                    \
  X(NAPI_FAILED, 3, "a Node-API call failed")                                 \
  X(NO_RUNTIME, 4, "no Node-API host was found in this process")              \
  X(NOT_EXTERNAL, 5, "the value is not a JS external")                        \
  X(FOREIGN, 6, "the external was not created by libextref")                  \
  X(TYPE_MISMATCH, 7,                                                         \
    "the external holds a payload of another type or size")                   \
  X(BORROWED, 8, "exclusive access refused: shared borrows are live")         \
  X(MUT_BORROWED, 9, "access refused: an exclusive borrow is live")           \
  X(TAKEN, 10, "the payload was moved out of the external")                   \
  X(NOT_CLONEABLE, 11, "the type has no clone callback")                      \
  X(CLONE_FAILED, 12, "the clone callback reported failure")                  \
  X(WRONG_THREAD, 13,                                                         \
    "a thread-bound payload was touched from another thread")                 \
  X(BAD_SIZE, 14, "the destination size differs from the payload size")       \
  X(OVERFLOW, 15, "a borrow or hold count would overflow")                    \
  X(HELD, 16, "take refused: holds still share the payload")                 \
  X(NOT_MOVABLE, 17,                                                          \
    "take-into refused: the creator's type has no move callback")

#define EXTREF__STATUS_ENUM(name, value, text) EXTREF_##name = value,
/* An int-sized enum (all values fit in int) with explicit values and no
 * _MAX member. */
typedef enum extref_status_e {
  EXTREF_STATUS_MAP(EXTREF__STATUS_ENUM)
} extref_status_t;
#undef EXTREF__STATUS_ENUM

/* ---- Types -------------------------------------------------------------- */

/* Identity of a payload type: 128 random bits, the same layout as
 * napi_type_tag. Addons in any language share a type by sharing its tag. */
typedef struct extref_tag_s {
  uint64_t lower;
  uint64_t upper;
} extref_tag_t;

/* Type flags (extref_type_t.flags). */
enum {
  /* Payloads of this type may be borrowed, released, held and dropped on any
   * thread (like Rust's Send + Sync). Without it a payload is thread-bound:
   * only the thread that created it may touch it. */
  EXTREF_TYPE_SEND = 1u << 0,
  /* The drop needs the JS thread: an off-thread last release queues the drop
   * to the creating env's JS thread while that env lives. */
  EXTREF_TYPE_JS_DROP = 1u << 1
};

/* Drops a payload. Called exactly once per payload that was not taken, on the
 * thread where its last owner ended; env is the creating env when that is
 * its JS thread and the env is alive, NULL elsewhere. From the start of the
 * env's teardown (a Worker ending or terminated, the main script falling off
 * its end) env is always NULL: a cleanup hook has no handle scope open, and a
 * drop that made a handle there would abort Node. process.exit() and fatal
 * signals end the process without teardown: payloads still live then are not
 * dropped. Must not fail. */
typedef void (*extref_drop_cb)(void *payload, void *type_data,
                               struct napi_env__ *env);

/* Copies *payload into dst (payload_size bytes of caller-owned, possibly
 * uninitialised memory). Returns 0 on success; any other value is reported
 * as EXTREF_CLONE_FAILED and dst is then treated as uninitialised. */
typedef int (*extref_clone_cb)(const void *payload, void *dst,
                               void *type_data);

/* (1.1) Moves the value of *payload into dst (payload_size bytes of
 * caller-owned, possibly uninitialised memory), then ends and frees the
 * payload's own storage with the allocator that made it, without dropping
 * the value (in Rust: ptr::read the T out of its Box, free the Box's memory;
 * in C++: move-construct into dst, destroy and delete the original). It
 * runs with the payload marked taken, so nothing else touches it. Returns 0
 * on success; any other value means nothing moved: the payload must be left
 * as it was, and take-into reports EXTREF_NOT_MOVABLE. */
typedef int (*extref_move_cb)(void *payload, void *dst, void *type_data);

/* A type descriptor. It must outlive every payload created with it: give it
 * static storage. Two descriptors describe the same type when their tags and
 * their payload sizes are equal. */
typedef struct extref_type_s {
  uint32_t struct_size; /* sizeof(extref_type_t) as the caller compiled it */
  uint32_t flags;       /* EXTREF_TYPE_SEND, EXTREF_TYPE_JS_DROP */
  extref_tag_t tag;     /* identity of the type */
  const char *name;     /* shown in error messages, e.g. "Counter"; may be NULL */
  size_t payload_size;  /* bytes that clone-out writes */
  extref_drop_cb drop;  /* may be NULL: nothing to do on drop */
  extref_clone_cb clone; /* NULL: not cloneable */
  void *type_data;      /* passed to drop, clone and move */
  /* 1.1, read only when struct_size covers it (descriptors compiled
   * against 1.0 have none: their types are not movable). The creator's
   * move is the one take-into uses, so the creator's allocator frees the
   * creator's allocation, whichever addon takes. NULL: not movable. */
  extref_move_cb move;
} extref_type_t;

/* The struct_size of a descriptor compiled against 1.0 (no move field):
 * the smallest the library accepts. */
#define EXTREF_TYPE_SIZE_1_0                                                 \
  (offsetof(extref_type_t, type_data) + sizeof(void *))

/* A borrow: shared or exclusive access to a payload. Caller-owned storage;
 * this layout is frozen for ABI 1. A zeroed borrow is "empty".
 *
 * A borrow is a value: C may copy it, and a copy is the same borrow. The
 * token names the payload's slot and a 40-bit serial that the slot draws
 * afresh for every borrow it gives and never reuses, not even when another
 * payload takes the slot. So the first release of a borrow or of any copy
 * ends it; every later release of any copy is EXTREF_INVALID_ARG and changes
 * nothing, shared or exclusive, even while other borrows of the same payload
 * are live, and never ends another borrow. A stale copy could pass for a
 * live borrow only after its slot gave 2^40 (about 10^12) more borrows. */
typedef struct extref_borrow_s {
  void *payload;   /* valid until extref_borrow_release */
  uintptr_t token; /* private to the library */
} extref_borrow_t;

/* A hold: a counted owner of a payload, independent of the JS garbage
 * collector. Opaque: the pointer is a handle word (the hold's slot and that
 * slot's 40-bit generation), never dereferenced, so a released hold stays
 * EXTREF_INVALID_ARG after new holds reuse its slot. */
typedef struct extref_hold_s extref_hold_t;

/* The last failure on the calling thread. */
typedef struct extref_error_s {
  extref_status_t status;
  int napi_status;     /* the failing napi_status for EXTREF_NAPI_FAILED, else 0 */
  const char *message; /* valid until this thread's next extref_ call */
} extref_error_t;

/* Process-wide counters. */
typedef struct extref_stats_s {
  uint32_t struct_size; /* caller sets sizeof(extref_stats_t) */
  uint64_t live_payloads; /* created, not yet dropped or taken */
  uint64_t live_borrows;  /* shared and exclusive borrows not yet released */
  uint64_t live_holds;    /* holds not yet released */
  uint64_t drops;         /* drop callbacks run (or due, for NULL drop) */
  uint64_t deferred_drops; /* drops that waited for a borrow or hold to end
                              after the external was gone */
  uint64_t takes;          /* payloads moved out by take */
  int64_t external_bytes;  /* announced with external_bytes, not given back */
} extref_stats_t;

/* ---- Externals ---------------------------------------------------------- */

/* Wraps payload in a new JS external of the given type.
 *
 * env:            the calling JS thread's env.
 * type:           the descriptor; must outlive the payload.
 * payload:        the native value; must not be NULL.
 * external_bytes: native memory the payload keeps alive (0 if none); it is
 *                 announced to the engine with napi_adjust_external_memory
 *                 and given back once when the external is gone or the
 *                 payload is taken. The engine is told in batches of up to
 *                 32 MiB per env, exactly when the env has none left. From
 *                 0 to EXTREF_MAX_EXTERNAL_BYTES (2^50); one env's live
 *                 payloads together stay below 2^60, which V8 refuses.
 * result:         the new external.
 * Returns: EXTREF_OK; EXTREF_INVALID_ARG (NULL env, type, payload or result,
 *   type->struct_size too small, external_bytes negative or above 2^50);
 *   EXTREF_OVERFLOW (the env's announced bytes would reach 2^60, or the
 *   process's would pass INT64_MAX); EXTREF_NO_MEMORY (also when
 *   EXTREF_MAX_HANDLES payloads and holds are live); EXTREF_NAPI_FAILED;
 *   EXTREF_NO_RUNTIME.
 * Ownership: consumes payload on EXTREF_OK (the library drops it with
 *   type->drop); on any failure the caller still owns it. *result is a
 *   handle in the current scope.
 * Context: the env's JS thread. */
EXTREF_EXTERN extref_status_t extref_external_create(
    struct napi_env__ *env, const extref_type_t *type, void *payload,
    int64_t external_bytes, struct napi_value__ **result);

/* Borrows the payload of an external, shared (like &T).
 *
 * Returns: EXTREF_OK; EXTREF_INVALID_ARG (NULL env, value, type or result, bad
 *   struct_size); EXTREF_NOT_EXTERNAL; EXTREF_FOREIGN; EXTREF_TYPE_MISMATCH;
 *   EXTREF_MUT_BORROWED; EXTREF_TAKEN; EXTREF_WRONG_THREAD; EXTREF_OVERFLOW;
 *   EXTREF_NO_MEMORY (only while other shared borrows of the payload are
 *   live: the table that records them could not grow; nothing changed);
 *   EXTREF_NAPI_FAILED; EXTREF_NO_RUNTIME.
 * Ownership: new: *result must be ended with extref_borrow_release;
 *   result->payload is borrowed until then.
 * Context: the env's JS thread. */
EXTREF_EXTERN extref_status_t extref_external_ref(struct napi_env__ *env,
                                                  struct napi_value__ *value,
                                                  const extref_type_t *type,
                                                  extref_borrow_t *result);

/* Borrows the payload of an external exclusively (like &mut T).
 *
 * Returns: as extref_external_ref, and EXTREF_BORROWED when shared borrows
 *   are live.
 * Ownership: new: *result must be ended with extref_borrow_release.
 * Context: the env's JS thread. */
EXTREF_EXTERN extref_status_t extref_external_mut_ref(
    struct napi_env__ *env, struct napi_value__ *value,
    const extref_type_t *type, extref_borrow_t *result);

/* Copies the payload, under a shared borrow, into caller-owned memory with the
 * type's clone callback.
 *
 * dst:      payload_size bytes, possibly uninitialised; written only on
 *           EXTREF_OK.
 * dst_size: must equal type->payload_size.
 * Returns: as extref_external_ref (but never a live borrow), and
 *   EXTREF_NOT_CLONEABLE, EXTREF_CLONE_FAILED, EXTREF_BAD_SIZE.
 * Ownership: the clone in dst is the caller's.
 * Context: the env's JS thread. */
EXTREF_EXTERN extref_status_t extref_external_clone_out(
    struct napi_env__ *env, struct napi_value__ *value,
    const extref_type_t *type, void *dst, size_t dst_size);

/* Moves the payload out of its external. Later accesses report EXTREF_TAKEN;
 * the external stays a valid JS value. Announced external_bytes are given
 * back now.
 *
 * Returns: EXTREF_OK; EXTREF_BORROWED or EXTREF_MUT_BORROWED (a borrow is
 *   live); EXTREF_HELD (holds are live); EXTREF_TAKEN; and the access errors
 *   of extref_external_ref.
 * Ownership: new: *result is the caller's; the library never drops it.
 * Context: the env's JS thread. */
EXTREF_EXTERN extref_status_t extref_external_take(struct napi_env__ *env,
                                                   struct napi_value__ *value,
                                                   const extref_type_t *type,
                                                   void **result);

/* (1.1) Moves the payload out of its external into caller-owned memory with
 * the creator's move callback, so the creator's allocator frees the
 * creator's allocation whichever addon or language takes it. On success the
 * external reports EXTREF_TAKEN from then on, the drop never runs, and
 * announced external_bytes are given back. Use it instead of
 * extref_external_take whenever the creator may be another module.
 *
 * dst:      payload_size bytes, possibly uninitialised; written only on
 *           EXTREF_OK.
 * dst_size: must equal type->payload_size.
 * Returns: EXTREF_OK; the refusals of extref_external_take (EXTREF_BORROWED,
 *   EXTREF_MUT_BORROWED, EXTREF_HELD, EXTREF_TAKEN) and its access errors;
 *   EXTREF_NOT_MOVABLE (the creator's descriptor has no move callback, was
 *   compiled against 1.0, or its move returned non-zero: nothing moved);
 *   EXTREF_BAD_SIZE; EXTREF_INVALID_ARG (NULL dst).
 * Ownership: the value in dst is the caller's; the payload's storage was
 *   freed by the creator's move.
 * Context: the env's JS thread. */
EXTREF_EXTERN extref_status_t extref_external_take_into(
    struct napi_env__ *env, struct napi_value__ *value,
    const extref_type_t *type, void *dst, size_t dst_size);

/* Creates a hold: a counted owner that keeps the payload alive after the
 * external is collected or its env torn down.
 *
 * Returns: EXTREF_OK; EXTREF_TAKEN; EXTREF_OVERFLOW; EXTREF_NO_MEMORY; and the
 *   access errors of extref_external_ref. A live exclusive borrow does not
 *   prevent a hold.
 * Ownership: new: release *result with extref_hold_release.
 * Context: the env's JS thread. */
EXTREF_EXTERN extref_status_t extref_external_hold(struct napi_env__ *env,
                                                   struct napi_value__ *value,
                                                   const extref_type_t *type,
                                                   extref_hold_t **result);

/* ---- Borrows ------------------------------------------------------------ */

/* Ends a shared or exclusive borrow and empties *borrow. When it was the last
 * owner of a payload whose external is gone, the payload is dropped here.
 *
 * Returns: EXTREF_OK; EXTREF_INVALID_ARG (NULL, an empty or zeroed borrow,
 *   a copy of a borrow already released, whatever else is live, a borrow of
 *   a payload that no longer exists, a borrow made by another copy of the
 *   library; nothing changed); EXTREF_WRONG_THREAD (a live borrow of a
 *   thread-bound payload, released on another thread; it stays live).
 * Ownership: consumes the borrow.
 * Context: any thread for EXTREF_TYPE_SEND types, else the creating thread.
 *   Needs no env. */
EXTREF_EXTERN extref_status_t extref_borrow_release(extref_borrow_t *borrow);

/* ---- Holds -------------------------------------------------------------- */

/* Borrows, shared, the payload of a hold.
 *
 * Returns: EXTREF_OK; EXTREF_INVALID_ARG (NULL or not a live hold: released
 *   already, even after new holds reused its slot, or another copy's);
 *   EXTREF_MUT_BORROWED; EXTREF_TAKEN; EXTREF_WRONG_THREAD; EXTREF_OVERFLOW;
 *   EXTREF_NO_MEMORY (as extref_external_ref).
 * Ownership: new: end *result with extref_borrow_release.
 * Context: any thread for EXTREF_TYPE_SEND types, else the creating thread. */
EXTREF_EXTERN extref_status_t extref_hold_ref(extref_hold_t *hold,
                                              extref_borrow_t *result);

/* Borrows, exclusively, the payload of a hold.
 *
 * Returns: as extref_hold_ref, and EXTREF_BORROWED.
 * Ownership: new: end *result with extref_borrow_release.
 * Context: as extref_hold_ref. */
EXTREF_EXTERN extref_status_t extref_hold_mut_ref(extref_hold_t *hold,
                                                  extref_borrow_t *result);

/* Clones the payload of a hold into caller-owned memory, under a shared
 * borrow.
 *
 * Returns: as extref_hold_ref (never a live borrow), and
 *   EXTREF_NOT_CLONEABLE, EXTREF_CLONE_FAILED, EXTREF_BAD_SIZE.
 * Ownership: the clone in dst is the caller's.
 * Context: as extref_hold_ref. */
EXTREF_EXTERN extref_status_t extref_hold_clone_out(extref_hold_t *hold,
                                                    void *dst,
                                                    size_t dst_size);

/* Creates another hold on the payload of a hold.
 *
 * Returns: EXTREF_OK; EXTREF_INVALID_ARG; EXTREF_WRONG_THREAD;
 *   EXTREF_OVERFLOW; EXTREF_NO_MEMORY.
 * Ownership: new: release *result with extref_hold_release.
 * Context: as extref_hold_ref. */
EXTREF_EXTERN extref_status_t extref_hold_dup(extref_hold_t *hold,
                                              extref_hold_t **result);

/* Ends a hold. When it was the last owner of a payload whose external is
 * gone, the payload is dropped here (or, for EXTREF_TYPE_JS_DROP types off
 * the JS thread, queued to it).
 *
 * Returns: EXTREF_OK (also for NULL, which does nothing);
 *   EXTREF_INVALID_ARG (not a live hold); EXTREF_WRONG_THREAD (the hold stays
 *   live).
 * Ownership: consumes hold.
 * Context: as extref_hold_ref. */
EXTREF_EXTERN extref_status_t extref_hold_release(extref_hold_t *hold);

/* ---- Errors ------------------------------------------------------------- */

/* The calling thread's last failure. Successful calls do not clear it.
 *
 * Returns: never NULL; status EXTREF_OK and an empty message when this
 *   thread has had no failure.
 * Ownership: borrowed: valid until this thread's next extref_ call.
 * Context: any thread. */
EXTREF_EXTERN const extref_error_t *extref_last_error(void);

/* Throws a failure into JS: a TypeError for EXTREF_NOT_EXTERNAL,
 * EXTREF_FOREIGN, EXTREF_TYPE_MISMATCH and EXTREF_INVALID_ARG, an Error
 * otherwise, with `code` set to the status name ("EXTREF_MUT_BORROWED"). The
 * message is this thread's last error message when its status is `status`,
 * else the status text. Nothing is thrown when an exception is already
 * pending.
 *
 * Returns: EXTREF_OK (thrown, or one already pending); EXTREF_INVALID_ARG
 *   (NULL env, or status EXTREF_OK); EXTREF_NAPI_FAILED; EXTREF_NO_RUNTIME.
 * Ownership: none.
 * Context: the env's JS thread. */
EXTREF_EXTERN extref_status_t extref_throw(struct napi_env__ *env,
                                           extref_status_t status);

/* The name of a status, e.g. "EXTREF_MUT_BORROWED"; "EXTREF_UNKNOWN" for a
 * value not in the table.
 * Ownership: static text, never NULL. Context: any thread. */
EXTREF_EXTERN const char *extref_status_name(extref_status_t status);

/* An English sentence for a status; "unknown status" for a value not in the
 * table.
 * Ownership: static text, never NULL. Context: any thread. */
EXTREF_EXTERN const char *extref_status_text(extref_status_t status);

/* ---- Statistics and versions -------------------------------------------- */

/* Reads the process-wide counters into *result, writing at most
 * result->struct_size bytes (set it to sizeof(extref_stats_t)).
 *
 * Returns: EXTREF_OK; EXTREF_INVALID_ARG (NULL, struct_size too small to hold
 *   live_payloads).
 * Ownership: none. Context: any thread; a snapshot, exact when no other
 *   thread is changing the counts. */
EXTREF_EXTERN extref_status_t extref_stats_get(extref_stats_t *result);

/* The run-time version as EXTREF_VERSION_HEX. Context: any thread. */
EXTREF_EXTERN uint32_t extref_version(void);

/* The run-time version as "MAJOR.MINOR.PATCH"; static text. */
EXTREF_EXTERN const char *extref_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* EXTREF_H */
