/* A reference model of the leanest borrow path, NOT libextref: what a
 * borrow and its release cost on this machine when they do only what the
 * design notes call the minimum (get the external; prove the pointer is one
 * of ours with two compares; compare the type; compare the thread; a plain
 * counter increment; a separate release call that checks and decrements).
 * Built as its own shared library (bench/_out/liblean.so) so that the bench
 * addon calls it through the PLT, as it calls libextref. It is there to show
 * the headroom: the distance between this row and libextref's is what
 * trimming the library's path can win; the distance between this row and
 * the bare get is the price of any out-of-line borrow here.
 *
 * SPDX-License-Identifier: MIT
 */
#include <node_api.h>

#include <stdint.h>

#define LEAN_API __attribute__((visibility("default")))
#define LEAN_SLOTS 64
#define LEAN_EXCL ((uint64_t)1 << 40)

typedef struct lean_slot_s {
  uint64_t count;
  const void *type;
  void *payload;
  uintptr_t thread;
  uint64_t pad[4];
} lean_slot_t;

typedef struct lean_borrow_s {
  void *payload;
  uintptr_t token;
} lean_borrow_t;

static lean_slot_t slots[LEAN_SLOTS] __attribute__((aligned(64)));
static unsigned used;

static uintptr_t thread_id(void) {
  return (uintptr_t)__builtin_thread_pointer();
}

/* A slot for payload, or NULL when the model's few slots are used up. */
LEAN_API void *lean_make(void *payload, const void *type) {
  if (used == LEAN_SLOTS) return NULL;
  lean_slot_t *s = &slots[used++];
  s->type = type;
  s->payload = payload;
  s->thread = thread_id();
  return s;
}

/* 0, or a nonzero code for: not an external, foreign, wrong type, wrong
 * thread, mutably borrowed. */
LEAN_API int lean_ref(napi_env env, napi_value value, const void *type,
                      lean_borrow_t *result) {
  void *p;
  if (napi_get_value_external(env, value, &p) != napi_ok) return 5;
  uintptr_t off = (uintptr_t)p - (uintptr_t)slots;
  if (off >= (uintptr_t)used * sizeof(lean_slot_t) || (off & 63) != 0)
    return 6;
  lean_slot_t *s = p;
  if (s->type != type) return 7;
  if (s->thread != thread_id()) return 13;
  if (s->count & LEAN_EXCL) return 9;
  s->count++;
  result->payload = s->payload;
  result->token = (uintptr_t)s | 1;
  return 0;
}

LEAN_API int lean_release(lean_borrow_t *borrow) {
  uintptr_t t = borrow->token;
  if (!(t & 1)) return 1;
  lean_slot_t *s = (lean_slot_t *)(t & ~(uintptr_t)63);
  if ((uintptr_t)s - (uintptr_t)slots >= (uintptr_t)used * sizeof *s)
    return 1;
  if (s->thread != thread_id()) return 13;
  if ((s->count & 0xFFFFF) == 0) return 1;
  s->count--;
  borrow->payload = NULL;
  borrow->token = 0;
  return 0;
}
