// SSH keys a person registers to their exchange account so that what they
// decide from the command line is a signature too (issue 17: "CLI approvals
// are signatures too, with an SSH key registered to the approver's
// account — sk- keys recommended — in the same SSHSIG format"). The person
// signs with `ssh-keygen -Y sign` and the key they hold (for an sk- key
// OpenSSH asks the security key, which they touch); cordon verifies the
// signature here, and anyone verifies it offline with `ssh-keygen -Y verify`
// and an allowed-signers line.
//
// Three key types, none with parameters to get wrong:
//   sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com — FIDO
//     security keys (PROTOCOL.u2f): the private key never leaves the device,
//     and each signature carries its flags (a person touched it; verified
//     them with a PIN when the key was made with -O verify-required) and a
//     counter;
//   ssh-ed25519 — a key file: accepted because not every engineer holds a
//     security key, and shown as such wherever the signature is.
// (Passkey signatures, made in a browser, are ssh/sshsig.h's.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/ecdsa_p256.h"
#include "crypto/ed25519.h"

namespace cordon::ssh {

enum class SigningKeyType { kEd25519, kSkEd25519, kSkEcdsa };

class SigningKey {
 public:
  // The key blob as OpenSSH writes it; strict (no trailing bytes, a point
  // on the curve). Another type is kUnsupported with a hint.
  static Result<SigningKey> FromBlob(ByteView blob);
  // "type AAAA… [comment]", one line, as in KEY.pub.
  static Result<SigningKey> FromLine(std::string_view line);

  SigningKeyType type() const { return type_; }
  std::string_view TypeName() const;
  // A FIDO security key (sk-): the private key is on the device.
  bool OnSecurityKey() const { return type_ != SigningKeyType::kEd25519; }
  const std::string& Blob() const { return blob_; }
  // "type AAAA…", without a comment.
  std::string Line() const;
  // "SHA256:…", as `ssh-keygen -l` prints it.
  std::string Fingerprint() const;
  // An sk- key's application ("ssh:" unless set when the key was made).
  const std::string& application() const { return application_; }
  // The public key itself, whatever the type and application around it
  // (32 bytes of Ed25519, or the 65-byte P-256 point): one private key
  // signs under several of these blobs (ssh-ed25519 and sk-ssh-ed25519,
  // any application), so "one key, one person" is checked on this.
  std::string Material() const;
  const crypto::Ed25519PublicKey& ed25519() const { return ed25519_; }
  const crypto::P256Point& p256() const { return p256_; }

 private:
  SigningKeyType type_ = SigningKeyType::kEd25519;
  std::string blob_;
  std::string application_;
  crypto::Ed25519PublicKey ed25519_{};
  crypto::P256Point p256_{};
};

// What a verified signature says beyond "this key signed this": for an sk-
// key, the authenticator's flags and counter (zero for a key file).
struct KeySignature {
  uint8_t flags = 0;
  uint32_t counter = 0;
  bool user_verified() const { return (flags & 0x04) != 0; }
};

struct KeySignaturePolicy {
  std::string ns;  // the namespace the signature must be for
  // sk- keys only: also a PIN or biometric (a key made with
  // -O verify-required). A touch (user presence) is always required.
  bool require_user_verified = false;
  // sk- keys only: the counter must be above it when set (a cloned key's
  // counter does not advance; keys that keep none send 0 — leave unset).
  std::optional<uint32_t> counter_above;
};

// Verifies the armored SSH signature over `message`: made by `key` (the
// registered one; the key the signature names must be the same), for
// policy.ns, with sha512 as `ssh-keygen -Y sign` makes it. kAuthFailed says
// which check failed; kMalformed/kUnsupported a damaged or foreign
// signature.
Result<KeySignature> VerifyKeySignature(std::string_view armored, ByteView message,
                                        const SigningKey& key, const KeySignaturePolicy& policy);

// The signature blob of each type (PROTOCOL.u2f, RFC 8709), for tests that
// make signatures as a security key would and for the fuzz target.
std::string SkSignatureBlob(const SigningKey& key, ByteView raw_signature, uint8_t flags,
                            uint32_t counter);
// What an sk- key signs for `data` (PROTOCOL.u2f): SHA-256(application) ‖
// flags ‖ counter ‖ SHA-256(data).
std::string SkSignedData(const SigningKey& key, uint8_t flags, uint32_t counter, ByteView data);

}  // namespace cordon::ssh
