// Pseudonyms that are still valid identifiers: a NIR becomes another NIR with
// a correct key (Corsican and overseas forms respected), a CPR another CPR
// with a real date and a consistent century digit (and mod 11 when the input
// had it). FF1 (NIST SP 800-38G) encrypts the parts not kept, and "cycle
// walking" re-encrypts until the result is valid: a permutation of the valid
// identifiers, so two people never share a pseudonym, and the key holder can
// reverse it.
//
// Tweak numbers (AvoidReal, `extract --avoid-real`): pseudonym number t ≥ 1
// runs the same FF1 and walk with the FF1 tweak T ‖ "#" ‖ decimal(t), T being
// the tweak of the ordinary pseudonym (number 0, below); '#' occurs in no T,
// so every number is its own permutation.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret_buffer.h"
#include "crypto/ff1.h"
#include "pseudo/avoid_real.h"

namespace cordon::pseudo {

class NirPseudonym : public TweakedPseudonym {
 public:
  // `keep`: order::KeepPart bits (sex, birth year, birth month kept as they are).
  static Result<NirPseudonym> Create(const SecretBuffer& key, unsigned keep);
  // The input must be a valid NIR, plain or grouped; the output has the same layout.
  Result<std::string> Apply(std::string_view nir) const { return Run(nir, false, 0); }
  Result<std::string> Reverse(std::string_view pseudonym) const { return Run(pseudonym, true, 0); }
  // Pseudonym number `tweak` (0: the one above).
  Result<std::string> Apply(std::string_view nir, uint32_t tweak) const override {
    return Run(nir, false, tweak);
  }
  Result<std::string> Reverse(std::string_view pseudonym, uint32_t tweak) const override {
    return Run(pseudonym, true, tweak);
  }

 private:
  NirPseudonym(crypto::Ff1 ff1, unsigned keep) : ff1_(std::move(ff1)), keep_(keep) {}
  Result<std::string> Run(std::string_view nir, bool reverse, uint32_t tweak) const;
  crypto::Ff1 ff1_;
  unsigned keep_;
};

class CprPseudonym : public TweakedPseudonym {
 public:
  // `keep`: order::kKeepSex or 0 (the sex is the parity of the last digit).
  static Result<CprPseudonym> Create(const SecretBuffer& key, unsigned keep);
  // DDMMYY-SSSS or 10 digits; the output has the same layout.
  Result<std::string> Apply(std::string_view cpr) const { return Run(cpr, false, 0); }
  Result<std::string> Reverse(std::string_view pseudonym) const { return Run(pseudonym, true, 0); }
  // Pseudonym number `tweak` (0: the one above).
  Result<std::string> Apply(std::string_view cpr, uint32_t tweak) const override {
    return Run(cpr, false, tweak);
  }
  Result<std::string> Reverse(std::string_view pseudonym, uint32_t tweak) const override {
    return Run(pseudonym, true, tweak);
  }

 private:
  CprPseudonym(crypto::Ff1 ff1, unsigned keep) : ff1_(std::move(ff1)), keep_(keep) {}
  Result<std::string> Run(std::string_view cpr, bool reverse, uint32_t tweak) const;
  crypto::Ff1 ff1_;  // radix 2: the CPR is numbered densely (date index, serial)
  unsigned keep_;
};

}  // namespace cordon::pseudo
