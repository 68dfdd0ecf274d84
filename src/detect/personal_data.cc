#include "detect/personal_data.h"

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

}  // namespace cordon::detect
