#include "crypto/x25519.h"

#include <sodium.h>

namespace cordon::crypto {

X25519Point X25519PublicKey(const SecretBuffer& scalar) {
  X25519Point out{};
  crypto_scalarmult_base(out.data(), scalar.RevealBytes().data());
  return out;
}

Result<SecretBuffer> X25519(const SecretBuffer& scalar, ByteView point) {
  if (scalar.size() != kX25519Size || point.size() != kX25519Size) {
    return Error(ErrorCode::kMalformed, "X25519 values must be 32 bytes");
  }
  SecretBuffer shared(kX25519Size);
  // libsodium returns -1 when the output is all zero.
  if (crypto_scalarmult(shared.RevealMutable().data(), scalar.RevealBytes().data(), point.data()) !=
      0) {
    return Error(ErrorCode::kMalformed,
                 "X25519 share is a low-order point (all-zero shared secret)");
  }
  return shared;
}

}  // namespace cordon::crypto
