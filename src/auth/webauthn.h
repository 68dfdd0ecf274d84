// WebAuthn (W3C Level 3) for the exchange's web logins, server side: the
// checks of a passkey's registration (§7.1) and of a login assertion
// (§7.2), without HTTP. Only ES256 (P-256) credentials are accepted, because
// a DPO's or approver's decision is later signed with the same passkey as an
// SSH signature of type webauthn-sk-ecdsa-sha2-nistp256@openssh.com
// (ssh/sshsig.h), whose public key is an SkEcdsaKey with application = the
// RP ID. Thread-safe: plain functions of their arguments.
//
// Not checked here: whether an attestation certificate chains to a
// manufacturer the caller trusts, unless the caller gives roots
// (RegistrationOptions::attestation_roots_pem). docs/formats.md says what is
// stored and what each check means.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "ssh/sshsig.h"

namespace cordon::auth {

// Authenticator data flags beyond ssh/sshsig.h's (WebAuthn §6.1).
inline constexpr uint8_t kBackupEligible = 0x08;
inline constexpr uint8_t kBackupState = 0x10;

// The longest credential ID the spec allows (§5.8.3: at most 1023 bytes).
inline constexpr size_t kMaxCredentialId = 1023;

struct RegistrationOptions {
  std::string rp_id;   // "cordon.chu-exemple.fr": the SSH key's application
  std::string origin;  // "https://cordon.chu-exemple.fr", compared exactly
  Bytes challenge;     // the random bytes the server sent (base64url on the wire)
  bool require_user_verified = true;
  // Attestation formats cordon does not verify (tpm, android-key, apple,
  // fido-u2f…) are refused unless this is set; then they are kept as
  // "unverified attestation" (AttestationType::kUnverified).
  bool accept_unverified_attestation = false;
  // PEM roots (manufacturers' attestation CAs) a "packed" x5c chain must
  // lead to for RegisteredCredential::attestation_trusted. Empty: no chain is
  // trusted, the statement's signature is still checked.
  std::vector<std::string> attestation_roots_pem;
};

enum class AttestationType {
  kNone,        // "none": the authenticator vouches for nothing
  kSelf,        // "packed" signed by the credential key itself
  kBasic,       // "packed" with x5c: signed by an attestation certificate
  kUnverified,  // another format, accepted without checking it
};

// What a registration leaves to store (no secret in it).
struct RegisteredCredential {
  Bytes credential_id;
  ssh::SkEcdsaKey key;  // application = the RP ID
  uint32_t sign_counter = 0;
  std::array<uint8_t, 16> aaguid{};  // the authenticator model (zeros: not said)
  uint8_t flags = 0;                 // the registration's authenticator data flags
  bool user_verified = false;
  bool backup_eligible = false;  // a synced passkey may be copied to other devices
  bool backup_state = false;
  std::string attestation_format;  // "none", "packed", or the unverified one's name
  AttestationType attestation = AttestationType::kNone;
  // The x5c chain leads to one of the caller's roots. Never true otherwise:
  // a certificate in the statement proves nothing by itself.
  bool attestation_trusted = false;
};

// Checks a navigator.credentials.create() answer: clientDataJSON (type
// "webauthn.create", the challenge, the origin, not cross-origin), the
// authenticator data (RP ID hash, UP, UV, attested credential data, an
// ES256 P-256 COSE key on the curve) and the attestation statement.
// Errors: kMalformed/kTruncated/kLimitExceeded for bytes that do not parse,
// kUnsupported for another algorithm or attestation format, kAuthFailed for
// a check that fails (the message names it).
Result<RegisteredCredential> VerifyRegistration(const RegistrationOptions& options,
                                                ByteView attestation_object,
                                                std::string_view client_data_json);

struct AssertionOptions {
  std::string rp_id;
  std::string origin;
  Bytes challenge;  // the server's single-use login nonce
  bool require_user_verified = true;
};

// What the server keeps of a credential between logins.
struct StoredCredential {
  Bytes credential_id;
  ssh::SkEcdsaKey key;
  uint32_t sign_counter = 0;
};

struct VerifiedAssertion {
  uint32_t sign_counter = 0;  // store it in place of the old one
  uint8_t flags = 0;
  bool user_verified = false;
  bool backup_state = false;
};

// Checks a navigator.credentials.get() answer for a login: the credential
// is the stored one, clientDataJSON (type "webauthn.get", challenge,
// origin), the authenticator data (RP ID hash, UP, UV, no attested data,
// extensions as flagged), the ES256 signature over authenticatorData ‖
// SHA-256(clientDataJSON), and the counter: strictly above the stored one,
// except when both are 0 — authenticators without a counter (most synced
// passkeys) always send 0, which WebAuthn §6.1.1 allows; a counter that
// goes back or stays put otherwise is a cloned authenticator and refused.
Result<VerifiedAssertion> VerifyLoginAssertion(const AssertionOptions& options,
                                               const StoredCredential& stored,
                                               ByteView credential_id, ByteView authenticator_data,
                                               std::string_view client_data_json,
                                               ByteView signature_der);

}  // namespace cordon::auth
