// How the exchange keeps each account's TOTP secret: sealed (ChaCha20-
// Poly1305) with DIR/secrets.key, a key kept out of the database so that a
// copy of the database (a dump, a backup) gives no one the second factor;
// and bound to its account (its id is the associated data), so that a
// sealed secret copied to another account's row does not open there.
//
// Stored as nonce (12 random bytes) ‖ ciphertext ‖ tag.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secret_buffer.h"
#include "crypto/aead.h"

namespace cordon::exchange {

// DIR/secrets.key: 32 random bytes, 0600, made once (a concurrent maker
// wins and the loser reads its key).
Result<SecretBuffer> LoadOrCreateSecretsKey(const std::string& data_dir);
// The key if DIR/secrets.key exists, none if it does not.
Result<std::optional<SecretBuffer>> LoadSecretsKey(const std::string& data_dir);

Bytes SealTotpSecret(const crypto::ChaCha20Poly1305& sealer, int64_t account_id,
                     const SecretBuffer& secret);
// kAuthFailed when the secret does not open: another key, a damaged value,
// or a value sealed for another account.
Result<SecretBuffer> OpenTotpSecret(const crypto::ChaCha20Poly1305& sealer, int64_t account_id,
                                    ByteView sealed);

// Schema 2 sealed secrets without associated data: only the migration to
// schema 3 opens them (to seal them again, bound to their account).
Result<SecretBuffer> OpenUnboundTotpSecret(const crypto::ChaCha20Poly1305& sealer, ByteView sealed);

}  // namespace cordon::exchange
