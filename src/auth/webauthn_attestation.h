// The "packed" attestation statement (WebAuthn §8.2), for webauthn.cc: its
// signature over authenticatorData ‖ SHA-256(clientDataJSON), made by the
// credential key itself (self attestation) or by the leaf of an x5c
// certificate chain (basic attestation, checked with OpenSSL). A chain is
// trusted only when it leads to one of the caller's roots. Thread-safe.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "auth/cbor.h"
#include "auth/webauthn.h"
#include "core/bytes.h"
#include "core/result.h"
#include "crypto/ecdsa_p256.h"

namespace cordon::auth {

struct PackedResult {
  AttestationType type = AttestationType::kSelf;
  bool trusted = false;
};

// `statement` is attStmt; `signed_data` = authData ‖ clientDataHash.
// kUnsupported for an algorithm other than ES256 or ECDAA; kAuthFailed for
// a signature or certificate that does not check out; kMalformed for damage.
Result<PackedResult> VerifyPackedAttestation(const CborValue& statement, ByteView signed_data,
                                             const crypto::P256Point& credential_key,
                                             const std::array<uint8_t, 16>& aaguid,
                                             const std::vector<std::string>& roots_pem);

}  // namespace cordon::auth
