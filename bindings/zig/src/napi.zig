//! The few Node-API declarations the Zig test addon needs, translated by
//! hand from /usr/include/node/js_native_api.h and node_api.h. The host
//! process (node, bun, deno) defines them; the addon leaves them undefined.

const extref = @import("extref");

pub const Env = extref.Env;
pub const Value = extref.Value;
pub const CallbackInfo = *opaque {};
pub const Status = c_int;
pub const ok: Status = 0;
pub const auto_length: usize = ~@as(usize, 0);

pub const Callback = *const fn (env: Env, info: CallbackInfo) callconv(.c) ?Value;
pub const Finalize = *const fn (env: Env, data: ?*anyopaque, hint: ?*anyopaque) callconv(.c) void;

pub extern fn napi_get_cb_info(env: Env, info: CallbackInfo, argc: *usize, argv: [*]?Value, this_arg: ?*?Value, data: ?*?*anyopaque) Status;
pub extern fn napi_create_double(env: Env, value: f64, result: *?Value) Status;
pub extern fn napi_get_value_int64(env: Env, value: ?Value, result: *i64) Status;
pub extern fn napi_get_boolean(env: Env, value: bool, result: *?Value) Status;
pub extern fn napi_create_function(env: Env, name: [*]const u8, length: usize, cb: Callback, data: ?*anyopaque, result: *?Value) Status;
pub extern fn napi_set_named_property(env: Env, object: ?Value, name: [*:0]const u8, value: ?Value) Status;
pub extern fn napi_create_object(env: Env, result: *?Value) Status;
pub extern fn napi_create_array_with_length(env: Env, length: usize, result: *?Value) Status;
pub extern fn napi_set_element(env: Env, object: ?Value, index: u32, value: ?Value) Status;
pub extern fn napi_throw_error(env: Env, code: ?[*:0]const u8, msg: [*:0]const u8) Status;
pub extern fn napi_call_function(env: Env, recv: ?Value, func: ?Value, argc: usize, argv: ?[*]const ?Value, result: *?Value) Status;
pub extern fn napi_get_global(env: Env, result: *?Value) Status;
pub extern fn napi_get_undefined(env: Env, result: *?Value) Status;
pub extern fn napi_create_string_utf8(env: Env, str: [*]const u8, length: usize, result: *?Value) Status;
pub extern fn napi_create_external(env: Env, data: ?*anyopaque, finalize_cb: ?Finalize, hint: ?*anyopaque, result: *?Value) Status;
