#include "crypto/hash.h"

namespace cordon::crypto {

Sha256::Digest Sha256::Final() {
  Digest out{};
  crypto_hash_sha256_final(&state_, out.data());
  return out;
}

Sha256::Digest Sha256::Hash(ByteView data) {
  Sha256 h;
  h.Update(data);
  return h.Final();
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
