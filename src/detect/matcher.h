// Finds personal identifiers in text: a single pass proposes candidates
// (digit runs with their spaces, dashes and dots; '@'; '+'; two capitals and
// two digits) at word boundaries, and the validators decide. A candidate is
// cut only at its separators, so a 15-digit stretch inside a 20-digit number
// is never taken for a NIR.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "detect/validators.h"

namespace cordon::detect {

struct Match {
  Kind kind;
  size_t offset;  // in bytes, into the text given
  size_t length;
  Confidence confidence;
};

// A set of kinds (bit i = Kind i).
using KindSet = unsigned;
inline constexpr KindSet kAllKinds = 0x3F;
inline KindSet KindBit(Kind k) { return 1u << static_cast<unsigned>(k); }
// Parses "nir,cpr,iban,card,email,phone" (any subset).
bool ParseKinds(std::string_view list, KindSet& out);

// Calls `found` for every identifier of the given kinds, in text order,
// without overlaps. Thread-safe (no shared state).
void FindIdentifiers(std::string_view text, KindSet kinds,
                     const std::function<void(const Match&)>& found);

// True when no identifier can contain `c`: text cut just after it is
// matched exactly as the whole would be (used to scan streams in pieces).
bool CanSplitAfter(char c);

// Masks an identifier for reports: "1 84 12 ** *** *** **", "j***@orange.fr",
// "FR76 30** **** …". A report must never become a leak itself.
std::string MaskIdentifier(Kind kind, std::string_view text);

}  // namespace cordon::detect
