/* The JS-call-level benchmark written with node-addon-api (C++): a payload
 * in a Napi::External<T> marked with a type tag, checked with CheckTypeTag
 * on every call (the careful way node-addon-api documents), one field read
 * and returned as a JS number: the same work the C bench addon does
 * through libextref. C++ exceptions on (NAPI_CPP_EXCEPTIONS), as in
 * bindings/cpp's own node-addon-api addon. Not libextref.
 *
 * SPDX-License-Identifier: MIT
 */
#include <napi.h>

#include <cstdint>

namespace {

struct Payload {
  double value;
  std::uint64_t pad[7];
};
static_assert(sizeof(Payload) == 64, "the payload is 64 bytes");

const napi_type_tag payload_tag = {0x3b9d4e1f7a2c6508ull,
                                   0xc4a81f6e2d7b3905ull};

Napi::Value Create(const Napi::CallbackInfo &info) {
  double v = info[0].As<Napi::Number>().DoubleValue();
  auto ext = Napi::External<Payload>::New(
      info.Env(), new Payload{v, {0, 0, 0, 0, 0, 0, 0}},
      [](Napi::Env, Payload *p) { delete p; });
  ext.TypeTag(&payload_tag);
  return ext;
}

Payload *Checked(const Napi::CallbackInfo &info) {
  Napi::Value a = info[0];
  auto ext = a.As<Napi::External<Payload>>();
  if (!ext.CheckTypeTag(&payload_tag))
    throw Napi::TypeError::New(info.Env(), "not a Payload external");
  return ext.Data();
}

Napi::Value Read(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), Checked(info)->value);
}

Napi::Value ReadMut(const Napi::CallbackInfo &info) {
  Payload *p = Checked(info);
  p->pad[0]++;
  return Napi::Number::New(info.Env(), p->value);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("create", Napi::Function::New(env, Create, "create"));
  exports.Set("read", Napi::Function::New(env, Read, "read"));
  exports.Set("readMut", Napi::Function::New(env, ReadMut, "readMut"));
  return exports;
}

}  // namespace

NODE_API_MODULE(NODE_GYP_MODULE_NAME, Init)
