// minisign-compatible Ed25519 keys and signatures
// (https://jedisct1.github.io/minisign/). cordon signs with the prehashed
// "ED" algorithm (Ed25519 over BLAKE2b-512 of the file, minisign's default)
// and verifies both "ED" and the legacy non-prehashed "Ed".
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/io.h"
#include "core/result.h"
#include "core/secret_buffer.h"
#include "crypto/ed25519.h"

namespace cordon::sign {

using KeyId = std::array<uint8_t, 8>;

// minisign shows a key id as 16 uppercase hex digits of the little-endian
// 64-bit number (so the bytes appear reversed).
std::string KeyIdHex(const KeyId& id);

// Trusted comments are signed; minisign limits them to one line of 1 KiB.
inline constexpr size_t kMaxCommentSize = 1024;

struct PublicKey {
  KeyId key_id{};
  crypto::Ed25519PublicKey key{};

  // Parses a minisign public key file (comment line + base64 line), or the
  // bare base64 line alone (as `minisign -P` takes it).
  static Result<PublicKey> Parse(std::string_view text);
  std::string Format() const;  // the .pub file, with minisign's comment line
};

// Immutable once made: safe to share between threads.
class SecretKey {
 public:
  static SecretKey Generate();
  // A personal key: every signature it makes names `person` in its trusted
  // comment (sign/person.h). kInvalidArgument if the name is not one
  // (CheckPersonName: no e-mail address, no digits...).
  static Result<SecretKey> GeneratePersonal(std::string_view person);
  // Parses an unencrypted minisign secret key file (as `minisign -G -W` or
  // `cordon sign-keygen` write it). Checks the key's BLAKE2b checksum. The
  // person of a personal key is read from the file's comment line.
  static Result<SecretKey> Parse(ByteView text);
  // The same from a key file read into locked memory (ReadSecretFile).
  static Result<SecretKey> Parse(const SecretBuffer& text) { return Parse(text.RevealBytes()); }

  // The secret key file (secret: holds the key), minisign format, no
  // passphrase; a personal key's comment line names the person.
  SecretBuffer Format() const;
  PublicKey public_key() const;
  const KeyId& key_id() const { return key_id_; }
  const SecretBuffer& ed25519_secret() const { return secret_; }
  // The person who holds the key; empty for a key that names nobody.
  const std::string& person() const { return person_; }

 private:
  SecretKey(KeyId id, SecretBuffer secret) : key_id_(id), secret_(std::move(secret)) {}
  KeyId key_id_;
  SecretBuffer secret_;  // libsodium's 64-byte seed‖public form
  std::string person_;
};

enum class Algorithm { kPrehashed /* "ED" */, kLegacy /* "Ed" */ };

struct Signature {
  std::string untrusted_comment;
  Algorithm algorithm = Algorithm::kPrehashed;
  KeyId key_id{};
  crypto::Ed25519Signature signature{};
  std::string trusted_comment;
  crypto::Ed25519Signature global_signature{};

  // Parses a .minisig file; errors say which line is wrong.
  static Result<Signature> Parse(std::string_view text);
  std::string Format() const;
};

// Signs the whole of `message` (streamed, BLAKE2b-512 prehash). The trusted
// comment must be one line of at most kMaxCommentSize bytes (the person's
// field included) and hold no "person:" field: a personal key adds its own,
// "\tperson:NAME", at the end.
Result<Signature> Sign(const SecretKey& key, ByteSource& message, std::string_view trusted_comment,
                       std::string_view untrusted_comment = "signature from cordon secret key");

// Verifies `signature` over `message` with `key`. Fails with kAuthFailed and
// a message naming what failed: another key's signature, the file, or the
// trusted comment. Legacy "Ed" signatures need the whole file in memory and
// are refused above max_legacy_size bytes.
Status Verify(const PublicKey& key, const Signature& signature, ByteSource& message,
              size_t max_legacy_size = size_t{1} << 30);

}  // namespace cordon::sign
