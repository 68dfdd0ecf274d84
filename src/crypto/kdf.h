// Key derivation and MACs: HKDF-SHA-256 (RFC 5869, OpenSSL), HMAC-SHA-256
// (libsodium) and scrypt (RFC 7914, libsodium).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secret_buffer.h"

namespace cordon::crypto {

// Every key parameter is a SecretBuffer: key material reaches these
// primitives without a caller ever revealing it (Reveal* stays in crypto/
// and core/; scripts/count-reveals keeps count elsewhere).

// HKDF-SHA-256 extract-and-expand; `length` at most 255*32.
SecretBuffer HkdfSha256(const SecretBuffer& ikm, ByteView salt, std::string_view info,
                        size_t length);

using Mac256 = std::array<uint8_t, 32>;
Mac256 HmacSha256(const SecretBuffer& key, ByteView message);

// HMAC-SHA-256 (RFC 2104) for many short messages under one key
// (pseudonyms): the key's inner and outer SHA-256 states are computed once
// and kept in locked, wiped memory; each message then costs two block
// compressions (OpenSSL's SHA-256, with the CPU's SHA extensions when it has
// them). Same output as HmacSha256. Thread-safe (Mac does not modify state).
class HmacSha256Prf {
 public:
  explicit HmacSha256Prf(const SecretBuffer& key);
  Mac256 Mac(ByteView message) const;

 private:
  SecretBuffer states_;  // SHA256_CTX after ipad, then after opad
};

// scrypt with N = 2^log_n. Fails with kLimitExceeded if log_n is outside
// [1, 30] or the memory needed (128·r·N bytes) cannot be had.
Result<SecretBuffer> Scrypt(const SecretBuffer& password, ByteView salt, int log_n, uint32_t r,
                            uint32_t p, size_t length);

}  // namespace cordon::crypto
