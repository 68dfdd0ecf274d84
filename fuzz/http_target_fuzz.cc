// Fuzzes the request-target parser (path and percent-decoded query): no
// crash, and the path is always the target's prefix before '?', undecoded.
#include <string_view>

#include "serve/http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view target(reinterpret_cast<const char*>(data), size);
  cordon::serve::Request r;
  cordon::serve::ParseTarget(target, r);
  if (r.path != target.substr(0, target.find('?'))) __builtin_trap();
  for (const auto& [k, v] : r.query) {
    if (k.size() > size || v.size() > size) __builtin_trap();
  }
  return 0;
}
