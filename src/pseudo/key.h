// The controller's pseudonymization key: 32 random bytes in a file only the
// controller keeps. Orders and manifests name it by its id (16 hex digits);
// the secret itself never appears in output, logs or errors. Every transform
// gets its own key, derived with HKDF-SHA-256 from the secret, the order's
// domain and the transform's name: one domain gives the same pseudonyms in
// every table and order (joins keep working), two domains are unlinkable.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/secret_buffer.h"

namespace cordon::pseudo {

// Immutable once made: safe to share between threads (Derive is const and
// touches no shared state).
class PseudonymKey {
 public:
  static PseudonymKey Generate();
  // Parses a key file (comments allowed); the id is recomputed, not trusted.
  static Result<PseudonymKey> Parse(ByteView file_text);

  const std::string& id() const { return id_; }
  // The key file's text, in a wiped buffer.
  SecretBuffer FileText() const;
  // The 32-byte key of `transform` ("token", "nir", "shift-date"…) in `domain`.
  SecretBuffer Derive(std::string_view domain, std::string_view transform) const;
  // The key of `transform` in `domain` for one set of recipients (an order's
  // pseudonym_scope = "recipients"): `recipients` canonical (below) and not
  // empty. Other recipients get other keys, so other valid pseudonyms for the
  // same person; the same set gets the same keys, so successive deliveries
  // to it still join. Empty `recipients`: Derive(domain, transform).
  SecretBuffer Derive(std::string_view domain, std::string_view transform,
                      std::span<const std::string> recipients) const;

 private:
  explicit PseudonymKey(SecretBuffer secret);
  SecretBuffer secret_;
  std::string id_;
};

// A set of recipients in the one form the key derivation binds: each in
// ASCII lower case (age recipients are Bech32: upper case is the same key),
// sorted and deduplicated, so the order of an order's list does not matter.
std::vector<std::string> CanonicalRecipients(std::vector<std::string> recipients);

}  // namespace cordon::pseudo
