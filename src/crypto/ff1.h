// FF1 format-preserving encryption (NIST SP 800-38G, AES-128/192/256): a
// string of numerals in radix 2..36 becomes another string of the same
// length and radix, reversibly under the key and tweak. Composes OpenSSL's
// AES exactly as the standard says (PRF = AES-CBC-MAC); nothing new.
//
// Domain: NIST requires radix^length ≥ 1,000,000 (Create/Encrypt refuse
// smaller domains: a tiny domain can be tabulated). Each half must stay
// below 2^120 so that the arithmetic fits 128-bit integers: up to 72 decimal
// digits, 46 base-36 characters.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secret_buffer.h"

namespace cordon::crypto {

// Not thread-safe: Encrypt/Decrypt reuse one OpenSSL cipher context. Each
// thread makes its own Ff1 (the pipeline's TransformPool gives every worker
// its own transforms).
class Ff1 {
 public:
  // `key` is 16, 24 or 32 bytes (AES-128/192/256).
  static Result<Ff1> Create(const SecretBuffer& key, unsigned radix);

  unsigned radix() const { return radix_; }
  // The shortest length NIST allows for this radix (radix^n ≥ 10^6).
  size_t min_length() const { return min_length_; }
  size_t max_length() const { return max_length_; }

  // Numerals as values 0..radix-1, transformed in place.
  Status Encrypt(std::span<uint8_t> numerals, ByteView tweak) const;
  Status Decrypt(std::span<uint8_t> numerals, ByteView tweak) const;

  // Numerals as characters of "0123456789abcdefghijklmnopqrstuvwxyz".
  Result<std::string> EncryptString(std::string_view text, ByteView tweak) const;
  Result<std::string> DecryptString(std::string_view text, ByteView tweak) const;

 private:
  struct CtxFree {
    void operator()(void* ctx) const;
  };
  using Ctx = std::unique_ptr<void, CtxFree>;  // EVP_CIPHER_CTX (AES-ECB: CIPH_K on blocks)
  Ff1(Ctx ctx, unsigned radix);
  Status Run(std::span<uint8_t> x, ByteView tweak, bool decrypt) const;
  void Block(const uint8_t* in, uint8_t* out) const;  // CIPH_K of one 16-byte block
  // R = PRF(P || Q) given E(P), then S, the first d bytes of R || CIPH(R ⊕ [1]) || …
  void RoundBytes(const uint8_t* ep, ByteView q, size_t d, uint8_t* s) const;

  Ctx ctx_;
  unsigned radix_;
  size_t min_length_;
  size_t max_length_;
};

}  // namespace cordon::crypto
