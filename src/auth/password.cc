#include "auth/password.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "core/strings.h"

namespace cordon::auth {
namespace {

constexpr unsigned long long kOpsLimit = 3;
constexpr size_t kMemLimit = 64u << 20;

// Common passwords of 12 characters or more (shorter ones are refused by
// length already): from public breach corpora's most frequent long entries,
// compared case-insensitively.
constexpr std::string_view kCommon[] = {
    "123456789012",     "1234567890123", "12345678901234",   "123456789123",   "1234567891011",
    "111111111111",     "000000000000",  "123123123123",     "qwertyuiopas",   "qwertyuiop123",
    "1qaz2wsx3edc",     "1q2w3e4r5t6y",  "q1w2e3r4t5y6",     "qwerty123456",   "123456qwerty",
    "password1234",     "password123!",  "passwordpassword", "password12345",  "passw0rd1234",
    "iloveyou1234",     "motdepasse12",  "motdepasse123",    "motdepasse1234", "azertyuiop12",
    "azerty123456",     "123456azerty",  "azertyuiopqs",     "adgangskode12",  "adgangskode123",
    "sommerfugl12",     "welcome12345",  "welcome123456",    "letmein12345",   "administrator",
    "administrator1",   "changeme1234",  "changemenow!",     "abcdefghijkl",   "abc123456789",
    "aaaaaaaaaaaa",     "abcd1234abcd",  "baseball1234",     "football1234",   "superman1234",
    "sunshine1234",     "princess1234",  "dragon123456",     "monkey123456",   "master123456",
    "trustno1trustno1", "starwars1234",  "whatever1234",     "computer1234",   "internet1234",
    "bonjour12345",     "soleil123456",  "marseille1313",    "doctolib1234",   "hopital12345"};

size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Runs like "abcdefghijkl", "123456789012" or "qwertyuiop" of 8 or more.
bool HasLongRun(std::string_view p) {
  static constexpr std::string_view kRows[] = {
      "abcdefghijklmnopqrstuvwxyz", "0123456789012345678901", "qwertyuiopasdfghjklzxcvbnm",
      "azertyuiopqsdfghjklmwxcvbn"};
  const std::string lower = AsciiLower(p);
  for (std::string_view row : kRows) {
    for (size_t i = 0; i + 8 <= row.size(); ++i) {
      if (lower.find(row.substr(i, 8)) != std::string::npos) return true;
    }
  }
  return false;
}

Error Refused(std::string why) {
  return Error(ErrorCode::kRefused, "password refused: " + std::move(why),
               "choose a long passphrase of your own, e.g. four unrelated words");
}

}  // namespace

Status CheckPassword(const SecretBuffer& password, std::string_view name, std::string_view email) {
  std::string_view p(reinterpret_cast<const char*>(password.RevealBytes().data()), password.size());
  if (CodePoints(p) < kMinPasswordLength) return Refused("shorter than 12 characters");
  if (p.size() > kMaxPasswordLength) return Refused("longer than 256 bytes");
  const std::string lower = AsciiLower(p);
  if (std::all_of(p.begin(), p.end(), [&](char c) { return c == p[0]; })) {
    return Refused("one character repeated");
  }
  for (std::string_view common : kCommon) {
    if (lower == common) return Refused("it is one of the most common passwords");
  }
  if (HasLongRun(p)) return Refused("it contains a keyboard or alphabet run");
  const std::string user = AsciiLower(email.substr(0, email.find('@')));
  if (user.size() >= 4 && lower.find(user) != std::string::npos) {
    return Refused("it contains your e-mail address");
  }
  // Any part of the name of 4 letters or more.
  std::string lname = AsciiLower(name);
  for (size_t i = 0; i < lname.size();) {
    size_t j = lname.find(' ', i);
    if (j == std::string::npos) j = lname.size();
    if (j - i >= 4 && lower.find(lname.substr(i, j - i)) != std::string::npos) {
      return Refused("it contains your name");
    }
    i = j + 1;
  }
  return Ok();
}

Result<std::string> HashPassword(const SecretBuffer& password) {
  char out[crypto_pwhash_STRBYTES];
  const auto bytes = password.RevealBytes();
  if (crypto_pwhash_str_alg(out, reinterpret_cast<const char*>(bytes.data()), bytes.size(),
                            kOpsLimit, kMemLimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error(ErrorCode::kInternal, "Argon2id failed (out of memory?)");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view stored_hash, const SecretBuffer& password) {
  if (stored_hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::string hash(stored_hash);  // NUL-terminated for libsodium
  const auto bytes = password.RevealBytes();
  return crypto_pwhash_str_verify(hash.c_str(), reinterpret_cast<const char*>(bytes.data()),
                                  bytes.size()) == 0;
}

bool PasswordNeedsRehash(std::string_view stored_hash) {
  std::string hash(stored_hash);
  return crypto_pwhash_str_needs_rehash(hash.c_str(), kOpsLimit, kMemLimit) != 0;
}

}  // namespace cordon::auth
