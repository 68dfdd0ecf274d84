// The one written form of an identifier, so that the same number written two
// ways compares equal: "1 84 12 76 451 089 46" and "184127645108946" are one
// NIR, "070761-4285" and "0707614285" one CPR, "06 12 34 56 78" and
// "+33612345678" one phone number. Used where identifiers are compared by a
// digest of their value (the scan's watchlists), never for display.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "detect/validators.h"

namespace cordon::detect {

// Room for any identifier a validator accepts (an e-mail: 64 + 1 + 253).
inline constexpr size_t kMaxNormalizedSize = 320;

// Writes the normal form of `text`, an identifier of `kind` as found (the
// validators decide that; this only rewrites), into `out` and returns its
// length; 0 when `text` is empty or its normal form does not fit `out`.
// Allocates nothing. Per kind:
//   NIR   letters and digits only, upper case (2a → 2A);
//   CPR   digits only;
//   IBAN  letters and digits only, upper case;
//   card  digits only;
//   e-mail  ASCII lower case (the whole address: no provider tells
//           Jean.Dupont@ from jean.dupont@);
//   phone E.164: '+' and digits; a French national number 0X… becomes
//         +33X…, a 00 international prefix becomes '+'.
size_t NormalizeIdentifier(Kind kind, std::string_view text, std::span<char> out);

}  // namespace cordon::detect
