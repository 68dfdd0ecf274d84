// age X25519 keys: recipients ("age1…", bech32) and identities
// ("AGE-SECRET-KEY-1…", uppercase bech32), and the identity-file format that
// age-keygen writes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/secret_buffer.h"
#include "crypto/x25519.h"

namespace cordon::age {

class X25519Recipient {
 public:
  // Parses "age1…"; errors say what is wrong (checksum, prefix, length).
  static Result<X25519Recipient> Parse(std::string_view text);
  explicit X25519Recipient(const crypto::X25519Point& point) : point_(point) {}

  std::string Encode() const;  // "age1…"
  const crypto::X25519Point& point() const { return point_; }

 private:
  crypto::X25519Point point_;
};

class X25519Identity {
 public:
  static X25519Identity Generate();
  // Parses "AGE-SECRET-KEY-1…". Errors never contain the key text.
  static Result<X25519Identity> Parse(std::string_view text);

  // The identity in age's text form; the returned buffer is secret.
  SecretBuffer Encode() const;
  X25519Recipient Recipient() const;
  const SecretBuffer& scalar() const { return scalar_; }

 private:
  explicit X25519Identity(SecretBuffer scalar) : scalar_(std::move(scalar)) {}
  SecretBuffer scalar_;
};

// An identity file as age-keygen writes it: "# created: …", "# public key: …",
// then the secret key. `created_utc` is an RFC 3339 time.
SecretBuffer FormatIdentityFile(const X25519Identity& identity, std::string_view created_utc);

// Reads every identity in an identity file (comments and blank lines
// skipped). Fails naming the line when a line is not an identity.
Result<std::vector<X25519Identity>> ParseIdentityFile(ByteView text, std::string_view file_name);

// Reads a recipients file (one "age1…" per line, '#' comments, blank lines).
Result<std::vector<X25519Recipient>> ParseRecipientsFile(std::string_view text,
                                                         std::string_view file_name);

}  // namespace cordon::age
