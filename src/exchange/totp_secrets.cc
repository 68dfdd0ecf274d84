#include "exchange/totp_secrets.h"

#include <algorithm>
#include <array>

#include "core/file.h"
#include "crypto/random.h"

namespace cordon::exchange {
namespace {

using crypto::ChaCha20Poly1305;

// "cordon exchange totp secret" ‖ 0 ‖ the account id (8 bytes, big-endian):
// the secret opens for that account only.
Bytes AccountAad(int64_t account_id) {
  static constexpr std::string_view kLabel = "cordon exchange totp secret";
  Bytes aad(kLabel.begin(), kLabel.end());
  aad.push_back(0);
  const auto id = static_cast<uint64_t>(account_id);
  for (int shift = 56; shift >= 0; shift -= 8) aad.push_back(static_cast<uint8_t>(id >> shift));
  return aad;
}

Error Unreadable() {
  return Error(ErrorCode::kAuthFailed, "an account's second factor is unreadable",
               "DIR/secrets.key is not the key this database was made with, or the "
               "account's row was altered");
}

Result<SecretBuffer> Open(const ChaCha20Poly1305& sealer, ByteView aad, ByteView sealed) {
  constexpr size_t kOverhead = ChaCha20Poly1305::kNonceSize + ChaCha20Poly1305::kTagSize;
  if (sealed.size() <= kOverhead) return Unreadable();
  ChaCha20Poly1305::Nonce nonce;
  std::copy_n(sealed.begin(), nonce.size(), nonce.begin());
  SecretBuffer out(sealed.size() - kOverhead);
  if (!sealer.Open(nonce, aad, sealed.subspan(nonce.size()), out.RevealMutable()).ok()) {
    return Unreadable();
  }
  return out;
}

}  // namespace

Result<std::optional<SecretBuffer>> LoadSecretsKey(const std::string& data_dir) {
  const std::string path = data_dir + "/secrets.key";
  if (!PathExists(path)) return std::optional<SecretBuffer>();
  CORDON_ASSIGN_OR_RETURN(SecretBuffer key, ReadSecretFile(path, 64));
  if (key.size() != ChaCha20Poly1305::kKeySize) {
    return Error(ErrorCode::kMalformed, path + ": not a 32-byte key");
  }
  return std::optional<SecretBuffer>(std::move(key));
}

Result<SecretBuffer> LoadOrCreateSecretsKey(const std::string& data_dir) {
  const std::string path = data_dir + "/secrets.key";
  if (!PathExists(path)) {
    SecretBuffer fresh(ChaCha20Poly1305::kKeySize);
    crypto::RandomBytes(fresh.RevealMutable());
    Status made = WriteSecretFile(path, fresh);
    if (!made.ok() && made.error().code() != ErrorCode::kAlreadyExists) return made.error();
  }
  CORDON_ASSIGN_OR_RETURN(std::optional<SecretBuffer> key, LoadSecretsKey(data_dir));
  if (!key) return Error(ErrorCode::kIo, path + ": missing right after it was made");
  return std::move(*key);
}

Bytes SealTotpSecret(const ChaCha20Poly1305& sealer, int64_t account_id,
                     const SecretBuffer& secret_buffer) {
  const ByteView secret = secret_buffer.RevealBytes();
  ChaCha20Poly1305::Nonce nonce;
  crypto::RandomBytes(nonce);
  Bytes out(nonce.size() + secret.size() + ChaCha20Poly1305::kTagSize);
  std::copy(nonce.begin(), nonce.end(), out.begin());
  sealer.Seal(nonce, AccountAad(account_id), secret, std::span(out).subspan(nonce.size()));
  return out;
}

Result<SecretBuffer> OpenTotpSecret(const ChaCha20Poly1305& sealer, int64_t account_id,
                                    ByteView sealed) {
  return Open(sealer, AccountAad(account_id), sealed);
}

Result<SecretBuffer> OpenUnboundTotpSecret(const ChaCha20Poly1305& sealer, ByteView sealed) {
  return Open(sealer, ByteView(), sealed);
}

}  // namespace cordon::exchange
