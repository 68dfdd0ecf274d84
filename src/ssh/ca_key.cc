#include "ssh/ca_key.h"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/file.h"
#include "core/io.h"
#include "crypto/random.h"
#include "ssh/public_key.h"
#include "ssh/wire.h"

namespace cordon::ssh {
namespace {

constexpr std::string_view kBegin = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
constexpr std::string_view kEnd = "-----END OPENSSH PRIVATE KEY-----\n";
constexpr std::string_view kAuthMagic{"openssh-key-v1\0", 15};
constexpr size_t kBlockSize = 8;       // cipher "none" pads to 8 bytes, as ssh-keygen does
constexpr size_t kLineWidth = 70;      // ssh-keygen's base64 line width
constexpr size_t kMaxKeyFile = 16384;  // an Ed25519 key file is ~400 bytes
constexpr std::string_view kEd25519Hint =
    "make an Ed25519 CA key with `ssh-keygen -t ed25519 -N '' -f ca` or let cordon generate one";

// Writes RFC 4251 fields straight into locked memory: the private section
// must never pass through an ordinary heap buffer. Overflowing the buffer
// is a caller bug (sizes are computed in advance) and aborts.
class SecretWriter {
 public:
  explicit SecretWriter(std::span<uint8_t> out) : out_(out) {}
  void Raw(ByteView data) {
    if (out_.size() - offset_ < data.size()) std::abort();
    std::copy(data.begin(), data.end(), out_.begin() + offset_);
    offset_ += data.size();
  }
  void Raw(std::string_view s) { Raw(AsBytes(s)); }
  void U8(uint8_t v) { Raw(ByteView(&v, 1)); }
  void U32(uint32_t v) {
    uint8_t b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    Raw(ByteView(b, 4));
  }
  void String(ByteView data) {
    U32(static_cast<uint32_t>(data.size()));
    Raw(data);
  }
  void String(std::string_view s) { String(AsBytes(s)); }
  size_t offset() const { return offset_; }

 private:
  std::span<uint8_t> out_;
  size_t offset_ = 0;
};

Error Damaged(std::string what) {
  return Error(ErrorCode::kMalformed, "CA key: " + std::move(what),
               "the file is damaged or is not an OpenSSH private key");
}

std::string_view TrimEnd(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.remove_suffix(1);
  return s;
}

}  // namespace

CaKey CaKey::Generate() {
  crypto::Ed25519KeyPair pair = crypto::GenerateEd25519();
  return CaKey(std::move(pair.secret_key), pair.public_key, "");
}

crypto::Ed25519Signature CaKey::Sign(ByteView message) const {
  return crypto::Ed25519Sign(secret_key_, message);
}

std::string CaKey::PublicKeyLine(std::string_view comment) const {
  return ssh::PublicKeyLine(public_key_, comment);
}

Status CaKey::Save(const std::string& path, std::string_view comment) const {
  const std::string public_blob = KeyBlob(public_key_);
  // The private section, padded with 1, 2, 3, … to the block size.
  size_t private_size = 8 + (4 + kEd25519KeyType.size()) + (4 + crypto::kEd25519PublicKeySize) +
                        (4 + crypto::kEd25519SecretKeySize) + (4 + comment.size());
  size_t padding = (kBlockSize - private_size % kBlockSize) % kBlockSize;
  private_size += padding;
  size_t binary_size =
      kAuthMagic.size() + (4 + 4) + (4 + 4) + 4 + 4 + (4 + public_blob.size()) + (4 + private_size);
  SecretBuffer binary(binary_size);
  SecretWriter w(binary.RevealMutable());
  w.Raw(kAuthMagic);
  w.String(std::string_view("none"));  // cipher
  w.String(std::string_view("none"));  // kdf
  w.String(std::string_view(""));      // kdf options
  w.U32(1);                            // one key
  w.String(public_blob);
  w.U32(static_cast<uint32_t>(private_size));
  // The check-int pair: random and equal, as OpenSSH writes it (it only
  // serves to detect a wrong passphrase, but readers check it).
  uint8_t check[4];
  crypto::RandomBytes(check);
  w.Raw(ByteView(check, 4));
  w.Raw(ByteView(check, 4));
  w.String(kEd25519KeyType);
  w.String(ByteView(public_key_));
  w.String(secret_key_.RevealBytes());
  w.String(comment);
  for (size_t i = 1; i <= padding; ++i) w.U8(static_cast<uint8_t>(i));
  if (w.offset() != binary_size) std::abort();

  // base64 in locked memory, then wrapped at 70 columns between the armor.
  const size_t b64_size = sodium_base64_ENCODED_LEN(binary_size, sodium_base64_VARIANT_ORIGINAL);
  SecretBuffer b64(b64_size);
  sodium_bin2base64(reinterpret_cast<char*>(b64.RevealMutable().data()), b64_size,
                    binary.RevealBytes().data(), binary_size, sodium_base64_VARIANT_ORIGINAL);
  const size_t b64_len = b64_size - 1;  // without the NUL
  const size_t lines = (b64_len + kLineWidth - 1) / kLineWidth;
  SecretBuffer text(kBegin.size() + b64_len + lines + kEnd.size());
  SecretWriter t(text.RevealMutable());
  t.Raw(kBegin);
  for (size_t at = 0; at < b64_len; at += kLineWidth) {
    t.Raw(b64.RevealBytes().subspan(at, std::min(kLineWidth, b64_len - at)));
    t.U8('\n');
  }
  t.Raw(kEnd);
  if (t.offset() != text.size()) std::abort();
  return WriteSecretFile(path, text);
}

Result<CaKey> ParseCaKey(std::string_view text) {
  if (!text.starts_with(kBegin.substr(0, kBegin.size() - 1))) {
    if (text.starts_with("-----BEGIN ")) {
      return Error(ErrorCode::kUnsupported,
                   "CA key: a PEM private key (RSA, ECDSA or PKCS#8); cordon's CA key must be an "
                   "Ed25519 key in OpenSSH format",
                   std::string(kEd25519Hint));
    }
    return Damaged("no \"-----BEGIN OPENSSH PRIVATE KEY-----\" line");
  }
  text.remove_prefix(kBegin.size() - 1);
  if (!text.starts_with("\n") && !text.starts_with("\r\n"))
    return Damaged("text after the BEGIN line");
  const size_t end = text.find(kEnd.substr(0, kEnd.size() - 1));
  if (end == std::string_view::npos)
    return Damaged("no \"-----END OPENSSH PRIVATE KEY-----\" line");
  if (!TrimEnd(text.substr(end + kEnd.size() - 1)).empty())
    return Damaged("text after the END line");
  const std::string_view b64 = text.substr(0, end);

  SecretBuffer binary(b64.size() / 4 * 3 + 3);
  size_t binary_size = 0;
  const char* b64_end = nullptr;
  if (sodium_base642bin(binary.RevealMutable().data(), binary.size(), b64.data(), b64.size(),
                        "\r\n", &binary_size, &b64_end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      b64_end != b64.data() + b64.size()) {
    return Damaged("invalid base64");
  }
  WireReader r(binary.RevealBytes().first(binary_size));
  CORDON_ASSIGN_OR_RETURN(std::string_view magic, r.Raw(kAuthMagic.size(), "CA key: magic"));
  if (magic != kAuthMagic) return Damaged("not an openssh-key-v1 key");
  CORDON_ASSIGN_OR_RETURN(std::string_view cipher, r.String("CA key: cipher"));
  CORDON_ASSIGN_OR_RETURN(std::string_view kdf, r.String("CA key: kdf"));
  CORDON_ASSIGN_OR_RETURN(std::string_view kdf_options, r.String("CA key: kdf options"));
  if (cipher != "none") {
    return Error(ErrorCode::kUnsupported,
                 "CA key: the key is encrypted with a passphrase; cordon needs the CA key "
                 "unencrypted, kept in a root-only file (mode 0600)",
                 "remove the passphrase with `ssh-keygen -p -N '' -f FILE` on a trusted machine");
  }
  if (kdf != "none" || !kdf_options.empty()) return Damaged("an unencrypted key with a KDF");
  CORDON_ASSIGN_OR_RETURN(uint32_t count, r.U32("CA key: number of keys"));
  if (count != 1) return Damaged("holds " + std::to_string(count) + " keys, not one");
  CORDON_ASSIGN_OR_RETURN(std::string_view public_blob, r.String("CA key: public key"));
  auto public_key = ParseKeyBlob(AsBytes(public_blob));
  if (!public_key.ok()) {
    if (public_key.error().code() == ErrorCode::kUnsupported) {
      return Error(ErrorCode::kUnsupported,
                   "CA key: " + public_key.error().message() + "; cordon's CA key must be Ed25519",
                   std::string(kEd25519Hint));
    }
    return public_key.error().WithContext("CA key");
  }
  CORDON_ASSIGN_OR_RETURN(std::string_view private_section, r.String("CA key: private keys"));
  CORDON_TRY(r.ExpectEnd("CA key"));
  if (private_section.size() % kBlockSize != 0) return Damaged("private section not padded");

  WireReader p(private_section);
  CORDON_ASSIGN_OR_RETURN(uint32_t check1, p.U32("CA key: check-int"));
  CORDON_ASSIGN_OR_RETURN(uint32_t check2, p.U32("CA key: check-int"));
  if (check1 != check2) return Damaged("the two check-ints differ");
  CORDON_ASSIGN_OR_RETURN(std::string_view type, p.String("CA key: private key type"));
  if (type != kEd25519KeyType) return Damaged("private key type differs from the public key's");
  CORDON_ASSIGN_OR_RETURN(std::string_view pk, p.String("CA key: public half"));
  CORDON_ASSIGN_OR_RETURN(std::string_view sk, p.String("CA key: secret key"));
  if (pk.size() != crypto::kEd25519PublicKeySize || sk.size() != crypto::kEd25519SecretKeySize) {
    return Damaged("wrong Ed25519 key sizes");
  }
  const ByteView pk_bytes = AsBytes(pk);
  if (!std::equal(pk_bytes.begin(), pk_bytes.end(), public_key->begin()) || sk.substr(32) != pk) {
    return Damaged("the private key does not match the public key");
  }
  if (!crypto::Ed25519SecretKeyIsConsistent(AsBytes(sk))) {
    return Damaged("the secret key's public half does not derive from its seed");
  }
  CORDON_ASSIGN_OR_RETURN(std::string_view comment, p.String("CA key: comment"));
  // Padding 1, 2, 3, …: shorter than a block, exactly that sequence.
  if (p.remaining() >= kBlockSize) return Damaged("more than one key in the private section");
  for (uint8_t i = 1; !p.AtEnd(); ++i) {
    CORDON_ASSIGN_OR_RETURN(uint8_t b, p.U8("CA key: padding"));
    if (b != i) return Damaged("wrong padding");
  }
  return CaKey(SecretBuffer::CopyOf(AsBytes(sk)), *public_key, std::string(comment));
}

Result<CaKey> CaKey::Load(const std::string& path) {
  CORDON_ASSIGN_OR_RETURN(UniqueFd fd, OpenForReading(path));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoError("cannot stat " + path);
  if (!S_ISREG(st.st_mode)) return Error(ErrorCode::kRefused, path + ": not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    (void)std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error(ErrorCode::kRefused,
                 path + ": the CA key is accessible by group or others (mode " + mode +
                     "); it must be readable by its owner only",
                 "chmod 600 " + path);
  }
  FdSource source(fd.get(), path);
  SecretBuffer buf(kMaxKeyFile + 1);
  auto n = ReadFull(source, buf.RevealMutable());
  if (!n.ok()) return n.error().WithContext(path);
  if (*n > kMaxKeyFile) {
    return Error(ErrorCode::kLimitExceeded, path + ": larger than 16 KiB; not an SSH key file");
  }
  auto key = ParseCaKey(AsChars(buf.RevealBytes().first(*n)));
  if (!key.ok()) return key.error().WithContext(path);
  return key;
}

}  // namespace cordon::ssh
