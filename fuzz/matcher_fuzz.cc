// Fuzzes the matcher with its validators over arbitrary text: matches are in
// order, inside the text, do not overlap, validate on their own, and their
// masks never show the identifier whole.
#include <string>

#include "detect/matcher.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t last_end = 0;
  cordon::detect::FindIdentifiers(
      text, cordon::detect::kAllKinds, [&](const cordon::detect::Match& m) {
        if (m.offset < last_end || m.offset + m.length > text.size() || m.length == 0)
          __builtin_trap();
        last_end = m.offset + m.length;
        std::string_view id = text.substr(m.offset, m.length);
        if (cordon::detect::Validate(m.kind, id) == cordon::detect::Confidence::kNone)
          __builtin_trap();
        if (cordon::detect::MaskIdentifier(m.kind, id) == id) __builtin_trap();
      });
  return 0;
}
