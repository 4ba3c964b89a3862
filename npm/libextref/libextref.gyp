# libextref compiled from its sources as a static library that node-gyp
# links into your addon. In binding.gyp:
#   "dependencies": ["<!(node -p \"require('libextref').gyp\")"]
# Every extref_ function is hidden (-fvisibility=hidden, EXTREF_EXTERN
# empty): your addon carries its own copy of the library and exports none of
# it, so it never interposes with another addon's copy (man 7 extref,
# "Copies of the library").
{
  "targets": [
    {
      "target_name": "extref",
      "type": "static_library",
      "sources": [
        "src/alloc.c", "src/borrow.c", "src/env.c", "src/external.c",
        "src/hold.c", "src/napi.c", "src/os.c", "src/payload.c",
        "src/pin.c", "src/reader.c", "src/registry.c", "src/stats.c",
        "src/status.c", "src/table.c", "src/thread.c", "src/throw.c",
        "src/version.c"
      ],
      "include_dirs": ["include", "src"],
      "defines": ["EXTREF_BUILDING", "_GNU_SOURCE", "EXTREF_EXTERN=",
                  "EXTREF_TLS_MODEL=\"global-dynamic\""],
      "cflags": ["-std=c11", "-fvisibility=hidden", "-pthread"],
      "cflags!": ["-fno-exceptions"],
      "xcode_settings": {
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "OTHER_CFLAGS": ["-std=c11"]
      },
      "direct_dependent_settings": {
        "include_dirs": ["include"],
        "defines": ["EXTREF_EXTERN="]
      },
      "link_settings": {
        "conditions": [
          ["OS=='linux'", { "libraries": ["-ldl", "-lpthread"] }]
        ]
      }
    }
  ]
}
