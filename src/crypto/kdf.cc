// SHA256_Init/Update/Final: the low-level interface lets a precomputed
// state be copied as a plain struct (no allocation per message).
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/kdf.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <memory>

namespace cordon::crypto {
namespace {

struct KdfFree {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};

}  // namespace

SecretBuffer HkdfSha256(const SecretBuffer& ikm_secret, ByteView salt, std::string_view info,
                        size_t length) {
  const ByteView ikm = ikm_secret.RevealBytes();
  static const std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf || length == 0 || length > 255 * 32) std::abort();
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) std::abort();
  // OpenSSL takes non-const pointers in OSSL_PARAM but does not write them.
  uint8_t empty = 0;
  auto* ikm_ptr = const_cast<uint8_t*>(ikm.empty() ? &empty : ikm.data());
  auto* salt_ptr = const_cast<uint8_t*>(salt.empty() ? &empty : salt.data());
  auto* info_ptr = const_cast<char*>(info.empty() ? "" : info.data());
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm_ptr, ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt_ptr, salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info_ptr, info.size()),
      OSSL_PARAM_construct_end(),
  };
  SecretBuffer out(length);
  if (EVP_KDF_derive(ctx.get(), out.RevealMutable().data(), length, params) != 1) std::abort();
  return out;
}

HmacSha256Prf::HmacSha256Prf(const SecretBuffer& key_secret) : states_(2 * sizeof(SHA256_CTX)) {
  const ByteView key = key_secret.RevealBytes();
  std::array<uint8_t, 64> block{};
  if (key.size() > block.size()) {
    SHA256(key.data(), key.size(), block.data());  // long keys are hashed first (RFC 2104)
  } else if (!key.empty()) {
    std::memcpy(block.data(), key.data(), key.size());
  }
  auto* ctx = reinterpret_cast<SHA256_CTX*>(states_.RevealMutable().data());
  for (int side = 0; side < 2; ++side) {
    std::array<uint8_t, 64> pad;
    for (size_t i = 0; i < pad.size(); ++i) pad[i] = block[i] ^ (side == 0 ? 0x36 : 0x5c);
    SHA256_Init(&ctx[side]);
    SHA256_Update(&ctx[side], pad.data(), pad.size());
    OPENSSL_cleanse(pad.data(), pad.size());
  }
  OPENSSL_cleanse(block.data(), block.size());
}

Mac256 HmacSha256Prf::Mac(ByteView message) const {
  const auto* states = reinterpret_cast<const SHA256_CTX*>(states_.RevealBytes().data());
  SHA256_CTX ctx = states[0];
  Mac256 inner{}, out{};
  SHA256_Update(&ctx, message.data(), message.size());
  SHA256_Final(inner.data(), &ctx);
  ctx = states[1];
  SHA256_Update(&ctx, inner.data(), inner.size());
  SHA256_Final(out.data(), &ctx);
  OPENSSL_cleanse(&ctx, sizeof ctx);
  return out;
}

Mac256 HmacSha256(const SecretBuffer& key_secret, ByteView message) {
  const ByteView key = key_secret.RevealBytes();
  crypto_auth_hmacsha256_state state;
  // libsodium declares the key pointer nonnull, and an empty span may have
  // none: point an empty key at a byte that is never read.
  static constexpr uint8_t kNoKey = 0;
  crypto_auth_hmacsha256_init(&state, key.empty() ? &kNoKey : key.data(), key.size());
  crypto_auth_hmacsha256_update(&state, message.data(), message.size());
  Mac256 out{};
  crypto_auth_hmacsha256_final(&state, out.data());
  sodium_memzero(&state, sizeof state);
  return out;
}

Result<SecretBuffer> Scrypt(const SecretBuffer& password_secret, ByteView salt, int log_n,
                            uint32_t r, uint32_t p, size_t length) {
  if (log_n < 1 || log_n > 30) {
    return Error(ErrorCode::kLimitExceeded, "scrypt work factor out of range");
  }
  const ByteView password = password_secret.RevealBytes();
  SecretBuffer out(length);
  if (crypto_pwhash_scryptsalsa208sha256_ll(password.data(), password.size(), salt.data(),
                                            salt.size(), uint64_t{1} << log_n, r, p,
                                            out.RevealMutable().data(), length) != 0) {
    return Error(ErrorCode::kLimitExceeded, "scrypt could not allocate the memory it needs");
  }
  return out;
}

}  // namespace cordon::crypto
