#include "crypto/ed25519.h"

#include <sodium.h>

#include <cstdlib>

namespace cordon::crypto {

Ed25519KeyPair GenerateEd25519() {
  if (sodium_init() < 0) std::abort();
  Ed25519KeyPair pair{SecretBuffer(kEd25519SecretKeySize), {}};
  crypto_sign_keypair(pair.public_key.data(), pair.secret_key.RevealMutable().data());
  return pair;
}

Ed25519Signature Ed25519Sign(const SecretBuffer& secret_key, ByteView message) {
  if (secret_key.size() != kEd25519SecretKeySize) std::abort();
  Ed25519Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(),
                       secret_key.RevealBytes().data());
  return sig;
}

bool Ed25519SecretKeyIsConsistent(ByteView secret_key) {
  if (secret_key.size() != kEd25519SecretKeySize) return false;
  Ed25519PublicKey pk{};
  SecretBuffer sk(kEd25519SecretKeySize);
  crypto_sign_seed_keypair(pk.data(), sk.RevealMutable().data(), secret_key.data());
  return sodium_memcmp(pk.data(), secret_key.data() + 32, 32) == 0;
}

bool Ed25519Verify(const Ed25519PublicKey& public_key, ByteView message,
                   const Ed25519Signature& signature) {
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key.data()) == 0;
}

}  // namespace cordon::crypto
