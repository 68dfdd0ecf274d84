// Hash functions: SHA-256 (file digests, manifests, Merkle trees) over
// OpenSSL, which uses the CPU's SHA extensions, and BLAKE2b-512 (minisign's
// prehash) over libsodium, both streaming.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>

#include "core/bytes.h"

namespace cordon::crypto {

class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;
  Sha256();
  void Update(ByteView data);
  Digest Final();
  static Digest Hash(ByteView data);

 private:
  // OpenSSL's SHA256_CTX (112 bytes), held inline so that hashing a short
  // message allocates nothing (checked in hash.cc).
  alignas(8) unsigned char state_[112];
};

class Blake2b512 {
 public:
  using Digest = std::array<uint8_t, 64>;
  Blake2b512() { crypto_generichash_init(&state_, nullptr, 0, 64); }
  void Update(ByteView data) { crypto_generichash_update(&state_, data.data(), data.size()); }
  Digest Final();

 private:
  crypto_generichash_state state_;
};

// BLAKE2b with a 256-bit output (minisign's secret key checksum).
std::array<uint8_t, 32> Blake2b256(ByteView data);

}  // namespace cordon::crypto
