#include "crypto/random.h"

#include <sodium.h>

#include <cstdlib>

namespace cordon::crypto {

void RandomBytes(std::span<uint8_t> out) {
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();
  if (!out.empty()) randombytes_buf(out.data(), out.size());
}

SecretBuffer RandomSecret(size_t size) {
  SecretBuffer secret(size);
  RandomBytes(secret.RevealMutable());
  return secret;
}

}  // namespace cordon::crypto
