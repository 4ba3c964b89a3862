//! Handles are released through a pointer to a variable, which release
//! poisons: a const hold cannot be released.
//! expect: cast discards const qualifier
const extref = @import("extref");

const Pair = extern struct { a: i64, b: i64 };
const PairType = extref.Type(Pair, .{ .lower = 1, .upper = 2 }, "Pair", .{});

export fn use(env: extref.Env, v: extref.Value) void {
    const h = PairType.hold(env, v) catch return;
    h.release();
}
