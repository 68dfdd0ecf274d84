#include "auth/totp.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "core/encoding.h"
#include "crypto/random.h"

namespace cordon::auth {
namespace {

const char* DigestName(OtpHash h) {
  switch (h) {
    case OtpHash::kSha1:
      return "SHA1";
    case OtpHash::kSha256:
      return "SHA256";
    case OtpHash::kSha512:
      return "SHA512";
  }
  return "SHA1";
}

uint32_t Pow10(int digits) {
  uint32_t p = 1;
  for (int i = 0; i < digits; ++i) p *= 10;
  return p;
}

}  // namespace

uint32_t Hotp(const SecretBuffer& key_secret, uint64_t counter, int digits, OtpHash hash) {
  const ByteView key = key_secret.RevealBytes();
  if (digits < 6 || digits > 8) std::abort();  // a caller bug, not input
  uint8_t msg[8];
  for (int i = 7; i >= 0; --i, counter >>= 8) msg[i] = static_cast<uint8_t>(counter);
  uint8_t mac[64];
  size_t mac_len = 0;
  static const uint8_t kEmpty = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, DigestName(hash), nullptr,
                key.empty() ? &kEmpty : key.data(), key.size(), msg, sizeof msg, mac, sizeof mac,
                &mac_len) == nullptr) {
    std::abort();
  }
  const size_t offset = mac[mac_len - 1] & 0x0f;
  const uint32_t binary = (uint32_t{mac[offset]} & 0x7f) << 24 | uint32_t{mac[offset + 1]} << 16 |
                          uint32_t{mac[offset + 2]} << 8 | uint32_t{mac[offset + 3]};
  return binary % Pow10(digits);
}

std::string FormatOtp(uint32_t code, int digits) {
  std::string s = std::to_string(code);
  if (s.size() < static_cast<size_t>(digits))
    s.insert(0, static_cast<size_t>(digits) - s.size(), '0');
  return s;
}

uint64_t TotpStep(int64_t unix_time, const TotpParams& params) {
  return unix_time <= 0 ? 0 : static_cast<uint64_t>(unix_time) / params.period;
}

std::optional<uint64_t> VerifyTotp(const SecretBuffer& key, std::string_view code,
                                   int64_t unix_time, std::optional<uint64_t> last_used_step,
                                   int window, const TotpParams& params) {
  if (code.size() != static_cast<size_t>(params.digits)) return std::nullopt;
  for (char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const uint64_t now = TotpStep(unix_time, params);
  std::optional<uint64_t> match;
  // Every step of the window is computed and compared (no early exit): the
  // time taken does not tell which step matched.
  for (int d = -window; d <= window; ++d) {
    if (d < 0 && now < static_cast<uint64_t>(-d)) continue;
    const uint64_t step = now + static_cast<uint64_t>(static_cast<int64_t>(d));
    const std::string expected =
        FormatOtp(Hotp(key, step, params.digits, params.hash), params.digits);
    if (ConstantTimeEquals(AsBytes(expected), AsBytes(code)) && !match) match = step;
  }
  if (!match || (last_used_step && *match <= *last_used_step)) return std::nullopt;
  return match;
}

SecretBuffer NewTotpSecret() {
  SecretBuffer s(20);
  crypto::RandomBytes(s.RevealMutable());
  return s;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       const SecretBuffer& secret, const TotpParams& params) {
  std::string label = PercentEncodePath(issuer);
  label += ':';
  label += PercentEncodePath(account);
  std::string uri =
      "otpauth://totp/" + label + "?secret=" + Base32Encode(secret.RevealBytes()) +
      "&issuer=" + PercentEncodePath(issuer) + "&algorithm=" + DigestName(params.hash) +
      "&digits=" + std::to_string(params.digits) + "&period=" + std::to_string(params.period);
  return uri;
}

}  // namespace cordon::auth
