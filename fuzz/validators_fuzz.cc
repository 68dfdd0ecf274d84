// Fuzzes every validator: the first byte picks the kind, the rest is the
// candidate. Validators must never crash, and a validated candidate must
// validate again when copied (purity).
#include <string>

#include "detect/validators.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  auto kind = static_cast<cordon::detect::Kind>(data[0] % cordon::detect::kKindCount);
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto c = cordon::detect::Validate(kind, text);
  if (c != cordon::detect::Validate(kind, std::string(text))) __builtin_trap();
  if (text.size() == 13) (void)cordon::detect::NirKey(text);
  return 0;
}
