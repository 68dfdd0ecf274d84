// The low-level SHA256_* interface (deprecated in OpenSSL 3 in favour of
// EVP, which allocates a context per digest) keeps short-message hashing,
// the Merkle tree's whole workload, allocation-free.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/hash.h"

#include <openssl/sha.h>

namespace cordon::crypto {

namespace {
SHA256_CTX* Ctx(unsigned char* state) { return reinterpret_cast<SHA256_CTX*>(state); }
}  // namespace

Sha256::Sha256() {
  static_assert(sizeof(SHA256_CTX) <= 112 && alignof(SHA256_CTX) <= 8);
  SHA256_Init(Ctx(state_));
}

void Sha256::Update(ByteView data) { SHA256_Update(Ctx(state_), data.data(), data.size()); }

Sha256::Digest Sha256::Final() {
  Digest out{};
  SHA256_Final(out.data(), Ctx(state_));
  return out;
}

Sha256::Digest Sha256::Hash(ByteView data) {
  Sha256 h;
  h.Update(data);
  return h.Final();
}

Result<Sha256::Digest> HashingSource::Finish() {
  Bytes buf(1 << 20);
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(size_t n, Read(buf));
    if (n == 0) return hash_.Final();
  }
}

Blake2b512::Digest Blake2b512::Final() {
  Digest out{};
  crypto_generichash_final(&state_, out.data(), out.size());
  return out;
}

std::array<uint8_t, 32> Blake2b256(ByteView data) {
  std::array<uint8_t, 32> out{};
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

}  // namespace cordon::crypto
