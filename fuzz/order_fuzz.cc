// Fuzzes the order loader (TOML, keys, types, where, follow): any input gives
// an order or diagnostics, never a crash.
#include "order/order.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto loaded = cordon::order::ParseOrder({reinterpret_cast<const char*>(data), size}, "fuzz.toml");
  for (const auto& p : loaded.problems) (void)cordon::order::FormatDiagnostic("fuzz.toml", p);
  return 0;
}
