// Validators of personal identifiers: small pure functions that say whether a
// candidate string (found by a matcher) is a real identifier of its kind.
// They decide, the matcher only proposes: every rule here is a published one
// (INSEE NIR key, CPR century table and mod 11, ISO 13616 IBAN, ISO/IEC 7812
// Luhn and IIN ranges, E.164 and national numbering plans).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cordon::detect {

enum class Kind { kNir, kCpr, kIban, kCard, kEmail, kPhone };
inline constexpr size_t kKindCount = 6;  // the Kinds above: arrays indexed by Kind
std::string_view KindName(Kind k);       // "nir", "cpr", "iban", "card", "email", "phone"

// How sure a validator is: kHigh when a checksum or structure proves it,
// kMedium when only the shape fits (e.g. a CPR issued after 2007 that fails
// mod 11 but has a real date).
enum class Confidence { kNone, kMedium, kHigh };

// French NIR (numéro de sécurité sociale): 13 characters + a 2-digit key,
// plain or grouped 1 2 2 2 3 3 2 with single spaces as on the carte Vitale
// ("1 84 12 76 451 089 46"), dashes or dots (one kind throughout). Sex 1/2 (7/8 for temporary
// numbers), month 01–12, 20–42 or 50–99 (unknown month), department 01–95, 2A/2B (Corsica, key
// computed with 19/18), 97x/98x overseas with a 2-digit commune. The key must equal 97 − (number
// mod 97).
Confidence ValidateNir(std::string_view text);

// Danish CPR: DDMMYY-SSSS or 10 digits. The date must exist in the century
// the 7th digit gives (the official table); mod 11 makes it kHigh. A real
// date alone (numbers without the check exist since 2007) is kMedium in the
// DDMMYY-SSSS form and not enough for ten bare digits.
Confidence ValidateCpr(std::string_view text);

// IBAN (ISO 13616): a known country's length, digits and capitals, mod 97 = 1.
// Spaces between groups of four are accepted ("FR76 3000 6000 …").
Confidence ValidateIban(std::string_view text);

// Payment card numbers: 13–19 digits (spaces or dashes between groups),
// Luhn-valid, in a known IIN range (Visa, Mastercard, Amex, CB, …).
Confidence ValidateCard(std::string_view text);

// E-mail address: local@domain with a dotted domain whose last label is
// alphabetic (2–24 letters); no spaces, bounded lengths (RFC 5321).
Confidence ValidateEmail(std::string_view text);

// Phone numbers: French (0X XX XX XX XX, +33 X XX XX XX XX or 0033 X XX XX
// XX XX, with spaces, dots or dashes), Danish (+45 or 0045 and 8 digits), or
// E.164 (+ and 8–15 digits).
Confidence ValidatePhone(std::string_view text);

Confidence Validate(Kind kind, std::string_view text);

// The NIR key of 13 characters (digits, or 2A/2B at positions 6–7); −1 if
// the characters are not a NIR body.
int NirKey(std::string_view body13);

namespace internal {
// ValidateCard without its fast path for the common shapes (16 digits, bare
// or in four groups of four): the tests check that both always agree.
Confidence ValidateCardAnyShape(std::string_view text);
}  // namespace internal

}  // namespace cordon::detect
