// ChaCha20-Poly1305 (RFC 8439, 96-bit nonce) over OpenSSL's EVP interface
// (its AVX2/AVX-512 code is about twice as fast as libsodium's here). The key
// lives only inside the object's cipher contexts, which OpenSSL wipes on
// release; Seal/Open are the only verbs. Not thread-safe: one user at a time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
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
  // may alias `plaintext` exactly. Never reuse a nonce under one key. The
  // associated data `aad` is authenticated, not encrypted, and not part of
  // the output: Open must be given the same bytes (it binds a ciphertext to
  // its context, e.g. the row it belongs to).
  void Seal(const Nonce& nonce, ByteView aad, ByteView plaintext, std::span<uint8_t> out) const;
  // Without associated data (age's payload and file-key stanzas).
  void Seal(const Nonce& nonce, ByteView plaintext, std::span<uint8_t> out) const {
    Seal(nonce, ByteView(), plaintext, out);
  }
  Bytes Seal(const Nonce& nonce, ByteView plaintext) const;

  // Decrypts and authenticates `ciphertext` (and `aad`) into `out`
  // (ciphertext.size() - kTagSize bytes). Fails with kAuthFailed if the tag
  // does not verify; `out` is then zeroed, so no unauthenticated plaintext
  // escapes.
  Status Open(const Nonce& nonce, ByteView aad, ByteView ciphertext, std::span<uint8_t> out) const;
  // Without associated data.
  Status Open(const Nonce& nonce, ByteView ciphertext, std::span<uint8_t> out) const {
    return Open(nonce, ByteView(), ciphertext, out);
  }

 private:
  struct CtxFree {
    void operator()(void* ctx) const;
  };
  using Ctx = std::unique_ptr<void, CtxFree>;  // EVP_CIPHER_CTX, kept out of the header
  ChaCha20Poly1305(Ctx seal, Ctx open) : seal_(std::move(seal)), open_(std::move(open)) {}
  Ctx seal_;
  Ctx open_;
};

}  // namespace cordon::crypto
