// The SSH certificate authority's Ed25519 key, kept in OpenSSH's own private
// key file format (openssh-key-v1, PROTOCOL.key), unencrypted: so that
// `ssh-keygen -y -f` and `ssh-keygen -s` read cordon's CA key as they read
// their own, which makes ssh-keygen an exact oracle for what cordon signs.
// Unencrypted means the file's mode is the protection: cordon writes it 0600
// and refuses to load it when group or others can read it.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret_buffer.h"
#include "crypto/ed25519.h"

namespace cordon::ssh {

class CertificateSigner;  // certificate.cc: the one user of the secret key

// A CA key pair. Move-only; the secret lives in a SecretBuffer and is never
// printed or returned. Thread-safe for concurrent const use (signing reads
// the key only).
class CaKey {
 public:
  static CaKey Generate();
  // Reads an openssh-key-v1 file (at most 16 KiB). Refuses (kRefused) a
  // file that is not a regular file or that group or others may read
  // (hint: chmod 600); an encrypted key (kUnsupported: cordon needs it
  // unencrypted, kept root-only); a key that is not Ed25519 (kUnsupported);
  // and a damaged one (kMalformed/kTruncated: bad armor, check-ints that
  // differ, a secret key whose public half does not match).
  static Result<CaKey> Load(const std::string& path);
  // Writes the key as a new 0600 file, atomically; never replaces an
  // existing file (kAlreadyExists). `comment` is stored in the file, as
  // ssh-keygen -C does.
  Status Save(const std::string& path, std::string_view comment) const;

  CaKey(CaKey&&) noexcept = default;
  CaKey& operator=(CaKey&&) noexcept = default;

  const crypto::Ed25519PublicKey& public_key() const { return public_key_; }
  // The comment read from the file (empty for a generated key).
  const std::string& comment() const { return comment_; }
  // "ssh-ed25519 AAAA… comment": the line for sshd's TrustedUserCAKeys.
  std::string PublicKeyLine(std::string_view comment = {}) const;

 private:
  friend class CertificateSigner;
  friend Result<CaKey> ParseCaKey(std::string_view text);
  CaKey(SecretBuffer secret_key, const crypto::Ed25519PublicKey& public_key, std::string comment)
      : secret_key_(std::move(secret_key)), public_key_(public_key), comment_(std::move(comment)) {}
  crypto::Ed25519Signature Sign(ByteView message) const;

  SecretBuffer secret_key_;  // 64 bytes: seed ‖ public key
  crypto::Ed25519PublicKey public_key_;
  std::string comment_;
};

// Parses the text of an openssh-key-v1 file ("-----BEGIN OPENSSH PRIVATE
// KEY-----" …) with the checks of Load() except the file mode. Exposed for
// the fuzz target and tests; `text` is key material: callers keep it in a
// SecretBuffer.
Result<CaKey> ParseCaKey(std::string_view text);

}  // namespace cordon::ssh
