// The one rule for "this text holds an identifier": any of the validated
// kinds (NIR, CPR, IBAN, card, e-mail, phone) anywhere in it. The ledger
// refuses such text in entries, the exchange in manifests, orders in ids:
// wherever a string will be kept or shown where personal data must not be.
#pragma once

#include <string_view>

namespace cordon::detect {

bool LooksLikePersonalData(std::string_view s);

}  // namespace cordon::detect
