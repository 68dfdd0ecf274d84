// The two recipient types of age v1: X25519 and scrypt (passphrase). A
// recipient wraps the file key into a stanza; an identity unwraps it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "age/header.h"
#include "age/keys.h"
#include "core/result.h"
#include "core/secret_buffer.h"

namespace cordon::age {

inline constexpr size_t kFileKeySize = 16;
// The highest scrypt work factor cordon accepts from a file (age's default):
// 2^22 costs about 4 GiB·s; a hostile file must not ask for more.
inline constexpr int kDefaultMaxScryptLogN = 22;
// The work factor cordon uses when encrypting with a passphrase (age's).
inline constexpr int kDefaultScryptLogN = 18;

class Recipient {
 public:
  virtual ~Recipient() = default;
  virtual Result<Stanza> Wrap(const SecretBuffer& file_key) const = 0;
  // scrypt stanzas must be alone in a header.
  virtual bool RequiresOnlyStanza() const { return false; }
};

class Identity {
 public:
  virtual ~Identity() = default;
  // Returns the file key when one of the stanzas is for this identity,
  // nullopt when none is, and an error when a stanza this identity
  // understands is malformed (the file must then be refused).
  virtual Result<std::optional<SecretBuffer>> Unwrap(const std::vector<Stanza>& stanzas) const = 0;
};

std::unique_ptr<Recipient> MakeX25519Recipient(const X25519Recipient& recipient);
std::unique_ptr<Identity> MakeX25519Identity(X25519Identity identity);

// Passphrase recipient; log_n is the scrypt work factor to use.
std::unique_ptr<Recipient> MakeScryptRecipient(SecretBuffer passphrase,
                                               int log_n = kDefaultScryptLogN);
// Passphrase identity; refuses files whose work factor exceeds max_log_n.
std::unique_ptr<Identity> MakeScryptIdentity(SecretBuffer passphrase,
                                             int max_log_n = kDefaultMaxScryptLogN);

}  // namespace cordon::age
