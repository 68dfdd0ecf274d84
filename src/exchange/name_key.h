// When two account names are one person's: "Hélène Dupont", "HÉLÈNE
// DUPONT", "Helene  Dupont", "Hélène\u00a0Dupont", "He\u0301le\u0300ne
// Dupont" (decomposed accents), "Ștefan" and "Ştefan" (comma or cedilla),
// "ΣΟΦΊΑ" and "Σοφία", fullwidth letters, invisible marks — all one name,
// or the four-eyes rule and the one-account-per-person check are bypassed
// by retyping a name (attack reviews of 2026-12: an approver "HÉLÈNE
// DUPONT" approved "Hélène Dupont"'s own request).
#pragma once

#include <string>
#include <string_view>

namespace cordon::exchange {

// A comparison key for a person's name (UTF-8): Unicode compatibility
// decomposition (NFKD, ICU) and case folding; combining marks (accents) and
// format characters (zero-width, bidi marks, soft hyphen) dropped; the
// letters NFKD does not decompose folded to their base (ø → o, ł → l,
// đ → d, æ → ae, œ → oe, þ → th); every Unicode space and dash one space,
// runs of spaces one, none at the ends; typographic apostrophes '. Invalid
// UTF-8 becomes U+FFFD; Cyrillic and Greek letters that pass for a Latin
// one (Cyrillic "о", Greek "Α") become it. Not a transliteration for
// display: a key to compare — whole names in those scripts still differ
// from their transliteration ("Анна" and "Anna").
std::string NameKey(std::string_view name);

}  // namespace cordon::exchange
