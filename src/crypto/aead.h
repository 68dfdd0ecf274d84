// ChaCha20-Poly1305 (RFC 8439, 96-bit nonce). The key lives in a SecretBuffer
// owned by the object; Seal/Open are the only verbs.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secret_buffer.h"

namespace cordon::crypto {

class ChaCha20Poly1305 {
 public:
  static constexpr size_t kKeySize = 32;
  static constexpr size_t kNonceSize = 12;
  static constexpr size_t kTagSize = 16;
  using Nonce = std::array<uint8_t, kNonceSize>;

  // Fails with kInvalidArgument unless the key is 32 bytes.
  static Result<ChaCha20Poly1305> Create(SecretBuffer key);

  // Encrypts `plaintext` into `out` (plaintext.size() + kTagSize bytes). `out`
  // may alias `plaintext` exactly. Never reuse a nonce under one key.
  void Seal(const Nonce& nonce, ByteView plaintext, std::span<uint8_t> out) const;
  Bytes Seal(const Nonce& nonce, ByteView plaintext) const;

  // Decrypts and authenticates `ciphertext` into `out` (ciphertext.size() -
  // kTagSize bytes). Fails with kAuthFailed if the tag does not verify; `out`
  // is then zeroed, so no unauthenticated plaintext escapes.
  Status Open(const Nonce& nonce, ByteView ciphertext, std::span<uint8_t> out) const;

 private:
  explicit ChaCha20Poly1305(SecretBuffer key) : key_(std::move(key)) {}
  SecretBuffer key_;
};

}  // namespace cordon::crypto
