// Passwords of the exchange's accounts: NIST SP 800-63B rules (at least 12
// characters, no composition rules, checked against common and
// context-specific passwords) and Argon2id storage (libsodium's
// crypto_pwhash_str: the encoded string carries salt and parameters).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret_buffer.h"

namespace cordon::auth {

inline constexpr size_t kMinPasswordLength = 12;   // code points
inline constexpr size_t kMaxPasswordLength = 256;  // bytes: bounds the hashing work

// kRefused with a message the person can act on when the password is too
// short or long, a common password, one character repeated, a keyboard or
// digit run, or contains the account's name or e-mail user part. The
// password itself never appears in the message.
Status CheckPassword(const SecretBuffer& password, std::string_view name, std::string_view email);

// Argon2id, t=3, m=64 MiB (above OWASP's minimum of t=2, m=19 MiB).
Result<std::string> HashPassword(const SecretBuffer& password);

// Constant-time inside libsodium; false on any mismatch or malformed hash.
[[nodiscard]] bool VerifyPassword(std::string_view stored_hash, const SecretBuffer& password);

// True when a stored hash uses other parameters than HashPassword's (rehash
// it at the next successful login).
bool PasswordNeedsRehash(std::string_view stored_hash);

}  // namespace cordon::auth
