/* A model-based fuzzer for the libextref core.
 *
 * The input is decoded as a sequence of operations on a handful of payloads
 * of a few types. Each operation runs against the library core (driven
 * without a JS host: the slot pointer stands for the external, and
 * extref__payload_js_end stands for its finalizer) and against a small
 * reference model of the contract in include/extref.h and man 7 extref,
 * written here from the contract alone. After every step the returned
 * status, the process-wide counters of extref_stats_get and the per-payload
 * drop counts must agree with the model; the first divergence prints the
 * trace and traps.
 *
 * Handles have an identity. The model gives every borrow it makes an
 * identity of its own and keeps copies of the borrow value: in the borrow
 * slots, in a ring of copies that outlives the release, and in the identity
 * record. A release of any copy of a live borrow ends exactly that borrow; a
 * release of any copy of a borrow that has ended, of any kind, on any
 * thread, whatever else is live, is EXTREF_INVALID_ARG and changes nothing.
 * Released hold pointers are kept too, and every hold function must refuse
 * them with EXTREF_INVALID_ARG and change nothing, also after their slots
 * were reused.
 *
 * Some operations run on a second thread (a flag of the op byte): borrow
 * release and the hold functions, which the contract allows off the creating
 * thread for EXTREF_TYPE_SEND types and refuses with EXTREF_WRONG_THREAD for
 * thread-bound ones (a live handle only: a stale one is EXTREF_INVALID_ARG
 * on every thread).
 *
 * Allocation failures are injected with extref__alloc_fail_at (the nth
 * allocation of one call fails). The model allows EXTREF_NO_MEMORY exactly
 * where the call may allocate, and checks that the library reported the
 * failure it was given and invented none (extref__alloc_count).
 *
 * Where the contract leaves the order of two applicable failures open (a
 * take refused for both a borrow and a hold, a clone-out of a non-cloneable
 * type into a buffer of the wrong size, a failed allocation beside a refusal
 * for the payload's state), the model accepts any status that applies, but
 * never success, and never a status that does not apply.
 *
 * Build: tests/fuzz/run.sh (clang -fsanitize=fuzzer,address,undefined).
 * Set FUZZ_TRACE=1 to print every step while replaying one input.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

/* ---- Types -------------------------------------------------------------- */

/* N_TYPES valid descriptors, then one whose struct_size is too small. */
enum { T_A, T_ALIAS, T_WIDE, T_PLAIN, N_TYPES, T_BROKEN = N_TYPES, N_ALL };

typedef struct type_data_s {
  int index;
} type_data_t;

static type_data_t type_data[N_ALL] = {{T_A}, {T_ALIAS}, {T_WIDE},
                                       {T_PLAIN}, {T_BROKEN}};

static void on_drop(void *payload, void *type_data, struct napi_env__ *env);
static int clone16(const void *src, void *dst, void *type_data);
static int clone24(const void *src, void *dst, void *type_data);

#define TAG_A {0x6a09e667f3bcc908u, 0xbb67ae8584caa73bu}
#define TAG_PLAIN {0x3c6ef372fe94f82bu, 0xa54ff53a5f1d36f1u}

/* A: a cloneable, Send type. ALIAS: another descriptor of the same type, as
 * another addon would declare it (same tag, same size). WIDE: the same tag
 * with another payload size, so another type. PLAIN: thread-bound and not
 * cloneable. */
/* Designated fields: a descriptor of this ABI may have fields past
 * type_data, which stay zero here. */
#define DESC(size, fl, tg, nm, psize, clonefn, idx)                          \
  {.struct_size = (size), .flags = (fl), .tag = tg, .name = (nm),            \
   .payload_size = (psize), .drop = on_drop, .clone = (clonefn),             \
   .type_data = &type_data[idx]}
static const extref_type_t types[N_ALL] = {
    [T_A] = DESC(sizeof(extref_type_t), EXTREF_TYPE_SEND, TAG_A, "Counter",
                 16, clone16, T_A),
    [T_ALIAS] = DESC(sizeof(extref_type_t), EXTREF_TYPE_SEND, TAG_A,
                     "CounterAlias", 16, clone16, T_ALIAS),
    [T_WIDE] = DESC(sizeof(extref_type_t),
                    EXTREF_TYPE_SEND | EXTREF_TYPE_JS_DROP, TAG_A,
                    "WideCounter", 24, clone24, T_WIDE),
    [T_PLAIN] = DESC(sizeof(extref_type_t), 0, TAG_PLAIN, "Plain", 16, NULL,
                     T_PLAIN),
    /* A's fields, but a struct_size that covers only struct_size and flags:
     * every use of it is EXTREF_INVALID_ARG. */
    [T_BROKEN] = DESC(8, EXTREF_TYPE_SEND, TAG_A, "Broken", 16, clone16,
                      T_BROKEN),
};

static bool same_type(int a, int b) {
  return types[a].tag.lower == types[b].tag.lower &&
         types[a].tag.upper == types[b].tag.upper &&
         types[a].payload_size == types[b].payload_size;
}

/* Every payload starts with these words; WIDE payloads have one more. */
typedef struct payload_s {
  uint64_t id; /* run number << 16 | payload index */
  uint64_t value;
  uint64_t extra; /* only in 24-byte payloads */
} payload_t;

/* ---- The model ---------------------------------------------------------- */

#define MAX_PAYLOADS 24
#define MAX_BORROWS 8
#define MAX_COPIES 8
#define MAX_HOLDS 8
#define MAX_DEAD_HOLDS 8
#define MAX_STEPS 300
#define MAX_IDS (MAX_STEPS + 8)
#define MAX_TRACE 320

typedef struct model_payload_s {
  int type;             /* the creator's descriptor */
  payload_t *ptr;       /* the payload memory, NULL once freed */
  uintptr_t addr;       /* where it was, kept after it is freed */
  extref__slot_t *slot; /* valid while js is true */
  bool js;              /* the JS side (the external) is alive */
  bool taken, dropped;
  /* Live borrows by kind (0 shared, 1 exclusive) and by the side they were
   * taken on (0 the creating thread, 1 another). */
  uint32_t count[2][2];
  uint32_t holds;
  uint64_t value;
  int64_t bytes;
  bool bytes_back; /* external_bytes given back (take or js_end) */
} model_payload_t;

/* One borrow the library made: its identity. live until one release of
 * any copy of it succeeds; never live again. */
typedef struct ident_s {
  bool live;
  int pid;
  int excl;
  int away;
  extref_borrow_t b; /* the value as made */
} ident_t;

/* Caller-owned storage holding a copy of borrow `id` (emptied by the
 * library when a release through it succeeds). */
typedef struct model_borrow_s {
  bool used;
  int id;
  extref_borrow_t b;
} model_borrow_t;

typedef struct model_hold_s {
  bool used;
  int pid;
  extref_hold_t *h;
} model_hold_t;

static model_payload_t pay[MAX_PAYLOADS];
static int npay;
static ident_t ids[MAX_IDS];
static int nids;
static model_borrow_t bor[MAX_BORROWS];
static model_borrow_t copies[MAX_COPIES];
static int next_copy;
static model_hold_t hold[MAX_HOLDS];
static model_hold_t dead[MAX_DEAD_HOLDS]; /* released hold pointers */
static int next_dead;
static uint64_t m_drops, m_deferred, m_takes;
/* external_bytes added to the process-wide total by the fuzzer itself, as
 * payloads outside the model would (see op_bias). */
static int64_t bias;
/* Process-wide: the descriptor has passed the pin step of a create, which
 * allocates at most for the first payload of a descriptor. */
static bool pinned[N_TYPES];

/* What the callbacks saw. */
static unsigned drop_count[MAX_PAYLOADS];
static bool drop_bad;
static char drop_bad_why[200];
static unsigned clone_calls;
static const void *clone_src;
static bool clone_fail;

static uint64_t run_no;
static bool err_ok; /* the last call() found extref_last_error() right */
static extref_stats_t base;
static int step;
static bool trace_live;
static char trace[MAX_TRACE][160];
static int ntrace;
static char cur[160];

/* ---- Reporting ---------------------------------------------------------- */

static void tracef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void tracef(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cur, sizeof cur, fmt, ap);
  va_end(ap);
}

static void trace_commit(const char *result) {
  char line[160];
  snprintf(line, sizeof line, "step %3d: %s -> %s", step, cur, result);
  if (ntrace < MAX_TRACE) memcpy(trace[ntrace++], line, sizeof line);
  if (trace_live) fprintf(stderr, "%s\n", line);
}

static void diverge(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diverge(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "\n==== extref model divergence ====\n");
  for (int i = 0; i < ntrace; i++) fprintf(stderr, "%s\n", trace[i]);
  fprintf(stderr, "DIVERGENCE at step %d: %s: ", step, cur);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n");
  fflush(stderr);
  __builtin_trap();
}

static const char *sname(extref_status_t s) { return extref_status_name(s); }

static void mask_names(uint32_t mask, char *buf, size_t n) {
  size_t len = 0;
  buf[0] = '\0';
  for (int s = 0; s < 32 && len < n; s++)
    if (mask & (1u << s))
      len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "|" : "",
                              sname((extref_status_t)s));
}

#define BIT(s) (1u << (s))

static bool last_error_is(extref_status_t st) {
  const extref_error_t *e;
  if (st == EXTREF_OK) return true;
  e = extref_last_error();
  return e != NULL && e->status == st && e->message != NULL;
}

/* Checks a status returned on this thread against the set the model
 * allows. */
static void expect(extref_status_t got, uint32_t allowed) {
  char want[200];
  if ((unsigned)got >= 32 || !(allowed & BIT(got))) {
    mask_names(allowed, want, sizeof want);
    diverge("library returned %s, model allows %s", sname(got), want);
  }
  if (!last_error_is(got))
    diverge("extref_last_error() does not report %s", sname(got));
  trace_commit(sname(got));
}

/* The same for a status that call() got, maybe on another thread. */
static void expect_call(extref_status_t got, uint32_t allowed) {
  char want[200];
  if ((unsigned)got >= 32 || !(allowed & BIT(got))) {
    mask_names(allowed, want, sizeof want);
    diverge("library returned %s, model allows %s", sname(got), want);
  }
  if (!err_ok)
    diverge("extref_last_error() on the calling thread does not report %s",
            sname(got));
  trace_commit(sname(got));
}

static uint32_t shared_of(const model_payload_t *p) {
  return p->count[0][0] + p->count[0][1];
}

static uint32_t excl_of(const model_payload_t *p) {
  return p->count[1][0] + p->count[1][1];
}

/* The statuses that apply to an access to pid; OK alone when none does. */
static uint32_t failures_of_access(int pid, int asked, bool check_type,
                                   bool exclusive, bool off) {
  const model_payload_t *p = &pay[pid];
  uint32_t m = 0;
  if (check_type && !same_type(p->type, asked)) m |= BIT(EXTREF_TYPE_MISMATCH);
  if (check_type && asked == T_BROKEN) m |= BIT(EXTREF_INVALID_ARG);
  if (p->taken) m |= BIT(EXTREF_TAKEN);
  if (excl_of(p)) m |= BIT(EXTREF_MUT_BORROWED);
  if (exclusive && shared_of(p)) m |= BIT(EXTREF_BORROWED);
  if (off && !(types[p->type].flags & EXTREF_TYPE_SEND))
    m |= BIT(EXTREF_WRONG_THREAD);
  return m;
}

static bool is_send(int pid) {
  return types[pay[pid].type].flags & EXTREF_TYPE_SEND;
}

static uint64_t model_live_payloads(void) {
  uint64_t n = 0;
  for (int i = 0; i < npay; i++) n += !pay[i].dropped && !pay[i].taken;
  return n;
}

static void compare_counts(void) {
  extref_stats_t st;
  uint64_t lb = 0, lh = 0;
  int64_t bytes = bias;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  if (extref_stats_get(&st) != EXTREF_OK) diverge("extref_stats_get failed");
  for (int i = 0; i < npay; i++) {
    lb += shared_of(&pay[i]) + excl_of(&pay[i]);
    lh += pay[i].holds;
    if (!pay[i].bytes_back) bytes += pay[i].bytes;
  }
#define CMP(field, want)                                                     \
  do {                                                                       \
    uint64_t got_ = st.field - base.field;                                   \
    if (got_ != (uint64_t)(want))                                            \
      diverge("stats." #field " moved by %lld, model says %lld",             \
              (long long)got_, (long long)(want));                           \
  } while (0)
  CMP(live_payloads, model_live_payloads());
  CMP(live_borrows, lb);
  CMP(live_holds, lh);
  CMP(drops, m_drops);
  CMP(deferred_drops, m_deferred);
  CMP(takes, m_takes);
  CMP(external_bytes, bytes);
#undef CMP
  if (drop_bad) diverge("drop callback: %s", drop_bad_why);
  for (int i = 0; i < npay; i++) {
    unsigned want = pay[i].dropped ? 1 : 0;
    if (drop_count[i] != want)
      diverge("payload %d was dropped %u times, model says %u", i,
              drop_count[i], want);
  }
}

/* Drops pid in the model when nothing owns it any more. */
static void model_settle(int pid, bool deferred) {
  model_payload_t *p = &pay[pid];
  if (p->js || p->taken || p->dropped || shared_of(p) || excl_of(p) ||
      p->holds)
    return;
  p->dropped = true;
  m_drops++;
  if (deferred) m_deferred++;
}

/* ---- Callbacks ---------------------------------------------------------- */

static void drop_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static void drop_fail(const char *fmt, ...) {
  va_list ap;
  if (drop_bad) return;
  drop_bad = true;
  va_start(ap, fmt);
  vsnprintf(drop_bad_why, sizeof drop_bad_why, fmt, ap);
  va_end(ap);
}

static void on_drop(void *payload, void *td, struct napi_env__ *env) {
  payload_t *p = payload;
  int idx = npay - 1;
  /* Find the payload by address, newest first, without reading it: a
   * double drop must be reported, not turned into a use after free. */
  while (idx >= 0 && (void *)pay[idx].addr != payload) idx--;
  if (idx < 0) {
    drop_fail("unknown payload %p", payload);
    return;
  }
  if (drop_count[idx] > 0) {
    drop_count[idx]++;
    drop_fail("payload %d dropped again", idx);
    return;
  }
  if (pay[idx].taken) drop_fail("payload %d was taken, then dropped", idx);
  if (p->id != (run_no << 16 | (uint64_t)idx))
    drop_fail("payload %d has a wrong id", idx);
  if (env != NULL) drop_fail("payload %d: env is not NULL", idx);
  if (td != types[pay[idx].type].type_data)
    drop_fail("payload %d: type_data is not the creator's", idx);
  if (++drop_count[idx] == 1) {
    free(p);
    pay[idx].ptr = NULL;
  }
}

static int clone_n(const void *src, void *dst, size_t n) {
  clone_calls++;
  clone_src = src;
  if (clone_fail) {
    memset(dst, 0xee, n);
    return 1;
  }
  memcpy(dst, src, n);
  return 0;
}

static int clone16(const void *src, void *dst, void *td) {
  (void)td;
  return clone_n(src, dst, 16);
}

static int clone24(const void *src, void *dst, void *td) {
  (void)td;
  return clone_n(src, dst, 24);
}

/* ---- Calls on another thread ------------------------------------------- */

typedef enum {
  C_RELEASE,
  C_HOLD_REF,
  C_HOLD_MUT_REF,
  C_HOLD_DUP,
  C_HOLD_RELEASE,
  C_HOLD_CLONE_OUT
} call_kind_t;

typedef struct call_s {
  call_kind_t kind;
  extref_borrow_t *b;
  extref_hold_t *h;
  extref_hold_t **result;
  void *dst;
  size_t n;
  extref_status_t st;
  bool err_ok;
} call_t;

static void run_call(call_t *c) {
  switch (c->kind) {
  case C_RELEASE: c->st = extref_borrow_release(c->b); break;
  case C_HOLD_REF: c->st = extref_hold_ref(c->h, c->b); break;
  case C_HOLD_MUT_REF: c->st = extref_hold_mut_ref(c->h, c->b); break;
  case C_HOLD_DUP: c->st = extref_hold_dup(c->h, c->result); break;
  case C_HOLD_RELEASE: c->st = extref_hold_release(c->h); break;
  case C_HOLD_CLONE_OUT:
    c->st = extref_hold_clone_out(c->h, c->dst, c->n);
    break;
  }
  /* The last error is per thread: read it where the call ran. */
  c->err_ok = last_error_is(c->st);
}

/* One helper thread for the whole run (a thread per call would pile up
 * the sanitizers' per-thread records): call() hands it a job and waits. */
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_cond = PTHREAD_COND_INITIALIZER;
static call_t *job;
static bool job_done;

static void *helper_main(void *arg) {
  (void)arg;
  pthread_mutex_lock(&job_lock);
  for (;;) {
    while (job == NULL || job_done) pthread_cond_wait(&job_cond, &job_lock);
    pthread_mutex_unlock(&job_lock);
    run_call(job);
    pthread_mutex_lock(&job_lock);
    job_done = true;
    pthread_cond_broadcast(&job_cond);
  }
  return NULL;
}

/* Runs c here, or on the helper thread, and returns when it is done. */
static extref_status_t call(call_t *c, bool off) {
  static pthread_t helper;
  static bool started;
  if (!off) {
    run_call(c);
  } else {
    if (!started) {
      if (pthread_create(&helper, NULL, helper_main, NULL) != 0) abort();
      started = true;
    }
    pthread_mutex_lock(&job_lock);
    job = c;
    job_done = false;
    pthread_cond_broadcast(&job_cond);
    while (!job_done) pthread_cond_wait(&job_cond, &job_lock);
    job = NULL;
    pthread_mutex_unlock(&job_lock);
  }
  err_ok = c->err_ok;
  return c->st;
}

/* ---- Input -------------------------------------------------------------- */

static const uint8_t *in_ptr;
static size_t in_left;

static uint8_t next(void) {
  if (in_left == 0) return 0;
  in_left--;
  return *in_ptr++;
}

/* The index of the nth payload whose external is alive, or -1. */
static int pick_js(unsigned n) {
  int alive = 0;
  for (int i = 0; i < npay; i++) alive += pay[i].js;
  if (alive == 0) return -1;
  n %= (unsigned)alive;
  for (int i = 0; i < npay; i++)
    if (pay[i].js && n-- == 0) return i;
  return -1;
}

/* The asked type: the creator's own (3 times in 8), the broken descriptor
 * (1 in 8) or any valid one. */
static int pick_type(int pid, uint8_t a) {
  unsigned sel = (a >> 4) & 7;
  if (sel < 3) return pay[pid].type;
  return sel == 3 ? T_BROKEN : (int)(sel - 4);
}

/* A borrow slot for a new borrow: a free one, else one whose borrow has
 * ended (a stale copy, given up). */
static int free_borrow(void) {
  if (nids == MAX_IDS) return -1;
  for (int i = 0; i < MAX_BORROWS; i++)
    if (!bor[i].used) return i;
  for (int i = 0; i < MAX_BORROWS; i++)
    if (!ids[bor[i].id].live) return i;
  return -1;
}

static int free_hold(void) {
  for (int i = 0; i < MAX_HOLDS; i++)
    if (!hold[i].used) return i;
  return -1;
}

static int pick_used(const model_hold_t *set, int n_set, unsigned a) {
  int n = 0;
  for (int i = 0; i < n_set; i++) n += set[i].used;
  if (n == 0) return -1;
  n = (int)(a % (unsigned)n);
  for (int i = 0; i < n_set; i++)
    if (set[i].used && n-- == 0) return i;
  return -1;
}

static int pick_hold(unsigned a) { return pick_used(hold, MAX_HOLDS, a); }

static const extref_borrow_t sentinel_borrow = {(void *)0x5e, 0x5e5e};
static extref_hold_t *const sentinel_hold = (extref_hold_t *)0x5e;

static bool borrow_empty(const extref_borrow_t *b) {
  return b->payload == NULL && b->token == 0;
}

/* ---- Allocation failures ------------------------------------------------ */

/* Statuses that come from checking the arguments (type, thread, identity):
 * a call refused for one of them allocates nothing. */
#define ARG_FAILURES                                                         \
  (BIT(EXTREF_INVALID_ARG) | BIT(EXTREF_TYPE_MISMATCH) |                     \
   BIT(EXTREF_WRONG_THREAD))

/* The allocation to fail, from bits 5-6 of the op byte when bit 4 is set:
 * 0 (none) or 1-4. */
static uint64_t nth_of(uint8_t op) {
  return (op & 0x10) ? 1u + ((op >> 5) & 3u) : 0;
}

/* For the trace: which allocation fails. */
static const char *inj(uint64_t nth) {
  static char buf[40];
  if (!nth) return "";
  snprintf(buf, sizeof buf, " (allocation %llu fails)",
           (unsigned long long)nth);
  return buf;
}

static void inject_on(uint64_t nth) {
  if (nth) extref__alloc_fail_at(nth, false);
}

/* Turns injection off; returns how many allocations the call tried. */
static uint64_t inject_off(uint64_t nth) {
  uint64_t n = nth ? extref__alloc_count() : 0;
  extref__alloc_fail_at(0, false);
  return n;
}

/* EXTREF_NO_MEMORY where the call can allocate at most max_allocs times
 * and fail_set holds no argument failure; the set of statuses allowed. */
static uint32_t with_no_memory(uint32_t allowed, uint32_t fail_set,
                               uint64_t nth, unsigned max_allocs) {
  if (nth && nth <= max_allocs && !(fail_set & ARG_FAILURES))
    allowed |= BIT(EXTREF_NO_MEMORY);
  return allowed;
}

/* The library must report the failure it was given, and no other. */
static void check_injection(extref_status_t st, uint64_t nth,
                            uint64_t attempts) {
  if (!nth) return;
  if (st == EXTREF_NO_MEMORY && attempts < nth)
    diverge("EXTREF_NO_MEMORY, but only %llu allocations were tried and "
            "number %llu was the one to fail",
            (unsigned long long)attempts, (unsigned long long)nth);
  if (st != EXTREF_NO_MEMORY && attempts >= nth)
    diverge("allocation %llu failed, yet the call returned %s",
            (unsigned long long)nth, sname(st));
}

/* ---- Borrows ------------------------------------------------------------ */

/* Records a new borrow of pid, taken on this thread or another (away): a
 * new identity, its value in borrow slot `slot` and in the ring of copies. */
static void borrow_made(int slot, int pid, bool exclusive, bool away,
                        const extref_borrow_t *b) {
  model_payload_t *p = &pay[pid];
  int id = nids++;
  if (b->payload != p->ptr)
    diverge("borrow points at %p, payload is at %p", b->payload,
            (void *)p->ptr);
  if (borrow_empty(b)) diverge("a live borrow looks empty");
  for (int i = 0; i < id; i++)
    if (ids[i].b.token == b->token)
      diverge("the new borrow has the token of borrow #%d", i);
  p->count[exclusive][away]++;
  ids[id] = (ident_t){true, pid, exclusive, away, *b};
  bor[slot] = (model_borrow_t){true, id, *b};
  copies[next_copy] = bor[slot];
  next_copy = (next_copy + 1) % MAX_COPIES;
}

static void check_borrow_untouched(const extref_borrow_t *b) {
  if (memcmp(b, &sentinel_borrow, sizeof *b) != 0)
    diverge("a failed borrow wrote its result");
}

static const char *kind_name(int id) {
  static const char *names[2][2] = {{"shared", "shared away"},
                                    {"exclusive", "exclusive away"}};
  return names[ids[id].excl][ids[id].away];
}

/* Releases *b, a copy of borrow `id`, here or on another thread (off). The
 * one right answer: EXTREF_INVALID_ARG for an emptied copy or an ended
 * borrow (nothing changes), EXTREF_WRONG_THREAD for a live borrow of a
 * thread-bound payload off its thread (it stays live), else EXTREF_OK,
 * which ends that borrow and no other. */
static extref_status_t do_release(extref_borrow_t *b, int id, bool off) {
  ident_t *d = &ids[id];
  model_payload_t *p = &pay[d->pid];
  extref_borrow_t before = *b;
  uint32_t allowed;
  extref_status_t st;
  call_t c = {.kind = C_RELEASE, .b = b};
  if (borrow_empty(b) || !d->live)
    allowed = BIT(EXTREF_INVALID_ARG);
  else if (off && !is_send(d->pid))
    allowed = BIT(EXTREF_WRONG_THREAD);
  else
    allowed = BIT(EXTREF_OK);
  st = call(&c, off);
  expect_call(st, allowed);
  if (st == EXTREF_OK) {
    if (!borrow_empty(b)) diverge("a released borrow was not emptied");
    d->live = false;
    p->count[d->excl][d->away]--;
    model_settle(d->pid, true);
  } else if (memcmp(b, &before, sizeof before) != 0) {
    diverge("a refused release changed the borrow");
  }
  return st;
}

/* ---- Operations --------------------------------------------------------- */

/* external_bytes at create: bits 2-3 of the argument pick a column, bits
 * 4-7 a row. Rows 0-7 are small multiples of 4096; the others are the
 * edges: negative amounts, the per-payload limit 2^50 and just past it,
 * absurd amounts, and amounts at the limit that fill the process total. */
#define MAXB EXTREF_MAX_EXTERNAL_BYTES
static const int64_t big_bytes[8][4] = {
    {-1, -4096, INT64_MIN, -MAXB},
    {MAXB, MAXB + 1, MAXB - 1, MAXB * 2},
    {(int64_t)1 << 60, INT64_MAX, (int64_t)1 << 62, ((int64_t)1 << 60) - 1},
    {MAXB, MAXB - 1, MAXB / 2, 1},
    {MAXB, 1, MAXB - 1, 0},
    {MAXB, MAXB, MAXB - 4096, 4096},
    {MAXB + 4096, INT64_MAX - 1, INT64_MIN + 1, -2},
    {MAXB, MAXB - 1, 1, 2},
};

static int64_t create_bytes(uint8_t a) {
  unsigned row = a >> 4, col = (a >> 2) & 3;
  return row < 8 ? (int64_t)col * 4096 : big_bytes[row - 8][col];
}

/* The process-wide total the model expects. */
static int64_t model_total(void) {
  int64_t t = base.external_bytes + bias;
  for (int i = 0; i < npay; i++)
    if (!pay[i].bytes_back) t += pay[i].bytes;
  return t;
}

/* The core trusts the descriptor it is given at create: extref_external_
 * create checks it (a public-API check, not fuzzed here). */
static void op_create(uint8_t op, uint8_t a) {
  int t = a % N_TYPES;
  uint64_t nth = nth_of(op), tried;
  int64_t bytes = create_bytes(a);
  extref__slot_t *slot = (extref__slot_t *)0x5e;
  payload_t *p;
  uint32_t allowed;
  extref_status_t st;
  if (npay == MAX_PAYLOADS) return;
  p = malloc(types[t].payload_size);
  if (p == NULL) abort();
  p->id = run_no << 16 | (uint64_t)npay;
  p->value = next();
  if (types[t].payload_size > 16) p->extra = ~p->id;
  tracef("create p%d %s bytes=%lld%s", npay, types[t].name, (long long)bytes,
         inj(nth));
  if (bytes < 0 || bytes > EXTREF_MAX_EXTERNAL_BYTES) {
    allowed = BIT(EXTREF_INVALID_ARG);
  } else {
    /* The pin table (first payload of a descriptor), the slot, the side
     * record that keeps external_bytes. */
    unsigned max = (pinned[t] ? 0u : 1u) + 1u + (bytes > 0 ? 1u : 0u);
    bool over = bytes > 0 && model_total() > INT64_MAX - bytes;
    allowed = with_no_memory(over ? BIT(EXTREF_OVERFLOW) : BIT(EXTREF_OK), 0,
                             nth, max);
  }
  inject_on(nth);
  st = extref__payload_new(&types[t], p, NULL, bytes, &slot);
  tried = inject_off(nth);
  expect(st, allowed);
  check_injection(st, nth, tried);
  if (st == EXTREF_INVALID_ARG && tried != 0)
    diverge("a create refused for its arguments allocated");
  if (st == EXTREF_OK || st == EXTREF_OVERFLOW) pinned[t] = true;
  if (st != EXTREF_OK) {
    if (slot != (extref__slot_t *)0x5e) diverge("failed create wrote result");
    free(p);
    return;
  }
  if (slot == NULL) diverge("create returned a NULL slot");
  pay[npay] = (model_payload_t){.type = t, .ptr = p, .slot = slot,
                                .addr = (uintptr_t)p, .js = true,
                                .value = p->value,
                                .bytes = bytes};
  drop_count[npay] = 0;
  npay++;
}

/* A new shared borrow while another shared one is live goes to the
 * payload's borrow table, which may allocate its side record and grow. */
static unsigned borrow_allocs(int pid, bool exclusive) {
  return !exclusive && shared_of(&pay[pid]) > 0 ? 2u : 0u;
}

static void op_borrow(uint8_t op, uint8_t a, bool exclusive) {
  int pid = pick_js(a & 15), asked, slot = free_borrow();
  uint64_t nth = nth_of(op), tried;
  extref_borrow_t b = sentinel_borrow;
  uint32_t fail;
  extref_status_t st;
  if (pid < 0 || slot < 0) return;
  asked = pick_type(pid, a);
  tracef("%s p%d as %s into b%d%s", exclusive ? "mut_ref" : "ref", pid,
         types[asked].name, slot, inj(nth));
  fail = failures_of_access(pid, asked, true, exclusive, false);
  inject_on(nth);
  st = extref__borrow(pay[pid].slot, &types[asked], exclusive, &b);
  tried = inject_off(nth);
  expect(st, with_no_memory(fail ? fail : BIT(EXTREF_OK), fail, nth,
                            borrow_allocs(pid, exclusive)));
  check_injection(st, nth, tried);
  if (st == EXTREF_OK)
    borrow_made(slot, pid, exclusive, false, &b);
  else
    check_borrow_untouched(&b);
}

static const char *where(bool off) { return off ? " on another thread" : ""; }

static void op_release(uint8_t op, uint8_t a) {
  int i = a % MAX_BORROWS;
  bool off = op & 0x80;
  extref_status_t st;
  if (!bor[i].used) {
    extref_borrow_t zero = {NULL, 0};
    tracef("release zeroed borrow%s", where(off));
    {
      call_t c = {.kind = C_RELEASE, .b = &zero};
      expect_call(call(&c, off), BIT(EXTREF_INVALID_ARG));
    }
    return;
  }
  tracef("release b%d (#%d p%d %s%s)%s", i, bor[i].id, ids[bor[i].id].pid,
         kind_name(bor[i].id), ids[bor[i].id].live ? "" : ", ended",
         where(off));
  st = do_release(&bor[i].b, bor[i].id, off);
  /* Refused off its thread, the borrow stays live and in its slot. */
  bor[i].used = st == EXTREF_WRONG_THREAD;
}

/* Releases a copy from the ring: a copy of a live borrow (it ends that
 * borrow), of an ended one (refused), or one emptied by its own release. */
static void op_copy_release(uint8_t op, uint8_t a) {
  model_borrow_t *c = &copies[a % MAX_COPIES];
  bool off = op & 0x80;
  if (!c->used) {
    tracef("release NULL borrow");
    expect(extref_borrow_release(NULL), BIT(EXTREF_INVALID_ARG));
    return;
  }
  tracef("release copy c%d (#%d p%d %s%s%s)%s", a % MAX_COPIES, c->id,
         ids[c->id].pid, kind_name(c->id), ids[c->id].live ? "" : ", ended",
         borrow_empty(&c->b) ? ", emptied" : "", where(off));
  do_release(&c->b, c->id, off);
}

/* One more copy in the ring, of a borrow slot (bit 3 clear) or of another
 * copy (bit 3 set), live or not. */
static void op_copy(uint8_t a) {
  model_borrow_t *from = (a & 8) ? &copies[a & 7] : &bor[a & 7];
  if (!from->used) return;
  tracef("copy %s%d (#%d) into c%d", (a & 8) ? "c" : "b", a & 7, from->id,
         next_copy);
  copies[next_copy] = *from;
  next_copy = (next_copy + 1) % MAX_COPIES;
  trace_commit("ok");
}

static void check_new_hold(extref_hold_t *r) {
  if (r == NULL) diverge("a new hold is NULL");
  for (int i = 0; i < MAX_HOLDS; i++)
    if (hold[i].used && hold[i].h == r)
      diverge("a new hold equals live hold h%d", i);
  for (int i = 0; i < MAX_DEAD_HOLDS; i++)
    if (dead[i].used && dead[i].h == r)
      diverge("a new hold equals the released hold d%d", i);
}

static void op_hold_new(uint8_t op, uint8_t a) {
  int pid = pick_js(a & 15), asked, h = free_hold();
  uint64_t nth = nth_of(op), tried;
  extref_hold_t *r = sentinel_hold;
  uint32_t fail;
  extref_status_t st;
  if (pid < 0 || h < 0) return;
  asked = pick_type(pid, a);
  tracef("hold p%d as %s into h%d%s", pid, types[asked].name, h,
         inj(nth));
  fail = failures_of_access(pid, asked, true, false, false);
  fail &= ~BIT(EXTREF_MUT_BORROWED); /* an exclusive borrow allows a hold */
  inject_on(nth);
  st = extref__hold_new(pay[pid].slot, &types[asked], &r);
  tried = inject_off(nth);
  /* The hold's slot is the one allocation. */
  expect(st, with_no_memory(fail ? fail : BIT(EXTREF_OK), fail, nth, 1));
  check_injection(st, nth, tried);
  if (st != EXTREF_OK) {
    if (r != sentinel_hold) diverge("a failed hold wrote its result");
    return;
  }
  check_new_hold(r);
  pay[pid].holds++;
  hold[h] = (model_hold_t){true, pid, r};
}

static void op_hold_dup(uint8_t op, uint8_t a) {
  int i = pick_hold(a), h = free_hold();
  uint64_t nth = nth_of(op), tried;
  bool off = op & 0x80;
  extref_hold_t *r = sentinel_hold;
  call_t c = {.kind = C_HOLD_DUP, .result = &r};
  uint32_t fail;
  extref_status_t st;
  if (i < 0 || h < 0) return;
  c.h = hold[i].h;
  tracef("dup h%d (p%d) into h%d%s%s", i, hold[i].pid, h,
         inj(nth), where(off));
  fail = off && !is_send(hold[i].pid) ? BIT(EXTREF_WRONG_THREAD) : 0;
  inject_on(nth);
  st = call(&c, off);
  tried = inject_off(nth);
  expect_call(st, with_no_memory(fail ? fail : BIT(EXTREF_OK), fail, nth, 1));
  check_injection(st, nth, tried);
  if (st != EXTREF_OK) {
    if (r != sentinel_hold) diverge("a failed dup wrote its result");
    return;
  }
  check_new_hold(r);
  pay[hold[i].pid].holds++;
  hold[h] = (model_hold_t){true, hold[i].pid, r};
}

static void release_hold(int i, bool off) {
  int pid = hold[i].pid;
  call_t c = {.kind = C_HOLD_RELEASE, .h = hold[i].h};
  extref_status_t st;
  tracef("release h%d (p%d)%s", i, pid, where(off));
  st = call(&c, off);
  if (off && !is_send(pid)) {
    expect_call(st, BIT(EXTREF_WRONG_THREAD)); /* the hold stays live */
    return;
  }
  expect_call(st, BIT(EXTREF_OK));
  dead[next_dead] = hold[i];
  next_dead = (next_dead + 1) % MAX_DEAD_HOLDS;
  hold[i].used = false;
  pay[pid].holds--;
  model_settle(pid, true);
}

static void op_hold_release(uint8_t op, uint8_t a) {
  int i = pick_hold(a);
  if (i < 0) {
    tracef("release NULL hold");
    expect(extref_hold_release(NULL), BIT(EXTREF_OK));
    return;
  }
  release_hold(i, op & 0x80);
}

static void op_hold_borrow(uint8_t op, uint8_t a, bool exclusive) {
  int i = pick_hold(a), slot = free_borrow(), pid;
  uint64_t nth = nth_of(op), tried;
  bool off = op & 0x80;
  extref_borrow_t b = sentinel_borrow;
  call_t c = {.kind = exclusive ? C_HOLD_MUT_REF : C_HOLD_REF, .b = &b};
  uint32_t fail;
  extref_status_t st;
  if (i < 0 || slot < 0) return;
  pid = hold[i].pid;
  c.h = hold[i].h;
  tracef("hold_%s h%d (p%d) into b%d%s%s", exclusive ? "mut_ref" : "ref", i,
         pid, slot, inj(nth), where(off));
  fail = failures_of_access(pid, pay[pid].type, false, exclusive, off);
  inject_on(nth);
  st = call(&c, off);
  tried = inject_off(nth);
  expect_call(st, with_no_memory(fail ? fail : BIT(EXTREF_OK), fail, nth,
                                 borrow_allocs(pid, exclusive)));
  check_injection(st, nth, tried);
  if (st == EXTREF_OK)
    borrow_made(slot, pid, exclusive, off, &b);
  else
    check_borrow_untouched(&b);
}

static void op_take(uint8_t a) {
  int pid = pick_js(a & 15), asked;
  void *r = (void *)0x5e;
  int64_t bytes = -1;
  uint32_t fail;
  extref_status_t st;
  model_payload_t *p;
  if (pid < 0) return;
  p = &pay[pid];
  asked = pick_type(pid, a);
  tracef("take p%d as %s", pid, types[asked].name);
  fail = failures_of_access(pid, asked, true, true, false);
  if (p->holds) fail |= BIT(EXTREF_HELD);
  st = extref__payload_take(p->slot, &types[asked], &r, &bytes);
  expect(st, fail ? fail : BIT(EXTREF_OK));
  if (st != EXTREF_OK) {
    if (r != (void *)0x5e) diverge("a failed take wrote its result");
    return;
  }
  if (r != p->ptr)
    diverge("take returned %p, payload is %p", r, (void *)p->ptr);
  if (bytes != p->bytes)
    diverge("take gave back %lld bytes, announced %lld", (long long)bytes,
            (long long)p->bytes);
  if (p->ptr->value != p->value) diverge("taken payload has a wrong value");
  free(p->ptr);
  p->ptr = NULL;
  p->taken = true;
  p->bytes_back = true;
  m_takes++;
}

/* dst sizes: mostly right, sometimes 8 bytes short or long. */
static size_t clone_size(int asked, uint8_t op) {
  static const int delta[4] = {0, 0, -8, 8};
  return (size_t)((int)types[asked].payload_size + delta[op >> 6]);
}

/* fail: the failures that apply besides the allocation (access, clone);
 * access: those of the access alone. */
static void check_clone(int pid, uint32_t fail, uint32_t access,
                        extref_status_t st, bool via_call, unsigned calls,
                        const unsigned char *dst, size_t dst_size,
                        uint64_t nth, uint64_t tried) {
  model_payload_t *p = &pay[pid];
  bool want_call;
  uint32_t allowed =
      fail ? fail : clone_fail ? BIT(EXTREF_CLONE_FAILED) : BIT(EXTREF_OK);
  /* The clone runs under a transient shared borrow. */
  allowed = with_no_memory(allowed, access, nth, borrow_allocs(pid, false));
  if (via_call)
    expect_call(st, allowed);
  else
    expect(st, allowed);
  check_injection(st, nth, tried);
  want_call = fail == 0 && st != EXTREF_NO_MEMORY;
  if ((clone_calls - calls) != (want_call ? 1u : 0u))
    diverge("the clone callback ran %u times, model says %d",
            clone_calls - calls, want_call);
  if (want_call && clone_src != p->ptr)
    diverge("the clone callback got %p, payload is %p", clone_src,
            (void *)p->ptr);
  if (st == EXTREF_OK) {
    if (memcmp(dst, p->ptr, dst_size) != 0 || p->ptr->value != p->value)
      diverge("the clone differs from the payload");
  } else if (!want_call) {
    for (size_t k = 0; k < dst_size; k++)
      if (dst[k] != 0x5e) diverge("a refused clone-out wrote dst");
  }
}

/* Bit 4 of the op byte: the first allocation fails. */
static void op_clone_out(uint8_t op, uint8_t a) {
  int pid = pick_js(a & 15), asked;
  uint64_t nth = (op & 0x10) ? 1 : 0, tried;
  size_t n;
  unsigned char *dst;
  unsigned calls = clone_calls;
  uint32_t fail, access;
  extref_status_t st;
  if (pid < 0) return;
  asked = pick_type(pid, a);
  n = clone_size(asked, op);
  clone_fail = op & 0x20;
  tracef("clone_out p%d as %s size %zu%s%s", pid, types[asked].name, n,
         clone_fail ? " (clone fails)" : "",
         inj(nth));
  access = fail = failures_of_access(pid, asked, true, false, false);
  /* The asked descriptor or, when it is the same type, the creator's says
   * whether the type is cloneable. */
  if (types[asked].clone == NULL ||
      (same_type(asked, pay[pid].type) && types[pay[pid].type].clone == NULL))
    fail |= BIT(EXTREF_NOT_CLONEABLE);
  if (n != types[asked].payload_size) fail |= BIT(EXTREF_BAD_SIZE);
  dst = malloc(n);
  if (dst == NULL) abort();
  memset(dst, 0x5e, n);
  inject_on(nth);
  st = extref__clone_out(pay[pid].slot, &types[asked], dst, n);
  tried = inject_off(nth);
  check_clone(pid, fail, access, st, false, calls, dst, n, nth, tried);
  clone_fail = false;
  free(dst);
}

/* Bit 4 of the op byte (the allocation-failure bit elsewhere) runs this one
 * on another thread: bits 6-7 are taken by the dst size. Bit 7 of the
 * argument makes the first allocation fail. */
static void op_hold_clone_out(uint8_t op, uint8_t a) {
  int i = pick_hold(a & 0x7f), pid, t;
  bool off = op & 0x10;
  uint64_t nth = (a & 0x80) ? 1 : 0, tried;
  size_t n;
  unsigned char *dst;
  unsigned calls = clone_calls;
  call_t c = {.kind = C_HOLD_CLONE_OUT};
  uint32_t fail, access;
  extref_status_t st;
  if (i < 0) return;
  pid = hold[i].pid;
  t = pay[pid].type;
  n = clone_size(t, op);
  clone_fail = op & 0x20;
  tracef("hold_clone_out h%d (p%d) size %zu%s%s%s", i, pid, n,
         clone_fail ? " (clone fails)" : "",
         inj(nth), where(off));
  access = fail = failures_of_access(pid, t, false, false, off);
  if (types[t].clone == NULL) fail |= BIT(EXTREF_NOT_CLONEABLE);
  if (n != types[t].payload_size) fail |= BIT(EXTREF_BAD_SIZE);
  dst = malloc(n);
  if (dst == NULL) abort();
  memset(dst, 0x5e, n);
  c.h = hold[i].h;
  c.dst = dst;
  c.n = n;
  inject_on(nth);
  st = call(&c, off);
  tried = inject_off(nth);
  check_clone(pid, fail, access, st, true, calls, dst, n, nth, tried);
  clone_fail = false;
  free(dst);
}

/* A released hold, used again with one of the hold functions (bits 3-5 of
 * the argument), here or on another thread (bit 7 of the op byte), maybe
 * with the first allocation failing (bit 4): always EXTREF_INVALID_ARG,
 * nothing written, nothing changed, no callback. */
static void op_dead_hold(uint8_t op, uint8_t a) {
  static const char *fn_names[5] = {"hold_ref", "hold_mut_ref",
                                    "hold_clone_out", "hold_dup",
                                    "hold_release"};
  static const call_kind_t kinds[5] = {C_HOLD_REF, C_HOLD_MUT_REF,
                                       C_HOLD_CLONE_OUT, C_HOLD_DUP,
                                       C_HOLD_RELEASE};
  int i = pick_used(dead, MAX_DEAD_HOLDS, a & 7), fn = ((a >> 3) & 7) % 5;
  bool off = op & 0x80;
  uint64_t nth = (op & 0x10) ? 1 : 0, tried;
  extref_borrow_t b = sentinel_borrow;
  extref_hold_t *r = sentinel_hold;
  unsigned char dst[24];
  unsigned calls = clone_calls;
  call_t c = {.kind = kinds[fn], .b = &b, .result = &r, .dst = dst};
  extref_status_t st;
  if (i < 0) return;
  c.h = dead[i].h;
  c.n = types[pay[dead[i].pid].type].payload_size;
  memset(dst, 0x5e, sizeof dst);
  tracef("%s on released hold d%d (p%d)%s%s", fn_names[fn], i, dead[i].pid,
         inj(nth), where(off));
  inject_on(nth);
  st = call(&c, off);
  tried = inject_off(nth);
  expect_call(st, BIT(EXTREF_INVALID_ARG));
  if (tried != 0) diverge("a released hold made the library allocate");
  check_borrow_untouched(&b);
  if (r != sentinel_hold) diverge("a released hold's dup wrote its result");
  if (clone_calls != calls) diverge("a released hold ran the clone callback");
  for (size_t k = 0; k < sizeof dst; k++)
    if (dst[k] != 0x5e) diverge("a released hold's clone-out wrote dst");
}

static void finalize(int pid) {
  model_payload_t *p = &pay[pid];
  int64_t want = p->taken ? 0 : p->bytes, got;
  tracef("finalize p%d", pid);
  got = extref__payload_js_end(p->slot);
  p->js = false;
  p->slot = NULL;
  p->bytes_back = true;
  model_settle(pid, false);
  trace_commit("done");
  if (got != want)
    diverge("js_end gave back %lld bytes, model says %lld", (long long)got,
            (long long)want);
}

static void op_finalize(uint8_t a) {
  int pid = pick_js(a & 15);
  if (pid >= 0) finalize(pid);
}

/* Reads (and, through an exclusive borrow, writes) the payload. */
static void op_access(uint8_t a) {
  model_borrow_t *m = &bor[a % MAX_BORROWS];
  model_payload_t *p;
  if (!m->used || !ids[m->id].live) return;
  p = &pay[ids[m->id].pid];
  tracef("access b%d (#%d p%d)", (int)(a % MAX_BORROWS), m->id,
         ids[m->id].pid);
  if (m->b.payload != p->ptr) diverge("borrow no longer points at payload");
  if (p->ptr->value != p->value) diverge("payload value changed");
  if (ids[m->id].excl) {
    p->ptr->value++;
    p->value++;
  }
  trace_commit("ok");
}

/* extref_stats_get with NULL, a struct_size too small for live_payloads, one
 * that covers live_payloads only (nothing past it may be written) and the
 * full size. */
static void op_stats(uint8_t a) {
  union {
    extref_stats_t st;
    unsigned char bytes[sizeof(extref_stats_t)];
  } u;
  static const uint32_t sizes[4] = {
      0, 4, offsetof(extref_stats_t, live_borrows), sizeof(extref_stats_t)};
  uint32_t n = sizes[a & 3];
  extref_status_t got;
  if ((a & 3) == 0) {
    tracef("stats_get(NULL)");
    expect(extref_stats_get(NULL), BIT(EXTREF_INVALID_ARG));
    return;
  }
  memset(&u, 0x5e, sizeof u);
  u.st.struct_size = n;
  tracef("stats_get with struct_size %u", (unsigned)n);
  got = extref_stats_get(&u.st);
  expect(got, n < offsetof(extref_stats_t, live_payloads) +
                      sizeof(uint64_t)
                  ? BIT(EXTREF_INVALID_ARG)
                  : BIT(EXTREF_OK));
  for (size_t k = n < 4 ? 4 : n; k < sizeof u; k++)
    if (u.bytes[k] != 0x5e)
      diverge("stats_get wrote byte %zu past struct_size %u", k,
              (unsigned)n);
  if (got == EXTREF_OK &&
      u.st.live_payloads - base.live_payloads != model_live_payloads())
    diverge("stats_get with struct_size %u: live_payloads is wrong",
            (unsigned)n);
}

/* The process-wide external_bytes total near INT64_MAX. Reaching it with
 * real payloads takes 8192 of 2^50 bytes; their slots would stay in the
 * registry for the rest of the process and every stats_get would walk
 * them. So the fuzzer adds `bias` to the library's total itself, standing
 * for payloads outside the model, leaving a headroom picked by the
 * argument; the next op 15/3 (or the end of the input) takes it away.
 * near_limit_check() below does the same with 8192 real payloads, once. */
static void op_bias(uint8_t a) {
  static const int64_t headroom[8] = {0,        1,        4095,
                                      MAXB - 1, MAXB,     MAXB + 1,
                                      3 * MAXB, 40 * MAXB};
  if (bias != 0) {
    tracef("take the bias of %lld bytes away", (long long)bias);
    atomic_fetch_sub(&extref__counters.external_bytes, bias);
    bias = 0;
  } else {
    int64_t t = model_total(), want = INT64_MAX - headroom[a & 7];
    if (want <= t) return;
    tracef("bias the total by %lld bytes: INT64_MAX - %lld", (long long)(want - t),
           (long long)headroom[a & 7]);
    bias = want - t;
    atomic_fetch_add(&extref__counters.external_bytes, bias);
  }
  trace_commit("ok");
}

/* ---- Driver ------------------------------------------------------------- */

static void reset(void) {
  memset(pay, 0, sizeof pay);
  memset(ids, 0, sizeof ids);
  memset(bor, 0, sizeof bor);
  memset(copies, 0, sizeof copies);
  memset(hold, 0, sizeof hold);
  memset(dead, 0, sizeof dead);
  memset(drop_count, 0, sizeof drop_count);
  npay = nids = next_copy = next_dead = 0;
  m_drops = m_deferred = m_takes = 0;
  bias = 0;
  drop_bad = false;
  clone_fail = false;
  ntrace = 0;
  step = 0;
  run_no++;
  memset(&base, 0, sizeof base);
  base.struct_size = sizeof base;
  if (extref_stats_get(&base) != EXTREF_OK) {
    tracef("start");
    diverge("extref_stats_get failed");
  }
}

/* Ends everything the input left alive, still checking every step, then
 * checks that every payload was dropped once or taken. Live borrows are
 * ended through the copy kept with their identity. */
static void cleanup(void) {
  for (int id = 0; id < nids; id++) {
    extref_borrow_t b;
    if (!ids[id].live) continue;
    b = ids[id].b;
    step++;
    tracef("cleanup: release a copy of #%d (p%d %s)", id, ids[id].pid,
           kind_name(id));
    do_release(&b, id, false);
    compare_counts();
  }
  for (int i = 0; i < MAX_HOLDS; i++) {
    if (!hold[i].used) continue;
    step++;
    release_hold(i, false);
    compare_counts();
  }
  for (int pid = 0; pid < npay; pid++) {
    if (!pay[pid].js) continue;
    step++;
    finalize(pid);
    compare_counts();
  }
  if (bias != 0) {
    step++;
    op_bias(0);
    compare_counts();
  }
  tracef("end of input");
  for (int pid = 0; pid < npay; pid++)
    if (pay[pid].dropped == pay[pid].taken)
      diverge("payload %d is neither dropped nor taken exactly", pid);
}

/* A real process-wide total at INT64_MAX, once per process, in a child so
 * that its 8192 slots stay out of the fuzzer's registry: 8191 payloads of
 * 2^50 bytes leave 2^50 - 1; one more of 2^50 is EXTREF_OVERFLOW with
 * nothing changed, 2^50 - 1 fills the total exactly, then 1 more is
 * EXTREF_OVERFLOW and 0 is fine; every byte comes back at the end. */
#define NEAR_N 8193
static int near_limit_child(void) {
  static const extref_type_t ballast = {.struct_size = sizeof(extref_type_t),
                                        .flags = EXTREF_TYPE_SEND,
                                        .tag = {0x5eed, 0xba11a57},
                                        .name = "Ballast",
                                        .payload_size = 8};
  static extref__slot_t *slots[NEAR_N];
  static uint64_t word;
  extref_stats_t st;
  extref__slot_t *s;
  int n = 0;
  int64_t back = 0;
  st.struct_size = sizeof st;
#define NEAR_FAIL(...)                                                       \
  do {                                                                       \
    fprintf(stderr, "near_limit_check: " __VA_ARGS__);                       \
    fprintf(stderr, "\n");                                                   \
    return 1;                                                                \
  } while (0)
#define NEAR_TOTAL(want, live)                                               \
  do {                                                                       \
    if (extref_stats_get(&st) != EXTREF_OK ||                                \
        st.external_bytes != (int64_t)(want) ||                              \
        st.live_payloads != (uint64_t)(live))                                \
      NEAR_FAIL("after %d payloads: total %lld, live %llu", n,               \
                (long long)st.external_bytes,                                \
                (unsigned long long)st.live_payloads);                       \
  } while (0)
  for (; n < 8191; n++)
    if (extref__payload_new(&ballast, &word, NULL, MAXB, &slots[n]) !=
        EXTREF_OK)
      NEAR_FAIL("payload %d of 2^50 bytes refused", n);
  NEAR_TOTAL(INT64_MAX - (MAXB - 1), n);
  s = (extref__slot_t *)0x5e;
  if (extref__payload_new(&ballast, &word, NULL, MAXB, &s) !=
          EXTREF_OVERFLOW ||
      s != (extref__slot_t *)0x5e || extref_last_error()->status !=
                                         EXTREF_OVERFLOW)
    NEAR_FAIL("2^50 more past INT64_MAX was not EXTREF_OVERFLOW");
  NEAR_TOTAL(INT64_MAX - (MAXB - 1), n);
  if (extref__payload_new(&ballast, &word, NULL, MAXB - 1, &slots[n]) !=
      EXTREF_OK)
    NEAR_FAIL("2^50 - 1 up to INT64_MAX exactly was refused");
  n++;
  NEAR_TOTAL(INT64_MAX, n);
  if (extref__payload_new(&ballast, &word, NULL, 1, &s) != EXTREF_OVERFLOW)
    NEAR_FAIL("1 byte past INT64_MAX was not EXTREF_OVERFLOW");
  if (extref__payload_new(&ballast, &word, NULL, 0, &slots[n]) != EXTREF_OK)
    NEAR_FAIL("0 bytes at INT64_MAX was refused");
  n++;
  NEAR_TOTAL(INT64_MAX, n);
  for (int i = 0; i < n; i++) back += extref__payload_js_end(slots[i]);
  if (back != INT64_MAX) NEAR_FAIL("gave back %lld bytes", (long long)back);
  n = 0;
  NEAR_TOTAL(0, 0);
  return 0;
}

static void near_limit_check(void) {
  int status;
  pid_t child = fork();
  if (child < 0) abort();
  if (child == 0) _exit(near_limit_child());
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    fprintf(stderr, "\n==== extref model divergence ====\n"
                    "the process-wide total at INT64_MAX with 8192 real "
                    "payloads failed (status %d)\n",
            status);
    __builtin_trap();
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  trace_live = getenv("FUZZ_TRACE") != NULL;
  near_limit_check();
  return 0;
}

/* Op 15: bits 5-6 of the op byte pick stats_get, a released hold, a copy of
 * a borrow, or the bias of the process total. */
static void op_misc(uint8_t op, uint8_t a) {
  switch ((op >> 5) & 3) {
  case 0: op_stats(a); break;
  case 1: op_dead_hold(op, a); break;
  case 2: op_copy(a); break;
  default: op_bias(a); break;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  in_ptr = data;
  in_left = size;
  reset();
  while (in_left > 0 && step < MAX_STEPS) {
    uint8_t op = next(), a = next();
    step++;
    cur[0] = '\0';
    switch (op & 15) {
    case 0: op_create(op, a); break;
    case 1: op_borrow(op, a, false); break;
    case 2: op_borrow(op, a, true); break;
    case 3: op_release(op, a); break;
    case 4: op_copy_release(op, a); break;
    case 5: op_hold_new(op, a); break;
    case 6: op_hold_dup(op, a); break;
    case 7: op_hold_release(op, a); break;
    case 8: op_hold_borrow(op, a, false); break;
    case 9: op_hold_borrow(op, a, true); break;
    case 10: op_take(a); break;
    case 11: op_clone_out(op, a); break;
    case 12: op_hold_clone_out(op, a); break;
    case 13: op_finalize(a); break;
    case 14: op_access(a); break;
    default: op_misc(op, a); break;
    }
    compare_counts();
  }
  cleanup();
  return 0;
}
