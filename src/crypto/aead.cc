#include "crypto/aead.h"

#include <openssl/evp.h>

#include <climits>
#include <cstdlib>

namespace cordon::crypto {
namespace {

template <typename Ptr>
EVP_CIPHER_CTX* Raw(const Ptr& ctx) {
  return static_cast<EVP_CIPHER_CTX*>(ctx.get());
}

}  // namespace

void ChaCha20Poly1305::CtxFree::operator()(void* ctx) const {
  EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx));  // also cleanses the key schedule
}

Result<ChaCha20Poly1305> ChaCha20Poly1305::Create(SecretBuffer key) {
  if (key.size() != kKeySize) {
    return Error(ErrorCode::kInvalidArgument, "ChaCha20-Poly1305 keys are 32 bytes");
  }
  Ctx seal(EVP_CIPHER_CTX_new()), open(EVP_CIPHER_CTX_new());
  if (!seal || !open) std::abort();
  const uint8_t* k = key.RevealBytes().data();
  if (EVP_EncryptInit_ex(Raw(seal), EVP_chacha20_poly1305(), nullptr, k, nullptr) != 1 ||
      EVP_DecryptInit_ex(Raw(open), EVP_chacha20_poly1305(), nullptr, k, nullptr) != 1) {
    return Error(ErrorCode::kInternal, "OpenSSL refused to set up ChaCha20-Poly1305");
  }
  return ChaCha20Poly1305(std::move(seal), std::move(open));
}

void ChaCha20Poly1305::Seal(const Nonce& nonce, ByteView aad, ByteView plaintext,
                            std::span<uint8_t> out) const {
  if (out.size() != plaintext.size() + kTagSize || plaintext.size() > INT_MAX ||
      aad.size() > INT_MAX) {
    std::abort();
  }
  EVP_CIPHER_CTX* ctx = Raw(seal_);
  int len = 0, fin = 0, aad_len = 0;
  // The associated data goes in first, through an update with no output.
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) != 1 ||
      (!aad.empty() &&
       EVP_EncryptUpdate(ctx, nullptr, &aad_len, aad.data(), static_cast<int>(aad.size())) != 1) ||
      (!plaintext.empty() && EVP_EncryptUpdate(ctx, out.data(), &len, plaintext.data(),
                                               static_cast<int>(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx, out.data() + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, kTagSize, out.data() + plaintext.size()) !=
          1) {
    std::abort();  // cannot fail with valid sizes: a broken invariant
  }
}

Bytes ChaCha20Poly1305::Seal(const Nonce& nonce, ByteView plaintext) const {
  Bytes out(plaintext.size() + kTagSize);
  Seal(nonce, plaintext, out);
  return out;
}

Status ChaCha20Poly1305::Open(const Nonce& nonce, ByteView aad, ByteView ciphertext,
                              std::span<uint8_t> out) const {
  if (ciphertext.size() < kTagSize || out.size() != ciphertext.size() - kTagSize) {
    return Error(ErrorCode::kTruncated, "ciphertext is shorter than its authentication tag");
  }
  if (ciphertext.size() > INT_MAX || aad.size() > INT_MAX)
    return Error(ErrorCode::kLimitExceeded, "ciphertext too large");
  size_t len = ciphertext.size() - kTagSize;
  EVP_CIPHER_CTX* ctx = Raw(open_);
  int got = 0, fin = 0, aad_len = 0;
  bool ok = EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) == 1 &&
            (aad.empty() || EVP_DecryptUpdate(ctx, nullptr, &aad_len, aad.data(),
                                              static_cast<int>(aad.size())) == 1) &&
            (len == 0 || EVP_DecryptUpdate(ctx, out.data(), &got, ciphertext.data(),
                                           static_cast<int>(len)) == 1) &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, kTagSize,
                                const_cast<uint8_t*>(ciphertext.data() + len)) == 1 &&
            EVP_DecryptFinal_ex(ctx, out.data() + got, &fin) == 1;
  if (!ok) {
    WipeBytes(out);
    return Error(ErrorCode::kAuthFailed, "authentication tag does not verify");
  }
  return Ok();
}

}  // namespace cordon::crypto
