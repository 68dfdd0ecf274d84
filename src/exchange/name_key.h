// When two account names are one person's: "Hélène Dupont", "HÉLÈNE
// DUPONT", "Helene  Dupont", "Hélène\u00a0Dupont" and "He\u0301le\u0300ne
// Dupont" (decomposed accents) must all be seen as the same name, or the
// four-eyes rule and the one-account-per-person check are bypassed by
// retyping a name (review of 2026-12: an approver "HÉLÈNE DUPONT" approved
// "Hélène Dupont"'s own request).
#pragma once

#include <string>
#include <string_view>

namespace cordon::exchange {

// A comparison key for a person's name (UTF-8): letters of the Latin-1 and
// Latin Extended-A blocks folded to lower-case ASCII without their accents
// (æ → ae, ß → ss, ø → o, ł → l…), combining marks and invisible characters
// (zero-width, soft hyphen) dropped, every Unicode space, tab, hyphen and
// dash one space, runs of spaces one, none at the ends, typographic
// apostrophes '. Other characters are kept as they are (invalid UTF-8
// byte by byte). Not a transliteration for display: a key to compare.
std::string NameKey(std::string_view name);

}  // namespace cordon::exchange
