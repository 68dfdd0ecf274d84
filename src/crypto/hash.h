// Hash functions: SHA-256 (file digests, manifests, Merkle trees) over
// OpenSSL, which uses the CPU's SHA extensions, and BLAKE2b-512 (minisign's
// prehash) over libsodium, both streaming.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>

#include "core/bytes.h"
#include "core/io.h"

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

// Pass-through streams that hash what goes by: the SHA-256 and size of a
// file written or read, for the ledger, without reading it twice.
class HashingSink final : public ByteSink {
 public:
  explicit HashingSink(ByteSink& next) : next_(next) {}
  Status Write(ByteView data) override {
    hash_.Update(data);
    bytes_ += data.size();
    return next_.Write(data);
  }
  // Hashes bytes that reach the file by another way, in their place in the
  // file's order (a package's age header, written in front last).
  void HashUnwritten(ByteView data) {
    hash_.Update(data);
    bytes_ += data.size();
  }
  Sha256::Digest Final() { return hash_.Final(); }
  uint64_t bytes() const { return bytes_; }

 private:
  ByteSink& next_;
  Sha256 hash_;
  uint64_t bytes_ = 0;
};

class HashingSource final : public ByteSource {
 public:
  explicit HashingSource(ByteSource& next) : next_(next) {}
  Result<size_t> Read(std::span<uint8_t> out) override {
    auto n = next_.Read(out);
    if (n.ok()) {
      hash_.Update(out.first(*n));
      bytes_ += *n;
    }
    return n;
  }
  Sha256::Digest Final() { return hash_.Final(); }
  // Reads what is left to the end and returns the hash of everything read.
  Result<Sha256::Digest> Finish();
  uint64_t bytes() const { return bytes_; }

 private:
  ByteSource& next_;
  Sha256 hash_;
  uint64_t bytes_ = 0;
};

// BLAKE2b with a 256-bit output (minisign's secret key checksum).
std::array<uint8_t, 32> Blake2b256(ByteView data);

}  // namespace cordon::crypto
