#include "crypto/aead.h"

#include <sodium.h>

#include <cstdlib>

namespace cordon::crypto {

Result<ChaCha20Poly1305> ChaCha20Poly1305::Create(SecretBuffer key) {
  if (key.size() != kKeySize) {
    return Error(ErrorCode::kInvalidArgument, "ChaCha20-Poly1305 keys are 32 bytes");
  }
  return ChaCha20Poly1305(std::move(key));
}

void ChaCha20Poly1305::Seal(const Nonce& nonce, ByteView plaintext, std::span<uint8_t> out) const {
  if (out.size() != plaintext.size() + kTagSize) std::abort();
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(
      out.data(), out.data() + plaintext.size(), nullptr, plaintext.data(), plaintext.size(),
      nullptr, 0, nullptr, nonce.data(), key_.RevealBytes().data());
}

Bytes ChaCha20Poly1305::Seal(const Nonce& nonce, ByteView plaintext) const {
  Bytes out(plaintext.size() + kTagSize);
  Seal(nonce, plaintext, out);
  return out;
}

Status ChaCha20Poly1305::Open(const Nonce& nonce, ByteView ciphertext,
                              std::span<uint8_t> out) const {
  if (ciphertext.size() < kTagSize || out.size() != ciphertext.size() - kTagSize) {
    return Error(ErrorCode::kTruncated, "ciphertext is shorter than its authentication tag");
  }
  size_t len = ciphertext.size() - kTagSize;
  if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(
          out.data(), nullptr, ciphertext.data(), len, ciphertext.data() + len, nullptr, 0,
          nonce.data(), key_.RevealBytes().data()) != 0) {
    WipeBytes(out);
    return Error(ErrorCode::kAuthFailed, "authentication tag does not verify");
  }
  return Ok();
}

}  // namespace cordon::crypto
