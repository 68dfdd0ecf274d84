// toml++ as cordon uses it, for text nobody vouches for (orders, the
// exchange's configuration): header-only, exceptions off (parse errors come
// back as values). toml++ 3.3 asserts (and, in clang release builds,
// *assumes*) conditions that hostile text can break, e.g. `i = [}`; both
// become no-ops here so the parser reaches its own error paths — the
// order and serve_config fuzz targets (ASan + UBSan) check that this is
// safe. Its one true `unreachable` (non-ASCII whitespace tests) must be kept
// away by the caller: give it ASCII only.
#pragma once

#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#pragma push_macro("NDEBUG")
#undef NDEBUG
#define TOML_ASSERT(expr) static_cast<void>(0)
#include <toml++/toml.h>
#pragma pop_macro("NDEBUG")
