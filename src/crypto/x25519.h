// X25519 Diffie-Hellman (RFC 7748) over libsodium.
#pragma once

#include <array>
#include <cstdint>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secret_buffer.h"

namespace cordon::crypto {

inline constexpr size_t kX25519Size = 32;
using X25519Point = std::array<uint8_t, kX25519Size>;

// The public point of a 32-byte scalar.
X25519Point X25519PublicKey(const SecretBuffer& scalar);

// X25519(scalar, point). Fails with kMalformed when the point has the wrong
// length, or when the result is all zero (a low-order point: the peer chose a
// value that makes the shared secret predictable).
Result<SecretBuffer> X25519(const SecretBuffer& scalar, ByteView point);

}  // namespace cordon::crypto
