#include "pseudo/key.h"

#include <algorithm>
#include <cstring>

#include "core/encoding.h"
#include "core/key_file.h"
#include "crypto/hash.h"
#include "crypto/kdf.h"
#include "crypto/random.h"

namespace cordon::pseudo {
namespace {

constexpr std::string_view kPrefix = "CORDON-PSEUDONYM-KEY-1 ";
constexpr size_t kSecretSize = 32;

// The id names the key without revealing it: a hash of the secret under a
// label of its own, cut to 64 bits (enough to tell keys apart, not to guess).
std::string IdOf(const SecretBuffer& secret) {
  crypto::Sha256 h;
  h.Update(AsBytes(std::string_view("cordon pseudonym key id v1")));
  h.Update(secret.RevealBytes());
  auto digest = h.Final();
  return HexEncode(ByteView(digest.data(), 8));
}

}  // namespace

PseudonymKey::PseudonymKey(SecretBuffer secret) : secret_(std::move(secret)), id_(IdOf(secret_)) {}

PseudonymKey PseudonymKey::Generate() { return PseudonymKey(crypto::RandomSecret(kSecretSize)); }

Result<PseudonymKey> PseudonymKey::Parse(ByteView file_text) {
  CORDON_ASSIGN_OR_RETURN(
      SecretBuffer secret,
      ParseKeyFile(file_text, kPrefix, kSecretSize,
                   Error(ErrorCode::kMalformed, "not a cordon pseudonym key file",
                         "make one with `cordon pseudokey new -o FILE`")));
  return PseudonymKey(std::move(secret));
}

SecretBuffer PseudonymKey::FileText() const {
  return FormatKeyFile("# cordon pseudonym key " + id_ +
                           "\n# Secret: whoever holds it can re-identify pseudonyms. Never send "
                           "it.\n",
                       kPrefix, secret_);
}

SecretBuffer PseudonymKey::Derive(std::string_view domain, std::string_view transform) const {
  // info = domain ‖ 0x00 ‖ transform: no two (domain, transform) pairs collide
  // as long as the domain holds no NUL (the order refuses control characters
  // in pseudonym_domain; a command-line argument cannot hold one).
  std::string info = std::string(domain) + std::string(1, '\0') + std::string(transform);
  return crypto::HkdfSha256(secret_, AsBytes(std::string_view("cordon pseudonym v1")), info, 32);
}

SecretBuffer PseudonymKey::Derive(std::string_view domain, std::string_view transform,
                                  std::span<const std::string> recipients) const {
  if (recipients.empty()) return Derive(domain, transform);
  // A salt of its own (a recipients-scoped key never equals a domain one),
  // and every part length-prefixed (4 bytes, big-endian): no two (domain,
  // transform, recipients) triples share an info, whatever bytes they hold.
  // info = L(domain) ‖ L(transform) ‖ u32(count) ‖ L(recipient)…, with
  // L(x) = u32(|x|) ‖ x.
  std::string info;
  auto u32 = [&info](size_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      info.push_back(static_cast<char>(static_cast<uint32_t>(v) >> shift));
  };
  auto put = [&](std::string_view part) {
    u32(part.size());
    info.append(part);
  };
  put(domain);
  put(transform);
  u32(recipients.size());
  for (const std::string& r : recipients) put(r);
  return crypto::HkdfSha256(secret_, AsBytes(std::string_view("cordon pseudonym recipients v1")),
                            info, 32);
}

std::vector<std::string> CanonicalRecipients(std::vector<std::string> recipients) {
  for (std::string& r : recipients) {
    std::transform(r.begin(), r.end(), r.begin(), [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
  }
  std::sort(recipients.begin(), recipients.end());
  recipients.erase(std::unique(recipients.begin(), recipients.end()), recipients.end());
  return recipients;
}

}  // namespace cordon::pseudo
