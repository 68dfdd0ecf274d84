// Fuzzes the matcher with its validators over arbitrary text: matches are in
// order, inside the text, do not overlap, validate on their own, their masks
// never show the identifier whole, and they are exactly the matches of the
// plain reference matcher (matcher_reference.h), which the fast one replaces.
#include <string>
#include <vector>

#include "detect/matcher.h"
#include "detect/matcher_reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cordon::detect::Match;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t last_end = 0;
  std::vector<Match> fast, reference;
  cordon::detect::FindIdentifiers(text, cordon::detect::kAllKinds, [&](const Match& m) {
    if (m.offset < last_end || m.offset + m.length > text.size() || m.length == 0) __builtin_trap();
    last_end = m.offset + m.length;
    std::string_view id = text.substr(m.offset, m.length);
    if (cordon::detect::Validate(m.kind, id) == cordon::detect::Confidence::kNone) __builtin_trap();
    if (cordon::detect::MaskIdentifier(m.kind, id) == id) __builtin_trap();
    fast.push_back(m);
  });
  cordon::detect::FindIdentifiersReference(text, cordon::detect::kAllKinds,
                                           [&](const Match& m) { reference.push_back(m); });
  if (fast.size() != reference.size()) __builtin_trap();
  for (size_t i = 0; i < fast.size(); ++i) {
    if (fast[i].kind != reference[i].kind || fast[i].offset != reference[i].offset ||
        fast[i].length != reference[i].length || fast[i].confidence != reference[i].confidence)
      __builtin_trap();
  }
  return 0;
}
