#include "ssh/public_key.h"

#include <algorithm>

#include "core/encoding.h"
#include "crypto/hash.h"
#include "ssh/wire.h"

namespace cordon::ssh {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n";
constexpr std::string_view kEd25519CertType = "ssh-ed25519-cert-v01@openssh.com";
constexpr std::string_view kMakeKeyHint =
    "cordon accepts Ed25519 keys: make one with `ssh-keygen -t ed25519` and give its .pub file";

Error NotEd25519(std::string_view type) {
  return Error(ErrorCode::kUnsupported,
               "the key is " + PrintableTypeName(type) + "; cordon accepts only ssh-ed25519 keys",
               std::string(kMakeKeyHint));
}

}  // namespace

std::string KeyBlob(const crypto::Ed25519PublicKey& key) {
  WireWriter w;
  w.String(kEd25519KeyType);
  w.String(ByteView(key));
  return w.Take();
}

Result<crypto::Ed25519PublicKey> ParseKeyBlob(ByteView blob) {
  WireReader r(blob);
  CORDON_ASSIGN_OR_RETURN(std::string_view type, r.String("key blob: type"));
  if (type != kEd25519KeyType) return NotEd25519(type);
  CORDON_ASSIGN_OR_RETURN(std::string_view key, r.String("key blob: ed25519 key"));
  if (key.size() != crypto::kEd25519PublicKeySize) {
    return Error(ErrorCode::kMalformed,
                 "key blob: an ed25519 key is 32 bytes, not " + std::to_string(key.size()));
  }
  CORDON_TRY(r.ExpectEnd("key blob"));
  crypto::Ed25519PublicKey out{};
  std::copy(key.begin(), key.end(), out.begin());
  return out;
}

Result<crypto::Ed25519PublicKey> ParsePublicKeyLine(std::string_view line) {
  line = TrimKeyLine(line);
  if (line.empty())
    return Error(ErrorCode::kMalformed, "public key: empty", std::string(kMakeKeyHint));
  if (line.find('\n') != std::string_view::npos) {
    if (line.starts_with("-----BEGIN")) {
      return Error(ErrorCode::kInvalidArgument, "this is a private key, not a public key",
                   "give the .pub file (never send the private key anywhere)");
    }
    return Error(ErrorCode::kMalformed, "public key: more than one line");
  }
  size_t space = line.find_first_of(" \t");
  std::string_view type = line.substr(0, space);
  std::string_view rest = space == std::string_view::npos ? "" : TrimKeyLine(line.substr(space));
  std::string_view base64 = rest.substr(0, rest.find_first_of(" \t"));
  if (type == kEd25519CertType) {
    return Error(ErrorCode::kUnsupported, "this is a certificate, not a public key",
                 "give the public key itself (id_ed25519.pub, not id_ed25519-cert.pub)");
  }
  if (type != kEd25519KeyType) {
    // Catches the usual others by name (ssh-rsa, ecdsa-sha2-nistp256,
    // sk-ssh-ed25519@openssh.com, ...), and also authorized_keys options in
    // front of the key, which cordon does not take either.
    return NotEd25519(type);
  }
  if (base64.empty()) return Error(ErrorCode::kMalformed, "public key: no key after ssh-ed25519");
  auto blob = Base64Decode(base64);
  if (!blob.ok()) return blob.error().WithContext("public key");
  auto key = ParseKeyBlob(*blob);
  if (!key.ok()) return key.error().WithContext("public key");
  return key;
}

std::string_view TrimKeyLine(std::string_view s) {
  size_t begin = s.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(kWhitespace);
  return s.substr(begin, end - begin + 1);
}

std::string PrintableTypeName(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) {
    out +=
        (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) ? '?' : c;
  }
  return out;
}

std::string OneLineComment(std::string_view comment) {
  std::string out(comment);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

std::string PublicKeyLine(const crypto::Ed25519PublicKey& key, std::string_view comment) {
  std::string line = std::string(kEd25519KeyType) + " " + Base64Encode(AsBytes(KeyBlob(key)));
  if (!comment.empty()) {
    line += ' ';
    line += OneLineComment(comment);
  }
  return line;
}

std::string Fingerprint(const crypto::Ed25519PublicKey& key) {
  auto digest = crypto::Sha256::Hash(AsBytes(KeyBlob(key)));
  return "SHA256:" + Base64Encode(digest, Base64Padding::kUnpadded);
}

}  // namespace cordon::ssh
