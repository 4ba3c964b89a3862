#pragma once
/* Shared by the compile-fail snippets (tests/suites/21-cpp.sh). Each
 * snippet marks the one line that must not compile with `// ERROR`, names
 * the diagnostic it expects in a `// expect: ERE` line, and compiles
 * cleanly with -DCONTROL, where that line is replaced by the safe spelling.
 *
 * SPDX-License-Identifier: MIT
 */
#include "extref.hpp"

#include <cstdint>
#include <utility>

struct Counter {
  std::int64_t value;
};
struct Wide {
  std::int64_t value;
  std::int64_t extra;
};

template <> struct extref::traits<Counter> {
  static constexpr extref_tag_t tag = {0x6c69626578747265ull,
                                       0x66436f756e746572ull};
  static constexpr const char *name = "Counter";
  static constexpr std::uint32_t flags = EXTREF_TYPE_SEND;
};
template <> struct extref::traits<Wide> {
  static constexpr extref_tag_t tag = {0x6c69626578747265ull,
                                       0x66436f756e746572ull};
  static constexpr const char *name = "Wide";
  static constexpr std::uint32_t flags = EXTREF_TYPE_SEND;
};

void use(const Counter &);
void use(const Counter *);
void use(const extref::error &);
