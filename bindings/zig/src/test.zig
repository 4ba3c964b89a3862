//! Unit tests of extref.zig that need no JS host: the hand-written ABI
//! against translate-c of extref.h, status and error mapping, the calls
//! that work without Node-API, and the comptime descriptors' callbacks.

const std = @import("std");
const testing = std.testing;
const extref = @import("extref");
const h = @import("extref_h");

fn expectSameLayout(comptime Ours: type, comptime Theirs: type, comptime fields: []const []const u8) !void {
    try testing.expectEqual(@sizeOf(Theirs), @sizeOf(Ours));
    try testing.expectEqual(@alignOf(Theirs), @alignOf(Ours));
    inline for (fields) |f|
        try testing.expectEqual(@offsetOf(Theirs, f), @offsetOf(Ours, f));
}

test "abi_layout_matches_header" {
    try expectSameLayout(extref.Tag, h.extref_tag_t, &.{ "lower", "upper" });
    try expectSameLayout(extref.TypeDesc, h.extref_type_t, &.{
        "struct_size", "flags", "tag", "name", "payload_size", "drop", "clone", "type_data",
    });
    try expectSameLayout(extref.RawBorrow, h.extref_borrow_t, &.{ "payload", "token" });
    try expectSameLayout(extref.RawError, h.extref_error_t, &.{ "status", "napi_status", "message" });
    try expectSameLayout(extref.Stats, h.extref_stats_t, &.{
        "struct_size",  "live_payloads", "live_borrows",   "live_holds",
        "drops",        "deferred_drops", "takes",         "external_bytes",
    });
    try testing.expectEqual(@sizeOf(h.extref_status_t), @sizeOf(extref.Status));
}

test "status_values_match_header" {
    const pairs = .{
        .{ extref.Status.ok, h.EXTREF_OK },
        .{ extref.Status.invalid_arg, h.EXTREF_INVALID_ARG },
        .{ extref.Status.no_memory, h.EXTREF_NO_MEMORY },
        .{ extref.Status.napi_failed, h.EXTREF_NAPI_FAILED },
        .{ extref.Status.no_runtime, h.EXTREF_NO_RUNTIME },
        .{ extref.Status.not_external, h.EXTREF_NOT_EXTERNAL },
        .{ extref.Status.foreign, h.EXTREF_FOREIGN },
        .{ extref.Status.type_mismatch, h.EXTREF_TYPE_MISMATCH },
        .{ extref.Status.borrowed, h.EXTREF_BORROWED },
        .{ extref.Status.mut_borrowed, h.EXTREF_MUT_BORROWED },
        .{ extref.Status.taken, h.EXTREF_TAKEN },
        .{ extref.Status.not_cloneable, h.EXTREF_NOT_CLONEABLE },
        .{ extref.Status.clone_failed, h.EXTREF_CLONE_FAILED },
        .{ extref.Status.wrong_thread, h.EXTREF_WRONG_THREAD },
        .{ extref.Status.bad_size, h.EXTREF_BAD_SIZE },
        .{ extref.Status.overflow, h.EXTREF_OVERFLOW },
        .{ extref.Status.held, h.EXTREF_HELD },
    };
    inline for (pairs) |p|
        try testing.expectEqual(@as(i64, p[1]), @as(i64, @intFromEnum(p[0])));
    try testing.expectEqual(@as(u32, h.EXTREF_TYPE_SEND), extref.type_send);
    try testing.expectEqual(@as(u32, h.EXTREF_TYPE_JS_DROP), extref.type_js_drop);
}

test "status_names_and_errors_round_trip" {
    const info = @typeInfo(extref.Status).@"enum";
    inline for (info.field_names, info.field_values) |field_name, value| {
        const s: extref.Status = @enumFromInt(value);
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
    const unknown: extref.Status = @enumFromInt(1000);
    try testing.expectError(error.Unknown, extref.check(unknown));
    try testing.expectEqualStrings("EXTREF_UNKNOWN", extref.statusName(unknown));
}

test "release_of_zeroed_borrow_is_invalid_arg" {
    var b: extref.RawBorrow = .{};
    try testing.expectError(error.InvalidArg, extref.releaseRaw(&b));
    try testing.expectEqual(extref.Status.invalid_arg, extref.lastError().status);
    try testing.expect(extref.lastMessage().len > 0);
    var r: extref.Ref(i64) = .{ .raw = .{} };
    try testing.expectError(error.InvalidArg, r.release());
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
    try testing.expectEqual(@as(u32, h.EXTREF_VERSION_HEX), extref.version());
    try testing.expectEqualStrings(h.EXTREF_VERSION_STRING, extref.versionString());
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

test "comptime_descriptor_fields" {
    const P = extref.Type(Pair, tag, "Pair", .{ .flags = extref.type_send });
    const d = &P.descriptor;
    try testing.expectEqual(@as(u32, @sizeOf(h.extref_type_t)), d.struct_size);
    try testing.expectEqual(extref.type_send, d.flags);
    try testing.expectEqual(@as(usize, 16), d.payload_size);
    try testing.expectEqual(tag, d.tag);
    try testing.expectEqualStrings("Pair", std.mem.span(d.name.?));
    try testing.expect(d.clone != null and d.drop != null);
    const N = extref.Type(Pair, tag, "NoClone", .{ .cloneable = false });
    try testing.expect(N.descriptor.clone == null);
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
    // A NULL value is an argument error, found before the runtime is.
    try testing.expectError(error.InvalidArg, P.ref(env, null));
    try testing.expectEqual(@as(u64, 0), dummy);
    try testing.expectEqual(@as(u64, 0), dummy_value);
    try testing.expectEqual(@as(u64, 0), (try extref.stats()).live_payloads);
}
