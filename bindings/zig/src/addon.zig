//! The Zig test addon: a Node-API module over extref.zig, loaded into
//! Node.js as extref_zig.node by tests/zig and tests/cross. Every export
//! throws a JS error whose `code` is the status name when the library
//! refuses.

const std = @import("std");
const extref = @import("extref");
const napi = @import("napi.zig");

const Env = napi.Env;
const Value = napi.Value;

// ---- Payload types -----------------------------------------------------------

var zig_drops: i64 = 0;

/// The shared cross-language test type: one int64, bitwise copy.
const Counter = extern struct {
    value: i64,

    /// Runs when the library drops a payload that Zig created.
    pub fn deinit(self: *Counter) void {
        _ = self;
        _ = @atomicRmw(i64, &zig_drops, .Add, 1, .seq_cst);
    }
};

/// Same tag, another layout: refused with error.TypeMismatch.
const WideCounter = extern struct { value: i64, extra: i64 };

const counter_tag: extref.Tag = .{
    .lower = 0x6c69626578747265,
    .upper = 0x66436f756e746572,
};

const CounterType = extref.Type(Counter, counter_tag, "Counter", .{
    .flags = extref.type_send,
});
const WideType = extref.Type(WideCounter, counter_tag, "WideCounter", .{
    .flags = extref.type_send,
});
/// A type without a clone callback.
const NoCloneType = extref.Type(Counter, .{
    .lower = 0x6c69626578747265,
    .upper = 0x5a69674e6f436c6e,
}, "ZigNoClone", .{ .cloneable = false });

// ---- Helpers -----------------------------------------------------------------

fn fail(env: Env, err: extref.Error) ?Value {
    extref.throwError(env, err);
    return null;
}

fn argError(env: Env, msg: [*:0]const u8) ?Value {
    _ = napi.napi_throw_error(env, "ERR_ARG", msg);
    return null;
}

fn args(comptime n: usize, env: Env, info: napi.CallbackInfo) [n]?Value {
    var argv: [n]?Value = @splat(null);
    var argc: usize = n;
    _ = napi.napi_get_cb_info(env, info, &argc, &argv, null, null);
    return argv;
}

fn int(env: Env, v: ?Value) ?i64 {
    var out: i64 = 0;
    if (napi.napi_get_value_int64(env, v, &out) != napi.ok) return null;
    return out;
}

fn num(env: Env, d: f64) ?Value {
    var v: ?Value = null;
    _ = napi.napi_create_double(env, d, &v);
    return v;
}

fn numI(env: Env, i: i64) ?Value {
    return num(env, @floatFromInt(i));
}

fn str(env: Env, s: []const u8) ?Value {
    var v: ?Value = null;
    _ = napi.napi_create_string_utf8(env, s.ptr, s.len, &v);
    return v;
}

// ---- Creation ----------------------------------------------------------------

fn createCounter(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const v = int(env, a[0]) orelse return argError(env, "expected a number");
    return CounterType.create(env, .{ .value = v }, 0) catch |e| fail(env, e);
}

fn createWide(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const v = int(env, a[0]) orelse return argError(env, "expected a number");
    return WideType.create(env, .{ .value = v, .extra = -v }, 0) catch |e| fail(env, e);
}

fn createNoClone(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const v = int(env, a[0]) orelse return argError(env, "expected a number");
    return NoCloneType.create(env, .{ .value = v }, 0) catch |e| fail(env, e);
}

var not_ours: i64 = 42;

fn createForeign(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    _ = info;
    var v: ?Value = null;
    _ = napi.napi_create_external(env, &not_ours, null, null, &v);
    return v;
}

// ---- Borrows -----------------------------------------------------------------

fn get(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    var r = CounterType.ref(env, a[0]) catch |e| return fail(env, e);
    defer r.release() catch {};
    return numI(env, r.get().value);
}

fn getWide(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    var r = WideType.ref(env, a[0]) catch |e| return fail(env, e);
    defer r.release() catch {};
    return numI(env, r.get().value);
}

fn add(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(2, env, info);
    const n = int(env, a[1]) orelse return argError(env, "expected a number");
    var m = CounterType.mutRef(env, a[0]) catch |e| return fail(env, e);
    defer m.release() catch {};
    m.get().value += n;
    return numI(env, m.get().value);
}

/// swap(a, b): two exclusive borrows at once; swap(x, x) is refused.
fn swap(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(2, env, info);
    var x = CounterType.mutRef(env, a[0]) catch |e| return fail(env, e);
    defer x.release() catch {};
    var y = CounterType.mutRef(env, a[1]) catch |e| return fail(env, e);
    defer y.release() catch {};
    std.mem.swap(i64, &x.get().value, &y.get().value);
    return null;
}

/// Holds a borrow of ext while calling cb(); returns what cb returned.
fn withBorrow(comptime mut: bool) napi.Callback {
    return struct {
        fn f(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
            const a = args(2, env, info);
            var global: ?Value = null;
            _ = napi.napi_get_global(env, &global);
            var ret: ?Value = null;
            if (mut) {
                var m = CounterType.mutRef(env, a[0]) catch |e| return fail(env, e);
                defer m.release() catch {};
                m.get().value += 1;
                if (napi.napi_call_function(env, global, a[1], 0, null, &ret) != napi.ok)
                    return null;
            } else {
                var r = CounterType.ref(env, a[0]) catch |e| return fail(env, e);
                defer r.release() catch {};
                if (napi.napi_call_function(env, global, a[1], 0, null, &ret) != napi.ok)
                    return null;
            }
            return ret;
        }
    }.f;
}

/// releaseTwice(ext): release a borrow, then release the emptied borrow
/// and a stale copy taken before the first release; returns the three
/// status names.
fn releaseTwice(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    var m = CounterType.mutRef(env, a[0]) catch |e| return fail(env, e);
    var stale = m;
    const names = [3]extref.Status{
        status(m.release()),
        status(m.release()),
        status(stale.release()),
    };
    var out: ?Value = null;
    _ = napi.napi_create_array_with_length(env, 3, &out);
    for (names, 0..) |s, i|
        _ = napi.napi_set_element(env, out, @intCast(i), str(env, extref.statusName(s)));
    return out;
}

fn status(r: extref.Error!void) extref.Status {
    r catch |e| return extref.statusOf(e);
    return .ok;
}

// ---- Clone, take -------------------------------------------------------------

fn cloneOut(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const copy = CounterType.cloneOut(env, a[0]) catch |e| return fail(env, e);
    return numI(env, copy.value);
}

fn cloneNoClone(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const copy = NoCloneType.cloneOut(env, a[0]) catch |e| return fail(env, e);
    return numI(env, copy.value);
}

fn take(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const v = CounterType.take(env, a[0]) catch |e| return fail(env, e);
    return numI(env, v.value);
}

// ---- Holds -------------------------------------------------------------------

const HoldT = extref.Hold(Counter);
var holds: [256]?HoldT = @splat(null);

fn putHold(env: Env, h: HoldT) ?Value {
    for (&holds, 0..) |*slot, i| {
        if (slot.* == null) {
            slot.* = h;
            return numI(env, @intCast(i));
        }
    }
    h.release() catch {};
    return argError(env, "hold table full");
}

fn findHold(env: Env, v: ?Value) ?usize {
    const i = int(env, v) orelse return null;
    if (i < 0 or i >= holds.len or holds[@intCast(i)] == null) return null;
    return @intCast(i);
}

fn holdNew(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const h = CounterType.hold(env, a[0]) catch |e| return fail(env, e);
    return putHold(env, h);
}

fn holdDup(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const i = findHold(env, a[0]) orelse return argError(env, "no such hold");
    const d = holds[i].?.dup() catch |e| return fail(env, e);
    return putHold(env, d);
}

fn holdGet(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const i = findHold(env, a[0]) orelse return argError(env, "no such hold");
    var r = holds[i].?.ref() catch |e| return fail(env, e);
    defer r.release() catch {};
    return numI(env, r.get().value);
}

fn holdAdd(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(2, env, info);
    const i = findHold(env, a[0]) orelse return argError(env, "no such hold");
    const n = int(env, a[1]) orelse return argError(env, "expected a number");
    var m = holds[i].?.mutRef() catch |e| return fail(env, e);
    defer m.release() catch {};
    m.get().value += n;
    return numI(env, m.get().value);
}

fn holdClone(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const i = findHold(env, a[0]) orelse return argError(env, "no such hold");
    const copy = holds[i].?.cloneOut() catch |e| return fail(env, e);
    return numI(env, copy.value);
}

/// holdAddOnThread(id, n): a std.Thread borrows through the hold, adds n
/// and releases off the JS thread; returns the status name it saw.
fn holdAddOnThread(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(2, env, info);
    const i = findHold(env, a[0]) orelse return argError(env, "no such hold");
    const n = int(env, a[1]) orelse return argError(env, "expected a number");
    const Worker = struct {
        fn run(h: HoldT, add_n: i64, seen: *extref.Status) void {
            var m = h.mutRef() catch |e| {
                seen.* = extref.statusOf(e);
                return;
            };
            m.get().value += add_n;
            seen.* = status(m.release());
        }
    };
    var seen: extref.Status = .ok;
    const t = std.Thread.spawn(.{}, Worker.run, .{ holds[i].?, n, &seen }) catch
        return argError(env, "cannot spawn a thread");
    t.join();
    return str(env, extref.statusName(seen));
}

/// threadBound(ext): ext holds a ZigNoClone, a thread-bound type. A hold
/// and a borrow taken on the JS thread, used from a std.Thread, answer
/// WrongThread there and stay live; the JS thread releases them afterwards.
/// Returns the five status names in that order.
fn threadBound(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const h = NoCloneType.hold(env, a[0]) catch |e| return fail(env, e);
    var r = NoCloneType.ref(env, a[0]) catch |e| {
        h.release() catch {};
        return fail(env, e);
    };
    var s: [5]extref.Status = @splat(.ok);
    const Worker = struct {
        fn run(hold: extref.Hold(Counter), ref: *extref.Ref(Counter), out: *[5]extref.Status) void {
            if (hold.ref()) |b| {
                var borrow = b;
                borrow.release() catch {};
                out[0] = .ok;
            } else |e| out[0] = extref.statusOf(e);
            out[1] = status(hold.release());
            out[2] = status(ref.release());
        }
    };
    const t = std.Thread.spawn(.{}, Worker.run, .{ h, &r, &s }) catch {
        h.release() catch {};
        r.release() catch {};
        return argError(env, "cannot spawn a thread");
    };
    t.join();
    s[3] = status(h.release());
    s[4] = status(r.release());
    var out: ?Value = null;
    _ = napi.napi_create_array_with_length(env, s.len, &out);
    for (s, 0..) |st, i|
        _ = napi.napi_set_element(env, out, @intCast(i), str(env, extref.statusName(st)));
    return out;
}

fn holdRelease(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const i = findHold(env, a[0]) orelse return argError(env, "no such hold");
    const s = status(holds[i].?.release());
    if (s == .ok) holds[i] = null;
    return str(env, extref.statusName(s));
}

// ---- Introspection -----------------------------------------------------------

fn stats(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    _ = info;
    const s = extref.stats() catch |e| return fail(env, e);
    var out: ?Value = null;
    _ = napi.napi_create_object(env, &out);
    _ = napi.napi_set_named_property(env, out, "livePayloads", numI(env, @intCast(s.live_payloads)));
    _ = napi.napi_set_named_property(env, out, "liveBorrows", numI(env, @intCast(s.live_borrows)));
    _ = napi.napi_set_named_property(env, out, "liveHolds", numI(env, @intCast(s.live_holds)));
    _ = napi.napi_set_named_property(env, out, "drops", numI(env, @intCast(s.drops)));
    _ = napi.napi_set_named_property(env, out, "deferredDrops", numI(env, @intCast(s.deferred_drops)));
    _ = napi.napi_set_named_property(env, out, "takes", numI(env, @intCast(s.takes)));
    return out;
}

fn dropCount(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    _ = info;
    return numI(env, @atomicLoad(i64, &zig_drops, .seq_cst));
}

const DlInfo = extern struct {
    dli_fname: ?[*:0]const u8,
    dli_fbase: ?*anyopaque,
    dli_sname: ?[*:0]const u8,
    dli_saddr: ?*anyopaque,
};
extern "c" fn dladdr(addr: *const anyopaque, info: *DlInfo) c_int;

/// The file this addon's libextref was loaded from.
fn libPath(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    _ = info;
    var dl: DlInfo = undefined;
    if (dladdr(@ptrCast(&extref.c.extref_version), &dl) == 0) return str(env, "");
    const name = dl.dli_fname orelse return str(env, "");
    return str(env, std.mem.span(name));
}

fn versionString(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    _ = info;
    return str(env, extref.versionString());
}

// ---- Registration ------------------------------------------------------------

const exports_table = .{
    .{ "createCounter", createCounter },
    .{ "createWide", createWide },
    .{ "createNoClone", createNoClone },
    .{ "createForeign", createForeign },
    .{ "get", get },
    .{ "getWide", getWide },
    .{ "add", add },
    .{ "swap", swap },
    .{ "withMut", withBorrow(true) },
    .{ "withRef", withBorrow(false) },
    .{ "releaseTwice", releaseTwice },
    .{ "cloneOut", cloneOut },
    .{ "cloneNoClone", cloneNoClone },
    .{ "take", take },
    .{ "holdNew", holdNew },
    .{ "holdDup", holdDup },
    .{ "holdGet", holdGet },
    .{ "holdAdd", holdAdd },
    .{ "holdClone", holdClone },
    .{ "holdAddOnThread", holdAddOnThread },
    .{ "holdRelease", holdRelease },
    .{ "threadBound", threadBound },
    .{ "stats", stats },
    .{ "dropCount", dropCount },
    .{ "libPath", libPath },
    .{ "versionString", versionString },
};

export fn napi_register_module_v1(env: Env, exports: Value) ?Value {
    inline for (exports_table) |e| {
        var f: ?Value = null;
        const name: [:0]const u8 = e[0];
        if (napi.napi_create_function(env, name.ptr, name.len, e[1], null, &f) != napi.ok)
            return null;
        if (napi.napi_set_named_property(env, exports, name.ptr, f) != napi.ok)
            return null;
    }
    return exports;
}

/// The Node-API version this addon was written for.
export fn node_api_module_get_api_version_v1() i32 {
    return 8;
}
