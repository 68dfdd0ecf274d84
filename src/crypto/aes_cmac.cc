#include "crypto/aes_cmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace cordon::crypto {
namespace {

constexpr size_t kBlock = 16;

EVP_CIPHER_CTX* Raw(void* ctx) { return static_cast<EVP_CIPHER_CTX*>(ctx); }

// The doubling in GF(2^128) of SP 800-38B's subkey generation: a left shift
// by one bit, and R_128 = 0^120 ‖ 10000111 XORed in when the bit shifted
// out was 1 (constant time: the mask, not a branch, decides).
void Double(const uint8_t* in, uint8_t* out) {
  const uint8_t carry = in[0] >> 7;
  for (size_t i = 0; i + 1 < kBlock; ++i) {
    out[i] = static_cast<uint8_t>(in[i] << 1 | in[i + 1] >> 7);
  }
  out[kBlock - 1] = static_cast<uint8_t>(in[kBlock - 1] << 1 ^ (0x87 & (0 - carry)));
}

size_t BlocksOf(size_t bytes) { return bytes == 0 ? 1 : (bytes + kBlock - 1) / kBlock; }

}  // namespace

void AesCmac::CtxFree::operator()(void* ctx) const {
  EVP_CIPHER_CTX_free(Raw(ctx));  // cleanses the key schedule
}

Result<AesCmac> AesCmac::Create(const SecretBuffer& key) {
  const EVP_CIPHER* aes = key.size() == 16   ? EVP_aes_128_ecb()
                          : key.size() == 32 ? EVP_aes_256_ecb()
                                             : nullptr;
  if (aes == nullptr) {
    return Error(ErrorCode::kInvalidArgument,
                 "AES-CMAC key of " + std::to_string(key.size()) + " bytes (16 or 32 expected)");
  }
  Ctx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr ||
      EVP_EncryptInit_ex(Raw(ctx.get()), aes, nullptr, key.RevealBytes().data(), nullptr) != 1) {
    return Error(ErrorCode::kInternal, "AES-CMAC: OpenSSL could not set up AES");
  }
  EVP_CIPHER_CTX_set_padding(Raw(ctx.get()), 0);
  SecretBuffer copy(key.size());
  std::memcpy(copy.RevealMutable().data(), key.RevealBytes().data(), key.size());
  // K1 = double(L), K2 = double(K1), L = CIPH_K(0^128).
  SecretBuffer subkeys(2 * kBlock);
  uint8_t* k = subkeys.RevealMutable().data();
  const uint8_t zero[kBlock] = {};
  uint8_t l[kBlock];
  int len = 0;
  if (EVP_EncryptUpdate(Raw(ctx.get()), l, &len, zero, kBlock) != 1) {
    return Error(ErrorCode::kInternal, "AES-CMAC: OpenSSL could not encipher");
  }
  Double(l, k);
  Double(k, k + kBlock);
  OPENSSL_cleanse(l, sizeof l);
  return AesCmac(std::move(ctx), std::move(copy), std::move(subkeys));
}

AesCmac::AesCmac(Ctx ctx, SecretBuffer key, SecretBuffer subkeys)
    : ctx_(std::move(ctx)), key_(std::move(key)), subkeys_(std::move(subkeys)) {}

Result<AesCmac> AesCmac::Clone() const { return Create(key_); }

void AesCmac::Encipher(const uint8_t* in, uint8_t* out, size_t blocks) {
  // OpenSSL takes an int length: a batch of any size goes in slices.
  constexpr size_t kSlice = size_t{1} << 20;
  for (size_t done = 0; done < blocks; done += kSlice) {
    const size_t n = std::min(kSlice, blocks - done);
    int len = 0;
    // Whole blocks, no padding, a valid context: OpenSSL's ECB cannot fail.
    if (EVP_EncryptUpdate(Raw(ctx_.get()), out + done * kBlock, &len, in + done * kBlock,
                          static_cast<int>(n * kBlock)) != 1) {
      std::abort();
    }
  }
}

Mac128 AesCmac::Mac(ByteView message) {
  Mac128 out{};
  MacMany(std::span<const ByteView>(&message, 1), std::span<Mac128>(&out, 1));
  return out;
}

void AesCmac::MacMany(std::span<const ByteView> messages, std::span<Mac128> out) {
  const size_t n = messages.size();
  const uint8_t* k1 = subkeys_.RevealBytes().data();
  const uint8_t* k2 = k1 + kBlock;
  state_.assign(n * kBlock, 0);  // C_0 = 0^128
  live_.clear();
  for (size_t i = 0; i < n; ++i) live_.push_back(static_cast<uint32_t>(i));
  // Round r: C_r = CIPH_K(C_{r-1} ⊕ M_r) for every message with an r-th
  // block, its last one (M_n) first XORed with K1 (whole) or padded and
  // XORed with K2, all enciphered in one call.
  for (size_t round = 0; !live_.empty(); ++round) {
    in_.resize(live_.size() * kBlock);
    out_.resize(in_.size());
    for (size_t j = 0; j < live_.size(); ++j) {
      const ByteView m = messages[live_[j]];
      const uint8_t* c = state_.data() + live_[j] * kBlock;
      uint8_t* x = in_.data() + j * kBlock;
      const size_t at = round * kBlock;
      const bool last = round + 1 == BlocksOf(m.size());
      const size_t take = std::min(kBlock, m.size() - std::min(m.size(), at));
      // x = C ⊕ M_r (⊕ the subkey, padded, for the last block), in two words.
      uint8_t block[kBlock];
      std::memset(block, 0, kBlock);
      if (take > 0) std::memcpy(block, m.data() + at, take);
      uint64_t w[2], v[2];
      std::memcpy(w, c, kBlock);
      if (last) {
        const uint8_t* subkey = k1;
        if (take < kBlock) {
          block[take] = 0x80;  // 10* padding
          subkey = k2;
        }
        uint64_t s[2];
        std::memcpy(s, subkey, kBlock);
        w[0] ^= s[0], w[1] ^= s[1];
      }
      std::memcpy(v, block, kBlock);
      w[0] ^= v[0], w[1] ^= v[1];
      std::memcpy(x, w, kBlock);
    }
    Encipher(in_.data(), out_.data(), live_.size());
    OPENSSL_cleanse(in_.data(), in_.size());
    size_t kept = 0;
    for (size_t j = 0; j < live_.size(); ++j) {
      const uint32_t i = live_[j];
      std::memcpy(state_.data() + i * kBlock, out_.data() + j * kBlock, kBlock);
      if (round + 1 < BlocksOf(messages[i].size())) live_[kept++] = i;
    }
    live_.resize(kept);
  }
  for (size_t i = 0; i < n; ++i) std::memcpy(out[i].data(), state_.data() + i * kBlock, kBlock);
}

}  // namespace cordon::crypto
