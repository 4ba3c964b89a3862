//! Unit tests of extref.zig that need no JS host: the hand-written ABI
//! against the C compiler's view of extref.h (src/layout.c), status and
//! error mapping, the calls
//! that work without Node-API, and the comptime descriptors' callbacks.

const std = @import("std");
const testing = std.testing;
const extref = @import("extref");

// The C compiler's view of extref.h, from src/layout.c. The C arrays are
// declared by their first element; their lengths come separately.
extern const extref_zig_layout: usize;
extern const extref_zig_layout_len: usize;
extern const extref_zig_consts: i64;
extern const extref_zig_consts_len: usize;
extern const extref_zig_version_string: u8;

fn cLayout() []const usize {
    const p: [*]const usize = @ptrCast(&extref_zig_layout);
    return p[0..extref_zig_layout_len];
}

fn cConsts() []const i64 {
    const p: [*]const i64 = @ptrCast(&extref_zig_consts);
    return p[0..extref_zig_consts_len];
}

fn layoutOf(comptime T: type, comptime fields: []const []const u8) [2 + 2 * fields.len]usize {
    var out: [2 + 2 * fields.len]usize = undefined;
    out[0] = @sizeOf(T);
    out[1] = @alignOf(T);
    inline for (fields, 0..) |f, i| {
        out[2 + 2 * i] = @offsetOf(T, f);
        out[3 + 2 * i] = @sizeOf(@FieldType(T, f));
    }
    return out;
}

test "abi_layout_matches_header" {
    const ours = layoutOf(extref.Tag, &.{ "lower", "upper" }) ++
        layoutOf(extref.TypeDesc, &.{
            "struct_size", "flags", "tag", "name", "payload_size", "drop", "clone", "type_data", "move",
        }) ++
        layoutOf(extref.RawBorrow, &.{ "payload", "token" }) ++
        layoutOf(extref.RawError, &.{ "status", "napi_status", "message" }) ++
        layoutOf(extref.Stats, &.{
            "struct_size", "live_payloads",  "live_borrows", "live_holds",
            "drops",       "deferred_drops", "takes",        "external_bytes",
        }) ++
        layoutOf(extref.Status, &.{});
    try testing.expectEqual(ours.len, extref_zig_layout_len);
    try testing.expectEqualSlices(usize, &ours, cLayout());
}

test "status_values_match_header" {
    const info = @typeInfo(extref.Status).@"enum";
    var ours: [info.field_values.len + 3]i64 = undefined;
    inline for (info.field_values, 0..) |v, i| ours[i] = v;
    ours[info.field_values.len] = extref.type_send;
    ours[info.field_values.len + 1] = extref.type_js_drop;
    ours[info.field_values.len + 2] = extref.version();
    try testing.expectEqual(ours.len, extref_zig_consts_len);
    try testing.expectEqualSlices(i64, &ours, cConsts());
    const version: [*:0]const u8 = @ptrCast(&extref_zig_version_string);
    try testing.expectEqualStrings(std.mem.span(version), extref.versionString());
}

test "status_names_and_errors_round_trip" {
    const info = @typeInfo(extref.Status).@"enum";
    inline for (info.field_names, info.field_values) |field_name, value| {
        const s: extref.Status = @fromBackingInt(@intCast(value));
        var upper: [64]u8 = undefined;
        const want = std.ascii.upperString(&upper, field_name);
        const name = extref.statusName(s);
        try testing.expect(std.mem.startsWith(u8, name, "EXTREF_"));
        try testing.expectEqualStrings(want, name["EXTREF_".len..]);
        try testing.expect(extref.statusText(s).len > 0);
        if (s == .ok) {
            try extref.check(s);
        } else if (extref.check(s)) |_| {
            return error.TestUnexpectedResult;
        } else |e| {
            try testing.expectEqual(s, extref.statusOf(e));
        }
    }
    const unknown: extref.Status = @fromBackingInt(@intCast(1000));
    try testing.expectError(error.Unknown, extref.check(unknown));
    try testing.expectEqualStrings("EXTREF_UNKNOWN", extref.statusName(unknown));
}

test "release_of_zeroed_borrow_is_invalid_arg" {
    var b: extref.RawBorrow = .{};
    try testing.expectError(error.InvalidArg, extref.releaseRaw(&b));
    try testing.expectEqual(extref.Status.invalid_arg, extref.lastError().status);
    try testing.expect(extref.lastMessage().len > 0);
    var r: extref.Ref(i64) = .{ .raw = .{} };
    try testing.expectError(error.InvalidArg, r.tryRelease());
}

test "poisoned_hold_is_invalid_arg_without_a_host" {
    // What release leaves in a Hold: every call on it is refused.
    var h: extref.Hold(i64) = .{ .raw = null };
    try testing.expectError(error.InvalidArg, h.tryRelease());
    try testing.expectError(error.InvalidArg, h.ref());
    try testing.expectError(error.InvalidArg, h.mutRef());
    try testing.expectError(error.InvalidArg, h.dup());
    try testing.expectError(error.InvalidArg, h.cloneOut());
}

test "hold_calls_reject_null" {
    var b: extref.RawBorrow = .{};
    try testing.expectEqual(extref.Status.invalid_arg, extref.c.extref_hold_ref(null, &b));
    try testing.expectEqual(extref.Status.invalid_arg, extref.c.extref_hold_mut_ref(null, &b));
    var out: ?*extref.RawHold = null;
    try testing.expectEqual(extref.Status.invalid_arg, extref.c.extref_hold_dup(null, &out));
    try testing.expectEqual(extref.Status.ok, extref.c.extref_hold_release(null));
}

test "stats_and_version_without_a_host" {
    const s = try extref.stats();
    try testing.expectEqual(@as(u64, 0), s.live_borrows);
    try testing.expectEqual(@as(u64, 0), s.live_payloads);
    try testing.expectEqual(@as(u32, 0x010000), extref.version() & 0xff0000);
}

const Pair = extern struct { a: i64, b: i64 };

var deinits: usize = 0;
const Tracked = struct {
    value: i64,
    pub fn deinit(self: *Tracked) void {
        _ = self;
        deinits += 1;
    }
    pub fn clone(self: *const Tracked) !Tracked {
        if (self.value < 0) return error.Refused;
        return .{ .value = self.value * 2 };
    }
};

const tag: extref.Tag = .{ .lower = 1, .upper = 2 };

const Owned = struct {
    value: i64,
    pub fn deinit(self: *Owned) void {
        _ = self;
        deinits += 1;
    }
};
const Borrowing = struct { name: []const u8 };

test "cloneable_only_by_clone_decl_or_plain_data" {
    try testing.expect(extref.isPlainData(Pair));
    try testing.expect(extref.isPlainData(struct { a: [4]u8, b: ?u32, c: enum { x, y } }));
    try testing.expect(!extref.isPlainData(Owned));
    try testing.expect(!extref.isPlainData(Borrowing));
    try testing.expect(!extref.isPlainData(struct { inner: Owned }));
    // Plain data: bitwise. deinit and clone: the clone.
    try testing.expect(extref.Type(Pair, tag, "Pair", .{}).descriptor.clone != null);
    try testing.expect(extref.Type(Tracked, tag, "Tracked", .{}).descriptor.clone != null);
    // deinit without clone, or pointers: not cloneable unless asked.
    try testing.expect(extref.Type(Owned, tag, "Owned", .{}).descriptor.clone == null);
    try testing.expect(extref.Type(Borrowing, tag, "Borrowing", .{}).descriptor.clone == null);
    try testing.expect(extref.Type(Borrowing, tag, "Borrowing", .{ .cloneable = true }).descriptor.clone != null);
    try testing.expect(extref.Type(Pair, tag, "Pair", .{ .cloneable = false }).descriptor.clone == null);
    // (Owned with .cloneable = true is a compile error:
    // bindings/zig/test/compile_fail/clone_with_deinit.zig.)
}

test "comptime_descriptor_fields" {
    const P = extref.Type(Pair, tag, "Pair", .{ .flags = extref.type_send });
    const d = &P.descriptor;
    try testing.expectEqual(@as(u32, @sizeOf(extref.TypeDesc)), d.struct_size);
    try testing.expectEqual(extref.type_send, d.flags);
    try testing.expectEqual(@as(usize, 16), d.payload_size);
    try testing.expectEqual(tag, d.tag);
    try testing.expectEqualStrings("Pair", std.mem.span(d.name.?));
    try testing.expect(d.clone != null and d.drop != null and d.move != null);
    const N = extref.Type(Pair, tag, "NoClone", .{ .cloneable = false });
    try testing.expect(N.descriptor.clone == null);
    try testing.expect(extref.Type(Pair, tag, "Fixed", .{ .movable = false }).descriptor.move == null);
    // One descriptor per instantiation, with a stable address.
    try testing.expectEqual(&P.descriptor, &extref.Type(Pair, tag, "Pair", .{ .flags = extref.type_send }).descriptor);
}

test "clone_callback_copies_bitwise" {
    const P = extref.Type(Pair, tag, "Pair", .{});
    const src: Pair = .{ .a = 7, .b = -9 };
    var dst: Pair = .{ .a = 0, .b = 0 };
    try testing.expectEqual(@as(c_int, 0), P.descriptor.clone.?(&src, &dst, null));
    try testing.expectEqual(src, dst);
}

test "clone_callback_uses_clone_decl_and_reports_failure" {
    const T = extref.Type(Tracked, tag, "Tracked", .{});
    const src: Tracked = .{ .value = 21 };
    var dst: Tracked = .{ .value = 0 };
    try testing.expectEqual(@as(c_int, 0), T.descriptor.clone.?(&src, &dst, null));
    try testing.expectEqual(@as(i64, 42), dst.value);
    const bad: Tracked = .{ .value = -1 };
    try testing.expect(T.descriptor.clone.?(&bad, &dst, null) != 0);
}

test "drop_callback_runs_deinit_and_frees" {
    const T = extref.Type(Tracked, tag, "Tracked", .{});
    const p = try extref.allocator.create(Tracked);
    p.* = .{ .value = 1 };
    const before = deinits;
    T.descriptor.drop.?(p, null, null);
    try testing.expectEqual(before + 1, deinits);
}

var moves_failing: bool = false;
const Movable = struct {
    value: i64,
    pub fn deinit(self: *Movable) void {
        _ = self;
        deinits += 1;
    }
    pub fn move(self: *Movable) !Movable {
        if (moves_failing) return error.Pinned;
        const out = self.*;
        self.value = -1; // what a move leaves behind is never seen
        return out;
    }
};

test "move_callback_moves_without_deinit_and_frees_with_the_creators_allocator" {
    // testing.allocator fails the test on a leak, and on a free of memory
    // it did not allocate.
    const T = extref.Type(Tracked, tag, "Tracked", .{ .allocator = testing.allocator });
    const p = try testing.allocator.create(Tracked);
    p.* = .{ .value = 5 };
    const before = deinits;
    var dst: Tracked = undefined;
    try testing.expectEqual(@as(c_int, 0), T.descriptor.move.?(p, &dst, null));
    try testing.expectEqual(@as(i64, 5), dst.value);
    try testing.expectEqual(before, deinits);
}

test "move_callback_uses_move_decl_and_reports_failure" {
    const T = extref.Type(Movable, tag, "Movable", .{ .allocator = testing.allocator });
    const p = try testing.allocator.create(Movable);
    p.* = .{ .value = 8 };
    var dst: Movable = .{ .value = 0 };
    moves_failing = true;
    try testing.expect(T.descriptor.move.?(p, &dst, null) != 0);
    // Nothing moved: the payload is intact and still owned; drop it.
    try testing.expectEqual(@as(i64, 8), p.value);
    try testing.expectEqual(@as(i64, 0), dst.value);
    moves_failing = false;
    const before = deinits;
    T.descriptor.drop.?(p, null, null);
    try testing.expectEqual(before + 1, deinits);
    const q = try testing.allocator.create(Movable);
    q.* = .{ .value = 9 };
    try testing.expectEqual(@as(c_int, 0), T.descriptor.move.?(q, &dst, null));
    try testing.expectEqual(@as(i64, 9), dst.value);
    try testing.expectEqual(before + 1, deinits);
}

test "calls_needing_a_host_answer_no_runtime" {
    // No Node-API host in a zig test binary: the library must say so
    // instead of touching the env (a dummy, never dereferenced).
    var dummy: u64 = 0;
    const env: extref.Env = @ptrCast(&dummy);
    const P = extref.Type(Pair, tag, "Pair", .{});
    try testing.expectError(error.NoRuntime, P.create(env, .{ .a = 1, .b = 2 }, 0));
    var dummy_value: u64 = 0;
    const value: extref.Value = @ptrCast(&dummy_value);
    try testing.expectError(error.NoRuntime, P.ref(env, value));
    try testing.expectError(error.NoRuntime, P.mutRef(env, value));
    try testing.expectError(error.NoRuntime, P.hold(env, value));
    try testing.expectError(error.NoRuntime, P.take(env, value));
    // A NULL value is an argument error, found before the runtime is.
    try testing.expectError(error.InvalidArg, P.ref(env, null));
    try testing.expectEqual(@as(u64, 0), dummy);
    try testing.expectEqual(@as(u64, 0), dummy_value);
    try testing.expectEqual(@as(u64, 0), (try extref.stats()).live_payloads);
}
