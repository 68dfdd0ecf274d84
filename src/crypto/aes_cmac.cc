#include "crypto/aes_cmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <bit>
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

uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// The `take` (at most 16) bytes at p as a block, padded 10* when short, in
// two words of memory order. Reads only those bytes, without a call to
// memcpy per block: whole words, else two overlapping loads of the largest
// size that fits (the overlap holds the same bytes twice, ORed).
void LoadPadded(const uint8_t* p, size_t take, uint64_t w[2]) {
  static_assert(std::endian::native == std::endian::little, "bytes are placed by shifts");
  uint64_t lo = 0, hi = 0;
  if (take == kBlock) {
    lo = Load64(p), hi = Load64(p + 8);
  } else if (take > 8) {
    lo = Load64(p), hi = Load64(p + take - 8) >> (8 * (kBlock - take));
  } else if (take == 8) {
    lo = Load64(p);
  } else if (take >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + take - 4, 4);
    lo = a | uint64_t{b} << (8 * (take - 4));
  } else {
    for (size_t i = 0; i < take; ++i) lo |= uint64_t{p[i]} << (8 * i);
  }
  if (take < 8) {
    lo |= uint64_t{0x80} << (8 * take);
  } else if (take < kBlock) {
    hi |= uint64_t{0x80} << (8 * (take - 8));
  }
  w[0] = lo, w[1] = hi;
}

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
  const uint64_t sub1[2] = {Load64(k1), Load64(k1 + 8)};
  const uint64_t sub2[2] = {Load64(k1 + kBlock), Load64(k1 + kBlock + 8)};
  // x = C ⊕ M_r, and for the last block (M_n) the subkey too: K1 when it is
  // whole, else K2 with the block padded 10*. C_0 = 0^128.
  auto xor_block = [&](const ByteView m, size_t round, const uint8_t* chain, uint8_t* x) {
    const size_t at = round * kBlock;
    const size_t take = std::min(kBlock, m.size() - std::min(m.size(), at));
    uint64_t w[2];
    LoadPadded(m.data() + at, take, w);
    if (round + 1 == BlocksOf(m.size())) {
      const uint64_t* s = take == kBlock ? sub1 : sub2;
      w[0] ^= s[0], w[1] ^= s[1];
    }
    if (chain != nullptr) w[0] ^= Load64(chain), w[1] ^= Load64(chain + 8);
    std::memcpy(x, w, kBlock);
  };
  // Round 0 takes every message's first block (most of the watchlist's are
  // one block long: a NIR, CPR or phone number with its tag), straight into
  // the chaining values; later rounds only the messages that go on.
  state_.resize(n * kBlock);
  in_.resize(n * kBlock);
  live_.clear();
  for (size_t i = 0; i < n; ++i) {
    xor_block(messages[i], 0, nullptr, in_.data() + i * kBlock);
    if (BlocksOf(messages[i].size()) > 1) live_.push_back(static_cast<uint32_t>(i));
  }
  Encipher(in_.data(), state_.data(), n);
  OPENSSL_cleanse(in_.data(), n * kBlock);
  for (size_t round = 1; !live_.empty(); ++round) {
    const size_t m = live_.size();
    out_.resize(m * kBlock);
    for (size_t j = 0; j < m; ++j) {
      xor_block(messages[live_[j]], round, state_.data() + live_[j] * kBlock,
                in_.data() + j * kBlock);
    }
    Encipher(in_.data(), out_.data(), m);
    OPENSSL_cleanse(in_.data(), m * kBlock);
    size_t kept = 0;
    for (size_t j = 0; j < m; ++j) {
      const uint32_t i = live_[j];
      std::memcpy(state_.data() + i * kBlock, out_.data() + j * kBlock, kBlock);
      if (round + 1 < BlocksOf(messages[i].size())) live_[kept++] = i;
    }
    live_.resize(kept);
  }
  for (size_t i = 0; i < n; ++i) std::memcpy(out[i].data(), state_.data() + i * kBlock, kBlock);
}

}  // namespace cordon::crypto
