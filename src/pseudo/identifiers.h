// Pseudonyms that are still valid identifiers: a NIR becomes another NIR with
// a correct key (Corsican and overseas forms respected), a CPR another CPR
// with a real date and a consistent century digit (and mod 11 when the input
// had it). FF1 (NIST SP 800-38G) encrypts the parts not kept, and "cycle
// walking" re-encrypts until the result is valid: a permutation of the valid
// identifiers, so two people never share a pseudonym, and the key holder can
// reverse it.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret_buffer.h"
#include "crypto/ff1.h"

namespace cordon::pseudo {

class NirPseudonym {
 public:
  // `keep`: order::KeepPart bits (sex, birth year, birth month kept as they are).
  static Result<NirPseudonym> Create(const SecretBuffer& key, unsigned keep);
  // The input must be a valid NIR, plain or grouped; the output has the same layout.
  Result<std::string> Apply(std::string_view nir) const;
  Result<std::string> Reverse(std::string_view pseudonym) const;

 private:
  NirPseudonym(crypto::Ff1 ff1, unsigned keep) : ff1_(std::move(ff1)), keep_(keep) {}
  Result<std::string> Run(std::string_view nir, bool reverse) const;
  crypto::Ff1 ff1_;
  unsigned keep_;
};

class CprPseudonym {
 public:
  // `keep`: order::kKeepSex or 0 (the sex is the parity of the last digit).
  static Result<CprPseudonym> Create(const SecretBuffer& key, unsigned keep);
  // DDMMYY-SSSS or 10 digits; the output has the same layout.
  Result<std::string> Apply(std::string_view cpr) const;
  Result<std::string> Reverse(std::string_view pseudonym) const;

 private:
  CprPseudonym(crypto::Ff1 ff1, unsigned keep) : ff1_(std::move(ff1)), keep_(keep) {}
  Result<std::string> Run(std::string_view cpr, bool reverse) const;
  crypto::Ff1 ff1_;  // radix 2: the CPR is numbered densely (date index, serial)
  unsigned keep_;
};

}  // namespace cordon::pseudo
