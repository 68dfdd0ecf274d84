#include "age/recipients.h"

#include <charconv>

#include "core/encoding.h"
#include "crypto/aead.h"
#include "crypto/kdf.h"
#include "crypto/random.h"

namespace cordon::age {
namespace {

constexpr std::string_view kX25519Label = "age-encryption.org/v1/X25519";
constexpr std::string_view kScryptLabel = "age-encryption.org/v1/scrypt";
constexpr size_t kWrappedKeySize = kFileKeySize + crypto::ChaCha20Poly1305::kTagSize;
constexpr size_t kScryptSaltSize = 16;

Error StanzaError(std::string_view type, std::string_view why) {
  return Error(ErrorCode::kMalformed,
               "header: " + std::string(type) + " stanza: " + std::string(why));
}

Stanza SealFileKey(SecretBuffer wrap_key, const SecretBuffer& file_key, std::string type,
                   std::vector<std::string> args) {
  auto aead = crypto::ChaCha20Poly1305::Create(std::move(wrap_key)).value();
  return Stanza{std::move(type), std::move(args), aead.Seal({}, file_key.RevealBytes())};
}

// Decrypts a wrapped file key; nullopt when the tag fails (not our stanza).
std::optional<SecretBuffer> OpenFileKey(SecretBuffer wrap_key, ByteView body) {
  auto aead = crypto::ChaCha20Poly1305::Create(std::move(wrap_key)).value();
  SecretBuffer file_key(kFileKeySize);
  if (!aead.Open({}, body, file_key.RevealMutable()).ok()) return std::nullopt;
  return file_key;
}

class X25519RecipientImpl final : public Recipient {
 public:
  explicit X25519RecipientImpl(const X25519Recipient& r) : point_(r.point()) {}

  Result<Stanza> Wrap(const SecretBuffer& file_key) const override {
    SecretBuffer ephemeral = crypto::RandomSecret(crypto::kX25519Size);
    crypto::X25519Point share = crypto::X25519PublicKey(ephemeral);
    CORDON_ASSIGN_OR_RETURN(SecretBuffer shared, crypto::X25519(ephemeral, point_));
    Bytes salt(share.begin(), share.end());
    salt.insert(salt.end(), point_.begin(), point_.end());
    SecretBuffer wrap_key = crypto::HkdfSha256(shared, salt, kX25519Label, 32);
    return SealFileKey(std::move(wrap_key), file_key, "X25519",
                       {Base64Encode(share, Base64Padding::kUnpadded)});
  }

 private:
  crypto::X25519Point point_;
};

class X25519IdentityImpl final : public Identity {
 public:
  explicit X25519IdentityImpl(X25519Identity identity)
      : identity_(std::move(identity)), point_(identity_.Recipient().point()) {}

  Result<std::optional<SecretBuffer>> Unwrap(const std::vector<Stanza>& stanzas) const override {
    for (const Stanza& s : stanzas) {
      if (s.type != "X25519") continue;
      if (s.args.size() != 1) return StanzaError("X25519", "wrong number of arguments");
      auto share = Base64Decode(s.args[0], Base64Padding::kUnpadded);
      if (!share.ok() || share->size() != crypto::kX25519Size) {
        return StanzaError("X25519", "share is not 32 bytes of canonical base64");
      }
      if (s.body.size() != kWrappedKeySize)
        return StanzaError("X25519", "wrapped file key has the wrong size");
      auto shared = crypto::X25519(identity_.scalar(), *share);
      if (!shared.ok()) return StanzaError("X25519", shared.error().message());
      Bytes salt = *share;
      salt.insert(salt.end(), point_.begin(), point_.end());
      SecretBuffer wrap_key = crypto::HkdfSha256(*shared, salt, kX25519Label, 32);
      if (auto key = OpenFileKey(std::move(wrap_key), s.body)) return key;
    }
    return std::optional<SecretBuffer>();
  }

 private:
  X25519Identity identity_;
  crypto::X25519Point point_;
};

Bytes ScryptSalt(ByteView salt) {
  Bytes out(kScryptLabel.size() + salt.size());
  std::copy(kScryptLabel.begin(), kScryptLabel.end(), out.begin());
  std::copy(salt.begin(), salt.end(), out.begin() + static_cast<ptrdiff_t>(kScryptLabel.size()));
  return out;
}

class ScryptRecipientImpl final : public Recipient {
 public:
  ScryptRecipientImpl(SecretBuffer passphrase, int log_n)
      : passphrase_(std::move(passphrase)), log_n_(log_n) {}

  Result<Stanza> Wrap(const SecretBuffer& file_key) const override {
    Bytes salt(kScryptSaltSize);
    crypto::RandomBytes(salt);
    CORDON_ASSIGN_OR_RETURN(SecretBuffer wrap_key,
                            crypto::Scrypt(passphrase_, ScryptSalt(salt), log_n_, 8, 1, 32));
    return SealFileKey(std::move(wrap_key), file_key, "scrypt",
                       {Base64Encode(salt, Base64Padding::kUnpadded), std::to_string(log_n_)});
  }
  bool RequiresOnlyStanza() const override { return true; }

 private:
  SecretBuffer passphrase_;
  int log_n_;
};

// Parses a decimal work factor with no sign, no leading zero, no garbage.
std::optional<int> ParseLogN(std::string_view text) {
  if (text.empty() || text.size() > 2 || text[0] == '0') return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

class ScryptIdentityImpl final : public Identity {
 public:
  ScryptIdentityImpl(SecretBuffer passphrase, int max_log_n)
      : passphrase_(std::move(passphrase)), max_log_n_(max_log_n) {}

  Result<std::optional<SecretBuffer>> Unwrap(const std::vector<Stanza>& stanzas) const override {
    for (const Stanza& s : stanzas) {
      if (s.type != "scrypt") continue;
      if (s.args.size() != 2) return StanzaError("scrypt", "wrong number of arguments");
      auto salt = Base64Decode(s.args[0], Base64Padding::kUnpadded);
      if (!salt.ok() || salt->size() != kScryptSaltSize) {
        return StanzaError("scrypt", "salt is not 16 bytes of canonical base64");
      }
      std::optional<int> log_n = ParseLogN(s.args[1]);
      if (!log_n) return StanzaError("scrypt", "work factor is not a plain decimal number");
      if (*log_n > max_log_n_) {
        return Error(ErrorCode::kLimitExceeded,
                     "header: scrypt work factor 2^" + std::to_string(*log_n) +
                         " is above the limit 2^" + std::to_string(max_log_n_),
                     "a file from a trusted sender with a higher work factor needs "
                     "--max-work-factor " +
                         std::to_string(*log_n));
      }
      if (s.body.size() != kWrappedKeySize)
        return StanzaError("scrypt", "wrapped file key has the wrong size");
      CORDON_ASSIGN_OR_RETURN(SecretBuffer wrap_key,
                              crypto::Scrypt(passphrase_, ScryptSalt(*salt), *log_n, 8, 1, 32));
      if (auto key = OpenFileKey(std::move(wrap_key), s.body)) return key;
    }
    return std::optional<SecretBuffer>();
  }

 private:
  SecretBuffer passphrase_;
  int max_log_n_;
};

}  // namespace

std::unique_ptr<Recipient> MakeX25519Recipient(const X25519Recipient& recipient) {
  return std::make_unique<X25519RecipientImpl>(recipient);
}
std::unique_ptr<Identity> MakeX25519Identity(X25519Identity identity) {
  return std::make_unique<X25519IdentityImpl>(std::move(identity));
}
std::unique_ptr<Recipient> MakeScryptRecipient(SecretBuffer passphrase, int log_n) {
  return std::make_unique<ScryptRecipientImpl>(std::move(passphrase), log_n);
}
std::unique_ptr<Identity> MakeScryptIdentity(SecretBuffer passphrase, int max_log_n) {
  return std::make_unique<ScryptIdentityImpl>(std::move(passphrase), max_log_n);
}

}  // namespace cordon::age
