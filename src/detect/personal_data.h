// The one rule for "this text holds an identifier": any of the validated
// kinds (NIR, CPR, IBAN, card, e-mail, phone) anywhere in it. The ledger
// refuses such text in entries, the exchange in manifests, orders in ids:
// wherever a string will be kept or shown where personal data must not be.
#pragma once

#include <cstdint>
#include <string_view>

namespace cordon::detect {

bool LooksLikePersonalData(std::string_view s);

// The same question for a JSON integer: true when its digits are a NIR or a
// card number of 15 digits or more (key or Luhn valid). Shorter integers are
// counts, sizes and times (a byte count reaches 15 digits at 100 TB): a CPR,
// a phone or a 13-digit card written as an integer cannot be told from a
// byte count, so they are not looked for (docs/threat-model.md); as text
// they are.
bool LooksLikePersonalNumber(uint64_t v);

}  // namespace cordon::detect
