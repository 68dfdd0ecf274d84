#include "sign/minisign.h"

#include <algorithm>

#include "core/encoding.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "sign/person.h"

namespace cordon::sign {
namespace {

constexpr std::string_view kUntrustedPrefix = "untrusted comment: ";
constexpr std::string_view kPersonInKeyComment = "; person: ";
constexpr std::string_view kTrustedPrefix = "trusted comment: ";
constexpr size_t kPublicKeyBytes = 2 + 8 + 32;
constexpr size_t kSignatureBytes = 2 + 8 + 64;
// sig_alg(2) kdf_alg(2) chk_alg(2) salt(32) opslimit(8) memlimit(8) keynum_sk(8+64+32)
constexpr size_t kSecretKeyBytes = 2 + 2 + 2 + 32 + 8 + 8 + 8 + 64 + 32;

Error Malformed(std::string_view what, std::string_view why) {
  return Error(ErrorCode::kMalformed, std::string(what) + ": " + std::string(why));
}

// Splits `text` into lines, dropping a trailing '\r' from each.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  return out;
}

bool IsOneLine(std::string_view s) {
  return s.find('\n') == std::string_view::npos && s.find('\r') == std::string_view::npos;
}

std::array<uint8_t, 32> SecretKeyChecksum(const KeyId& id, ByteView ed_secret) {
  Bytes input = {'E', 'd'};
  input.insert(input.end(), id.begin(), id.end());
  input.insert(input.end(), ed_secret.begin(), ed_secret.end());
  auto sum = crypto::Blake2b256(input);
  WipeBytes(input);
  return sum;
}

Bytes GlobalMessage(const crypto::Ed25519Signature& sig, std::string_view trusted_comment) {
  Bytes out(sig.begin(), sig.end());
  out.insert(out.end(), trusted_comment.begin(), trusted_comment.end());
  return out;
}

}  // namespace

std::string KeyIdHex(const KeyId& id) {
  KeyId reversed = id;
  std::reverse(reversed.begin(), reversed.end());
  std::string hex = HexEncode(reversed);
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](char c) { return static_cast<char>(std::toupper(c)); });
  return hex;
}

Result<PublicKey> PublicKey::Parse(std::string_view text) {
  std::vector<std::string_view> lines = Lines(text);
  std::string_view encoded;
  if (lines.size() == 1) {
    encoded = lines[0];
  } else if (lines.size() == 2 && lines[0].rfind(kUntrustedPrefix, 0) == 0) {
    encoded = lines[1];
  } else {
    return Malformed("public key", "expected an \"untrusted comment:\" line and a base64 line");
  }
  auto bytes = Base64Decode(encoded);
  if (!bytes.ok() || bytes->size() != kPublicKeyBytes) {
    return Malformed("public key", "the key line is not 42 bytes of base64");
  }
  if ((*bytes)[0] != 'E' || (*bytes)[1] != 'd') {
    return Error(ErrorCode::kUnsupported, "public key: unknown signature algorithm");
  }
  PublicKey key;
  std::copy_n(bytes->begin() + 2, 8, key.key_id.begin());
  std::copy_n(bytes->begin() + 10, 32, key.key.begin());
  return key;
}

std::string PublicKey::Format() const {
  Bytes raw = {'E', 'd'};
  raw.insert(raw.end(), key_id.begin(), key_id.end());
  raw.insert(raw.end(), key.begin(), key.end());
  return std::string(kUntrustedPrefix) + "minisign public key " + KeyIdHex(key_id) + "\n" +
         Base64Encode(raw) + "\n";
}

SecretKey SecretKey::Generate() {
  crypto::Ed25519KeyPair pair = crypto::GenerateEd25519();
  KeyId id{};
  crypto::RandomBytes(id);
  return SecretKey(id, std::move(pair.secret_key));
}

Result<SecretKey> SecretKey::GeneratePersonal(std::string_view person) {
  CORDON_ASSIGN_OR_RETURN(std::string name, CheckPersonName(person));
  SecretKey key = Generate();
  key.person_ = std::move(name);
  return key;
}

Result<SecretKey> SecretKey::Parse(ByteView text) {
  std::vector<std::string_view> lines = Lines(AsChars(text));
  if (lines.size() != 2 || lines[0].rfind(kUntrustedPrefix, 0) != 0) {
    return Malformed("secret key", "expected an \"untrusted comment:\" line and a base64 line");
  }
  auto decoded = Base64Decode(lines[1]);
  if (!decoded.ok() || decoded->size() != kSecretKeyBytes) {
    return Malformed("secret key", "the key line is not 158 bytes of base64");
  }
  SecretBuffer raw = SecretBuffer::CopyOf(*decoded);
  WipeBytes(*decoded);
  ByteView b = raw.RevealBytes();
  if (b[0] != 'E' || b[1] != 'd' || b[4] != 'B' || b[5] != '2') {
    return Error(ErrorCode::kUnsupported, "secret key: unknown algorithm");
  }
  if (b[2] != 0 || b[3] != 0) {
    return Error(ErrorCode::kUnsupported, "secret key: the key is encrypted with a passphrase",
                 "cordon reads passphrase-less minisign keys; create one with `cordon sign-keygen` "
                 "or `minisign -G -W`");
  }
  constexpr size_t kKeynum = 2 + 2 + 2 + 32 + 8 + 8;
  KeyId id{};
  std::copy_n(b.begin() + kKeynum, 8, id.begin());
  ByteView ed_secret = b.subspan(kKeynum + 8, 64);
  ByteView checksum = b.subspan(kKeynum + 8 + 64, 32);
  // `minisign -G -W` leaves the checksum of passphrase-less keys all zero;
  // any other value must match.
  const std::array<uint8_t, 32> zero{};
  if (!ConstantTimeEquals(checksum, zero) &&
      !ConstantTimeEquals(SecretKeyChecksum(id, ed_secret), checksum)) {
    return Error(ErrorCode::kAuthFailed, "secret key: checksum mismatch (damaged key file)");
  }
  if (!crypto::Ed25519SecretKeyIsConsistent(ed_secret)) {
    return Error(ErrorCode::kAuthFailed,
                 "secret key: public half does not match (damaged key file)");
  }
  SecretKey key(id, SecretBuffer::CopyOf(ed_secret));
  // The comment is not covered by anything: whoever holds the secret key
  // may name anyone, which is no more than signing "person:X" would allow.
  if (size_t at = lines[0].find(kPersonInKeyComment); at != std::string_view::npos) {
    auto person = CheckPersonName(lines[0].substr(at + kPersonInKeyComment.size()));
    if (!person.ok())
      return Malformed("secret key", "the person named in its comment is not a name");
    key.person_ = *person;
  }
  return key;
}

SecretBuffer SecretKey::Format() const {
  SecretBuffer raw(kSecretKeyBytes);
  auto b = raw.RevealMutable();
  b[0] = 'E', b[1] = 'd', b[2] = 0, b[3] = 0, b[4] = 'B', b[5] = '2';
  // salt, opslimit, memlimit stay zero: unused without a passphrase.
  constexpr size_t kKeynum = 2 + 2 + 2 + 32 + 8 + 8;
  std::copy(key_id_.begin(), key_id_.end(), b.begin() + kKeynum);
  ByteView ed = secret_.RevealBytes();
  std::copy(ed.begin(), ed.end(), b.begin() + kKeynum + 8);
  auto sum = SecretKeyChecksum(key_id_, ed);
  WipeOnExit wipe_sum(sum);
  std::copy(sum.begin(), sum.end(), b.begin() + kKeynum + 8 + 64);
  std::string head = std::string(kUntrustedPrefix) + "minisign secret key (no passphrase), cordon" +
                     (person_.empty() ? "" : std::string(kPersonInKeyComment) + person_) + "\n";
  std::string encoded = Base64Encode(raw.RevealBytes());
  SecretBuffer out(head.size() + encoded.size() + 1);
  auto o = out.RevealMutable();
  std::copy(head.begin(), head.end(), o.begin());
  std::copy(encoded.begin(), encoded.end(), o.begin() + head.size());
  o[o.size() - 1] = '\n';
  WipeBytes({reinterpret_cast<uint8_t*>(encoded.data()), encoded.size()});
  return out;
}

PublicKey SecretKey::public_key() const {
  PublicKey pk;
  pk.key_id = key_id_;
  std::copy_n(secret_.RevealBytes().begin() + 32, 32, pk.key.begin());
  return pk;
}

Result<Signature> Signature::Parse(std::string_view text) {
  std::vector<std::string_view> lines = Lines(text);
  if (lines.size() != 4) {
    return Malformed("signature",
                     "expected 4 lines (untrusted comment, signature, trusted comment, "
                     "global signature), found " +
                         std::to_string(lines.size()));
  }
  if (lines[0].rfind(kUntrustedPrefix, 0) != 0) {
    return Malformed("signature", "line 1 is not an \"untrusted comment:\" line");
  }
  if (lines[2].rfind(kTrustedPrefix, 0) != 0) {
    return Malformed("signature", "line 3 is not a \"trusted comment:\" line");
  }
  Signature sig;
  sig.untrusted_comment = lines[0].substr(kUntrustedPrefix.size());
  sig.trusted_comment = lines[2].substr(kTrustedPrefix.size());
  if (sig.trusted_comment.size() > kMaxCommentSize) {
    return Malformed("signature", "trusted comment longer than 1024 bytes");
  }
  auto raw = Base64Decode(lines[1]);
  if (!raw.ok() || raw->size() != kSignatureBytes) {
    return Malformed("signature", "line 2 is not 74 bytes of base64");
  }
  if ((*raw)[0] == 'E' && (*raw)[1] == 'D') {
    sig.algorithm = Algorithm::kPrehashed;
  } else if ((*raw)[0] == 'E' && (*raw)[1] == 'd') {
    sig.algorithm = Algorithm::kLegacy;
  } else {
    return Error(ErrorCode::kUnsupported, "signature: unknown algorithm");
  }
  std::copy_n(raw->begin() + 2, 8, sig.key_id.begin());
  std::copy_n(raw->begin() + 10, 64, sig.signature.begin());
  auto global = Base64Decode(lines[3]);
  if (!global.ok() || global->size() != 64) {
    return Malformed("signature", "line 4 is not 64 bytes of base64");
  }
  std::copy(global->begin(), global->end(), sig.global_signature.begin());
  return sig;
}

std::string Signature::Format() const {
  Bytes raw = {'E', static_cast<uint8_t>(algorithm == Algorithm::kPrehashed ? 'D' : 'd')};
  raw.insert(raw.end(), key_id.begin(), key_id.end());
  raw.insert(raw.end(), signature.begin(), signature.end());
  return std::string(kUntrustedPrefix) + untrusted_comment + "\n" + Base64Encode(raw) + "\n" +
         std::string(kTrustedPrefix) + trusted_comment + "\n" + Base64Encode(global_signature) +
         "\n";
}

Result<Signature> Sign(const SecretKey& key, ByteSource& message, std::string_view trusted_comment,
                       std::string_view untrusted_comment) {
  if (!IsOneLine(trusted_comment) || !IsOneLine(untrusted_comment)) {
    return Error(ErrorCode::kInvalidArgument, "comments must be a single line");
  }
  if (trusted_comment.starts_with("person:") ||
      trusted_comment.find("\tperson:") != std::string_view::npos) {
    return Error(ErrorCode::kInvalidArgument,
                 "a trusted comment cannot name a person: a personal key adds its holder's name");
  }
  std::string comment(trusted_comment);
  if (!key.person().empty()) comment += "\tperson:" + key.person();
  trusted_comment = comment;
  if (trusted_comment.size() > kMaxCommentSize) {
    return Error(ErrorCode::kInvalidArgument, "the trusted comment is longer than 1024 bytes");
  }
  crypto::Blake2b512 hash;
  Bytes buf(256 * 1024);
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(size_t n, message.Read(buf));
    if (n == 0) break;
    hash.Update(ByteView(buf).first(n));
  }
  auto digest = hash.Final();
  Signature sig;
  sig.untrusted_comment = untrusted_comment;
  sig.algorithm = Algorithm::kPrehashed;
  sig.key_id = key.key_id();
  sig.signature = crypto::Ed25519Sign(key.ed25519_secret(), digest);
  sig.trusted_comment = trusted_comment;
  sig.global_signature =
      crypto::Ed25519Sign(key.ed25519_secret(), GlobalMessage(sig.signature, trusted_comment));
  return sig;
}

Status Verify(const PublicKey& key, const Signature& signature, ByteSource& message,
              size_t max_legacy_size) {
  if (signature.key_id != key.key_id) {
    return Error(ErrorCode::kAuthFailed,
                 "signature was made by key " + KeyIdHex(signature.key_id) + ", not by key " +
                     KeyIdHex(key.key_id),
                 "check that you verify with the signer's public key");
  }
  bool valid = false;
  if (signature.algorithm == Algorithm::kPrehashed) {
    crypto::Blake2b512 hash;
    Bytes buf(256 * 1024);
    for (;;) {
      CORDON_ASSIGN_OR_RETURN(size_t n, message.Read(buf));
      if (n == 0) break;
      hash.Update(ByteView(buf).first(n));
    }
    valid = crypto::Ed25519Verify(key.key, hash.Final(), signature.signature);
  } else {
    auto whole = ReadAll(message, max_legacy_size);
    if (!whole.ok()) {
      return whole.error().WithHint("legacy (non-prehashed) signatures need the file in memory");
    }
    valid = crypto::Ed25519Verify(key.key, *whole, signature.signature);
  }
  if (!valid) {
    return Error(ErrorCode::kAuthFailed, "signature does not match the file",
                 "the file was changed after it was signed, or this is not the signed file");
  }
  if (!crypto::Ed25519Verify(key.key, GlobalMessage(signature.signature, signature.trusted_comment),
                             signature.global_signature)) {
    return Error(ErrorCode::kAuthFailed, "the trusted comment was altered",
                 "the signature line is genuine but its trusted comment is not");
  }
  return Ok();
}

}  // namespace cordon::sign
