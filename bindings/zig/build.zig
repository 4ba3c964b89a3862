//! Builds the Zig binding of libextref.
//!
//!   zig build          the test addon, installed as zig-out/lib/extref_zig.node
//!   zig build test     unit tests of extref.zig (no JS host needed)
//!   zig build test-bin the same tests as zig-out/bin/extref-unit
//!
//! libextref is found with pkg-config (PKG_CONFIG_PATH must reach extref.pc),
//! or, with -Dbundled=true, compiled from its own C sources into whatever
//! links the module (no system package): its extref_ functions hidden, the
//! addon's own copy of the library (man 7 extref, "Copies of the library").
//!   -Dextref-src=DIR       the tree holding src/ and include/ (default: this
//!                          repository, ../..)
//!   -Dnode-api-include=DIR the Node-API headers (default /usr/include/node)

const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});

    const bundled = b.option(bool, "bundled", "Compile libextref from source into the addon instead of linking libextref.so.1") orelse false;
    const extref_src = b.option(std.Build.LazyPath, "extref-src", "With -Dbundled: the libextref tree (src/, include/)") orelse b.path("../..");
    const node_api_include = b.option(std.Build.LazyPath, "node-api-include", "With -Dbundled: the Node-API headers") orelse std.Build.LazyPath{ .cwd_relative = "/usr/include/node" };
    // The binding: a module other packages import as "extref".
    const extref = b.addModule("extref", .{
        .root_source_file = b.path("src/extref.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        // The bundled C sources go into a shared addon: position-independent
        // (their thread-locals use the dynamic TLS model).
        .pic = if (bundled) true else null,
    });
    if (bundled) {
        const root = extref_src;
        extref.addIncludePath(root.path(b, "include"));
        extref.addIncludePath(root.path(b, "src"));
        extref.addIncludePath(node_api_include);
        extref.addCSourceFiles(.{
            .root = root.path(b, "src"),
            .files = &.{
                "alloc.c",    "borrow.c",  "env.c",     "external.c", "hold.c",
                "napi.c",     "os.c",      "payload.c", "pin.c",      "reader.c",
                "registry.c", "stats.c",   "status.c",  "table.c",    "thread.c",
                "throw.c",    "version.c",
            },
            .flags = &.{
                "-std=c11",          "-fvisibility=hidden",                   "-pthread",
                "-DEXTREF_BUILDING", "-D_GNU_SOURCE",                         "-DEXTREF_EXTERN=",
                "-fPIC",             "-DEXTREF_TLS_MODEL=\"global-dynamic\"",
            },
        });
    } else {
        extref.linkSystemLibrary("extref", .{ .use_pkg_config = .force });
    }

    // The test addon: a shared library that Node.js loads as a .node file.
    // Node-API symbols stay undefined: the host process defines them.
    const addon = b.addLibrary(.{
        .linkage = .dynamic,
        .name = "extref_zig",
        .root_module = b.createModule(.{
            .root_source_file = b.path("src/addon.zig"),
            .target = target,
            .optimize = optimize,
            .link_libc = true,
            .imports = &.{.{ .name = "extref", .module = extref }},
        }),
    });
    addon.linker_allow_shlib_undefined = true;
    // Windows: a DLL cannot leave napi_* undefined for the host to fill in.
    // src/napi_host_win.c (tests/windows/gen-napi.sh) binds them when the
    // addon loads, from the executable that hosts it (node.exe, deno.exe,
    // bun.exe) or node.dll, with no import library of node.exe.
    if (target.result.os.tag == .windows) {
        addon.root_module.addCSourceFile(.{ .file = b.path("src/napi_host_win.c") });
    }
    const install_addon = b.addInstallFileWithDir(
        addon.getEmittedBin(),
        .lib,
        "extref_zig.node",
    );
    b.getInstallStep().dependOn(&install_addon.step);

    // Unit tests. src/layout.c, compiled against the installed extref.h,
    // exports the C layout of every ABI struct for them to compare with
    // the hand-written Zig declarations.
    const test_mod = b.createModule(.{
        .root_source_file = b.path("src/test.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        .imports = &.{.{ .name = "extref", .module = extref }},
    });
    if (bundled) {
        test_mod.addIncludePath(extref_src.path(b, "include"));
    } else {
        test_mod.linkSystemLibrary("extref", .{ .use_pkg_config = .force });
    }
    test_mod.addCSourceFile(.{
        .file = b.path("src/layout.c"),
        .flags = &.{ "-std=c11", "-Wall", "-Wextra", "-pedantic", "-Werror" },
    });
    const tests = b.addTest(.{ .root_module = test_mod });
    const run_tests = b.addRunArtifact(tests);
    b.step("test", "Run the unit tests of extref.zig").dependOn(&run_tests.step);
    // The same tests as zig-out/bin/extref-unit, for runners that want one
    // line per test (tests/suites/22-zig.sh).
    const install_tests = b.addInstallArtifact(tests, .{
        .dest_sub_path = "extref-unit",
    });
    b.step("test-bin", "Install the unit test binary").dependOn(&install_tests.step);
}
