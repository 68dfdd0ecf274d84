#include "crypto/ff1.h"

#include <openssl/evp.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace cordon::crypto {
namespace {

using u128 = unsigned __int128;
constexpr std::string_view kAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
constexpr u128 kHalfLimit = u128{1} << 120;

EVP_CIPHER_CTX* Raw(const void* ctx) {
  return static_cast<EVP_CIPHER_CTX*>(const_cast<void*>(ctx));
}

// radix^m, or 0 when it reaches 2^120 (too long for this implementation).
u128 Power(unsigned radix, size_t m) {
  u128 p = 1;
  for (size_t i = 0; i < m; ++i) {
    p *= radix;
    if (p >= kHalfLimit) return 0;
  }
  return p;
}

u128 Num(std::span<const uint8_t> x, unsigned radix) {
  u128 n = 0;
  for (uint8_t d : x) n = n * radix + d;
  return n;
}

void Str(u128 n, unsigned radix, std::span<uint8_t> out) {
  for (size_t i = out.size(); i-- > 0;) {
    out[i] = static_cast<uint8_t>(n % radix);
    n /= radix;
  }
}

}  // namespace

void Ff1::CtxFree::operator()(void* ctx) const {
  EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx));  // cleanses the key schedule
}

Ff1::Ff1(Ctx ctx, unsigned radix) : ctx_(std::move(ctx)), radix_(radix) {
  min_length_ = 1;
  while (std::pow(static_cast<double>(radix), static_cast<double>(min_length_)) < 1e6)
    ++min_length_;
  max_length_ = 2;
  while (Power(radix, (max_length_ + 2) / 2) != 0) ++max_length_;
}

Result<Ff1> Ff1::Create(const SecretBuffer& key, unsigned radix) {
  // ECB of single blocks is CIPH_K, the block cipher itself: the CBC-MAC
  // is chained here (E(P) once per input, then one block per round).
  const EVP_CIPHER* aes = key.size() == 16   ? EVP_aes_128_ecb()
                          : key.size() == 24 ? EVP_aes_192_ecb()
                          : key.size() == 32 ? EVP_aes_256_ecb()
                                             : nullptr;
  if (aes == nullptr) return Error(ErrorCode::kInvalidArgument, "FF1 keys are 16, 24 or 32 bytes");
  if (radix < 2 || radix > kAlphabet.size()) {
    return Error(ErrorCode::kInvalidArgument, "FF1 radix must be between 2 and 36");
  }
  Ctx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) std::abort();
  if (EVP_EncryptInit_ex(Raw(ctx.get()), aes, nullptr, key.RevealBytes().data(), nullptr) != 1) {
    return Error(ErrorCode::kInternal, "OpenSSL refused to set up AES for FF1");
  }
  EVP_CIPHER_CTX_set_padding(Raw(ctx.get()), 0);
  return Ff1(std::move(ctx), radix);
}

void Ff1::Block(const uint8_t* in, uint8_t* out) const {
  int len = 0;
  if (EVP_EncryptUpdate(Raw(ctx_.get()), out, &len, in, 16) != 1) std::abort();  // cannot fail
}

void Ff1::RoundBytes(const uint8_t* ep, ByteView q, size_t d, uint8_t* s) const {
  // R = PRF(P || Q): CBC-MAC with a zero IV, continued from E(P) over Q.
  std::array<uint8_t, 16> r;
  std::memcpy(r.data(), ep, 16);
  for (size_t at = 0; at < q.size(); at += 16) {
    for (size_t k = 0; k < 16; ++k) r[k] ^= q[at + k];
    Block(r.data(), r.data());
  }
  std::memcpy(s, r.data(), std::min<size_t>(d, 16));
  // S continues with CIPH(R ⊕ [j]^16) for j = 1, 2, …
  for (size_t j = 1; 16 * j < d; ++j) {
    std::array<uint8_t, 16> x = r, out{};
    // [j]^16 is j big-endian on 16 bytes: the 8 high bytes are zero (a
    // shift of a 64-bit j by 64 bits or more is undefined, not zero).
    for (int k = 0; k < 8; ++k) x[15 - k] ^= static_cast<uint8_t>((j >> (8 * k)) & 0xff);
    Block(x.data(), out.data());
    std::memcpy(s + 16 * j, out.data(), std::min<size_t>(d - 16 * j, 16));
  }
}

Status Ff1::Run(std::span<uint8_t> x, ByteView tweak, bool decrypt) const {
  const size_t n = x.size();
  if (n < min_length_ || n > max_length_) {
    return Error(ErrorCode::kInvalidArgument,
                 "FF1 in radix " + std::to_string(radix_) + " takes " +
                     std::to_string(min_length_) + " to " + std::to_string(max_length_) +
                     " numerals, not " + std::to_string(n),
                 n < min_length_ ? "NIST SP 800-38G forbids domains below one million values" : "");
  }
  for (uint8_t d : x) {
    if (d >= radix_)
      return Error(ErrorCode::kInvalidArgument, "numeral out of range for the radix");
  }
  if (tweak.size() > 1u << 20) return Error(ErrorCode::kInvalidArgument, "FF1 tweak too long");
  const size_t u = n / 2, v = n - u, t = tweak.size();
  // b = ceil(ceil(v * log2(radix)) / 8): bytes that hold radix^v - 1.
  size_t b = 0;
  for (u128 top = Power(radix_, v) - 1; top > 0; top >>= 8) ++b;
  const size_t d = 4 * ((b + 3) / 4) + 4;
  const u128 mod_u = Power(radix_, u), mod_v = Power(radix_, v);

  // P || Q, built once; per round only [i] and NUM(B) change.
  const size_t pad = (16 - (t + b + 1) % 16) % 16;
  const size_t pq_size = 16 + t + pad + 1 + b;
  std::array<uint8_t, 256> pq_small{};
  std::vector<uint8_t> pq_large(pq_size > pq_small.size() ? pq_size : 0, 0);
  std::span<uint8_t> pq(pq_large.empty() ? pq_small.data() : pq_large.data(), pq_size);
  const uint8_t p[16] = {1,
                         2,
                         1,
                         static_cast<uint8_t>(radix_ >> 16),
                         static_cast<uint8_t>(radix_ >> 8),
                         static_cast<uint8_t>(radix_),
                         10,
                         static_cast<uint8_t>(u % 256),
                         static_cast<uint8_t>(n >> 24),
                         static_cast<uint8_t>(n >> 16),
                         static_cast<uint8_t>(n >> 8),
                         static_cast<uint8_t>(n),
                         static_cast<uint8_t>(t >> 24),
                         static_cast<uint8_t>(t >> 16),
                         static_cast<uint8_t>(t >> 8),
                         static_cast<uint8_t>(t)};
  std::memcpy(pq.data(), p, 16);
  if (t > 0) std::memcpy(pq.data() + 16, tweak.data(), t);
  uint8_t* round_byte = pq.data() + 16 + t + pad;
  uint8_t* num_bytes = round_byte + 1;
  std::array<uint8_t, 16> ep;  // E(P), the CBC-MAC's first block, the same every round
  Block(pq.data(), ep.data());

  u128 a = Num(x.first(u), radix_), bv = Num(x.subspan(u), radix_);
  std::array<uint8_t, 32> s;  // d ≤ 20 since b ≤ 15
  for (int step = 0; step < 10; ++step) {
    const int i = decrypt ? 9 - step : step;
    // Q ends with [i] and NUM(B) (encrypting) or NUM(A) (decrypting) on b bytes.
    u128 fed = decrypt ? a : bv;
    *round_byte = static_cast<uint8_t>(i);
    for (size_t k = b; k-- > 0;) {
      num_bytes[k] = static_cast<uint8_t>(fed & 0xff);
      fed >>= 8;
    }
    RoundBytes(ep.data(), pq.subspan(16), d, s.data());
    const u128 mod = i % 2 == 0 ? mod_u : mod_v;
    u128 y = 0;  // NUM(S) mod radix^m
    if (d <= 8) {
      // Short inputs (up to 18 digits): S fits 64 bits, one 64-bit division.
      uint64_t y64 = 0;
      for (size_t k = 0; k < d; ++k) y64 = (y64 << 8) | s[k];
      y = y64 % static_cast<uint64_t>(mod);
    } else {
      for (size_t k = 0; k < d; ++k) y = ((y << 8) | s[k]) % mod;  // mod < 2^120: no overflow
    }
    if (!decrypt) {
      u128 c = (a % mod + y) % mod;
      a = bv;
      bv = c;
    } else {
      u128 c = (bv % mod + mod - y) % mod;
      bv = a;
      a = c;
    }
  }
  Str(a, radix_, x.first(u));
  Str(bv, radix_, x.subspan(u));
  return Ok();
}

Status Ff1::Encrypt(std::span<uint8_t> numerals, ByteView tweak) const {
  return Run(numerals, tweak, false);
}

Status Ff1::Decrypt(std::span<uint8_t> numerals, ByteView tweak) const {
  return Run(numerals, tweak, true);
}

namespace {

Result<std::vector<uint8_t>> ToNumerals(std::string_view text, unsigned radix) {
  std::vector<uint8_t> x;
  x.reserve(text.size());
  for (char c : text) {
    size_t k = kAlphabet.find(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    if (k == std::string_view::npos || k >= radix) {
      std::string message = "'";
      message += c;
      message += "' is not a numeral in radix " + std::to_string(radix);
      return Error(ErrorCode::kInvalidArgument, std::move(message));
    }
    x.push_back(static_cast<uint8_t>(k));
  }
  return x;
}

std::string FromNumerals(const std::vector<uint8_t>& x) {
  std::string s;
  for (uint8_t d : x) s.push_back(kAlphabet[d]);
  return s;
}

}  // namespace

Result<std::string> Ff1::EncryptString(std::string_view text, ByteView tweak) const {
  CORDON_ASSIGN_OR_RETURN(std::vector<uint8_t> x, ToNumerals(text, radix_));
  CORDON_TRY(Encrypt(x, tweak));
  return FromNumerals(x);
}

Result<std::string> Ff1::DecryptString(std::string_view text, ByteView tweak) const {
  CORDON_ASSIGN_OR_RETURN(std::vector<uint8_t> x, ToNumerals(text, radix_));
  CORDON_TRY(Decrypt(x, tweak));
  return FromNumerals(x);
}

}  // namespace cordon::crypto
