/* A model-based fuzzer for the libextref core.
 *
 * The input is decoded as a sequence of operations on a handful of payloads
 * of a few types. Each operation runs against the library core (driven
 * without a JS host: the slot pointer stands for the external, and
 * extref__payload_js_end stands for its finalizer) and against a small
 * reference model of the contract in abi-v1.md, written here from the
 * contract alone. After every step the returned status, the process-wide
 * counters of extref_stats_get and the per-payload drop counts must agree
 * with the model; the first divergence prints the trace and traps.
 *
 * Some operations run on a second thread (a flag of the op byte): borrow
 * release and the hold functions, which the contract allows off the creating
 * thread for EXTREF_TYPE_SEND types and refuses with EXTREF_WRONG_THREAD for
 * thread-bound ones.
 *
 * Where the contract leaves the order of two applicable failures open (a
 * take refused for both a borrow and a hold, a clone-out of a non-cloneable
 * type into a buffer of the wrong size), the model accepts any status that
 * applies, but never success, and never a status that does not apply.
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
static const extref_type_t types[N_ALL] = {
    [T_A] = {sizeof(extref_type_t), EXTREF_TYPE_SEND, TAG_A, "Counter", 16,
             on_drop, clone16, &type_data[T_A]},
    [T_ALIAS] = {sizeof(extref_type_t), EXTREF_TYPE_SEND, TAG_A,
                 "CounterAlias", 16, on_drop, clone16, &type_data[T_ALIAS]},
    [T_WIDE] = {sizeof(extref_type_t),
                EXTREF_TYPE_SEND | EXTREF_TYPE_JS_DROP, TAG_A, "WideCounter",
                24, on_drop, clone24, &type_data[T_WIDE]},
    [T_PLAIN] = {sizeof(extref_type_t), 0, TAG_PLAIN, "Plain", 16, on_drop,
                 NULL, &type_data[T_PLAIN]},
    /* A's fields, but a struct_size that covers only struct_size and flags:
     * every use of it is EXTREF_INVALID_ARG. */
    [T_BROKEN] = {8, EXTREF_TYPE_SEND, TAG_A, "Broken", 16, on_drop, clone16,
                  &type_data[T_BROKEN]},
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
#define MAX_STEPS 300
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
  extref_borrow_t first[2][2]; /* a borrow of each kind and side */
  bool has_first[2][2];
} model_payload_t;

typedef struct model_borrow_s {
  bool used;
  int pid;
  int excl;
  int away;
  extref_borrow_t b;
} model_borrow_t;

typedef struct model_hold_s {
  bool used;
  int pid;
  extref_hold_t *h;
} model_hold_t;

static model_payload_t pay[MAX_PAYLOADS];
static int npay;
static model_borrow_t bor[MAX_BORROWS];
static model_borrow_t copies[MAX_COPIES];
static int next_copy;
static model_hold_t hold[MAX_HOLDS];
static uint64_t m_drops, m_deferred, m_takes;

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
  int64_t bytes = 0;
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

static int free_borrow(void) {
  for (int i = 0; i < MAX_BORROWS; i++)
    if (!bor[i].used) return i;
  return -1;
}

static int free_hold(void) {
  for (int i = 0; i < MAX_HOLDS; i++)
    if (!hold[i].used) return i;
  return -1;
}

static int pick_hold(uint8_t a) {
  int n = 0;
  for (int i = 0; i < MAX_HOLDS; i++) n += hold[i].used;
  if (n == 0) return -1;
  n = a % n;
  for (int i = 0; i < MAX_HOLDS; i++)
    if (hold[i].used && n-- == 0) return i;
  return -1;
}

static const extref_borrow_t sentinel_borrow = {(void *)0x5e, 0x5e5e};
static extref_hold_t *const sentinel_hold = (extref_hold_t *)0x5e;

static bool borrow_empty(const extref_borrow_t *b) {
  return b->payload == NULL && b->token == 0;
}

/* Records a new borrow of pid, taken on this thread or another (away), in
 * the model and in the borrow table. */
static void borrow_made(int slot, int pid, bool exclusive, bool away,
                        const extref_borrow_t *b) {
  model_payload_t *p = &pay[pid];
  if (b->payload != p->ptr)
    diverge("borrow points at %p, payload is at %p", b->payload,
            (void *)p->ptr);
  if (borrow_empty(b)) diverge("a live borrow looks empty");
  p->count[exclusive][away]++;
  bor[slot] = (model_borrow_t){true, pid, exclusive, away, *b};
  copies[next_copy] = bor[slot];
  next_copy = (next_copy + 1) % MAX_COPIES;
  if (!p->has_first[exclusive][away]) {
    p->first[exclusive][away] = *b;
    p->has_first[exclusive][away] = true;
  }
}

static void check_borrow_untouched(const extref_borrow_t *b) {
  if (memcmp(b, &sentinel_borrow, sizeof *b) != 0)
    diverge("a failed borrow wrote its result");
}

/* Releases *b, which the model believes is (or was) a borrow of pid of kind
 * excl taken on side away, here or on another thread (off). A copy of a
 * released borrow must be refused while the payload has no live borrow of
 * that kind; while it has one on the token's side the release ends one of
 * them; when the only live ones of that kind are on the other side, the
 * contract allows either answer. */
static extref_status_t do_release(extref_borrow_t *b, int pid, int excl,
                                  int away, bool off) {
  model_payload_t *p = &pay[pid];
  uint32_t *same = &p->count[excl][away], *other = &p->count[excl][!away];
  uint32_t allowed;
  extref_status_t st;
  call_t c = {.kind = C_RELEASE, .b = b};
  /* A dropped payload's slot, or a taken one's after its external ended,
   * is gone; a taken payload with a live external keeps its slot, so a
   * thread-bound one may be refused for the thread first. */
  if (borrow_empty(b) || p->dropped || (p->taken && !p->js))
    allowed = BIT(EXTREF_INVALID_ARG);
  else if (off && !is_send(pid))
    allowed = BIT(EXTREF_WRONG_THREAD) |
              (*same + *other == 0 ? BIT(EXTREF_INVALID_ARG) : 0);
  else if (*same > 0)
    allowed = BIT(EXTREF_OK);
  else if (*other > 0)
    allowed = BIT(EXTREF_OK) | BIT(EXTREF_INVALID_ARG);
  else
    allowed = BIT(EXTREF_INVALID_ARG);
  st = call(&c, off);
  expect_call(st, allowed);
  if (st == EXTREF_OK) {
    if (!borrow_empty(b)) diverge("a released borrow was not emptied");
    if (*same > 0)
      (*same)--;
    else
      (*other)--;
    model_settle(pid, true);
  }
  return st;
}

/* ---- Operations --------------------------------------------------------- */

/* The core trusts the descriptor it is given at create: extref_external_
 * create checks it (a public-API check, not fuzzed here). */
static void op_create(uint8_t op, uint8_t a) {
  int t = a % N_TYPES;
  bool inject = op & 0x10;
  int64_t bytes = (int64_t)((a >> 2) & 3) * 4096;
  extref__slot_t *slot = (extref__slot_t *)0x5e;
  payload_t *p;
  extref_status_t st;
  if (npay == MAX_PAYLOADS) return;
  p = malloc(types[t].payload_size);
  if (p == NULL) abort();
  p->id = run_no << 16 | (uint64_t)npay;
  p->value = next();
  if (types[t].payload_size > 16) p->extra = ~p->id;
  tracef("create p%d %s bytes=%lld%s", npay, types[t].name, (long long)bytes,
         inject ? " (allocation fails)" : "");
  if (inject) extref__alloc_fail_at(1, false);
  st = extref__payload_new(&types[t], p, NULL, bytes, &slot);
  extref__alloc_fail_at(0, false);
  expect(st, BIT(EXTREF_OK) | (inject ? BIT(EXTREF_NO_MEMORY) : 0));
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

static void op_borrow(uint8_t a, bool exclusive) {
  int pid = pick_js(a & 15), asked, slot = free_borrow();
  extref_borrow_t b = sentinel_borrow;
  uint32_t fail;
  extref_status_t st;
  if (pid < 0 || slot < 0) return;
  asked = pick_type(pid, a);
  tracef("%s p%d as %s into b%d", exclusive ? "mut_ref" : "ref", pid,
         types[asked].name, slot);
  fail = failures_of_access(pid, asked, true, exclusive, false);
  st = extref__borrow(pay[pid].slot, &types[asked], exclusive, &b);
  expect(st, fail ? fail : BIT(EXTREF_OK));
  if (st == EXTREF_OK)
    borrow_made(slot, pid, exclusive, false, &b);
  else
    check_borrow_untouched(&b);
}

static const char *where(bool off) { return off ? " on another thread" : ""; }

static const char *kind_name(const model_borrow_t *m) {
  static const char *names[2][2] = {{"shared", "shared away"},
                                    {"exclusive", "exclusive away"}};
  return names[m->excl][m->away];
}

static void op_release(uint8_t op, uint8_t a) {
  int i = a % MAX_BORROWS;
  bool off = op & 0x80;
  if (!bor[i].used) {
    extref_borrow_t zero = {NULL, 0};
    tracef("release zeroed borrow");
    expect(extref_borrow_release(&zero), BIT(EXTREF_INVALID_ARG));
    return;
  }
  tracef("release b%d (p%d %s)%s", i, bor[i].pid, kind_name(&bor[i]),
         where(off));
  /* Refused off its thread, the borrow stays live and in the table. */
  bor[i].used = do_release(&bor[i].b, bor[i].pid, bor[i].excl, bor[i].away,
                           off) == EXTREF_WRONG_THREAD;
}

static void op_stale_release(uint8_t op, uint8_t a) {
  model_borrow_t *c = &copies[a % MAX_COPIES];
  bool off = op & 0x80;
  if (!c->used) {
    tracef("release NULL borrow");
    expect(extref_borrow_release(NULL), BIT(EXTREF_INVALID_ARG));
    return;
  }
  tracef("release copy c%d (p%d %s)%s", a % MAX_COPIES, c->pid,
         kind_name(c), where(off));
  do_release(&c->b, c->pid, c->excl, c->away, off);
  c->used = !borrow_empty(&c->b);
}

static void op_hold_new(uint8_t op, uint8_t a) {
  int pid = pick_js(a & 15), asked, h = free_hold();
  bool inject = op & 0x10;
  extref_hold_t *r = sentinel_hold;
  uint32_t fail;
  extref_status_t st;
  if (pid < 0 || h < 0) return;
  asked = pick_type(pid, a);
  tracef("hold p%d as %s into h%d%s", pid, types[asked].name, h,
         inject ? " (allocation fails)" : "");
  fail = failures_of_access(pid, asked, true, false, false);
  fail &= ~BIT(EXTREF_MUT_BORROWED); /* an exclusive borrow allows a hold */
  if (inject) extref__alloc_fail_at(1, false);
  st = extref__hold_new(pay[pid].slot, &types[asked], &r);
  extref__alloc_fail_at(0, false);
  /* A failed allocation is one more failure that may apply, in any order
   * (the registry may have a free slot and allocate nothing). */
  expect(st, (fail ? fail : BIT(EXTREF_OK)) |
                 (inject ? BIT(EXTREF_NO_MEMORY) : 0));
  if (st != EXTREF_OK) {
    if (r != sentinel_hold) diverge("a failed hold wrote its result");
    return;
  }
  if (r == NULL) diverge("hold returned NULL");
  pay[pid].holds++;
  hold[h] = (model_hold_t){true, pid, r};
}

static void op_hold_dup(uint8_t op, uint8_t a) {
  int i = pick_hold(a), h = free_hold();
  bool inject = op & 0x10, off = op & 0x80;
  extref_hold_t *r = sentinel_hold;
  call_t c = {.kind = C_HOLD_DUP, .result = &r};
  extref_status_t st;
  if (i < 0 || h < 0) return;
  c.h = hold[i].h;
  tracef("dup h%d (p%d) into h%d%s%s", i, hold[i].pid, h,
         inject ? " (allocation fails)" : "", where(off));
  if (inject) extref__alloc_fail_at(1, false);
  st = call(&c, off);
  extref__alloc_fail_at(0, false);
  if (off && !is_send(hold[i].pid))
    expect_call(st, BIT(EXTREF_WRONG_THREAD) |
                        (inject ? BIT(EXTREF_NO_MEMORY) : 0));
  else
    expect_call(st, BIT(EXTREF_OK) | (inject ? BIT(EXTREF_NO_MEMORY) : 0));
  if (st != EXTREF_OK) {
    if (r != sentinel_hold) diverge("a failed dup wrote its result");
    return;
  }
  if (r == NULL || r == hold[i].h) diverge("dup returned %p", (void *)r);
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
  bool off = op & 0x80;
  extref_borrow_t b = sentinel_borrow;
  call_t c = {.kind = exclusive ? C_HOLD_MUT_REF : C_HOLD_REF, .b = &b};
  uint32_t fail;
  extref_status_t st;
  if (i < 0 || slot < 0) return;
  pid = hold[i].pid;
  c.h = hold[i].h;
  tracef("hold_%s h%d (p%d) into b%d%s", exclusive ? "mut_ref" : "ref", i,
         pid, slot, where(off));
  fail = failures_of_access(pid, pay[pid].type, false, exclusive, off);
  st = call(&c, off);
  expect_call(st, fail ? fail : BIT(EXTREF_OK));
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

static void check_clone(int pid, uint32_t fail, extref_status_t st,
                        bool via_call, unsigned calls,
                        const unsigned char *dst, size_t dst_size) {
  model_payload_t *p = &pay[pid];
  bool want_call = fail == 0;
  uint32_t allowed =
      fail ? fail : clone_fail ? BIT(EXTREF_CLONE_FAILED) : BIT(EXTREF_OK);
  if (via_call)
    expect_call(st, allowed);
  else
    expect(st, allowed);
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

static void op_clone_out(uint8_t op, uint8_t a) {
  int pid = pick_js(a & 15), asked;
  size_t n;
  unsigned char *dst;
  unsigned calls = clone_calls;
  uint32_t fail;
  extref_status_t st;
  if (pid < 0) return;
  asked = pick_type(pid, a);
  n = clone_size(asked, op);
  clone_fail = op & 0x20;
  tracef("clone_out p%d as %s size %zu%s", pid, types[asked].name, n,
         clone_fail ? " (clone fails)" : "");
  fail = failures_of_access(pid, asked, true, false, false);
  /* The asked descriptor or, when it is the same type, the creator's says
   * whether the type is cloneable. */
  if (types[asked].clone == NULL ||
      (same_type(asked, pay[pid].type) && types[pay[pid].type].clone == NULL))
    fail |= BIT(EXTREF_NOT_CLONEABLE);
  if (n != types[asked].payload_size) fail |= BIT(EXTREF_BAD_SIZE);
  dst = malloc(n);
  if (dst == NULL) abort();
  memset(dst, 0x5e, n);
  st = extref__clone_out(pay[pid].slot, &types[asked], dst, n);
  check_clone(pid, fail, st, false, calls, dst, n);
  clone_fail = false;
  free(dst);
}

/* Bit 4 of the op byte (the allocation-failure bit elsewhere) runs this one
 * on another thread: bits 6-7 are taken by the dst size. */
static void op_hold_clone_out(uint8_t op, uint8_t a) {
  int i = pick_hold(a), pid, t;
  bool off = op & 0x10;
  size_t n;
  unsigned char *dst;
  unsigned calls = clone_calls;
  call_t c = {.kind = C_HOLD_CLONE_OUT};
  uint32_t fail;
  extref_status_t st;
  if (i < 0) return;
  pid = hold[i].pid;
  t = pay[pid].type;
  n = clone_size(t, op);
  clone_fail = op & 0x20;
  tracef("hold_clone_out h%d (p%d) size %zu%s%s", i, pid, n,
         clone_fail ? " (clone fails)" : "", where(off));
  fail = failures_of_access(pid, t, false, false, off);
  if (types[t].clone == NULL) fail |= BIT(EXTREF_NOT_CLONEABLE);
  if (n != types[t].payload_size) fail |= BIT(EXTREF_BAD_SIZE);
  dst = malloc(n);
  if (dst == NULL) abort();
  memset(dst, 0x5e, n);
  c.h = hold[i].h;
  c.dst = dst;
  c.n = n;
  st = call(&c, off);
  check_clone(pid, fail, st, true, calls, dst, n);
  clone_fail = false;
  free(dst);
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
  if (!m->used) return;
  p = &pay[m->pid];
  if (p->dropped || p->taken) return;
  tracef("access b%d (p%d)", (int)(a % MAX_BORROWS), m->pid);
  if (m->b.payload != p->ptr) diverge("borrow no longer points at payload");
  if (p->ptr->value != p->value) diverge("payload value changed");
  if (m->excl && excl_of(p)) {
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

/* ---- Driver ------------------------------------------------------------- */

static void reset(void) {
  memset(pay, 0, sizeof pay);
  memset(bor, 0, sizeof bor);
  memset(copies, 0, sizeof copies);
  memset(hold, 0, sizeof hold);
  memset(drop_count, 0, sizeof drop_count);
  npay = next_copy = 0;
  m_drops = m_deferred = m_takes = 0;
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
 * checks that every payload was dropped once or taken. */
static void cleanup(void) {
  for (int i = 0; i < MAX_BORROWS; i++) {
    if (!bor[i].used) continue;
    step++;
    tracef("cleanup: release b%d (p%d %s)", i, bor[i].pid,
           kind_name(&bor[i]));
    do_release(&bor[i].b, bor[i].pid, bor[i].excl, bor[i].away, false);
    bor[i].used = false;
    compare_counts();
  }
  for (int pid = 0; pid < npay; pid++)
    for (int k = 0; k < 2; k++)
      for (int side = 0; side < 2; side++)
        while (pay[pid].count[k][side]) {
          extref_borrow_t b = pay[pid].first[k][side];
          step++;
          tracef("cleanup: release a copy of p%d's first %s%s borrow", pid,
                 k ? "exclusive" : "shared", side ? " away" : "");
          do_release(&b, pid, k, side, false);
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
  tracef("end of input");
  for (int pid = 0; pid < npay; pid++)
    if (pay[pid].dropped == pay[pid].taken)
      diverge("payload %d is neither dropped nor taken exactly", pid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool init;
  if (!init) {
    trace_live = getenv("FUZZ_TRACE") != NULL;
    init = true;
  }
  in_ptr = data;
  in_left = size;
  reset();
  while (in_left > 0 && step < MAX_STEPS) {
    uint8_t op = next(), a = next();
    step++;
    cur[0] = '\0';
    switch (op & 15) {
    case 0: op_create(op, a); break;
    case 1: op_borrow(a, false); break;
    case 2: op_borrow(a, true); break;
    case 3: op_release(op, a); break;
    case 4: op_stale_release(op, a); break;
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
    default: op_stats(a); break;
    }
    compare_counts();
  }
  cleanup();
  return 0;
}
