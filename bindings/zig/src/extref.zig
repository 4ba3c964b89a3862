//! libextref for Zig: comptime type descriptors built from a Zig type and a
//! tag, borrows as values with release(), holds, and a Zig error set for the
//! library's statuses.
//!
//! The declarations below mirror include/extref.h (ABI version 1.1) by hand;
//! `zig build test` checks their sizes, offsets and values against what the
//! C compiler makes of the installed header (src/layout.c).
//!
//!     const Counter = extern struct { value: i64 };
//!     const CounterType = extref.Type(Counter, .{
//!         .lower = 0x6c69626578747265, .upper = 0x66436f756e746572,
//!     }, "Counter", .{ .flags = extref.type_send });
//!
//!     var r = try CounterType.ref(env, value);
//!     defer r.release() catch {};
//!     const n = r.get().value;
//!
//! Payloads created here are allocated with the C allocator and dropped by
//! destroying them, after calling `deinit(*T)` when T declares one. Clone-out
//! copies bitwise, or calls `clone(*const T) !T` when T declares one.
//! Context: as in extref.h; functions taking an Env run on its JS thread.

const std = @import("std");

// ---- Node-API handles -------------------------------------------------------

/// napi_env and napi_value: opaque pointers owned by the host.
pub const Env = *opaque {};
pub const Value = *opaque {};

// ---- ABI types ---------------------------------------------------------------

pub const Tag = extern struct {
    lower: u64,
    upper: u64,
};

pub const DropFn = *const fn (
    payload: ?*anyopaque,
    type_data: ?*anyopaque,
    env: ?Env,
) callconv(.c) void;

pub const CloneFn = *const fn (
    payload: ?*const anyopaque,
    dst: ?*anyopaque,
    type_data: ?*anyopaque,
) callconv(.c) c_int;

/// extref_move_cb (1.1): moves *payload into dst and frees the payload's
/// storage with the creator's allocator, without dropping; non-zero: nothing
/// moved.
pub const MoveFn = *const fn (
    payload: ?*anyopaque,
    dst: ?*anyopaque,
    type_data: ?*anyopaque,
) callconv(.c) c_int;

/// extref_type_t (1.1: with `move`).
pub const TypeDesc = extern struct {
    struct_size: u32,
    flags: u32,
    tag: Tag,
    name: ?[*:0]const u8,
    payload_size: usize,
    drop: ?DropFn,
    clone: ?CloneFn,
    type_data: ?*anyopaque,
    move: ?MoveFn,
};

/// extref_borrow_t: a zeroed borrow is empty.
pub const RawBorrow = extern struct {
    payload: ?*anyopaque = null,
    token: usize = 0,
};

/// extref_hold_t: opaque.
pub const RawHold = opaque {};

pub const RawError = extern struct {
    status: Status,
    napi_status: c_int,
    message: ?[*:0]const u8,
};

pub const Stats = extern struct {
    struct_size: u32 = @sizeOf(Stats),
    live_payloads: u64 = 0,
    live_borrows: u64 = 0,
    live_holds: u64 = 0,
    drops: u64 = 0,
    deferred_drops: u64 = 0,
    takes: u64 = 0,
    external_bytes: i64 = 0,
};

pub const type_send: u32 = 1 << 0;
pub const type_js_drop: u32 = 1 << 1;

// ---- Statuses ----------------------------------------------------------------

/// extref_status_t. Non-exhaustive: a value this binding does not know is a
/// failure (error.Unknown).
pub const Status = enum(c_int) {
    ok = 0,
    invalid_arg = 1,
    no_memory = 2,
    napi_failed = 3,
    no_runtime = 4,
    not_external = 5,
    foreign = 6,
    type_mismatch = 7,
    borrowed = 8,
    mut_borrowed = 9,
    taken = 10,
    not_cloneable = 11,
    clone_failed = 12,
    wrong_thread = 13,
    bad_size = 14,
    overflow = 15,
    held = 16,
    not_movable = 17,
    _,
};

/// Every failure status as a Zig error.
pub const Error = error{
    InvalidArg,
    NoMemory,
    NapiFailed,
    NoRuntime,
    NotExternal,
    Foreign,
    TypeMismatch,
    Borrowed,
    MutBorrowed,
    Taken,
    NotCloneable,
    CloneFailed,
    WrongThread,
    BadSize,
    Overflow,
    Held,
    NotMovable,
    Unknown,
};

/// OK is void; every other status is its error.
pub fn check(status: Status) Error!void {
    return switch (status) {
        .ok => {},
        .invalid_arg => error.InvalidArg,
        .no_memory => error.NoMemory,
        .napi_failed => error.NapiFailed,
        .no_runtime => error.NoRuntime,
        .not_external => error.NotExternal,
        .foreign => error.Foreign,
        .type_mismatch => error.TypeMismatch,
        .borrowed => error.Borrowed,
        .mut_borrowed => error.MutBorrowed,
        .taken => error.Taken,
        .not_cloneable => error.NotCloneable,
        .clone_failed => error.CloneFailed,
        .wrong_thread => error.WrongThread,
        .bad_size => error.BadSize,
        .overflow => error.Overflow,
        .held => error.Held,
        .not_movable => error.NotMovable,
        _ => error.Unknown,
    };
}

/// The status an error stands for; error.Unknown maps to -1, which the
/// library names EXTREF_UNKNOWN.
pub fn statusOf(err: Error) Status {
    return switch (err) {
        error.InvalidArg => .invalid_arg,
        error.NoMemory => .no_memory,
        error.NapiFailed => .napi_failed,
        error.NoRuntime => .no_runtime,
        error.NotExternal => .not_external,
        error.Foreign => .foreign,
        error.TypeMismatch => .type_mismatch,
        error.Borrowed => .borrowed,
        error.MutBorrowed => .mut_borrowed,
        error.Taken => .taken,
        error.NotCloneable => .not_cloneable,
        error.CloneFailed => .clone_failed,
        error.WrongThread => .wrong_thread,
        error.BadSize => .bad_size,
        error.Overflow => .overflow,
        error.Held => .held,
        error.NotMovable => .not_movable,
        error.Unknown => @fromBackingInt(@intCast(-1)),
    };
}

/// "EXTREF_MUT_BORROWED": static text.
pub fn statusName(status: Status) [:0]const u8 {
    return std.mem.span(c.extref_status_name(status));
}

/// An English sentence for a status: static text.
pub fn statusText(status: Status) [:0]const u8 {
    return std.mem.span(c.extref_status_text(status));
}

/// The calling thread's last failure. Its message is valid until this
/// thread's next extref_ call.
pub fn lastError() *const RawError {
    return c.extref_last_error();
}

/// The last failure's message: borrowed, valid until the next extref_ call.
pub fn lastMessage() [:0]const u8 {
    const e = c.extref_last_error();
    return if (e.message) |m| std.mem.span(m) else "";
}

/// Throws err into JS with extref_throw (TypeError or Error, `code` set to
/// the status name, the thread's last message when it is err's). Call it
/// right after the failing call: a later failure replaces the message.
pub fn throwError(env: Env, err: Error) void {
    _ = c.extref_throw(env, statusOf(err));
}

pub fn stats() Error!Stats {
    var s: Stats = .{};
    try check(c.extref_stats_get(&s));
    return s;
}

pub fn version() u32 {
    return c.extref_version();
}

pub fn versionString() [:0]const u8 {
    return std.mem.span(c.extref_version_string());
}

// ---- Borrows and holds -------------------------------------------------------

/// Ends a raw borrow (of either kind).
pub fn releaseRaw(b: *RawBorrow) Error!void {
    return check(c.extref_borrow_release(b));
}

/// A shared borrow of a T (like &T). A value: copy it and you still hold one
/// borrow; call release() exactly once.
pub fn Ref(comptime T: type) type {
    return struct {
        const Self = @This();
        raw: RawBorrow,

        pub fn get(self: Self) *const T {
            return @ptrCast(@alignCast(self.raw.payload.?));
        }

        /// Ends the borrow. error.InvalidArg when it was already released;
        /// error.WrongThread (the borrow stays live) for a thread-bound
        /// payload off its thread.
        pub fn release(self: *Self) Error!void {
            return check(c.extref_borrow_release(&self.raw));
        }
    };
}

/// An exclusive borrow of a T (like &mut T).
pub fn MutRef(comptime T: type) type {
    return struct {
        const Self = @This();
        raw: RawBorrow,

        pub fn get(self: Self) *T {
            return @ptrCast(@alignCast(self.raw.payload.?));
        }

        pub fn release(self: *Self) Error!void {
            return check(c.extref_borrow_release(&self.raw));
        }
    };
}

/// A counted owner of a T payload (like Arc<T>). release() it exactly once;
/// dup() makes another.
pub fn Hold(comptime T: type) type {
    return struct {
        const Self = @This();
        raw: *RawHold,

        pub fn ref(self: Self) Error!Ref(T) {
            var b: RawBorrow = .{};
            try check(c.extref_hold_ref(self.raw, &b));
            return .{ .raw = b };
        }

        pub fn mutRef(self: Self) Error!MutRef(T) {
            var b: RawBorrow = .{};
            try check(c.extref_hold_mut_ref(self.raw, &b));
            return .{ .raw = b };
        }

        pub fn cloneOut(self: Self) Error!T {
            var out: T = undefined;
            try check(c.extref_hold_clone_out(self.raw, &out, @sizeOf(T)));
            return out;
        }

        pub fn dup(self: Self) Error!Self {
            var h: ?*RawHold = null;
            try check(c.extref_hold_dup(self.raw, &h));
            return .{ .raw = h.? };
        }

        pub fn release(self: Self) Error!void {
            return check(c.extref_hold_release(self.raw));
        }
    };
}

// ---- Type descriptors --------------------------------------------------------

pub const TypeOptions = struct {
    /// type_send, type_js_drop.
    flags: u32 = 0,
    /// false: no clone callback (clone-out reports error.NotCloneable).
    cloneable: bool = true,
};

fn hasDecl(comptime T: type, comptime name: []const u8) bool {
    return switch (@typeInfo(T)) {
        .@"struct", .@"union", .@"enum", .@"opaque" => @hasDecl(T, name),
        else => false,
    };
}

/// The allocator behind payloads that Zig creates.
pub const allocator = std.heap.c_allocator;

/// The descriptor of payload type T with the given tag, and the typed
/// operations on its externals. `descriptor` has static storage.
pub fn Type(
    comptime T: type,
    comptime tag: Tag,
    comptime name: [:0]const u8,
    comptime options: TypeOptions,
) type {
    return struct {
        pub const Payload = T;

        pub const descriptor: TypeDesc = .{
            .struct_size = @sizeOf(TypeDesc),
            .flags = options.flags,
            .tag = tag,
            .name = name.ptr,
            .payload_size = @sizeOf(T),
            .drop = &drop,
            .clone = if (options.cloneable) &clone else null,
            .type_data = null,
            .move = null,
        };

        fn drop(payload: ?*anyopaque, _: ?*anyopaque, _: ?Env) callconv(.c) void {
            const p: *T = @ptrCast(@alignCast(payload.?));
            if (comptime hasDecl(T, "deinit")) p.deinit();
            allocator.destroy(p);
        }

        fn clone(
            payload: ?*const anyopaque,
            dst: ?*anyopaque,
            _: ?*anyopaque,
        ) callconv(.c) c_int {
            const src: *const T = @ptrCast(@alignCast(payload.?));
            const out: *T = @ptrCast(@alignCast(dst.?));
            if (comptime hasDecl(T, "clone")) {
                out.* = src.clone() catch return 1;
            } else {
                out.* = src.*;
            }
            return 0;
        }

        /// Moves value into a new payload and wraps it in a new external.
        pub fn create(env: Env, value: T, external_bytes: i64) Error!Value {
            const p = allocator.create(T) catch return error.NoMemory;
            p.* = value;
            var result: ?Value = null;
            const s = c.extref_external_create(env, &descriptor, p, external_bytes, &result);
            check(s) catch |err| {
                allocator.destroy(p);
                return err;
            };
            return result.?;
        }

        pub fn ref(env: Env, value: ?Value) Error!Ref(T) {
            var b: RawBorrow = .{};
            try check(c.extref_external_ref(env, value, &descriptor, &b));
            return .{ .raw = b };
        }

        pub fn mutRef(env: Env, value: ?Value) Error!MutRef(T) {
            var b: RawBorrow = .{};
            try check(c.extref_external_mut_ref(env, value, &descriptor, &b));
            return .{ .raw = b };
        }

        pub fn cloneOut(env: Env, value: ?Value) Error!T {
            var out: T = undefined;
            try check(c.extref_external_clone_out(env, value, &descriptor, &out, @sizeOf(T)));
            return out;
        }

        /// Moves the payload out and frees its box. Only for payloads that
        /// Zig created (through create); for another creator use takeRaw.
        pub fn take(env: Env, value: ?Value) Error!T {
            const p = try takeRaw(env, value);
            const out = p.*;
            allocator.destroy(p);
            return out;
        }

        /// Moves the payload out; the caller frees it the creator's way.
        pub fn takeRaw(env: Env, value: ?Value) Error!*T {
            var p: ?*anyopaque = null;
            try check(c.extref_external_take(env, value, &descriptor, &p));
            return @ptrCast(@alignCast(p.?));
        }

        pub fn hold(env: Env, value: ?Value) Error!Hold(T) {
            var h: ?*RawHold = null;
            try check(c.extref_external_hold(env, value, &descriptor, &h));
            return .{ .raw = h.? };
        }
    };
}

// ---- The C functions ---------------------------------------------------------

/// The raw ABI, declared by hand from include/extref.h.
pub const c = struct {
    pub extern "extref" fn extref_external_create(env: Env, type: *const TypeDesc, payload: *anyopaque, external_bytes: i64, result: *?Value) Status;
    pub extern "extref" fn extref_external_ref(env: Env, value: ?Value, type: *const TypeDesc, result: *RawBorrow) Status;
    pub extern "extref" fn extref_external_mut_ref(env: Env, value: ?Value, type: *const TypeDesc, result: *RawBorrow) Status;
    pub extern "extref" fn extref_external_clone_out(env: Env, value: ?Value, type: *const TypeDesc, dst: *anyopaque, dst_size: usize) Status;
    pub extern "extref" fn extref_external_take(env: Env, value: ?Value, type: *const TypeDesc, result: *?*anyopaque) Status;
    pub extern "extref" fn extref_external_take_into(env: Env, value: ?Value, type: *const TypeDesc, dst: *anyopaque, dst_size: usize) Status;
    pub extern "extref" fn extref_external_hold(env: Env, value: ?Value, type: *const TypeDesc, result: *?*RawHold) Status;
    pub extern "extref" fn extref_borrow_release(borrow: ?*RawBorrow) Status;
    pub extern "extref" fn extref_hold_ref(hold: ?*RawHold, result: *RawBorrow) Status;
    pub extern "extref" fn extref_hold_mut_ref(hold: ?*RawHold, result: *RawBorrow) Status;
    pub extern "extref" fn extref_hold_clone_out(hold: ?*RawHold, dst: *anyopaque, dst_size: usize) Status;
    pub extern "extref" fn extref_hold_dup(hold: ?*RawHold, result: *?*RawHold) Status;
    pub extern "extref" fn extref_hold_release(hold: ?*RawHold) Status;
    pub extern "extref" fn extref_last_error() *const RawError;
    pub extern "extref" fn extref_throw(env: Env, status: Status) Status;
    pub extern "extref" fn extref_status_name(status: Status) [*:0]const u8;
    pub extern "extref" fn extref_status_text(status: Status) [*:0]const u8;
    pub extern "extref" fn extref_stats_get(result: *Stats) Status;
    pub extern "extref" fn extref_version() u32;
    pub extern "extref" fn extref_version_string() [*:0]const u8;
};
