// ECDSA over NIST P-256 with SHA-256 — WebAuthn's ES256, and OpenSSH's
// sk-ecdsa-sha2-nistp256 — for verification only: the private key of such a
// signature lives in the signer's authenticator, never in cordon. Over
// OpenSSL; and SHA-512, which PROTOCOL.sshsig hashes messages with.
#pragma once

#include <array>
#include <cstdint>

#include "core/bytes.h"
#include "core/result.h"

namespace cordon::crypto {

// A P-256 public key as an uncompressed point: 0x04 ‖ X ‖ Y.
using P256Point = std::array<uint8_t, 65>;

// The two halves of an ECDSA signature, big-endian, left-padded to 32 bytes.
struct EcdsaSignature {
  std::array<uint8_t, 32> r{};
  std::array<uint8_t, 32> s{};
};

// Refuses (kInvalidArgument) a point that is not on the curve, or the
// point at infinity: checked once where a key enters (registration).
Status CheckP256Point(const P256Point& point);

// True when `signature` signs SHA-256(message) under `point`. False for a
// wrong signature, an r or s of zero or not below the group order; an error
// only for a point that is not a key.
Result<bool> VerifyEcdsaP256(const P256Point& point, ByteView message,
                             const EcdsaSignature& signature);

// An ECDSA-Sig-Value (DER, as WebAuthn returns it) in its canonical
// encoding only: anything else — BER, trailing bytes, an integer wider than
// 32 bytes — is kMalformed.
Result<EcdsaSignature> ParseEcdsaDer(ByteView der);

std::array<uint8_t, 64> Sha512(ByteView data);

}  // namespace cordon::crypto
