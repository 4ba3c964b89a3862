/* libextref C++ binding - header-only, C++17, over extref.h.
 *
 * Copyright (c) 2026 The libextref authors.
 * SPDX-License-Identifier: MIT
 *
 * What it adds to the C ABI:
 *   extref::type<T>      a descriptor made from a C++ type and a tag: drop
 *                        runs `delete`, clone runs the copy constructor into
 *                        the destination (placement new), move (ABI 1.1)
 *                        moves into the taker's memory and deletes the
 *                        original in the creating module. All are noexcept
 *                        and catch everything: no exception crosses the C
 *                        ABI (see type<T> for what each makes of one).
 *   extref::ref<T>       a shared borrow; move-only; released by its
 *   extref::mut_ref<T>   destructor; operator-> and operator*, on lvalues
 *                        only: no reference outlives a temporary guard.
 *   extref::hold<T>      a counted owner; move-only; dup() for a copy.
 *   extref::result<T>    T or an extref::error {status, napi_status, message}.
 *   extref::take<T>      the payload moved out by the creator's move
 *                        (take-into), returned as a T.
 *   extref::incident     what a destructor or callback could not return
 *                        (set_incident_handler).
 *
 * Plain Node-API (napi_env, napi_value) always works. When <napi.h>
 * (node-addon-api) is included before this header, or EXTREF_NODE_ADDON_API
 * is defined, overloads taking Napi::Env and Napi::Value are added too.
 * Define EXTREF_CPP_EXCEPTIONS to make result<T>::value() throw
 * extref::exception on an error; without it, value() on an error calls
 * std::abort(). Exceptions never leave a callback that the C library calls.
 *
 * Context: the rules of extref.h apply: functions taking an env run on its
 * JS thread; borrows and holds of EXTREF_TYPE_SEND types may be used and
 * released on any thread.
 *
 * Loud leaks. A guard or hold whose destructor cannot release it
 * (EXTREF_WRONG_THREAD: a thread-bound payload released off its thread)
 * leaves it live for good. Call release() to get that status as a value;
 * a destructor cannot return it, so it reports an extref::incident to the
 * module's handler (set_incident_handler) with the live handle, which the
 * handler may pass back to the right thread to release. The default
 * handler prints "extref: ..." to stderr and, in builds without NDEBUG
 * (unless EXTREF_CPP_NO_LEAK_ASSERT is defined), fails an assert().
 */
#ifndef EXTREF_HPP
#define EXTREF_HPP

#include <node_api.h>

#include "extref.h"

#include <atomic>
#include <cassert>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#if !defined(EXTREF_NODE_ADDON_API) && defined(SRC_NAPI_H_)
#define EXTREF_NODE_ADDON_API 1
#endif
#if defined(EXTREF_NODE_ADDON_API) && !defined(SRC_NAPI_H_)
#include <napi.h>
#endif

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define EXTREF__HAS_EXCEPTIONS 1
#else
#define EXTREF__HAS_EXCEPTIONS 0
#endif

#if defined(EXTREF_CPP_EXCEPTIONS) && !EXTREF__HAS_EXCEPTIONS
#error "EXTREF_CPP_EXCEPTIONS needs C++ exceptions enabled"
#endif

namespace extref {

/* ---- Tags and statuses -------------------------------------------------- */

/* A 128-bit type identity, shared by every addon that uses the type. */
constexpr extref_tag_t make_tag(std::uint64_t lower,
                                std::uint64_t upper) noexcept {
  return extref_tag_t{lower, upper};
}

/* The name of a status ("EXTREF_MUT_BORROWED"): static text. */
inline const char *status_name(extref_status_t status) noexcept {
  return extref_status_name(status);
}

/* ---- Errors ------------------------------------------------------------- */

/* A failure, copied out of the library's thread-local last error so that it
 * stays valid after later extref_ calls. */
struct error {
  extref_status_t status = EXTREF_INVALID_ARG;
  int napi_status = 0;
  std::string message;

  const char *name() const noexcept { return extref_status_name(status); }

  /* The failure the library just reported with this status: its message
   * when the thread's last error is this status, else the status text. */
  static error last(extref_status_t status) {
    error e;
    e.status = status;
    const extref_error_t *last = extref_last_error();
    if (last != nullptr && last->status == status) {
      e.napi_status = last->napi_status;
      e.message = last->message != nullptr ? last->message : "";
    }
    if (e.message.empty())
      e.message = extref_status_text(status);
    return e;
  }
};

#if defined(EXTREF_CPP_EXCEPTIONS)
/* Thrown by result<T>::value() on an error, only under
 * EXTREF_CPP_EXCEPTIONS, and never through the C ABI. */
class exception : public std::exception {
 public:
  explicit exception(error e) : error_(std::move(e)) {}
  const char *what() const noexcept override {
    return error_.message.c_str();
  }
  const extref::error &err() const noexcept { return error_; }
  extref_status_t status() const noexcept { return error_.status; }

 private:
  extref::error error_;
};
#endif

namespace detail {

[[noreturn]] inline void bad_access(const error &e) {
#if defined(EXTREF_CPP_EXCEPTIONS)
  throw exception(e);
#else
  (void)e;
  std::abort();
#endif
}

/* Throws e into JS the way extref_throw does (TypeError for the argument
 * statuses, Error otherwise, `code` = status name), with e's saved message.
 * Nothing is thrown when an exception is already pending. */
inline void throw_js(napi_env env, const error &e) noexcept {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || pending)
    return;
  const char *code = extref_status_name(e.status);
  const char *msg = e.message.c_str();
  switch (e.status) {
  case EXTREF_NOT_EXTERNAL:
  case EXTREF_FOREIGN:
  case EXTREF_TYPE_MISMATCH:
  case EXTREF_INVALID_ARG:
    napi_throw_type_error(env, code, msg);
    break;
  default:
    napi_throw_error(env, code, msg);
    break;
  }
}

} // namespace detail

/* Throws e into JS; returns nullptr so that a Node-API callback can
 * `return extref::throw_error(env, e);`. */
inline napi_value throw_error(napi_env env, const error &e) noexcept {
  detail::throw_js(env, e);
  return nullptr;
}

/* ---- Incidents ---------------------------------------------------------- */

/* What a destructor or a callback could not report through a status. */
enum class incident_kind {
  /* A ref/mut_ref destructor (or reset()) could not release its borrow:
   * EXTREF_WRONG_THREAD, a guard of a thread-bound payload destroyed on
   * another thread. The borrow stays live: the payload cannot be borrowed
   * exclusively or taken, nor dropped, until someone releases `borrow` on
   * the right thread. */
  borrow_not_released,
  /* Likewise for a hold<T> destructor (or reset()); `hold` stays live. */
  hold_not_released,
  /* The destructor of a payload threw, in the drop callback or in the
   * move callback after the value was moved out. The exception was
   * contained (never crosses the C ABI) and the storage was freed. */
  destructor_threw,
};

/* One incident, as given to the handler. message is one line of text,
 * valid during the call. */
struct incident {
  incident_kind kind;
  extref_status_t status;  /* the failed release's status; EXTREF_OK for
                              destructor_threw */
  const char *message;
  extref_borrow_t borrow;  /* borrow_not_released: the live borrow (a copy
                              is the same borrow: release it on its
                              payload's thread to end it) */
  extref_hold_t *hold;     /* hold_not_released: the live hold */
};

/* Called on the thread where the incident happened (any thread, also
 * during a drop at GC or env teardown): must be thread-safe, must not
 * throw, and must not call Node-API. */
using incident_handler = void (*)(const incident &) noexcept;

/* The default handler: writes "extref: <message>" to stderr; then, for
 * borrow_not_released and hold_not_released (a leak that is always a bug
 * in the caller), asserts in builds without NDEBUG unless
 * EXTREF_CPP_NO_LEAK_ASSERT is defined. */
inline void default_incident_handler(const incident &i) noexcept {
  std::fprintf(stderr, "extref: %s\n", i.message);
  std::fflush(stderr);
#if !defined(NDEBUG) && !defined(EXTREF_CPP_NO_LEAK_ASSERT)
  assert(i.kind == incident_kind::destructor_threw &&
         "extref: a guard or hold was destroyed where it cannot be released "
         "(see the message above)");
#endif
}

namespace detail {
inline std::atomic<incident_handler> incident_slot{nullptr};

inline void report(incident_kind kind, extref_status_t status,
                   const char *message, extref_borrow_t borrow,
                   extref_hold_t *hold) noexcept {
  incident i{kind, status, message, borrow, hold};
  incident_handler h = incident_slot.load(std::memory_order_acquire);
  (h != nullptr ? h : &default_incident_handler)(i);
}

/* Reports a failed release from a destructor, with the library's message. */
inline void report_release(incident_kind kind, extref_status_t status,
                           extref_borrow_t borrow,
                           extref_hold_t *hold) noexcept {
  const extref_error_t *last = extref_last_error();
  const char *why = last != nullptr && last->status == status &&
                            last->message != nullptr
                        ? last->message
                        : extref_status_text(status);
  char msg[512];
  const bool is_hold = kind == incident_kind::hold_not_released;
  std::snprintf(msg, sizeof msg,
                "%s destroyed without being released (%s: %s); %s",
                is_hold ? "an extref::hold" : "a borrow guard",
                extref_status_name(status), why,
                is_hold ? "the hold stays live: the payload is leaked"
                        : "the borrow stays live: the payload can no longer "
                          "be taken, borrowed exclusively or dropped");
  report(kind, status, msg, borrow, hold);
}
} // namespace detail

/* Installs the handler for this module (each addon has its own) and
 * returns the previous one; nullptr restores the default. */
inline incident_handler set_incident_handler(incident_handler h) noexcept {
  return detail::incident_slot.exchange(h, std::memory_order_acq_rel);
}

/* ---- result<T> ---------------------------------------------------------- */

/* T on success, an error otherwise. Check ok() (or operator bool) before
 * value(): value() on an error throws extref::exception under
 * EXTREF_CPP_EXCEPTIONS and aborts otherwise.
 *
 * Rvalues: value() and operator* of a temporary (or std::move'd) result
 * move the T out and return it by value, so `auto g = borrow(...).value();`
 * keeps the guard. No accessor hands out a reference or pointer into a
 * temporary: operator-> of an rvalue result is deleted, and so are the
 * accessors of an rvalue guard, so `*extref::borrow<T>(env, v).value()`
 * (a reference that would outlive its borrow) does not compile. */
template <class T> class [[nodiscard]] result {
  static_assert(!std::is_same_v<std::decay_t<T>, error>,
                "result<error> is ambiguous");

 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  result(error e) : v_(std::in_place_index<1>, std::move(e)) {}
  /* Constructs the T in place from args. */
  template <class... Args>
  explicit result(std::in_place_t, Args &&...args)
      : v_(std::in_place_index<0>, std::forward<Args>(args)...) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  extref_status_t status() const noexcept {
    return ok() ? EXTREF_OK : std::get<1>(v_).status;
  }

  T &value() & {
    if (!ok())
      detail::bad_access(std::get<1>(v_));
    return std::get<0>(v_);
  }
  const T &value() const & {
    if (!ok())
      detail::bad_access(std::get<1>(v_));
    return std::get<0>(v_);
  }
  /* Moves the T out of an rvalue result. */
  T value() && {
    if (!ok())
      detail::bad_access(std::get<1>(v_));
    return std::get<0>(std::move(v_));
  }
  void value() const && = delete;

  T *operator->() & { return &value(); }
  const T *operator->() const & { return &value(); }
  const T *operator->() const && = delete;
  T &operator*() & { return value(); }
  const T &operator*() const & { return value(); }
  T operator*() && { return std::move(*this).value(); }
  void operator*() const && = delete;

  /* The error; a default (EXTREF_OK, empty) error on success. A copy when
   * the result is an rvalue. */
  const extref::error &err() const & noexcept {
    static const extref::error none{EXTREF_OK, 0, std::string()};
    return ok() ? none : std::get<1>(v_);
  }
  extref::error err() const && { return err(); }

  /* Throws the error into JS (see throw_error) and returns nullptr. */
  napi_value throw_js(napi_env env) const noexcept {
    return ok() ? nullptr : throw_error(env, std::get<1>(v_));
  }
#if defined(EXTREF_NODE_ADDON_API)
  Napi::Value throw_js(Napi::Env env) const {
    throw_js(static_cast<napi_env>(env));
    return env.Undefined();
  }
#endif

 private:
  std::variant<T, extref::error> v_;
};

/* Success or an error, with nothing to carry. */
template <> class [[nodiscard]] result<void> {
 public:
  result() noexcept : err_{EXTREF_OK, 0, std::string()} {}
  result(error e) : err_(std::move(e)) {}

  bool ok() const noexcept { return err_.status == EXTREF_OK; }
  explicit operator bool() const noexcept { return ok(); }
  extref_status_t status() const noexcept { return err_.status; }
  void value() const {
    if (!ok())
      detail::bad_access(err_);
  }
  const extref::error &err() const & noexcept { return err_; }
  extref::error err() const && { return err_; }
  napi_value throw_js(napi_env env) const noexcept {
    return ok() ? nullptr : throw_error(env, err_);
  }
#if defined(EXTREF_NODE_ADDON_API)
  Napi::Value throw_js(Napi::Env env) const {
    throw_js(static_cast<napi_env>(env));
    return env.Undefined();
  }
#endif

 private:
  extref::error err_;
};

namespace detail {
inline result<void> status_result(extref_status_t s) {
  if (s == EXTREF_OK)
    return result<void>();
  return result<void>(error::last(s));
}
} // namespace detail

/* ---- Type descriptors --------------------------------------------------- */

/* The descriptor of payload type T: payload_size is sizeof(T), drop deletes
 * a T made with `new`, clone (when T is copy constructible and the type is
 * cloneable) copy-constructs into the destination, and move (ABI 1.1, when
 * T is move or copy constructible) moves the T into the taker's memory,
 * then destroys and deletes the original here, in the module that made it,
 * so that its operator delete frees what its operator new allocated. Give
 * it static storage: it must outlive every payload created with it. Its
 * constructor is constexpr, so a namespace-scope `static const` instance is
 * constant initialised.
 *
 * No exception crosses the C ABI: every callback is noexcept and catches
 * everything.
 *   drop   a throwing destructor: the storage is still freed (a delete
 *          expression frees it whether or not the destructor throws) and
 *          an incident (destructor_threw) is reported.
 *   clone  a throwing copy constructor: EXTREF_CLONE_FAILED, nothing made.
 *   move   uses std::move_if_noexcept: T's move constructor when it is
 *          noexcept or T is not copyable, else its copy constructor. When
 *          that constructor throws, the take is EXTREF_NOT_MOVABLE and the
 *          payload stays in its external. With a noexcept move or a copy,
 *          the payload is untouched (strong guarantee); with a throwing
 *          move of a move-only T it is as T's move constructor left it
 *          when it threw (still a valid T that borrows see and the drop
 *          destroys). A destructor that throws after the move is contained
 *          and reported as for drop; the take succeeds. */
template <class T> class type {
  static_assert(std::is_object_v<T> && !std::is_const_v<T> &&
                    !std::is_array_v<T>,
                "extref::type<T>: T must be a non-const, non-array object");

 public:
  constexpr type(extref_tag_t tag, const char *name,
                 std::uint32_t flags = 0, bool cloneable = true) noexcept
      : desc_{static_cast<std::uint32_t>(sizeof(extref_type_t)),
              flags,
              tag,
              name,
              sizeof(T),
              &drop_cb,
              clone_ptr(cloneable),
              &desc_, /* type_data: the callbacks read the name from it */
              move_ptr()} {}

  type(const type &) = delete;
  type &operator=(const type &) = delete;

  constexpr const extref_type_t *get() const noexcept { return &desc_; }

 private:
  static void threw_message(char *msg, std::size_t n, const void *type_data,
                            const char *what) noexcept {
    const char *name = static_cast<const extref_type_t *>(type_data)->name;
    std::snprintf(msg, n,
                  "the destructor of a %s payload threw (%s); contained, "
                  "its memory was freed",
                  name != nullptr ? name : "(unnamed)", what);
  }

  /* Destroys and frees a payload made with `new`; a throwing destructor is
   * contained and reported. */
  static void destroy(T *p, const void *type_data) noexcept {
#if EXTREF__HAS_EXCEPTIONS
    char msg[512];
    try {
      delete p;
      return;
    } catch (const std::exception &e) {
      /* e dies with its handler: its text is copied in here. The delete
       * expression gave the memory back while unwinding. */
      threw_message(msg, sizeof msg, type_data, e.what());
    } catch (...) {
      threw_message(msg, sizeof msg, type_data,
                    "an exception that is not a std::exception");
    }
    detail::report(incident_kind::destructor_threw, EXTREF_OK, msg,
                   extref_borrow_t{nullptr, 0}, nullptr);
#else
    (void)type_data;
    delete p;
#endif
  }

  static void drop_cb(void *payload, void *type_data,
                      struct napi_env__ *) noexcept {
    destroy(static_cast<T *>(payload), type_data);
  }

  static int clone_cb(const void *payload, void *dst, void *) noexcept {
    if constexpr (std::is_copy_constructible_v<T>) {
#if EXTREF__HAS_EXCEPTIONS
      try {
        ::new (dst) T(*static_cast<const T *>(payload));
        return 0;
      } catch (...) {
        return 1;
      }
#else
      ::new (dst) T(*static_cast<const T *>(payload));
      return 0;
#endif
    } else {
      (void)payload;
      (void)dst;
      return 1;
    }
  }

  static constexpr extref_clone_cb clone_ptr(bool cloneable) noexcept {
    if constexpr (std::is_copy_constructible_v<T>)
      return cloneable ? &clone_cb : nullptr;
    else
      return (void)cloneable, nullptr;
  }

  /* Runs in the creator's module: the value goes into dst, the original
   * is destroyed and its storage deleted with the creator's allocator. */
  static int move_cb(void *payload, void *dst, void *type_data) noexcept {
    T *src = static_cast<T *>(payload);
#if EXTREF__HAS_EXCEPTIONS
    try {
      ::new (dst) T(std::move_if_noexcept(*src));
    } catch (...) {
      return 1; /* nothing moved: EXTREF_NOT_MOVABLE */
    }
#else
    ::new (dst) T(std::move_if_noexcept(*src));
#endif
    destroy(src, type_data);
    return 0;
  }

  static constexpr extref_move_cb move_ptr() noexcept {
    if constexpr (std::is_move_constructible_v<T>)
      return &move_cb;
    else
      return nullptr;
  }

  extref_type_t desc_;
};

/* Specialise to give a type a default descriptor, for type_of<T>():
 *   template <> struct extref::traits<Counter> {
 *     static constexpr extref_tag_t tag = {0x..., 0x...};
 *     static constexpr const char *name = "Counter";
 *     static constexpr std::uint32_t flags = EXTREF_TYPE_SEND;
 *   };
 * Optional: static constexpr bool cloneable = false. */
template <class T> struct traits;

namespace detail {
template <class T, class = void> struct traits_cloneable : std::true_type {};
template <class T>
struct traits_cloneable<T, std::void_t<decltype(traits<T>::cloneable)>>
    : std::bool_constant<traits<T>::cloneable> {};
template <class T, class = void> struct traits_flags {
  static constexpr std::uint32_t value = 0;
};
template <class T>
struct traits_flags<T, std::void_t<decltype(traits<T>::flags)>> {
  static constexpr std::uint32_t value = traits<T>::flags;
};
} // namespace detail

/* The descriptor that traits<T> describes, with static storage. */
template <class T> const type<T> &type_of() noexcept {
  static const type<T> t{traits<T>::tag, traits<T>::name,
                         detail::traits_flags<T>::value,
                         detail::traits_cloneable<T>::value};
  return t;
}

/* ---- Borrows ------------------------------------------------------------ */

namespace detail {

/* The borrow that ref<T> and mut_ref<T> own, as a member: a guard has no
 * public base, so no reference to a common type can move one guard's
 * borrow into another guard of another type or kind. */
class borrow_guard {
 public:
  borrow_guard() noexcept : b_{nullptr, 0} {}
  explicit borrow_guard(const extref_borrow_t &b) noexcept : b_(b) {}
  borrow_guard(const borrow_guard &) = delete;
  borrow_guard &operator=(const borrow_guard &) = delete;
  borrow_guard(borrow_guard &&o) noexcept : b_(o.b_) { o.b_ = {nullptr, 0}; }
  borrow_guard &operator=(borrow_guard &&o) noexcept {
    if (this != &o) {
      reset();
      b_ = o.b_;
      o.b_ = {nullptr, 0};
    }
    return *this;
  }
  ~borrow_guard() { reset(); }

  explicit operator bool() const noexcept { return b_.payload != nullptr; }
  void *payload() const noexcept { return b_.payload; }

  result<void> release() {
    extref_status_t s = extref_borrow_release(&b_);
    return status_result(s);
  }

  void reset() noexcept {
    /* On failure (EXTREF_WRONG_THREAD) the borrow stays live: a
     * destructor cannot return the status, so it is reported as an
     * incident (the handler gets the borrow) and the guard forgets it. */
    if (b_.payload != nullptr) {
      extref_borrow_t b = b_;
      extref_status_t s = extref_borrow_release(&b_);
      if (s != EXTREF_OK)
        report_release(incident_kind::borrow_not_released, s, b, nullptr);
    }
    b_ = {nullptr, 0};
  }

  extref_borrow_t into_raw() noexcept {
    extref_borrow_t b = b_;
    b_ = {nullptr, 0};
    return b;
  }

 private:
  extref_borrow_t b_;
};

} // namespace detail

/* The members shared by ref<T> and mut_ref<T>:
 *   explicit operator bool   true while the guard owns a live borrow.
 *   release()                ends the borrow and reports the library's
 *                            status; an empty guard is passed through too
 *                            (EXTREF_INVALID_ARG). On EXTREF_WRONG_THREAD
 *                            the borrow stays live and owned by the guard.
 *   reset()                  ends the borrow, ignoring failures (see the
 *                            destructor); an empty guard does nothing.
 *   into_raw()               gives up ownership without releasing: the
 *                            caller must pass the result to
 *                            extref_borrow_release.
 * The accessors (get, ->, *) exist on lvalues only: on a temporary guard
 * they are deleted, so no pointer or reference outlives its borrow. */

/* A shared borrow of a T (like &T). */
template <class T> class ref {
 public:
  ref() noexcept = default;
  /* Adopts b, which must be a live shared borrow of a T. */
  explicit ref(const extref_borrow_t &b) noexcept : g_(b) {}

  explicit operator bool() const noexcept { return static_cast<bool>(g_); }
  result<void> release() { return g_.release(); }
  void reset() noexcept { g_.reset(); }
  extref_borrow_t into_raw() noexcept { return g_.into_raw(); }

  const T *get() const & noexcept {
    return static_cast<const T *>(g_.payload());
  }
  const T *operator->() const & noexcept { return get(); }
  const T &operator*() const & noexcept { return *get(); }
  const T *get() const && = delete;
  const T *operator->() const && = delete;
  const T &operator*() const && = delete;

 private:
  detail::borrow_guard g_;
};

/* An exclusive borrow of a T (like &mut T). */
template <class T> class mut_ref {
 public:
  mut_ref() noexcept = default;
  /* Adopts b, which must be a live exclusive borrow of a T. */
  explicit mut_ref(const extref_borrow_t &b) noexcept : g_(b) {}

  explicit operator bool() const noexcept { return static_cast<bool>(g_); }
  result<void> release() { return g_.release(); }
  void reset() noexcept { g_.reset(); }
  extref_borrow_t into_raw() noexcept { return g_.into_raw(); }

  T *get() const & noexcept { return static_cast<T *>(g_.payload()); }
  T *operator->() const & noexcept { return get(); }
  T &operator*() const & noexcept { return *get(); }
  T *get() const && = delete;
  T *operator->() const && = delete;
  T &operator*() const && = delete;

 private:
  detail::borrow_guard g_;
};

namespace detail {

/* Calls fn (a clone-out or take-into) to fill aligned storage with a T,
 * then moves the T out of it into the result: with std::move_if_noexcept,
 * so a T whose move may throw is copied when it can be. */
template <class T, class F> result<T> out_of(F &&fn) {
  static_assert(std::is_move_constructible_v<T>,
                "clone_out<T> and take<T> return T by value: T must be "
                "movable or copyable");
  alignas(T) unsigned char buf[sizeof(T)];
  extref_status_t s = fn(static_cast<void *>(buf), sizeof(T));
  if (s != EXTREF_OK)
    return error::last(s);
  /* The T in buf is destroyed after it was moved out, also when the move
   * throws. */
  struct destroy {
    T *p;
    ~destroy() noexcept(std::is_nothrow_destructible_v<T>) { p->~T(); }
  } guard{std::launder(reinterpret_cast<T *>(buf))};
  return result<T>(std::in_place, std::move_if_noexcept(*guard.p));
}

} // namespace detail

/* ---- Holds -------------------------------------------------------------- */

/* A counted owner of a T payload (like Arc<T>): keeps it alive after its
 * external is gone. Move-only; dup() makes another hold. */
template <class T> class hold {
 public:
  hold() noexcept = default;
  explicit hold(extref_hold_t *h, const type<T> &t) noexcept
      : h_(h), t_(&t) {}
  hold(const hold &) = delete;
  hold &operator=(const hold &) = delete;
  hold(hold &&o) noexcept : h_(o.h_), t_(o.t_) { o.h_ = nullptr; }
  hold &operator=(hold &&o) noexcept {
    if (this != &o) {
      reset();
      h_ = o.h_;
      t_ = o.t_;
      o.h_ = nullptr;
    }
    return *this;
  }
  ~hold() { reset(); }

  explicit operator bool() const noexcept { return h_ != nullptr; }
  extref_hold_t *raw() const noexcept { return h_; }

  result<ref<T>> borrow() const {
    extref_borrow_t b{nullptr, 0};
    extref_status_t s = extref_hold_ref(h_, &b);
    if (s != EXTREF_OK)
      return error::last(s);
    return ref<T>(b);
  }
  result<mut_ref<T>> borrow_mut() const {
    extref_borrow_t b{nullptr, 0};
    extref_status_t s = extref_hold_mut_ref(h_, &b);
    if (s != EXTREF_OK)
      return error::last(s);
    return mut_ref<T>(b);
  }
  result<T> clone_out() const {
    extref_hold_t *h = h_;
    return detail::out_of<T>([h](void *dst, std::size_t n) {
      return extref_hold_clone_out(h, dst, n);
    });
  }
  result<hold> dup() const {
    extref_hold_t *h = nullptr;
    extref_status_t s = extref_hold_dup(h_, &h);
    if (s != EXTREF_OK)
      return error::last(s);
    return hold(h, *t_);
  }

  /* Ends the hold and reports the status; on EXTREF_WRONG_THREAD the hold
   * stays live and owned. An empty hold is EXTREF_OK (NULL is a no-op). */
  result<void> release() {
    extref_status_t s = extref_hold_release(h_);
    if (s == EXTREF_OK)
      h_ = nullptr;
    return detail::status_result(s);
  }
  /* Ends the hold, like the destructor: a failure (EXTREF_WRONG_THREAD)
   * is reported as an incident (see set_incident_handler) and the hold,
   * still live, is forgotten. */
  void reset() noexcept {
    if (h_ != nullptr) {
      extref_status_t s = extref_hold_release(h_);
      if (s != EXTREF_OK)
        detail::report_release(incident_kind::hold_not_released, s,
                               extref_borrow_t{nullptr, 0}, h_);
    }
    h_ = nullptr;
  }

 private:
  extref_hold_t *h_ = nullptr;
  const type<T> *t_ = nullptr;
};

/* ---- Externals (plain Node-API) ----------------------------------------- */

/* Wraps p in a new external. On success the library owns the payload (it
 * drops it with `delete`); on failure p still owns it and frees it. */
template <class T>
result<napi_value> create(napi_env env, const type<T> &t,
                          std::unique_ptr<T> p,
                          std::int64_t external_bytes = 0) {
  napi_value v = nullptr;
  extref_status_t s =
      extref_external_create(env, t.get(), p.get(), external_bytes, &v);
  if (s != EXTREF_OK)
    return error::last(s);
  (void)p.release();
  return v;
}

/* Constructs a T from args with `new` and wraps it; T needs traits<T>. */
template <class T, class... Args>
result<napi_value> make(napi_env env, Args &&...args) {
  return create(env, type_of<T>(),
                std::make_unique<T>(std::forward<Args>(args)...));
}

/* A shared borrow of the payload of v. */
template <class T>
result<ref<T>> borrow(napi_env env, napi_value v,
                      const type<T> &t = type_of<T>()) {
  extref_borrow_t b{nullptr, 0};
  extref_status_t s = extref_external_ref(env, v, t.get(), &b);
  if (s != EXTREF_OK)
    return error::last(s);
  return ref<T>(b);
}

/* An exclusive borrow of the payload of v. */
template <class T>
result<mut_ref<T>> borrow_mut(napi_env env, napi_value v,
                              const type<T> &t = type_of<T>()) {
  extref_borrow_t b{nullptr, 0};
  extref_status_t s = extref_external_mut_ref(env, v, t.get(), &b);
  if (s != EXTREF_OK)
    return error::last(s);
  return mut_ref<T>(b);
}

/* A copy of the payload of v, made by the type's clone callback (for a
 * type<T>, T's copy constructor). */
template <class T>
result<T> clone_out(napi_env env, napi_value v,
                    const type<T> &t = type_of<T>()) {
  const extref_type_t *d = t.get();
  return detail::out_of<T>([env, v, d](void *dst, std::size_t n) {
    return extref_external_clone_out(env, v, d, dst, n);
  });
}

/* Moves the payload out of v and returns the T (extref_external_take_into
 * with the creator's move): the creator's module destroys and frees the
 * original with its own allocator, whichever addon created it, and the
 * taker owns the T. EXTREF_NOT_MOVABLE when the creator's descriptor has
 * no move (one compiled against ABI 1.0, or another language's without
 * one) or its move failed (a throwing constructor; see type<T>). */
template <class T>
result<T> take(napi_env env, napi_value v, const type<T> &t = type_of<T>()) {
  const extref_type_t *d = t.get();
  return detail::out_of<T>([env, v, d](void *dst, std::size_t n) {
    return extref_external_take_into(env, v, d, dst, n);
  });
}

/* Moves the payload out of v and constructs it into dst, uninitialised
 * storage for a T that the caller owns (and then destroys) on success;
 * dst is untouched on failure. No move beyond the creator's. */
template <class T>
result<void> take_into(napi_env env, napi_value v, T *dst,
                       const type<T> &t = type_of<T>()) {
  return detail::status_result(extref_external_take_into(
      env, v, t.get(), static_cast<void *>(dst), sizeof(T)));
}

/* Moves the payload out of v with the 1.0 take: the caller gets the
 * creator's allocation and must free it the creator's way. Prefer take. */
template <class T>
result<T *> take_raw(napi_env env, napi_value v,
                     const type<T> &t = type_of<T>()) {
  void *p = nullptr;
  extref_status_t s = extref_external_take(env, v, t.get(), &p);
  if (s != EXTREF_OK)
    return error::last(s);
  return static_cast<T *>(p);
}

/* A new hold on the payload of v. */
template <class T>
result<hold<T>> hold_of(napi_env env, napi_value v,
                        const type<T> &t = type_of<T>()) {
  extref_hold_t *h = nullptr;
  extref_status_t s = extref_external_hold(env, v, t.get(), &h);
  if (s != EXTREF_OK)
    return error::last(s);
  return hold<T>(h, t);
}

/* The process-wide counters. */
inline result<extref_stats_t> stats() {
  extref_stats_t st{};
  st.struct_size = sizeof st;
  extref_status_t s = extref_stats_get(&st);
  if (s != EXTREF_OK)
    return error::last(s);
  return st;
}

/* ---- Externals (node-addon-api) ----------------------------------------- */

#if defined(EXTREF_NODE_ADDON_API)

/* The Napi::Error that throw_error would throw, for node-addon-api code
 * that throws C++ exceptions (NAPI_CPP_EXCEPTIONS). */
inline Napi::Error to_napi_error(Napi::Env env, const error &e) {
  bool type_error = e.status == EXTREF_NOT_EXTERNAL ||
                    e.status == EXTREF_FOREIGN ||
                    e.status == EXTREF_TYPE_MISMATCH ||
                    e.status == EXTREF_INVALID_ARG;
  Napi::Error err = type_error
                        ? Napi::Error(Napi::TypeError::New(env, e.message))
                        : Napi::Error::New(env, e.message);
  err.Set("code", Napi::String::New(env, extref_status_name(e.status)));
  return err;
}

inline Napi::Value throw_error(Napi::Env env, const error &e) {
  detail::throw_js(env, e);
  return env.Undefined();
}

template <class T>
result<Napi::Value> create(Napi::Env env, const type<T> &t,
                           std::unique_ptr<T> p,
                           std::int64_t external_bytes = 0) {
  result<napi_value> r = create(static_cast<napi_env>(env), t, std::move(p),
                                external_bytes);
  if (!r)
    return r.err();
  return Napi::Value(env, r.value());
}

template <class T>
result<ref<T>> borrow(const Napi::Value &v, const type<T> &t = type_of<T>()) {
  return borrow(static_cast<napi_env>(v.Env()), static_cast<napi_value>(v),
                t);
}

template <class T>
result<mut_ref<T>> borrow_mut(const Napi::Value &v,
                              const type<T> &t = type_of<T>()) {
  return borrow_mut(static_cast<napi_env>(v.Env()),
                    static_cast<napi_value>(v), t);
}

template <class T>
result<T> clone_out(const Napi::Value &v, const type<T> &t = type_of<T>()) {
  return clone_out(static_cast<napi_env>(v.Env()),
                   static_cast<napi_value>(v), t);
}

template <class T>
result<T> take(const Napi::Value &v, const type<T> &t = type_of<T>()) {
  return take(static_cast<napi_env>(v.Env()), static_cast<napi_value>(v), t);
}

template <class T>
result<void> take_into(const Napi::Value &v, T *dst,
                       const type<T> &t = type_of<T>()) {
  return take_into(static_cast<napi_env>(v.Env()),
                   static_cast<napi_value>(v), dst, t);
}

template <class T>
result<hold<T>> hold_of(const Napi::Value &v,
                        const type<T> &t = type_of<T>()) {
  return hold_of(static_cast<napi_env>(v.Env()), static_cast<napi_value>(v),
                 t);
}

#endif /* EXTREF_NODE_ADDON_API */

} // namespace extref

#endif /* EXTREF_HPP */
