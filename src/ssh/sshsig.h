// SSH signatures (PROTOCOL.sshsig) made with a passkey: the signature type
// webauthn-sk-ecdsa-sha2-nistp256@openssh.com of PROTOCOL.u2f, which stock
// `ssh-keygen -Y verify` checks. A DPO's approval is one such signature over
// the exact bytes approved; anyone verifies it offline with OpenSSH, and
// cordon checks it the same way, plus what ssh-keygen does not: the user
// was verified (UV) and, when asked, the authenticator's counter advanced.
//
// What the browser does: navigator.credentials.get() with the challenge
// SshsigSignedData(namespace, message); the authenticator signs
// authenticatorData ‖ SHA-256(clientDataJSON) with its P-256 key. The server
// wraps that assertion with SshsigFromAssertion, which checks it first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/ecdsa_p256.h"

namespace cordon::ssh {

// A passkey's public key as OpenSSH writes it: a P-256 point and the
// "application", which for a WebAuthn credential is the relying party's
// ID (the site's domain); authenticatorData carries SHA-256 of it.
struct SkEcdsaKey {
  crypto::P256Point point{};
  std::string application;

  // string "sk-ecdsa-sha2-nistp256@openssh.com" ‖ string "nistp256" ‖
  // string point ‖ string application.
  std::string Blob() const;
  // "sk-ecdsa-sha2-nistp256@openssh.com AAAA…"
  std::string Line() const;
  // "SHA256:…", as ssh-keygen -l prints it.
  std::string Fingerprint() const;
  // Checks the point is on the curve and the application is printable ASCII.
  static Result<SkEcdsaKey> Make(const crypto::P256Point& point, std::string_view application);
  static Result<SkEcdsaKey> FromBlob(ByteView blob);
};

// One line of an allowed_signers file (ssh-keygen(1) ALLOWED SIGNERS):
// `principal namespaces="ns" sk-ecdsa-sha2-nistp256@openssh.com AAAA…`.
// The principal is an e-mail-like name without spaces, quotes or commas.
Result<std::string> AllowedSignersLine(std::string_view principal, std::string_view ns,
                                       const SkEcdsaKey& key);

// What is signed (PROTOCOL.sshsig "Signed Data"): "SSHSIG" ‖ string ns ‖
// string "" ‖ string "sha512" ‖ string SHA-512(message). Its base64url is
// the WebAuthn challenge.
std::string SshsigSignedData(std::string_view ns, ByteView message);

// The assertion as navigator.credentials.get() returns it.
struct WebauthnAssertion {
  Bytes authenticator_data;      // rpIdHash(32) ‖ flags ‖ counter(4) ‖ extensions
  std::string client_data_json;  // the exact bytes the browser made
  Bytes signature_der;           // ECDSA-Sig-Value
};

// WebAuthn authenticator data flags (WebAuthn §6.1).
inline constexpr uint8_t kUserPresent = 0x01;
inline constexpr uint8_t kUserVerified = 0x04;
inline constexpr uint8_t kAttestedData = 0x40;
inline constexpr uint8_t kExtensionData = 0x80;

struct WebauthnSignature {
  crypto::EcdsaSignature ecdsa;
  uint8_t flags = 0;
  uint32_t counter = 0;
  std::string origin;  // "https://cordon.chu-exemple.fr"
  std::string client_data_json;
  Bytes extensions;
};

// A parsed SSH signature of this kind. Parsing checks the structure only;
// Verify checks what it means.
struct Sshsig {
  SkEcdsaKey key;
  std::string ns;
  WebauthnSignature signature;
};

// What a verifier requires beyond a valid signature.
struct SshsigPolicy {
  std::string ns;      // the namespace the signature must be for
  std::string origin;  // the web origin the browser must have reported
  bool require_user_verified = true;
  // When set, the counter must be above it (a cloned authenticator shows as
  // a counter that does not advance). Authenticators that keep no counter
  // send 0: leave it unset for those.
  std::optional<uint32_t> counter_above;
};

// Checks an assertion over `message` by `key` under `policy` and returns it
// as an armored SSH signature ("-----BEGIN SSH SIGNATURE-----"…).
Result<std::string> SshsigFromAssertion(const SkEcdsaKey& key, ByteView message,
                                        const WebauthnAssertion& assertion,
                                        const SshsigPolicy& policy);

// The parts of any SSH signature (PROTOCOL.sshsig "Blob format") before its
// key and signature blobs are read by their type's rules: the armor, the
// magic, version 1, an empty reserved field and the sha512 hash (what
// `ssh-keygen -Y sign` uses) checked. ssh/signing_key.h reads the other
// key types from it.
struct SshsigEnvelope {
  std::string public_key;  // the key blob
  std::string ns;
  std::string signature;  // the signature blob
};
Result<SshsigEnvelope> ParseSshsigEnvelope(std::string_view armored);
std::string ArmorSshsigEnvelope(const SshsigEnvelope& envelope);

// Parses an armored SSH signature of the webauthn-sk-ecdsa kind; any other
// signature algorithm is kUnsupported, damage kMalformed or kTruncated.
Result<Sshsig> ParseSshsig(std::string_view armored);
std::string ArmorSshsig(const Sshsig& sig);

// Verifies `armored` over `message`: made by `key` (the registered one, not
// the one the signature names), for policy.ns and policy.origin, with the
// flags and counter the policy asks for. kAuthFailed says which check failed.
Result<Sshsig> VerifySshsig(std::string_view armored, ByteView message, const SkEcdsaKey& key,
                            const SshsigPolicy& policy);

}  // namespace cordon::ssh
