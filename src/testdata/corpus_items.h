// The seeded values of `cordon testdata corpus`, shared by its layouts:
// identifiers of every kind (valid keys, checksums and dates) and decoys that
// look like them but must not be reported. Every function draws from the
// generator in a fixed order: the corpus of a seed depends on it.
#pragma once

#include <cstdint>
#include <string>

#include "testdata/rng.h"

namespace cordon::testdata {

struct Item {
  std::string kind;  // empty for a decoy
  std::string text;
};

// Identifier kinds: 0 NIR, 1 CPR, 2 IBAN, 3 card, 4 e-mail, 5 phone.
inline constexpr uint32_t kIdentifierKinds = 6;
// Decoys: 0 NIR with a wrong key, 1 CPR on 31 February, 2 IBAN with wrong
// check digits, 3 card failing Luhn, 4 long order number, 5 NIR inside a
// longer digit run, 6 version number.
inline constexpr uint32_t kDecoyKinds = 7;

Item Identifier(Rng& r, uint32_t kind);
Item Identifier(Rng& r);  // of a random kind
Item Decoy(Rng& r, uint32_t kind);
Item Decoy(Rng& r);  // of a random kind

std::string Digits(Rng& r, int n);
// `v` in decimal, zero-padded to `width`.
std::string Pad(uint32_t v, int width);
// 13 characters of a NIR (sex, year, month, department, commune, order).
std::string NirBody(Rng& r);

}  // namespace cordon::testdata
