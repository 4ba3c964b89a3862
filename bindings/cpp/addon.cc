/* The C++ test addon: plain Node-API over extref.hpp.
 *
 * SPDX-License-Identifier: MIT
 *
 * Every export throws a JS error whose `code` is the status name when the
 * library refuses; tests/cpp and tests/cross drive it from node:test.
 */
#include <node_api.h>

#include "extref.hpp"

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#endif

#include <atomic>
#include <cstdlib>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

/* ---- Payload types ------------------------------------------------------ */

/* The shared cross-language test type: one int64, bitwise copy. */
struct Counter {
  std::int64_t value;
};

/* Same tag, another layout: must be refused with EXTREF_TYPE_MISMATCH. */
struct WideCounter {
  std::int64_t value;
  std::int64_t extra;
};

constexpr extref_tag_t counter_tag = {0x6c69626578747265ull,
                                      0x66436f756e746572ull};

template <> struct extref::traits<Counter> {
  static constexpr extref_tag_t tag = counter_tag;
  static constexpr const char *name = "Counter";
  static constexpr std::uint32_t flags = EXTREF_TYPE_SEND;
};

static const extref::type<WideCounter> wide_type{counter_tag, "WideCounter",
                                                 EXTREF_TYPE_SEND};

/* Counts the destructions of its live values (not of moved-from ones), so
 * that drop-once and take's one destruction on the taker's side are
 * visible from JS. Built with EXTREF_TEST_ALLOC (extref_cpp_alloc.node, a
 * second addon), it has its own operator new/delete: malloc and free, and
 * counted. A payload it makes must be freed by its own operator delete:
 * the global one in another addon is an alloc-dealloc-mismatch (ASan). */
static std::atomic<std::int64_t> tracked_destructs{0};
static std::atomic<std::int64_t> tracked_news{0}, tracked_deletes{0};
struct Tracked {
  std::int64_t value;
  bool live = true;
  explicit Tracked(std::int64_t v) : value(v) {}
  Tracked(const Tracked &) = default;
  Tracked(Tracked &&o) noexcept : value(o.value), live(o.live) {
    o.live = false;
  }
  ~Tracked() {
    if (live)
      ++tracked_destructs;
  }
#if defined(EXTREF_TEST_ALLOC)
  static void *operator new(std::size_t n) {
    void *p = std::malloc(n);
    if (p == nullptr)
      throw std::bad_alloc();
    ++tracked_news;
    return p;
  }
  static void operator delete(void *p) noexcept {
    ++tracked_deletes;
    std::free(p);
  }
#endif
};
static const extref::type<Tracked> tracked_type{
    extref::make_tag(0x6c69626578747265ull, 0x5472616b6564632bull),
    "Tracked", EXTREF_TYPE_SEND};

/* Not copy constructible: its descriptor has no clone callback. */
struct NoClone {
  std::unique_ptr<std::int64_t> value;
};
static const extref::type<NoClone> noclone_type{
    extref::make_tag(0x6c69626578747265ull, 0x4e6f436c6f6e6521ull),
    "NoClone"};

/* Its copy constructor and its destructor throw: neither exception may cross
 * the C ABI. */
static std::atomic<std::int64_t> thrower_destructs{0};
struct Thrower {
  std::int64_t value;
  explicit Thrower(std::int64_t v) : value(v) {}
  Thrower(const Thrower &) { throw std::runtime_error("no copies"); }
  Thrower(Thrower &&) = default;
  ~Thrower() noexcept(false) {
    if (value < 0) {
      ++thrower_destructs; /* counts only the destructors that throw */
      throw std::runtime_error("throwing destructor");
    }
  }
};
/* Move-only; what throws depends on mode. 1: the move constructor, before
 * it touches the source. 2: the destructor of the original after it was
 * moved from (gen 0: the payload made by create; not the taker's moved
 * copies). Its operator delete counts, to show the memory comes back. */
static std::atomic<std::int64_t> fragile_destructs{0}, fragile_deletes{0};
struct Fragile {
  std::int64_t value, mode, gen = 0;
  bool live = true;
  Fragile(std::int64_t v, std::int64_t m) : value(v), mode(m) {}
  Fragile(const Fragile &) = delete;
  Fragile(Fragile &&o) noexcept(false)
      : value(o.value), mode(o.mode), gen(o.gen + 1), live(o.live) {
    if (mode == 1)
      throw std::runtime_error("Fragile: move refused");
    o.live = false;
  }
  ~Fragile() noexcept(false) {
    if (live)
      ++fragile_destructs;
    else if (mode == 2 && gen == 0)
      throw std::runtime_error("moved-from Fragile threw");
  }
  static void operator delete(void *p) noexcept {
    ++fragile_deletes;
    ::operator delete(p);
  }
};
static const extref::type<Fragile> fragile_type{
    extref::make_tag(0x6c69626578747265ull, 0x46726167696c6521ull),
    "Fragile", EXTREF_TYPE_SEND};

/* Copyable, and its move constructor always throws: take must copy
 * (std::move_if_noexcept) and succeed. */
struct CopyTake {
  std::int64_t value;
  explicit CopyTake(std::int64_t v) : value(v) {}
  CopyTake(const CopyTake &) = default;
  CopyTake(CopyTake &&) noexcept(false) {
    throw std::logic_error("CopyTake: a move constructor was used");
  }
};
static const extref::type<CopyTake> copytake_type{
    extref::make_tag(0x6c69626578747265ull, 0x436f707954616b65ull),
    "CopyTake", EXTREF_TYPE_SEND};

static const extref::type<Thrower> thrower_type{
    extref::make_tag(0x6c69626578747265ull, 0x5468726f77657221ull),
    "Thrower"};

/* ---- Node-API helpers --------------------------------------------------- */

#define NAPI_CALL(env, call)                                                 \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error((env), "NAPI_FAILED", #call);                         \
      return nullptr;                                                        \
    }                                                                        \
  } while (0)

/* Fetches exactly n arguments (missing ones are undefined). */
#define ARGS(n)                                                              \
  size_t argc = (n);                                                         \
  napi_value argv[(n) > 0 ? (n) : 1];                                        \
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr))

#define TRY(var, expr)                                                       \
  auto var = (expr);                                                         \
  if (!var)                                                                  \
  return var.throw_js(env)

static napi_value num(napi_env env, double d) {
  napi_value v = nullptr;
  napi_create_double(env, d, &v);
  return v;
}

static napi_value str(napi_env env, const char *s) {
  napi_value v = nullptr;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

static bool get_i64(napi_env env, napi_value v, std::int64_t *out) {
  if (napi_get_value_int64(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "ERR_ARG", "expected a number");
    return false;
  }
  return true;
}

#define I64(var, value)                                                      \
  std::int64_t var = 0;                                                      \
  if (!get_i64(env, (value), &var))                                          \
  return nullptr

/* ---- Creation ----------------------------------------------------------- */

static napi_value create_counter(napi_env env, napi_callback_info info) {
  ARGS(1);
  I64(v, argv[0]);
  TRY(r, extref::make<Counter>(env, Counter{v}));
  return r.value();
}

static napi_value create_wide(napi_env env, napi_callback_info info) {
  ARGS(1);
  I64(v, argv[0]);
  TRY(r, extref::create(env, wide_type,
                        std::make_unique<WideCounter>(WideCounter{v, -v})));
  return r.value();
}

static napi_value create_tracked(napi_env env, napi_callback_info info) {
  ARGS(1);
  I64(v, argv[0]);
  TRY(r, extref::create(env, tracked_type, std::make_unique<Tracked>(v)));
  return r.value();
}

static napi_value create_noclone(napi_env env, napi_callback_info info) {
  ARGS(1);
  I64(v, argv[0]);
  auto p = std::make_unique<NoClone>();
  p->value = std::make_unique<std::int64_t>(v);
  TRY(r, extref::create(env, noclone_type, std::move(p)));
  return r.value();
}

static napi_value create_thrower(napi_env env, napi_callback_info info) {
  ARGS(1);
  I64(v, argv[0]);
  TRY(r, extref::create(env, thrower_type, std::make_unique<Thrower>(v)));
  return r.value();
}

static napi_value create_fragile(napi_env env, napi_callback_info info) {
  ARGS(2);
  I64(v, argv[0]);
  I64(m, argv[1]);
  TRY(r, extref::create(env, fragile_type, std::make_unique<Fragile>(v, m)));
  return r.value();
}

static napi_value create_copytake(napi_env env, napi_callback_info info) {
  ARGS(1);
  I64(v, argv[0]);
  TRY(r, extref::create(env, copytake_type, std::make_unique<CopyTake>(v)));
  return r.value();
}

/* An external that libextref did not make. */
static napi_value create_foreign(napi_env env, napi_callback_info) {
  static std::int64_t not_ours = 42;
  napi_value v = nullptr;
  NAPI_CALL(env, napi_create_external(env, &not_ours, nullptr, nullptr, &v));
  return v;
}

/* ---- Borrows ------------------------------------------------------------ */

static napi_value get(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(r, extref::borrow<Counter>(env, argv[0]));
  return num(env, static_cast<double>(r.value()->value));
}

static napi_value get_wide(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(r, extref::borrow(env, argv[0], wide_type));
  return num(env, static_cast<double>((*r.value()).value));
}

static napi_value get_tracked(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(r, extref::borrow(env, argv[0], tracked_type));
  return num(env, static_cast<double>(r.value()->value));
}

static napi_value add(napi_env env, napi_callback_info info) {
  ARGS(2);
  I64(n, argv[1]);
  TRY(r, extref::borrow_mut<Counter>(env, argv[0]));
  r.value()->value += n;
  return num(env, static_cast<double>(r.value()->value));
}

/* swap(a, b): two exclusive borrows at once; swap(x, x) must be refused. */
static napi_value swap(napi_env env, napi_callback_info info) {
  ARGS(2);
  TRY(a, extref::borrow_mut<Counter>(env, argv[0]));
  TRY(b, extref::borrow_mut<Counter>(env, argv[1]));
  std::swap(a.value()->value, b.value()->value);
  return nullptr;
}

/* refThenMut(a, b): a shared borrow of a, then an exclusive one of b. */
static napi_value ref_then_mut(napi_env env, napi_callback_info info) {
  ARGS(2);
  TRY(a, extref::borrow<Counter>(env, argv[0]));
  TRY(b, extref::borrow_mut<Counter>(env, argv[1]));
  b.value()->value += a.value()->value;
  return nullptr;
}

/* Holds a borrow of ext while it calls cb(); returns what cb returned. */
template <bool Mut>
static napi_value with_borrow(napi_env env, napi_callback_info info) {
  ARGS(2);
  napi_value ret = nullptr, global = nullptr;
  NAPI_CALL(env, napi_get_global(env, &global));
  if constexpr (Mut) {
    TRY(r, extref::borrow_mut<Counter>(env, argv[0]));
    r.value()->value += 1;
    if (napi_call_function(env, global, argv[1], 0, nullptr, &ret) != napi_ok)
      return nullptr; /* the callback's exception stays pending */
  } else {
    TRY(r, extref::borrow<Counter>(env, argv[0]));
    if (napi_call_function(env, global, argv[1], 0, nullptr, &ret) != napi_ok)
      return nullptr;
  }
  return ret;
}

static double live_borrows() {
  auto s = extref::stats();
  return s ? static_cast<double>(s.value().live_borrows) : -1;
}

/* raii(ext): live borrow counts before, inside a scope, after a move out of
 * the first guard, and after the scope; plus whether the moved-from guard is
 * empty. Proves the destructors release exactly once. */
static napi_value raii(napi_env env, napi_callback_info info) {
  ARGS(1);
  double before = live_borrows(), inside = -1, moved = -1, after_move = -1;
  bool moved_from_empty = false;
  {
    TRY(a, extref::borrow<Counter>(env, argv[0]));
    TRY(b, extref::borrow<Counter>(env, argv[0]));
    inside = live_borrows();
    extref::ref<Counter> c = std::move(a.value());
    moved_from_empty = !a.value();
    moved = live_borrows();
    {
      extref::ref<Counter> d = std::move(c);
      (void)d;
    }
    after_move = live_borrows();
    (void)b;
  }
  double after = live_borrows();
  /* After every guard is gone an exclusive borrow must succeed. */
  TRY(m, extref::borrow_mut<Counter>(env, argv[0]));
  napi_value out = nullptr;
  NAPI_CALL(env, napi_create_object(env, &out));
  napi_set_named_property(env, out, "before", num(env, before));
  napi_set_named_property(env, out, "inside", num(env, inside));
  napi_set_named_property(env, out, "moved", num(env, moved));
  napi_set_named_property(env, out, "afterMove", num(env, after_move));
  napi_set_named_property(env, out, "after", num(env, after));
  napi_value b = nullptr;
  napi_get_boolean(env, moved_from_empty, &b);
  napi_set_named_property(env, out, "movedFromEmpty", b);
  return out;
}

/* releaseTwice(ext): explicit release() of a guard, then again on the now
 * empty guard; returns both status names. */
static napi_value release_twice(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(r, extref::borrow_mut<Counter>(env, argv[0]));
  extref::mut_ref<Counter> g = std::move(r.value());
  auto first = g.release();
  auto second = g.release();
  napi_value out = nullptr;
  NAPI_CALL(env, napi_create_array_with_length(env, 2, &out));
  napi_set_element(env, out, 0, str(env, extref_status_name(first.status())));
  napi_set_element(env, out, 1,
                   str(env, extref_status_name(second.status())));
  return out;
}

/* ---- Clone, take -------------------------------------------------------- */

static napi_value clone_out(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(c, extref::clone_out<Counter>(env, argv[0]));
  return num(env, static_cast<double>(c.value().value));
}

/* cloneAndBump(ext): the clone is independent: bump it, return the clone's
 * new value (the payload keeps its own). */
static napi_value clone_and_bump(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(c, extref::clone_out<Counter>(env, argv[0]));
  Counter copy = std::move(c).value();
  copy.value += 1000;
  return num(env, static_cast<double>(copy.value));
}

static napi_value clone_noclone(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(c, extref::clone_out(env, argv[0], noclone_type));
  return num(env, static_cast<double>(*c.value().value));
}

static napi_value clone_thrower(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(c, extref::clone_out(env, argv[0], thrower_type));
  return num(env, static_cast<double>(c.value().value));
}

static napi_value get_thrower(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(r, extref::borrow(env, argv[0], thrower_type));
  return num(env, static_cast<double>(r.value()->value));
}

static napi_value take(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(p, extref::take<Counter>(env, argv[0]));
  return num(env, static_cast<double>(p.value().value));
}

/* The T is destroyed (once, here, on the taker's side) before returning. */
static napi_value take_tracked(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(p, extref::take(env, argv[0], tracked_type));
  return num(env, static_cast<double>(p.value().value));
}

/* takeTrackedInto(ext): take_into into caller storage, no further move. */
static napi_value take_tracked_into(napi_env env, napi_callback_info info) {
  ARGS(1);
  alignas(Tracked) unsigned char buf[sizeof(Tracked)];
  Tracked *t = reinterpret_cast<Tracked *>(buf);
  TRY(r, extref::take_into(env, argv[0], t, tracked_type));
  t = std::launder(t);
  double v = static_cast<double>(t->value);
  t->~Tracked();
  return num(env, v);
}

static napi_value take_fragile(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(p, extref::take(env, argv[0], fragile_type));
  return num(env, static_cast<double>(p.value().value));
}

static napi_value get_fragile(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(r, extref::borrow(env, argv[0], fragile_type));
  return num(env, static_cast<double>(r.value()->value));
}

static napi_value take_copytake(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(p, extref::take(env, argv[0], copytake_type));
  return num(env, static_cast<double>(p.value().value));
}

/* ---- Holds -------------------------------------------------------------- */

/* Holds live in a table keyed by a number JS can carry. */
static std::map<std::int64_t, extref::hold<Counter>> holds;
static std::int64_t next_hold = 1;

static napi_value hold_put(napi_env env, extref::hold<Counter> h) {
  std::int64_t id = next_hold++;
  holds.emplace(id, std::move(h));
  return num(env, static_cast<double>(id));
}

#define HOLD(var, value)                                                     \
  I64(var##_id, (value));                                                    \
  auto var##_it = holds.find(var##_id);                                      \
  if (var##_it == holds.end()) {                                             \
    napi_throw_error(env, "ERR_NO_HOLD", "no such hold");                    \
    return nullptr;                                                          \
  }                                                                          \
  extref::hold<Counter> &var = var##_it->second

static napi_value hold_new(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(h, extref::hold_of<Counter>(env, argv[0]));
  return hold_put(env, std::move(h).value());
}

static napi_value hold_dup(napi_env env, napi_callback_info info) {
  ARGS(1);
  HOLD(h, argv[0]);
  TRY(d, h.dup());
  return hold_put(env, std::move(d).value());
}

static napi_value hold_get(napi_env env, napi_callback_info info) {
  ARGS(1);
  HOLD(h, argv[0]);
  TRY(r, h.borrow());
  return num(env, static_cast<double>(r.value()->value));
}

static napi_value hold_add(napi_env env, napi_callback_info info) {
  ARGS(2);
  HOLD(h, argv[0]);
  I64(n, argv[1]);
  TRY(r, h.borrow_mut());
  r.value()->value += n;
  return num(env, static_cast<double>(r.value()->value));
}

static napi_value hold_clone(napi_env env, napi_callback_info info) {
  ARGS(1);
  HOLD(h, argv[0]);
  TRY(c, h.clone_out());
  return num(env, static_cast<double>(c.value().value));
}

/* holdAddOnThread(id, n): a std::thread borrows through the hold, adds n
 * and releases off the JS thread (Counter is EXTREF_TYPE_SEND). Returns the
 * status name the thread saw. */
static napi_value hold_add_on_thread(napi_env env, napi_callback_info info) {
  ARGS(2);
  HOLD(h, argv[0]);
  I64(n, argv[1]);
  extref_status_t seen = EXTREF_OK;
  std::thread t([&h, n, &seen]() {
    auto r = h.borrow_mut();
    if (!r) {
      seen = r.status();
      return;
    }
    r.value()->value += n;
    seen = r.value().release().status();
  });
  t.join();
  return str(env, extref_status_name(seen));
}

/* threadBound(ext): ext holds a NoClone, a thread-bound type. A hold and a
 * borrow guard taken on the JS thread are used from a std::thread: borrow
 * and release answer EXTREF_WRONG_THREAD there and leave the hold and the
 * guard live and owned, so that the JS thread releases them afterwards.
 * Returns [hold borrow, hold release, hold still owned, guard release,
 * guard still owned, JS-thread hold release, JS-thread guard release]. */
static napi_value thread_bound(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(h, extref::hold_of(env, argv[0], noclone_type));
  TRY(g, extref::borrow(env, argv[0], noclone_type));
  extref::hold<NoClone> hold = std::move(h).value();
  extref::ref<NoClone> guard = std::move(g).value();
  extref_status_t s[4] = {EXTREF_OK, EXTREF_OK, EXTREF_OK, EXTREF_OK};
  bool owned[2] = {false, false};
  std::thread t([&]() {
    s[0] = hold.borrow().status();
    s[1] = hold.release().status();
    owned[0] = static_cast<bool>(hold);
    s[2] = guard.release().status();
    owned[1] = static_cast<bool>(guard);
  });
  t.join();
  s[3] = hold.release().status();
  extref_status_t last = guard.release().status();
  napi_value out = nullptr, b0 = nullptr, b1 = nullptr;
  NAPI_CALL(env, napi_create_array_with_length(env, 7, &out));
  napi_get_boolean(env, owned[0], &b0);
  napi_get_boolean(env, owned[1], &b1);
  napi_set_element(env, out, 0, str(env, extref_status_name(s[0])));
  napi_set_element(env, out, 1, str(env, extref_status_name(s[1])));
  napi_set_element(env, out, 2, b0);
  napi_set_element(env, out, 3, str(env, extref_status_name(s[2])));
  napi_set_element(env, out, 4, b1);
  napi_set_element(env, out, 5, str(env, extref_status_name(s[3])));
  napi_set_element(env, out, 6, str(env, extref_status_name(last)));
  return out;
}

/* guardDiesOffThread(ext): ext holds a NoClone (thread-bound). A borrow
 * guard made on the JS thread is moved into a std::thread and destroyed
 * there, with the default incident handler: it prints to stderr and, in
 * this build (no NDEBUG), asserts. Run in a child process. */
static napi_value guard_dies_off_thread(napi_env env, napi_callback_info info) {
  ARGS(1);
  TRY(g, extref::borrow(env, argv[0], noclone_type));
  extref::ref<NoClone> guard = std::move(g).value();
  std::thread t([gd = std::move(guard)]() mutable { gd.reset(); });
  t.join();
  return num(env, live_borrows());
}

/* An incident handler that records what it was given. */
static struct {
  int count = 0;
  extref::incident_kind kind = extref::incident_kind::destructor_threw;
  extref_status_t status = EXTREF_OK;
  std::string message;
  extref_borrow_t borrow{nullptr, 0};
  extref_hold_t *hold = nullptr;
} seen_incident;
static void record_incident(const extref::incident &i) noexcept {
  seen_incident.count += 1;
  seen_incident.kind = i.kind;
  seen_incident.status = i.status;
  seen_incident.message = i.message;
  seen_incident.borrow = i.borrow;
  seen_incident.hold = i.hold;
}

static const char *kind_name(extref::incident_kind k) {
  switch (k) {
  case extref::incident_kind::borrow_not_released:
    return "borrow_not_released";
  case extref::incident_kind::hold_not_released:
    return "hold_not_released";
  case extref::incident_kind::destructor_threw:
    return "destructor_threw";
  }
  return "?";
}

/* recordIncidents(on): installs the recording handler (true) or the
 * default one (false); lastIncident(): what it saw last (count 0: none). */
static napi_value record_incidents(napi_env env, napi_callback_info info) {
  ARGS(1);
  bool on = false;
  NAPI_CALL(env, napi_get_value_bool(env, argv[0], &on));
  seen_incident = {};
  (void)extref::set_incident_handler(on ? &record_incident : nullptr);
  return nullptr;
}

static napi_value incident_object(napi_env env) {
  napi_value out = nullptr;
  NAPI_CALL(env, napi_create_object(env, &out));
  napi_set_named_property(env, out, "count", num(env, seen_incident.count));
  napi_set_named_property(env, out, "kind",
                          str(env, kind_name(seen_incident.kind)));
  napi_set_named_property(env, out, "status",
                          str(env, extref_status_name(seen_incident.status)));
  napi_set_named_property(env, out, "message",
                          str(env, seen_incident.message.c_str()));
  return out;
}


static napi_value last_incident(napi_env env, napi_callback_info) {
  return incident_object(env);
}

/* leakOffThread(ext, what): ext holds a NoClone. A guard ("ref"/"mut") or
 * a hold ("hold") made on the JS thread is destroyed on a std::thread with
 * the recording handler installed. Returns the incident, plus what the
 * JS thread saw afterwards: live borrows/holds while leaked, and the
 * status of releasing the handle the handler was given, here on the
 * payload's thread. */
static napi_value leak_off_thread(napi_env env, napi_callback_info info) {
  ARGS(2);
  char what[8] = {0};
  size_t len = 0;
  NAPI_CALL(env, napi_get_value_string_utf8(env, argv[1], what, sizeof what,
                                            &len));
  seen_incident = {};
  extref::incident_handler prev =
      extref::set_incident_handler(&record_incident);
  const std::string w = what;
  if (w == "hold") {
    TRY(h, extref::hold_of(env, argv[0], noclone_type));
    std::thread t([hd = std::move(h).value()]() mutable { hd.reset(); });
    t.join();
  } else if (w == "mut") {
    TRY(g, extref::borrow_mut(env, argv[0], noclone_type));
    std::thread t([gd = std::move(g).value()]() mutable { gd.reset(); });
    t.join();
  } else {
    TRY(g, extref::borrow(env, argv[0], noclone_type));
    /* The guard's own destructor, at the end of the thread's lambda. */
    std::thread t([gd = std::move(g).value()]() { (void)gd; });
    t.join();
  }
  (void)extref::set_incident_handler(prev);
  auto st = extref::stats();
  napi_value out = incident_object(env);
  napi_set_named_property(env, out, "liveBorrows",
                          num(env, static_cast<double>(
                                       st ? st.value().live_borrows : 0)));
  napi_set_named_property(env, out, "liveHolds",
                          num(env, static_cast<double>(
                                       st ? st.value().live_holds : 0)));
  extref_status_t rel = EXTREF_INVALID_ARG;
  if (seen_incident.hold != nullptr)
    rel = extref_hold_release(seen_incident.hold);
  else if (seen_incident.borrow.payload != nullptr)
    rel = extref_borrow_release(&seen_incident.borrow);
  napi_set_named_property(env, out, "releasedHere",
                          str(env, extref_status_name(rel)));
  return out;
}

static napi_value hold_release(napi_env env, napi_callback_info info) {
  ARGS(1);
  HOLD(h, argv[0]);
  auto r = h.release();
  if (r)
    holds.erase(h_it);
  return str(env, extref_status_name(r.status()));
}

/* ---- Introspection ------------------------------------------------------ */

static napi_value stats(napi_env env, napi_callback_info) {
  TRY(s, extref::stats());
  const extref_stats_t &st = s.value();
  napi_value out = nullptr;
  NAPI_CALL(env, napi_create_object(env, &out));
  napi_set_named_property(env, out, "livePayloads",
                          num(env, static_cast<double>(st.live_payloads)));
  napi_set_named_property(env, out, "liveBorrows",
                          num(env, static_cast<double>(st.live_borrows)));
  napi_set_named_property(env, out, "liveHolds",
                          num(env, static_cast<double>(st.live_holds)));
  napi_set_named_property(env, out, "drops",
                          num(env, static_cast<double>(st.drops)));
  napi_set_named_property(env, out, "deferredDrops",
                          num(env, static_cast<double>(st.deferred_drops)));
  napi_set_named_property(env, out, "takes",
                          num(env, static_cast<double>(st.takes)));
  return out;
}

static napi_value tracked_count(napi_env env, napi_callback_info) {
  return num(env, static_cast<double>(tracked_destructs.load()));
}

static napi_value thrower_count(napi_env env, napi_callback_info) {
  return num(env, static_cast<double>(thrower_destructs.load()));
}

/* {destructs, deletes} of Fragile; {news, deletes} of Tracked's own
 * operator new/delete (zeros unless built with EXTREF_TEST_ALLOC). */
static napi_value fragile_counts(napi_env env, napi_callback_info) {
  napi_value out = nullptr;
  NAPI_CALL(env, napi_create_object(env, &out));
  napi_set_named_property(
      env, out, "destructs",
      num(env, static_cast<double>(fragile_destructs.load())));
  napi_set_named_property(
      env, out, "deletes",
      num(env, static_cast<double>(fragile_deletes.load())));
  return out;
}

static napi_value alloc_counts(napi_env env, napi_callback_info) {
  napi_value out = nullptr;
  NAPI_CALL(env, napi_create_object(env, &out));
  napi_set_named_property(env, out, "news",
                          num(env, static_cast<double>(tracked_news.load())));
  napi_set_named_property(
      env, out, "deletes",
      num(env, static_cast<double>(tracked_deletes.load())));
  return out;
}

/* The file this addon's libextref was loaded from. */
static napi_value lib_path(napi_env env, napi_callback_info) {
#ifdef _WIN32
  HMODULE mod = nullptr;
  char name[MAX_PATH];
  if (!GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                              GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                          reinterpret_cast<LPCSTR>(&extref_version), &mod))
    return str(env, "");
  DWORD n = GetModuleFileNameA(mod, name, sizeof name);
  if (n == 0 || n >= sizeof name) return str(env, "");
  return str(env, name);
#else
  Dl_info dl{};
  if (dladdr(reinterpret_cast<void *>(&extref_version), &dl) == 0 ||
      dl.dli_fname == nullptr)
    return str(env, "");
  return str(env, dl.dli_fname);
#endif
}

static_assert(sizeof(Counter) == 8 && sizeof(WideCounter) == 16, "layout");

/* ---- Registration ------------------------------------------------------- */

NAPI_MODULE_INIT() {
  struct {
    const char *name;
    napi_callback cb;
  } fns[] = {
      {"createCounter", create_counter},
      {"createWide", create_wide},
      {"createTracked", create_tracked},
      {"createNoClone", create_noclone},
      {"createThrower", create_thrower},
      {"createForeign", create_foreign},
      {"createFragile", create_fragile},
      {"createCopyTake", create_copytake},
      {"takeTrackedInto", take_tracked_into},
      {"takeFragile", take_fragile},
      {"getFragile", get_fragile},
      {"takeCopyTake", take_copytake},
      {"recordIncidents", record_incidents},
      {"lastIncident", last_incident},
      {"fragileCounts", fragile_counts},
      {"allocCounts", alloc_counts},
      {"get", get},
      {"getWide", get_wide},
      {"getTracked", get_tracked},
      {"add", add},
      {"swap", swap},
      {"refThenMut", ref_then_mut},
      {"withMut", with_borrow<true>},
      {"withRef", with_borrow<false>},
      {"raii", raii},
      {"releaseTwice", release_twice},
      {"cloneOut", clone_out},
      {"cloneAndBump", clone_and_bump},
      {"cloneNoClone", clone_noclone},
      {"cloneThrower", clone_thrower},
      {"getThrower", get_thrower},
      {"take", take},
      {"takeTracked", take_tracked},
      {"holdNew", hold_new},
      {"holdDup", hold_dup},
      {"holdGet", hold_get},
      {"holdAdd", hold_add},
      {"holdClone", hold_clone},
      {"holdAddOnThread", hold_add_on_thread},
      {"holdRelease", hold_release},
      {"threadBound", thread_bound},
      {"guardDiesOffThread", guard_dies_off_thread},
      {"leakOffThread", leak_off_thread},
      {"stats", stats},
      {"trackedDestructs", tracked_count},
      {"throwerDestructs", thrower_count},
      {"libPath", lib_path},
  };
  for (const auto &f : fns) {
    napi_value fn = nullptr;
    NAPI_CALL(env, napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb,
                                        nullptr, &fn));
    NAPI_CALL(env, napi_set_named_property(env, exports, f.name, fn));
  }
  return exports;
}
