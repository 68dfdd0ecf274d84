#include "detect/personal_data.h"

#include <algorithm>

#include "detect/matcher.h"

namespace cordon::detect {

bool LooksLikePersonalData(std::string_view s) {
  if (s.size() < 6) return false;  // no identifier is shorter ("a@b.fr")
  // A hex digest (sha256 of a package...) is one word with no boundary
  // inside: the matcher can find nothing in it. Skip the scan.
  if (s.size() >= 32 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      })) {
    return false;
  }
  bool found = false;
  FindIdentifiers(s, kAllKinds, [&](const Match&) { found = true; });
  return found;
}

}  // namespace cordon::detect
