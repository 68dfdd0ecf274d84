// AES-CMAC (NIST SP 800-38B; RFC 4493 for AES-128) over OpenSSL's AES, for
// many short messages under one key: the watchlist's digests. Composes the
// block cipher exactly as the standard says (subkeys K1, K2 from
// L = CIPH_K(0^128); CBC-MAC with the last block XORed with K1 when whole,
// padded 10* and XORed with K2 when not); nothing new. Checked against the
// RFC's and SP 800-38B's examples and OpenSSL's own CMAC.
//
// MacMany computes the MACs of a batch together: round r enciphers the r-th
// block of every message that has one in a single call, so AES-NI works on
// eight blocks at a time (about 2 ns a block here, where one HMAC-SHA-256
// costs 100).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secret_buffer.h"

namespace cordon::crypto {

using Mac128 = std::array<uint8_t, 16>;

// Not thread-safe: one OpenSSL cipher context and reused batch buffers.
// Each thread makes its own (Clone shares nothing).
class AesCmac {
 public:
  // `key` is 16 or 32 bytes (AES-128 or AES-256).
  static Result<AesCmac> Create(const SecretBuffer& key);
  Result<AesCmac> Clone() const;

  Mac128 Mac(ByteView message);
  // out[i] = Mac(messages[i]); `out` as long as `messages`.
  void MacMany(std::span<const ByteView> messages, std::span<Mac128> out);

 private:
  struct CtxFree {
    void operator()(void* ctx) const;
  };
  using Ctx = std::unique_ptr<void, CtxFree>;  // EVP_CIPHER_CTX (AES-ECB: CIPH_K on blocks)
  AesCmac(Ctx ctx, SecretBuffer key, SecretBuffer subkeys);
  void Encipher(const uint8_t* in, uint8_t* out, size_t blocks);

  Ctx ctx_;
  SecretBuffer key_;      // for Clone
  SecretBuffer subkeys_;  // K1 ‖ K2
  // Per batch: each message's chaining value, and the blocks of a round
  // (`in_` holds a last block XORed with a subkey: wiped after each round).
  std::vector<uint8_t> state_, in_, out_;
  std::vector<uint32_t> live_;  // messages with a block in the current round
};

}  // namespace cordon::crypto
