// Fuzzes `cordon serve --config`: TOML from an operator's file. No crash,
// no exception; whatever is accepted is within the documented bounds.
#include <string_view>

#include "serve/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = cordon::serve::ParseServeConfig(text, "fuzz.toml");
  if (c.ok()) {
    if (c->accounts.session_idle_seconds > 30 * 60 || c->accounts.session_idle_seconds <= 0)
      __builtin_trap();
    if (c->accounts.session_absolute_seconds > 12 * 3600) __builtin_trap();
    if (c->workers && (*c->workers < 1 || *c->workers > 64)) __builtin_trap();
  }
  return 0;
}
