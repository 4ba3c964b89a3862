//! A type with deinit cannot be made cloneable by a bitwise copy: it must
//! declare clone(*const T) !T.
//! expect: has deinit but no clone(*const T) !T
const extref = @import("extref");

const Owned = struct {
    buf: []u8,
    pub fn deinit(self: *Owned) void {
        _ = self;
    }
};
const OwnedType = extref.Type(Owned, .{ .lower = 1, .upper = 2 }, "Owned", .{ .cloneable = true });

export fn size() usize {
    return OwnedType.descriptor.payload_size;
}
