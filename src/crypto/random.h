// The CSPRNG (libsodium's randombytes, backed by getrandom(2)).
#pragma once

#include <cstdint>
#include <span>

#include "core/secret_buffer.h"

namespace cordon::crypto {

// Fills `out` with cryptographically secure random bytes. Thread-safe.
void RandomBytes(std::span<uint8_t> out);
// A new secret of `size` random bytes.
SecretBuffer RandomSecret(size_t size);

}  // namespace cordon::crypto
