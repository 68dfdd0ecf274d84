// Ed25519 signatures (RFC 8032) over libsodium.
#pragma once

#include <array>
#include <cstdint>

#include "core/bytes.h"
#include "core/secret_buffer.h"

namespace cordon::crypto {

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SecretKeySize = 64;  // libsodium's seed‖public form
inline constexpr size_t kEd25519SignatureSize = 64;
using Ed25519PublicKey = std::array<uint8_t, kEd25519PublicKeySize>;
using Ed25519Signature = std::array<uint8_t, kEd25519SignatureSize>;

struct Ed25519KeyPair {
  SecretBuffer secret_key;  // 64 bytes
  Ed25519PublicKey public_key;
};

Ed25519KeyPair GenerateEd25519();
// Signs with a 64-byte secret key; aborts on a wrong-size key (caller bug).
Ed25519Signature Ed25519Sign(const SecretBuffer& secret_key, ByteView message);
// True when a 64-byte seed‖public secret key's public half derives from its
// seed (detects damaged or spliced key files).
bool Ed25519SecretKeyIsConsistent(ByteView secret_key);
bool Ed25519Verify(const Ed25519PublicKey& public_key, ByteView message,
                   const Ed25519Signature& signature);

}  // namespace cordon::crypto
