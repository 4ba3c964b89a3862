/* Compile-time checks of extref.hpp, built by tests/suites/21-cpp.sh with
 * -std=c++17 -Wall -Wextra -pedantic -Werror in several configurations:
 * CHECK_NAPI_FIRST includes <napi.h> before extref.hpp; defining
 * EXTREF_NODE_ADDON_API alone makes extref.hpp include it itself.
 *
 * SPDX-License-Identifier: MIT
 */
#if defined(CHECK_NAPI_FIRST)
#include <napi.h>
#endif
#include "extref.hpp"

#if defined(CHECK_NAPI_FIRST) && !defined(EXTREF_NODE_ADDON_API)
#error "extref.hpp did not see <napi.h> included before it"
#endif

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

namespace {

struct Counter {
  std::int64_t value;
};
struct Big {
  std::string s;
};
struct Unique {
  std::unique_ptr<int> p;
};
struct Pinned {
  Pinned() = default;
  Pinned(Pinned &&) = delete;
};

constexpr extref_tag_t tag = extref::make_tag(0x6c69626578747265ull,
                                              0x66436f756e746572ull);

/* Constant initialisation: a descriptor is usable before any dynamic
 * initialiser runs (constinit in C++20 terms). */
constexpr extref::type<Counter> counter_type{tag, "Counter",
                                             EXTREF_TYPE_SEND};
constexpr extref::type<Unique> unique_type{tag, "Unique"};
constexpr extref::type<Big> big_type{tag, "Big", 0, false};
constexpr extref::type<Pinned> pinned_type{tag, "Pinned"};

static_assert(counter_type.get()->payload_size == sizeof(Counter), "");
static_assert(counter_type.get()->struct_size == sizeof(extref_type_t), "");
static_assert(counter_type.get()->flags == EXTREF_TYPE_SEND, "");
static_assert(unique_type.get()->clone == nullptr, "not copyable");
static_assert(big_type.get()->clone == nullptr, "cloneable = false");
/* ABI 1.1: a T that can be neither moved nor copied has no move callback
 * (every other T has one: the take tests run it). */
static_assert(pinned_type.get()->move == nullptr, "");
static_assert(std::is_same_v<decltype(extref::take<Counter>(
                                 std::declval<napi_env>(),
                                 std::declval<napi_value>())),
                             extref::result<Counter>>,
              "take returns the T");

/* Guards and holds are move-only. */
static_assert(!std::is_copy_constructible_v<extref::ref<Counter>>, "");
static_assert(!std::is_copy_assignable_v<extref::ref<Counter>>, "");
static_assert(std::is_nothrow_move_constructible_v<extref::ref<Counter>>,
              "");
static_assert(!std::is_copy_constructible_v<extref::mut_ref<Counter>>, "");
static_assert(std::is_nothrow_move_assignable_v<extref::mut_ref<Counter>>,
              "");
static_assert(!std::is_copy_constructible_v<extref::hold<Counter>>, "");
static_assert(std::is_nothrow_move_constructible_v<extref::hold<Counter>>,
              "");
static_assert(!std::is_copy_constructible_v<extref::type<Counter>>, "");

/* Shared borrows give const access, exclusive ones mutable access. */
static_assert(std::is_same_v<decltype(std::declval<extref::ref<Counter> &>()
                                          .operator->()),
                             const Counter *>,
              "");
static_assert(std::is_same_v<decltype(*std::declval<extref::mut_ref<Counter> &>()),
                             Counter &>,
              "");
static_assert(!std::is_convertible_v<extref::result<int>, bool>,
              "operator bool is explicit");

/* An rvalue result gives its T by value (moved out), never a reference
 * into the temporary; an lvalue result gives a reference. */
static_assert(std::is_same_v<decltype(std::declval<extref::result<Counter>>()
                                          .value()),
                             Counter>,
              "");
static_assert(
    std::is_same_v<decltype(std::declval<extref::result<extref::ref<Counter>>>()
                                .value()),
                   extref::ref<Counter>>,
    "");
static_assert(std::is_same_v<decltype(std::declval<extref::result<Counter> &>()
                                          .value()),
                             Counter &>,
              "");
static_assert(std::is_same_v<decltype(std::declval<extref::result<int>>().err()),
                             extref::error>,
              "");

/* Guards have no public base: neither converts to the other's storage. */
static_assert(!std::is_base_of_v<extref::detail::borrow_guard,
                                 extref::ref<Counter>>,
              "");
static_assert(!std::is_convertible_v<extref::mut_ref<Counter> &,
                                     extref::detail::borrow_guard &>,
              "");
static_assert(!std::is_assignable_v<extref::mut_ref<Counter> &,
                                    extref::ref<Counter> &&>,
              "");

} // namespace

template <> struct extref::traits<Counter> {
  static constexpr extref_tag_t tag = ::tag;
  static constexpr const char *name = "Counter";
  static constexpr std::uint32_t flags = EXTREF_TYPE_SEND;
};

static void on_incident(const extref::incident &i) noexcept {
  if (i.kind == extref::incident_kind::borrow_not_released) {
    extref_borrow_t b = i.borrow;
    (void)b;
  }
}

/* Every entry point instantiated with plain Node-API types. */
napi_value use_plain(napi_env env, napi_value v) {
  extref::incident_handler prev = extref::set_incident_handler(&on_incident);
  (void)extref::set_incident_handler(prev);
  auto r = extref::borrow<Counter>(env, v);
  if (!r)
    return r.throw_js(env);
  std::int64_t n = r.value()->value + (*r.value()).value;
  auto m = extref::borrow_mut(env, v, counter_type);
  if (m)
    m.value()->value = n;
  auto c = extref::clone_out<Counter>(env, v);
  auto h = extref::hold_of<Counter>(env, v);
  if (h) {
    auto d = h.value().dup();
    auto hr = h.value().borrow();
    auto hm = h.value().borrow_mut();
    auto hc = h.value().clone_out();
    auto rel = h.value().release();
    (void)d;
    (void)hr;
    (void)hm;
    (void)hc;
    (void)rel;
  }
  auto t = extref::take<Counter>(env, v);
  auto tr = extref::take_raw(env, v, counter_type);
  alignas(Counter) unsigned char buf[sizeof(Counter)];
  auto ti = extref::take_into(env, v, reinterpret_cast<Counter *>(buf),
                              counter_type);
  (void)ti;
  auto mk = extref::make<Counter>(env, Counter{1});
  auto cr = extref::create(env, big_type, std::make_unique<Big>());
  auto st = extref::stats();
  (void)c;
  (void)t;
  (void)tr;
  (void)cr;
  (void)st;
  extref::error e = extref::error::last(EXTREF_TAKEN);
  extref::throw_error(env, e);
  return mk ? mk.value() : nullptr;
}

#if defined(EXTREF_NODE_ADDON_API)
/* And with node-addon-api types. */
Napi::Value use_napi(const Napi::CallbackInfo &info) {
  auto r = extref::borrow<Counter>(info[0]);
  if (!r)
    return r.throw_js(info.Env());
  auto m = extref::borrow_mut(info[0], counter_type);
  auto c = extref::clone_out(info[0], counter_type);
  auto h = extref::hold_of(info[0], counter_type);
  auto t = extref::take(info[0], counter_type);
  auto n = extref::create(info.Env(), counter_type,
                          std::make_unique<Counter>(Counter{2}));
  (void)m;
  (void)c;
  (void)h;
  (void)t;
  if (!n)
    return extref::throw_error(info.Env(), n.err());
#if defined(NAPI_CPP_EXCEPTIONS)
  if (!c)
    throw extref::to_napi_error(info.Env(), c.err());
#endif
  return n.value();
}
#endif
