/* The C++ test addon for node-addon-api: the Napi::Value overloads of
 * extref.hpp, with C++ exceptions on both sides (NAPI_CPP_EXCEPTIONS and
 * EXTREF_CPP_EXCEPTIONS), which never cross the C ABI.
 *
 * SPDX-License-Identifier: MIT
 */
#include <napi.h>

#include "extref.hpp"

#include <cstdint>
#include <memory>

struct Counter {
  std::int64_t value;
};

static const extref::type<Counter> counter_type{
    extref::make_tag(0x6c69626578747265ull, 0x66436f756e746572ull),
    "Counter", EXTREF_TYPE_SEND};

static Napi::Value create_counter(const Napi::CallbackInfo &info) {
  auto v = info[0].As<Napi::Number>().Int64Value();
  auto r = extref::create(info.Env(), counter_type,
                          std::make_unique<Counter>(Counter{v}));
  if (!r)
    return r.throw_js(info.Env());
  return r.value();
}

/* The result-checking style: no C++ exception involved. */
static Napi::Value get(const Napi::CallbackInfo &info) {
  auto r = extref::borrow(info[0], counter_type);
  if (!r)
    return r.throw_js(info.Env());
  return Napi::Number::New(info.Env(),
                           static_cast<double>(r.value()->value));
}

/* The exception style: value() throws extref::exception, turned into a JS
 * error with the status name as `code`. */
static Napi::Value add(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  try {
    extref::mut_ref<Counter> m =
        extref::borrow_mut(info[0], counter_type).value();
    m->value += info[1].As<Napi::Number>().Int64Value();
    return Napi::Number::New(env, static_cast<double>(m->value));
  } catch (const extref::exception &e) {
    throw extref::to_napi_error(env, e.err());
  }
}

static Napi::Value with_mut(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  try {
    auto m = extref::borrow_mut(info[0], counter_type).value();
    m->value += 1;
    return info[1].As<Napi::Function>().Call({});
  } catch (const extref::exception &e) {
    throw extref::to_napi_error(env, e.err());
  }
}

static Napi::Value clone_out(const Napi::CallbackInfo &info) {
  auto c = extref::clone_out(info[0], counter_type);
  if (!c)
    return c.throw_js(info.Env());
  return Napi::Number::New(info.Env(), static_cast<double>(c->value));
}

static Napi::Value take(const Napi::CallbackInfo &info) {
  auto p = extref::take(info[0], counter_type);
  if (!p)
    return p.throw_js(info.Env());
  return Napi::Number::New(info.Env(), static_cast<double>(p.value().value));
}

/* holdAndAdd(ext, n): a hold outlives the scope of the borrow; dup() gives a
 * second owner; both are released by their destructors. Returns the value
 * read through the dup after adding through the first hold. */
static Napi::Value hold_and_add(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  try {
    extref::hold<Counter> h = extref::hold_of(info[0], counter_type).value();
    extref::hold<Counter> d = h.dup().value();
    {
      extref::mut_ref<Counter> m = h.borrow_mut().value();
      m->value += info[1].As<Napi::Number>().Int64Value();
    }
    auto r = d.borrow().value();
    return Napi::Number::New(env, static_cast<double>(r->value));
  } catch (const extref::exception &e) {
    throw extref::to_napi_error(env, e.err());
  }
}

static Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("createCounter", Napi::Function::New(env, create_counter));
  exports.Set("get", Napi::Function::New(env, get));
  exports.Set("add", Napi::Function::New(env, add));
  exports.Set("withMut", Napi::Function::New(env, with_mut));
  exports.Set("cloneOut", Napi::Function::New(env, clone_out));
  exports.Set("take", Napi::Function::New(env, take));
  exports.Set("holdAndAdd", Napi::Function::New(env, hold_and_add));
  return exports;
}

NODE_API_MODULE(extref_cpp_napi, init)
