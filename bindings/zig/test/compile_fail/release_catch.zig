//! release() returns nothing: the old idiom that swallowed WrongThread,
//! `defer r.release() catch {};`, no longer compiles. Handle the error with
//! tryRelease() instead.
//! expect: expected error union type, found 'void'
const extref = @import("extref");

const Pair = extern struct { a: i64, b: i64 };
const PairType = extref.Type(Pair, .{ .lower = 1, .upper = 2 }, "Pair", .{});

export fn use(env: extref.Env, v: extref.Value) i64 {
    var r = PairType.ref(env, v) catch return -1;
    defer r.release() catch {};
    return r.get().a;
}
