//! Control for the compile-fail cases: the same module, used correctly,
//! compiles.
//! expect-ok
const extref = @import("extref");

const Owned = struct {
    value: i64,
    pub fn deinit(self: *Owned) void {
        _ = self;
    }
    pub fn clone(self: *const Owned) !Owned {
        return self.*;
    }
};
const OwnedType = extref.Type(Owned, .{ .lower = 1, .upper = 2 }, "Owned", .{ .cloneable = true });

export fn use(env: extref.Env, v: extref.Value) i64 {
    var r = OwnedType.ref(env, v) catch return -1;
    defer r.release();
    var h = OwnedType.hold(env, v) catch return -1;
    defer h.release();
    return r.get().value;
}
