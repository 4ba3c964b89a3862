//! The Zig test addon: a Node-API module over extref.zig, loaded into
//! Node.js as extref_zig.node by tests/zig and tests/cross. Every export
//! throws a JS error whose `code` is the status name when the library
//! refuses.

const std = @import("std");
const builtin = @import("builtin");
const extref = @import("extref");
const napi = @import("napi.zig");

const Env = napi.Env;
const Value = napi.Value;

// ---- Payload types -----------------------------------------------------------

var zig_drops: i64 = 0;

/// The shared cross-language test type: one int64.
const Counter = extern struct {
    value: i64,

    /// Runs when the library drops a payload that Zig created, and on the
    /// value a take returned.
    pub fn deinit(self: *Counter) void {
        _ = self;
        _ = @atomicRmw(i64, &zig_drops, .Add, 1, .seq_cst);
    }

    /// Declared: with deinit, a type is cloneable only through a clone.
    pub fn clone(self: *const Counter) !Counter {
        return self.*;
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
    defer r.release();
    return numI(env, r.get().value);
}

fn getWide(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    var r = WideType.ref(env, a[0]) catch |e| return fail(env, e);
    defer r.release();
    return numI(env, r.get().value);
}

fn add(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(2, env, info);
    const n = int(env, a[1]) orelse return argError(env, "expected a number");
    var m = CounterType.mutRef(env, a[0]) catch |e| return fail(env, e);
    defer m.release();
    m.get().value += n;
    return numI(env, m.get().value);
}

/// swap(a, b): two exclusive borrows at once; swap(x, x) is refused.
fn swap(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(2, env, info);
    var x = CounterType.mutRef(env, a[0]) catch |e| return fail(env, e);
    defer x.release();
    var y = CounterType.mutRef(env, a[1]) catch |e| return fail(env, e);
    defer y.release();
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
                defer m.release();
                m.get().value += 1;
                if (napi.napi_call_function(env, global, a[1], 0, null, &ret) != napi.ok)
                    return null;
            } else {
                var r = CounterType.ref(env, a[0]) catch |e| return fail(env, e);
                defer r.release();
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
        status(m.tryRelease()),
        status(m.tryRelease()),
        status(stale.tryRelease()),
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

/// take(ext): the value moved out (by the creator's move), deinit once here.
fn take(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    var v = CounterType.take(env, a[0]) catch |e| return fail(env, e);
    defer v.deinit();
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
    var lost = h;
    lost.release();
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
    defer r.release();
    return numI(env, r.get().value);
}

fn holdAdd(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(2, env, info);
    const i = findHold(env, a[0]) orelse return argError(env, "no such hold");
    const n = int(env, a[1]) orelse return argError(env, "expected a number");
    var m = holds[i].?.mutRef() catch |e| return fail(env, e);
    defer m.release();
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
        fn run(h: *const HoldT, add_n: i64, seen: *extref.Status) void {
            var m = h.mutRef() catch |e| {
                seen.* = extref.statusOf(e);
                return;
            };
            m.get().value += add_n;
            seen.* = status(m.tryRelease());
        }
    };
    var seen: extref.Status = .ok;
    const t = std.Thread.spawn(.{}, Worker.run, .{ &holds[i].?, n, &seen }) catch
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
    var h = NoCloneType.hold(env, a[0]) catch |e| return fail(env, e);
    var r = NoCloneType.ref(env, a[0]) catch |e| {
        h.release();
        return fail(env, e);
    };
    var s: [5]extref.Status = @splat(.ok);
    const Worker = struct {
        fn run(hold: *extref.Hold(Counter), ref: *extref.Ref(Counter), out: *[5]extref.Status) void {
            if (hold.ref()) |b| {
                var borrow = b;
                borrow.release();
                out[0] = .ok;
            } else |e| out[0] = extref.statusOf(e);
            out[1] = status(hold.tryRelease());
            out[2] = status(ref.tryRelease());
        }
    };
    const t = std.Thread.spawn(.{}, Worker.run, .{ &h, &r, &s }) catch {
        h.release();
        r.release();
        return argError(env, "cannot spawn a thread");
    };
    t.join();
    s[3] = status(h.tryRelease());
    s[4] = status(r.tryRelease());
    var out: ?Value = null;
    _ = napi.napi_create_array_with_length(env, s.len, &out);
    for (s, 0..) |st, i|
        _ = napi.napi_set_element(env, out, @intCast(i), str(env, extref.statusName(st)));
    return out;
}

fn holdRelease(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const i = findHold(env, a[0]) orelse return argError(env, "no such hold");
    const s = status(holds[i].?.tryRelease());
    if (s == .ok) holds[i] = null;
    return str(env, extref.statusName(s));
}

// ---- Issue 14: poisoned handles, loud releases, safe defaults -----------------

fn statusArray(env: Env, s: []const extref.Status) ?Value {
    var out: ?Value = null;
    _ = napi.napi_create_array_with_length(env, s.len, &out);
    for (s, 0..) |st, i|
        _ = napi.napi_set_element(env, out, @intCast(i), str(env, extref.statusName(st)));
    return out;
}

fn boolV(env: Env, b: bool) ?Value {
    var v: ?Value = null;
    _ = napi.napi_get_boolean(env, b, &v);
    return v;
}

/// staleCopyWhileShared(ext): r1 and a by-value copy of it; r1 released
/// (poisoned); r2 borrowed; then r1 again, the stale copy, mutRef and take
/// (all refused, r2 intact), then r2 released. Returns the statuses and,
/// last, whether r1 was poisoned: [OK, INVALID_ARG, INVALID_ARG, BORROWED,
/// BORROWED, OK, true].
fn staleCopyWhileShared(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    var r1 = CounterType.ref(env, a[0]) catch |e| return fail(env, e);
    var stale = r1; // a copy Zig cannot stop
    var s: [6]extref.Status = @splat(.ok);
    s[0] = status(r1.tryRelease());
    const poisoned = r1.raw.payload == null;
    var r2 = CounterType.ref(env, a[0]) catch |e| return fail(env, e);
    s[1] = status(r1.tryRelease());
    s[2] = status(stale.tryRelease());
    if (CounterType.mutRef(env, a[0])) |m| {
        var mm = m;
        mm.release();
        s[3] = .ok;
    } else |e| s[3] = extref.statusOf(e);
    if (CounterType.take(env, a[0])) |v| {
        _ = v;
        s[4] = .ok;
    } else |e| s[4] = extref.statusOf(e);
    if (r2.get().value != 7) return argError(env, "r2 does not read 7");
    s[5] = status(r2.tryRelease());
    var out = statusArray(env, &s);
    _ = napi.napi_set_element(env, out, s.len, boolV(env, poisoned));
    _ = &out;
    return out;
}

/// holdDoubleRelease(ext): h1 and a by-value copy; h1 released (poisoned);
/// h2 made (it may reuse h1's slot); h1 and the copy released again; h2
/// still reads the value. Returns [OK, INVALID_ARG, INVALID_ARG, OK (h2
/// borrow), OK (h2 release), h1 poisoned].
fn holdDoubleRelease(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    var h1 = CounterType.hold(env, a[0]) catch |e| return fail(env, e);
    var copy = h1;
    var s: [5]extref.Status = @splat(.ok);
    s[0] = status(h1.tryRelease());
    const poisoned = h1.raw == null;
    var h2 = CounterType.hold(env, a[0]) catch |e| return fail(env, e);
    s[1] = status(h1.tryRelease());
    s[2] = status(copy.tryRelease());
    if (h2.ref()) |b| {
        var r = b;
        defer r.release();
        if (r.get().value != 9) return argError(env, "h2 does not read 9");
        s[3] = .ok;
    } else |e| s[3] = extref.statusOf(e);
    s[4] = status(h2.tryRelease());
    const out = statusArray(env, &s);
    _ = napi.napi_set_element(env, out, s.len, boolV(env, poisoned));
    return out;
}

/// deferReleaseOffThread(ext): ext holds a thread-bound ZigNoClone. A
/// std.Thread runs `defer r.release();` on a borrow made here: release
/// fails with WrongThread, which must be logged and counted, and leave the
/// borrow live; back here tryRelease ends it. Returns [failures counted,
/// the logged line, live after the thread, status of the release here].
fn deferReleaseOffThread(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    var r = NoCloneType.ref(env, a[0]) catch |e| return fail(env, e);
    const before = extref.releaseFailures();
    const Worker = struct {
        fn run(ref: *extref.Ref(Counter)) void {
            defer ref.release();
        }
    };
    const t = std.Thread.spawn(.{}, Worker.run, .{&r}) catch {
        r.release();
        return argError(env, "cannot spawn a thread");
    };
    t.join();
    const counted = extref.releaseFailures() - before;
    const live = r.raw.payload != null;
    const line = str(env, lastLog());
    const s = status(r.tryRelease());
    var out: ?Value = null;
    _ = napi.napi_create_array_with_length(env, 4, &out);
    _ = napi.napi_set_element(env, out, 0, numI(env, @intCast(counted)));
    _ = napi.napi_set_element(env, out, 1, line);
    _ = napi.napi_set_element(env, out, 2, boolV(env, live));
    _ = napi.napi_set_element(env, out, 3, str(env, extref.statusName(s)));
    return out;
}

/// releaseReleased(): release() on a poisoned Ref: logged, counted, no
/// crash. Returns [failures counted, the logged line].
fn releaseReleased(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    var r = CounterType.ref(env, a[0]) catch |e| return fail(env, e);
    r.release();
    const before = extref.releaseFailures();
    r.release();
    var out: ?Value = null;
    _ = napi.napi_create_array_with_length(env, 2, &out);
    _ = napi.napi_set_element(env, out, 0, numI(env, @intCast(extref.releaseFailures() - before)));
    _ = napi.napi_set_element(env, out, 1, str(env, lastLog()));
    return out;
}

// The addon's log: the last extref line, kept for the tests instead of
// printed (the root's std_options.logFn).
var log_buf: [512]u8 = undefined;
var log_len: usize = 0;

fn lastLog() []const u8 {
    return log_buf[0..log_len];
}

pub const std_options: std.Options = .{ .logFn = captureLog };

fn captureLog(
    comptime level: std.log.Level,
    comptime scope: @EnumLiteral(),
    comptime format: []const u8,
    args_: anytype,
) void {
    const line = std.fmt.bufPrint(&log_buf, "{s}({s}): " ++ format, .{ level.asText(), @tagName(scope) } ++ args_) catch &log_buf;
    log_len = line.len;
}

/// A type with deinit and no clone: not cloneable by default.
const Owned = struct {
    value: i64,
    pub fn deinit(self: *Owned) void {
        _ = self;
        _ = @atomicRmw(i64, &zig_drops, .Add, 1, .seq_cst);
    }
};
const OwnedType = extref.Type(Owned, .{
    .lower = 0x6c69626578747265,
    .upper = 0x5a69674f776e6564,
}, "ZigOwned", .{ .flags = extref.type_send });

fn createOwned(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const v = int(env, a[0]) orelse return argError(env, "expected a number");
    return OwnedType.create(env, .{ .value = v }, 0) catch |e| fail(env, e);
}

fn cloneOwned(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const copy = OwnedType.cloneOut(env, a[0]) catch |e| return fail(env, e);
    return numI(env, copy.value);
}

/// clone and move that fail for negative values (errors, not panics).
const Picky = struct {
    value: i64,
    pub fn deinit(self: *Picky) void {
        _ = self;
        _ = @atomicRmw(i64, &zig_drops, .Add, 1, .seq_cst);
    }
    pub fn clone(self: *const Picky) !Picky {
        if (self.value < 0) return error.Refused;
        return self.*;
    }
    pub fn move(self: *Picky) !Picky {
        if (self.value < 0) return error.Refused;
        return self.*;
    }
};
const PickyType = extref.Type(Picky, .{
    .lower = 0x6c69626578747265,
    .upper = 0x5a69675069636b79,
}, "ZigPicky", .{ .flags = extref.type_send });

fn createPicky(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const v = int(env, a[0]) orelse return argError(env, "expected a number");
    return PickyType.create(env, .{ .value = v }, 0) catch |e| fail(env, e);
}

fn pickyClone(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const copy = PickyType.cloneOut(env, a[0]) catch |e| return fail(env, e);
    return numI(env, copy.value);
}

fn pickyTake(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    var v = PickyType.take(env, a[0]) catch |e| return fail(env, e);
    defer v.deinit();
    return numI(env, v.value);
}

fn pickyGet(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    var r = PickyType.ref(env, a[0]) catch |e| return fail(env, e);
    defer r.release();
    return numI(env, r.get().value);
}

// ---- Take across modules and allocators ----------------------------------------

/// counter_t of tests/runtime/addon/extref_test.c, its "send" kind (tag
/// TAG_SEND): a payload the C test addon creates and takes.
const CCounter = extern struct {
    magic: u64,
    value: i64,
    id: u64,
    kind: c_int,

    const alive: u64 = 0xA11CEA11CEA11CE5;
    const dead: u64 = 0xDEADDEADDEADDEAD;

    /// On the taker's side (Zig): counted, and a dead value is seen.
    pub fn deinit(self: *CCounter) void {
        if (self.magic != alive) _ = @atomicRmw(i64, &c_counter_bad, .Add, 1, .seq_cst);
        self.magic = dead;
        _ = @atomicRmw(i64, &c_counter_deinits, .Add, 1, .seq_cst);
    }
};
var c_counter_deinits: i64 = 0;
var c_counter_bad: i64 = 0;
const c_send_tag: extref.Tag = .{ .lower = 0x5a1e7e57c0de0002, .upper = 0x6c69626578747265 };

/// The taker's type: the default allocator (C's).
const CCounterType = extref.Type(CCounter, c_send_tag, "ZigSendCounter", .{
    .flags = extref.type_send,
});

/// A counting allocator over the C allocator: the creator's allocator of
/// CountedType, so a test sees which allocator freed a payload.
var counted_allocs: i64 = 0;
var counted_frees: i64 = 0;
const Counting = struct {
    const base = std.heap.c_allocator;
    fn alloc(_: *anyopaque, len: usize, al: std.mem.Alignment, ra: usize) ?[*]u8 {
        const p = base.vtable.alloc(base.ptr, len, al, ra) orelse return null;
        _ = @atomicRmw(i64, &counted_allocs, .Add, 1, .seq_cst);
        return p;
    }
    fn resize(_: *anyopaque, m: []u8, al: std.mem.Alignment, n: usize, ra: usize) bool {
        return base.vtable.resize(base.ptr, m, al, n, ra);
    }
    fn remap(_: *anyopaque, m: []u8, al: std.mem.Alignment, n: usize, ra: usize) ?[*]u8 {
        return base.vtable.remap(base.ptr, m, al, n, ra);
    }
    fn free(_: *anyopaque, m: []u8, al: std.mem.Alignment, ra: usize) void {
        _ = @atomicRmw(i64, &counted_frees, .Add, 1, .seq_cst);
        base.vtable.free(base.ptr, m, al, ra);
    }
    const vtable: std.mem.Allocator.VTable = .{ .alloc = alloc, .resize = resize, .remap = remap, .free = free };
    const allocator: std.mem.Allocator = .{ .ptr = undefined, .vtable = &vtable };
};

/// The creator's type: same tag and size, its own allocator.
const CountedType = extref.Type(CCounter, c_send_tag, "ZigCountedSendCounter", .{
    .flags = extref.type_send,
    .allocator = Counting.allocator,
});

var next_id = std.atomic.Value(u64).init(1 << 40);

/// createCSend(n): a C-layout "send" counter made by Zig with CountedType.
fn createCSend(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    const v = int(env, a[0]) orelse return argError(env, "expected a number");
    const id = next_id.fetchAdd(1, .monotonic);
    return CountedType.create(env, .{ .magic = CCounter.alive, .value = v, .id = id, .kind = 1 }, 0) catch |e| fail(env, e);
}

/// takeCSend(ext): take with CCounterType (whatever module created it);
/// the value is deinit'd here, once.
fn takeCSend(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    const a = args(1, env, info);
    var v = CCounterType.take(env, a[0]) catch |e| return fail(env, e);
    defer v.deinit();
    if (v.magic != CCounter.alive) return argError(env, "taken value is not alive");
    return numI(env, v.value);
}

fn cSendCounts(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    _ = info;
    var out: ?Value = null;
    _ = napi.napi_create_object(env, &out);
    _ = napi.napi_set_named_property(env, out, "deinits", numI(env, @atomicLoad(i64, &c_counter_deinits, .seq_cst)));
    _ = napi.napi_set_named_property(env, out, "bad", numI(env, @atomicLoad(i64, &c_counter_bad, .seq_cst)));
    _ = napi.napi_set_named_property(env, out, "allocs", numI(env, @atomicLoad(i64, &counted_allocs, .seq_cst)));
    _ = napi.napi_set_named_property(env, out, "frees", numI(env, @atomicLoad(i64, &counted_frees, .seq_cst)));
    return out;
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

const win = struct {
    extern "kernel32" fn GetModuleHandleExA(flags: u32, name: ?*const anyopaque, module: *?*anyopaque) callconv(.winapi) c_int;
    extern "kernel32" fn GetModuleFileNameA(module: ?*anyopaque, name: [*]u8, size: u32) callconv(.winapi) u32;
};

/// The file this addon's libextref was loaded from.
fn libPath(env: Env, info: napi.CallbackInfo) callconv(.c) ?Value {
    _ = info;
    if (builtin.os.tag == .windows) {
        // GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | _UNCHANGED_REFCOUNT, on
        // the library's own version string: a function's address here would
        // be the import thunk in this addon.
        var module: ?*anyopaque = null;
        if (win.GetModuleHandleExA(4 | 2, @ptrCast(extref.c.extref_version_string()), &module) == 0) return str(env, "");
        var buf: [260]u8 = undefined;
        const n = win.GetModuleFileNameA(module, &buf, buf.len);
        if (n == 0 or n >= buf.len) return str(env, "");
        return str(env, buf[0..n]);
    }
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
    .{ "staleCopyWhileShared", staleCopyWhileShared },
    .{ "holdDoubleRelease", holdDoubleRelease },
    .{ "deferReleaseOffThread", deferReleaseOffThread },
    .{ "releaseReleased", releaseReleased },
    .{ "createOwned", createOwned },
    .{ "cloneOwned", cloneOwned },
    .{ "createPicky", createPicky },
    .{ "pickyClone", pickyClone },
    .{ "pickyTake", pickyTake },
    .{ "pickyGet", pickyGet },
    .{ "createCSend", createCSend },
    .{ "takeCSend", takeCSend },
    .{ "cSendCounts", cSendCounts },
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
