// One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238), the second factor
// every account of the exchange must enrol. HMAC over OpenSSL; codes are
// compared in constant time; a code is accepted once (the caller stores the
// last time step used and passes it back).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/secret_buffer.h"

namespace cordon::auth {

// TOTP secrets are passed as SecretBuffers only: no caller reveals one to
// compute or check a code.

enum class OtpHash { kSha1, kSha256, kSha512 };

// RFC 4226 §5.3: dynamic truncation of HMAC(key, counter), `digits` long (6–8).
uint32_t Hotp(const SecretBuffer& key, uint64_t counter, int digits, OtpHash hash = OtpHash::kSha1);

// The code as the user types it: zero-padded to `digits`.
std::string FormatOtp(uint32_t code, int digits);

struct TotpParams {
  uint64_t period = 30;  // seconds (RFC 6238's X)
  int digits = 6;
  OtpHash hash = OtpHash::kSha1;  // what authenticator apps implement
};

// The RFC 6238 time step of a Unix time.
uint64_t TotpStep(int64_t unix_time, const TotpParams& params = {});

// Checks `code` against the steps around `unix_time` (±`window` steps for
// clock drift). Returns the matching step, or nullopt when none matches or
// the step is not newer than `last_used_step` (a replayed code).
std::optional<uint64_t> VerifyTotp(const SecretBuffer& key, std::string_view code,
                                   int64_t unix_time, std::optional<uint64_t> last_used_step,
                                   int window = 1, const TotpParams& params = {});

// A new random TOTP secret (20 bytes, RFC 4226's recommended length for SHA-1).
SecretBuffer NewTotpSecret();

// otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30,
// the URI authenticator apps read from a QR code.
std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       const SecretBuffer& secret, const TotpParams& params = {});

}  // namespace cordon::auth
