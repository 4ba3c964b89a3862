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
//!     defer r.release();
//!     const n = r.get().value;
//!
//! Handles (Ref, MutRef, Hold) are released through a pointer to the
//! variable, which release poisons: a second release of the same variable
//! is error.InvalidArg (tryRelease) and get() on it panics. `release()`
//! returns nothing and reports a failure loudly (std.log.err, scope
//! .extref, and releaseFailures()); `tryRelease()` returns it.
//!
//! Payloads created here are allocated with the type's allocator (the C
//! allocator unless TypeOptions.allocator says otherwise) and dropped by
//! destroying them, after calling `deinit(*T)` when T declares one. The
//! type's move (ABI 1.1) moves the T out and frees with that same
//! allocator, so `take` works whichever module created the payload.
//! Clone-out calls `clone(*const T) !T` when T declares one, or copies
//! bitwise when T is plain data (no deinit, no pointers); otherwise the
//! type is not cloneable unless TypeOptions.cloneable says so.
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
//
// Every handle is released through a pointer to the variable that holds it,
// and release poisons that variable: a second release through it is
// error.InvalidArg (and changes nothing), get() on it panics. Zig cannot
// stop a handle struct from being copied by value; a copy released after
// the original (or the original after a copy) is caught by the library's
// identity checks: error.InvalidArg, nothing changed, never another
// handle's count.
//
// Two ways to release:
//   - `release()` returns nothing, so `defer x.release();` is the idiom. A
//     failure is never silent: it is logged with std.log.err (scope
//     .extref; route it with std.Options.logFn) and counted in
//     releaseFailures(). error.WrongThread (a thread-bound payload released
//     off its creating thread) leaves the handle live and unpoisoned: it
//     must still be released on the creating thread, or it is leaked.
//   - `tryRelease()` returns the error for code that handles it.

/// The extref log scope: failures of release() are logged here.
pub const log = std.log.scoped(.extref);

var release_failures: std.atomic.Value(u64) = .init(0);

/// How many release() calls (of any handle, any thread) failed and were
/// logged since the process started.
pub fn releaseFailures() u64 {
    return release_failures.load(.monotonic);
}

fn reportRelease(comptime what: []const u8, err: Error) void {
    _ = release_failures.fetchAdd(1, .monotonic);
    const msg = if (lastError().status == statusOf(err)) lastMessage() else statusText(statusOf(err));
    if (err == error.WrongThread) {
        log.err(what ++ ".release() failed, {s}: {s}; it stays live: " ++
            "release it on its creating thread or it is leaked", .{ statusName(statusOf(err)), msg });
    } else {
        log.err(what ++ ".release() failed, {s}: {s}", .{ statusName(statusOf(err)), msg });
    }
}

/// Ends a raw borrow (of either kind); the library empties *b on success.
pub fn releaseRaw(b: *RawBorrow) Error!void {
    return check(c.extref_borrow_release(b));
}

/// Ends the borrow in *raw; poisons it (zeroes it) unless it stays live
/// (error.WrongThread).
fn releaseBorrow(raw: *RawBorrow) Error!void {
    check(c.extref_borrow_release(raw)) catch |err| {
        if (err != error.WrongThread) raw.* = .{};
        return err;
    };
    raw.* = .{};
}

fn BorrowOf(comptime Ptr: type, comptime what: []const u8) type {
    return struct {
        const Self = @This();
        raw: RawBorrow,

        /// The payload, valid until this borrow is released. Panics on a
        /// released (poisoned) borrow.
        pub fn get(self: *const Self) Ptr {
            const p = self.raw.payload orelse
                @panic("extref: get() on a released " ++ what);
            return @ptrCast(@alignCast(p));
        }

        /// Ends the borrow and poisons *self. Never fails silently: a
        /// failure is logged (std.log.err, scope .extref) and counted in
        /// releaseFailures(). On error.WrongThread the borrow stays live;
        /// release it on the payload's creating thread.
        pub fn release(self: *Self) void {
            self.tryRelease() catch |err| reportRelease(what, err);
        }

        /// Ends the borrow and poisons *self, or says why not:
        /// error.InvalidArg (released already, through this variable or a
        /// copy; nothing changed); error.WrongThread (a thread-bound
        /// payload off its creating thread: the borrow stays live).
        pub fn tryRelease(self: *Self) Error!void {
            return releaseBorrow(&self.raw);
        }
    };
}

/// A shared borrow of a T (like &T). Keep it in a `var` and release it
/// once, through that variable: `defer r.release();`.
pub fn Ref(comptime T: type) type {
    return BorrowOf(*const T, "Ref");
}

/// An exclusive borrow of a T (like &mut T). As Ref.
pub fn MutRef(comptime T: type) type {
    return BorrowOf(*T, "MutRef");
}

/// A counted owner of a T payload (like Arc<T>), independent of the garbage
/// collector. Keep it in a `var` and release it once through that variable;
/// dup() makes another. A released hold is poisoned (null): every call on
/// it is error.InvalidArg.
pub fn Hold(comptime T: type) type {
    return struct {
        const Self = @This();
        raw: ?*RawHold,

        pub fn ref(self: *const Self) Error!Ref(T) {
            var b: RawBorrow = .{};
            try check(c.extref_hold_ref(self.raw, &b));
            return .{ .raw = b };
        }

        pub fn mutRef(self: *const Self) Error!MutRef(T) {
            var b: RawBorrow = .{};
            try check(c.extref_hold_mut_ref(self.raw, &b));
            return .{ .raw = b };
        }

        pub fn cloneOut(self: *const Self) Error!T {
            var out: T = undefined;
            try check(c.extref_hold_clone_out(self.raw, &out, @sizeOf(T)));
            return out;
        }

        pub fn dup(self: *const Self) Error!Self {
            var h: ?*RawHold = null;
            try check(c.extref_hold_dup(self.raw, &h));
            return .{ .raw = h.? };
        }

        /// Ends the hold and poisons *self. Never fails silently: a failure
        /// is logged (std.log.err, scope .extref) and counted in
        /// releaseFailures(). On error.WrongThread the hold stays live.
        pub fn release(self: *Self) void {
            self.tryRelease() catch |err| reportRelease("Hold", err);
        }

        /// Ends the hold and poisons *self, or says why not:
        /// error.InvalidArg (released already through this variable, which
        /// the binding knows without asking the library, or through a copy;
        /// nothing changed); error.WrongThread (the hold stays live).
        pub fn tryRelease(self: *Self) Error!void {
            const h = self.raw orelse return error.InvalidArg;
            check(c.extref_hold_release(h)) catch |err| {
                if (err != error.WrongThread) self.raw = null;
                return err;
            };
            self.raw = null;
        }
    };
}

// ---- Type descriptors --------------------------------------------------------

pub const TypeOptions = struct {
    /// type_send, type_js_drop.
    flags: u32 = 0,
    /// Whether clone-out works (error.NotCloneable when it does not).
    ///   null (the default): cloneable when T declares
    ///     `clone(*const T) !T`, or when T is plain data (isPlainData: no
    ///     deinit, no pointers anywhere), copied bitwise. A T with deinit
    ///     and no clone is not cloneable: a bitwise copy would share what
    ///     deinit frees.
    ///   true: cloneable, a compile error when T has deinit and no clone;
    ///     bitwise for a T without deinit (pointers are then copied: you
    ///     opted in).
    ///   false: not cloneable.
    cloneable: ?bool = null,
    /// Whether take works (error.NotMovable when it does not). The move
    /// calls `move(*T) !T` when T declares one (an error means nothing
    /// moved: leave *self as it was), else moves bitwise; then it frees the
    /// payload's storage with `allocator`, without deinit.
    movable: bool = true,
    /// The allocator of the payloads `create` makes; the drop and the move
    /// free with it, so a payload is freed by the allocator that made it
    /// whichever module drops or takes it.
    allocator: std.mem.Allocator = std.heap.c_allocator,
};

fn hasDecl(comptime T: type, comptime name: []const u8) bool {
    return switch (@typeInfo(T)) {
        .@"struct", .@"union", .@"enum", .@"opaque" => @hasDecl(T, name),
        else => false,
    };
}

/// Plain data: no deinit and no pointers (nor opaque or function types)
/// anywhere inside. A bitwise copy of plain data is an independent value.
pub fn isPlainData(comptime T: type) bool {
    if (hasDecl(T, "deinit")) return false;
    return switch (@typeInfo(T)) {
        .void, .bool, .int, .float, .@"enum" => true,
        .array => |a| isPlainData(a.child),
        .vector => |v| isPlainData(v.child),
        .optional => |o| isPlainData(o.child),
        .@"struct" => |s| inline for (s.field_types) |F| {
            if (!isPlainData(F)) break false;
        } else true,
        .@"union" => |u| inline for (u.field_types) |F| {
            if (!isPlainData(F)) break false;
        } else true,
        else => false,
    };
}

/// The allocator behind payloads that Zig creates, unless
/// TypeOptions.allocator names another.
pub const allocator = std.heap.c_allocator;

/// The descriptor of payload type T with the given tag, and the typed
/// operations on its externals. `descriptor` has static storage.
///
/// T may declare:
///   `deinit(*T) void`        run by the drop (never by take);
///   `clone(*const T) !T`     clone-out; an error is error.CloneFailed;
///   `move(*T) !T`            take's move; an error is error.NotMovable and
///                            must leave *self as it was.
/// A panic in any of them aborts the process: Zig panics cannot be caught.
pub fn Type(
    comptime T: type,
    comptime tag: Tag,
    comptime name: [:0]const u8,
    comptime options: TypeOptions,
) type {
    const has_deinit = hasDecl(T, "deinit");
    const has_clone = hasDecl(T, "clone");
    const cloneable = options.cloneable orelse (has_clone or isPlainData(T));
    if (cloneable and has_deinit and !has_clone) @compileError(name ++ ": " ++
        @typeName(T) ++ " has deinit but no clone(*const T) !T: a bitwise clone " ++
        "would share what deinit frees; declare clone or set .cloneable = false");
    const alloc = options.allocator;

    return struct {
        pub const Payload = T;

        pub const descriptor: TypeDesc = .{
            .struct_size = @sizeOf(TypeDesc),
            .flags = options.flags,
            .tag = tag,
            .name = name.ptr,
            .payload_size = @sizeOf(T),
            .drop = &drop,
            .clone = if (cloneable) &clone else null,
            .type_data = null,
            .move = if (options.movable) &move else null,
        };

        fn drop(payload: ?*anyopaque, _: ?*anyopaque, _: ?Env) callconv(.c) void {
            const p: *T = @ptrCast(@alignCast(payload.?));
            if (comptime has_deinit) p.deinit();
            alloc.destroy(p);
        }

        fn clone(
            payload: ?*const anyopaque,
            dst: ?*anyopaque,
            _: ?*anyopaque,
        ) callconv(.c) c_int {
            const src: *const T = @ptrCast(@alignCast(payload.?));
            const out: *T = @ptrCast(@alignCast(dst.?));
            if (comptime has_clone) {
                out.* = src.clone() catch return 1;
            } else {
                out.* = src.*;
            }
            return 0;
        }

        /// The creator's move: the T into dst, the storage freed with this
        /// type's allocator, no deinit. Non-zero: nothing moved.
        fn move(payload: ?*anyopaque, dst: ?*anyopaque, _: ?*anyopaque) callconv(.c) c_int {
            const p: *T = @ptrCast(@alignCast(payload.?));
            const out: *T = @ptrCast(@alignCast(dst.?));
            if (comptime hasDecl(T, "move")) {
                out.* = p.move() catch return 1;
            } else {
                out.* = p.*;
            }
            alloc.destroy(p);
            return 0;
        }

        /// Moves value into a new payload and wraps it in a new external.
        /// On failure the value is still the caller's.
        pub fn create(env: Env, value: T, external_bytes: i64) Error!Value {
            const p = alloc.create(T) catch return error.NoMemory;
            p.* = value;
            var result: ?Value = null;
            const s = c.extref_external_create(env, &descriptor, p, external_bytes, &result);
            check(s) catch |err| {
                alloc.destroy(p);
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

        /// A copy made by this type's clone (not the creator's).
        pub fn cloneOut(env: Env, value: ?Value) Error!T {
            var out: T = undefined;
            try check(c.extref_external_clone_out(env, value, &descriptor, &out, @sizeOf(T)));
            return out;
        }

        /// Moves the payload out (ABI 1.1 take-into): the creator's move
        /// runs, so the creator's allocator frees the creator's storage,
        /// whichever module or language created it. The T returned is the
        /// caller's: deinit it when T has deinit (the drop never runs).
        /// error.NotMovable: the creator's type has no move, or it failed.
        pub fn take(env: Env, value: ?Value) Error!T {
            var out: T = undefined;
            try check(c.extref_external_take_into(env, value, &descriptor, &out, @sizeOf(T)));
            return out;
        }

        /// Moves the payload out with the 1.0 extref_external_take: the
        /// pointer the creator allocated. The caller must free it the
        /// creator's way, which only the creator knows; prefer take.
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
    pub extern fn extref_external_create(env: Env, type: *const TypeDesc, payload: *anyopaque, external_bytes: i64, result: *?Value) Status;
    pub extern fn extref_external_ref(env: Env, value: ?Value, type: *const TypeDesc, result: *RawBorrow) Status;
    pub extern fn extref_external_mut_ref(env: Env, value: ?Value, type: *const TypeDesc, result: *RawBorrow) Status;
    pub extern fn extref_external_clone_out(env: Env, value: ?Value, type: *const TypeDesc, dst: *anyopaque, dst_size: usize) Status;
    pub extern fn extref_external_take(env: Env, value: ?Value, type: *const TypeDesc, result: *?*anyopaque) Status;
    pub extern fn extref_external_take_into(env: Env, value: ?Value, type: *const TypeDesc, dst: *anyopaque, dst_size: usize) Status;
    pub extern fn extref_external_hold(env: Env, value: ?Value, type: *const TypeDesc, result: *?*RawHold) Status;
    pub extern fn extref_borrow_release(borrow: ?*RawBorrow) Status;
    pub extern fn extref_hold_ref(hold: ?*RawHold, result: *RawBorrow) Status;
    pub extern fn extref_hold_mut_ref(hold: ?*RawHold, result: *RawBorrow) Status;
    pub extern fn extref_hold_clone_out(hold: ?*RawHold, dst: *anyopaque, dst_size: usize) Status;
    pub extern fn extref_hold_dup(hold: ?*RawHold, result: *?*RawHold) Status;
    pub extern fn extref_hold_release(hold: ?*RawHold) Status;
    pub extern fn extref_last_error() *const RawError;
    pub extern fn extref_throw(env: Env, status: Status) Status;
    pub extern fn extref_status_name(status: Status) [*:0]const u8;
    pub extern fn extref_status_text(status: Status) [*:0]const u8;
    pub extern fn extref_stats_get(result: *Stats) Status;
    pub extern fn extref_version() u32;
    pub extern fn extref_version_string() [*:0]const u8;
};
