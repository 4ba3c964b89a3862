#!/usr/bin/env bash
# Suite 21: the C++ binding, include/extref.hpp.
#   - the header compiles with -std=c++17 -Wall -Wextra -pedantic -Werror,
#     with and without node-addon-api, exceptions on and off, g++ and
#     clang++ (bindings/cpp/test/compile_check.cc, with static_asserts);
#   - compile-fail cases (bindings/cpp/test/compile_fail.sh): misuses that
#     must not compile, each beside a control that compiles;
#   - three test addons (plain Node-API, the same source again with its own
#     operator new/delete for take across allocators, node-addon-api) built
#     with g++ -shared against the staged libextref, driven by node:test
#     (bindings/cpp/test/*.test.mjs), then by Bun and Deno, then under
#     Node.js again with ASan+UBSan-instrumented addons.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cross/lib.sh"
need_stage

CPP="$EXTREF_ROOT/bindings/cpp"
BUILD="$CPP/build"
mkdir -p "$BUILD"

# node-addon-api from npm, into bindings/cpp/node_modules (once), at the
# version of bindings/cpp/package-lock.json.
if [ ! -f "$CPP/node_modules/node-addon-api/napi.h" ]; then
  check "install node-addon-api from npm (npm ci, package-lock.json)" \
    npm ci --prefix "$CPP" --no-audit --no-fund --loglevel=error
fi
NAA="$CPP/node_modules/node-addon-api"

WARN=(-std=c++17 -Wall -Wextra -pedantic -Werror)
INC=(-I"$EXTREF_ROOT/include" -isystem /usr/include/node -isystem "$NAA")
CC_CHECK="$CPP/test/compile_check.cc"

hpp_compiles() { "$1" "${WARN[@]}" "${INC[@]}" "${@:2}" -c -o /dev/null \
  "$CC_CHECK"; }
check "hpp_compiles_gxx_plain_napi" hpp_compiles g++
check "hpp_compiles_gxx_no_exceptions" hpp_compiles g++ -fno-exceptions
check "hpp_compiles_gxx_extref_cpp_exceptions" hpp_compiles g++ \
  -DEXTREF_CPP_EXCEPTIONS
check "hpp_compiles_clangxx_plain_napi" hpp_compiles clang++
check "hpp_compiles_gxx_napi_h_first_cpp_exceptions" hpp_compiles g++ \
  -DCHECK_NAPI_FIRST -DNAPI_CPP_EXCEPTIONS -DEXTREF_CPP_EXCEPTIONS
check "hpp_compiles_gxx_node_addon_api_macro_no_exceptions" hpp_compiles g++ \
  -DEXTREF_NODE_ADDON_API -DNAPI_DISABLE_CPP_EXCEPTIONS -fno-exceptions
check "hpp_compiles_clangxx_napi_h_first" hpp_compiles clang++ \
  -DCHECK_NAPI_FIRST -DNAPI_DISABLE_CPP_EXCEPTIONS

# Compile-fail cases (test/compile_fail/*.cc, see test/compile_fail.sh):
# each must fail with g++ and clang++ at its marked line, with the expected
# diagnostic, beside a control that compiles.
out="$(CXX_FLAGS_INC="${INC[*]}" bash "$CPP/test/compile_fail.sh" \
  "$BUILD/compile_fail" 2>&1)"
counted "compile_fail.sh" "$?" "$out"

LIBS=($(pkg-config --libs extref) -Wl,-rpath,"$EXTREF_STAGE/lib")
build_addon() {
  g++ "${WARN[@]}" -O1 -g -fPIC -shared "${INC[@]}" "${@:3}" \
    -o "$BUILD/$1" "$CPP/$2" "${LIBS[@]}"
}
check "build_addon_plain_napi" build_addon extref_cpp.node addon.cc
# A second, separately built C++ addon from the same source, whose Tracked
# has its own operator new/delete: take across allocators.
check "build_addon_own_allocator" build_addon extref_cpp_alloc.node \
  addon.cc -DEXTREF_TEST_ALLOC
check "build_addon_node_addon_api" build_addon extref_cpp_napi.node \
  addon_napi.cc -DNAPI_CPP_EXCEPTIONS -DEXTREF_CPP_EXCEPTIONS
links_stage "addon_plain_links_staged_libextref" "$BUILD/extref_cpp.node"
links_stage "addon_napi_links_staged_libextref" "$BUILD/extref_cpp_napi.node"

export EXTREF_CPP_BUILD="$BUILD"
node_tests "$CPP"/test/*.test.mjs
# The same files under Bun and Deno, each case prefixed with the runtime.
for f in "$CPP"/test/*.test.mjs; do
  runtime_tests bun "$f"
  runtime_tests deno "$f"
done

# Again under Node.js with both addons built with AddressSanitizer and
# UBSan (the runtime preloads them): the header's placement new, launder,
# moves and guards must be clean. Cases are prefixed "asan".
ASAN_DIR="$BUILD/asan"
mkdir -p "$ASAN_DIR"
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=undefined
  -fno-omit-frame-pointer)
check "build_addon_plain_napi_asan" build_addon asan/extref_cpp.node \
  addon.cc "${SAN[@]}"
check "build_addon_own_allocator_asan" build_addon \
  asan/extref_cpp_alloc.node addon.cc -DEXTREF_TEST_ALLOC "${SAN[@]}"
check "build_addon_node_addon_api_asan" build_addon \
  asan/extref_cpp_napi.node addon_napi.cc -DNAPI_CPP_EXCEPTIONS \
  -DEXTREF_CPP_EXCEPTIONS "${SAN[@]}"
PRELOAD="$(g++ -print-file-name=libasan.so):$(g++ -print-file-name=libubsan.so)"
EXTREF_CPP_BUILD="$ASAN_DIR" EXTREF_TEST_PREFIX=asan LD_PRELOAD="$PRELOAD" \
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 node_tests "$CPP"/test/*.test.mjs
finish
