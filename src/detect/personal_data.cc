#include "detect/personal_data.h"

#include <charconv>

#include "detect/matcher.h"

namespace cordon::detect {

bool LooksLikePersonalData(std::string_view s) {
  if (s.size() < 6) return false;  // no identifier is shorter ("a@b.fr")
  // A hex digest (sha256 of a package...) is one word with no boundary
  // inside: the matcher can find nothing in it. Skip the scan.
  // Without branches: digits and letters alternate at random in a digest,
  // and a branch per byte mispredicted cost more than the ledger's parsing.
  if (s.size() >= 32) {
    bool hex = true;
    for (char c : s) hex &= (c >= '0' && c <= '9') | (c >= 'a' && c <= 'f');
    if (hex) return false;
  }
  bool found = false;
  FindIdentifiers(s, kAllKinds, [&](const Match&) { found = true; });
  return found;
}

bool LooksLikePersonalNumber(uint64_t v) {
  if (v < 100'000'000'000'000) return false;  // under 15 digits
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  (void)ec;  // 20 digits at most: it fits
  bool found = false;
  FindIdentifiers(std::string_view(digits, static_cast<size_t>(end - digits)),
                  KindBit(Kind::kNir) | KindBit(Kind::kCard), [&](const Match&) { found = true; });
  return found;
}

}  // namespace cordon::detect
