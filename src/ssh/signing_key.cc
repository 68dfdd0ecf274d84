#include "ssh/signing_key.h"

#include <algorithm>

#include "core/encoding.h"
#include "crypto/hash.h"
#include "ssh/public_key.h"
#include "ssh/sshsig.h"
#include "ssh/wire.h"

namespace cordon::ssh {
namespace {

constexpr std::string_view kEd25519 = "ssh-ed25519";
constexpr std::string_view kSkEd25519 = "sk-ssh-ed25519@openssh.com";
constexpr std::string_view kSkEcdsa = "sk-ecdsa-sha2-nistp256@openssh.com";
constexpr std::string_view kCurve = "nistp256";
constexpr std::string_view kKeyHint =
    "make one with `ssh-keygen -t ed25519-sk` (a security key, recommended) or "
    "`ssh-keygen -t ed25519`, and give its .pub file";
// OpenSSH's flag for "a person touched the key" (PROTOCOL.u2f, sk-api.h).
constexpr uint8_t kUserPresence = 0x01;

Error Refused(std::string what) {
  return Error(ErrorCode::kAuthFailed, "signature refused: " + std::move(what));
}

// An application as OpenSSH's sk keys carry it: printable ASCII.
bool PrintableApplication(std::string_view app) {
  if (app.empty() || app.size() > 253) return false;
  return std::all_of(app.begin(), app.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

std::string_view SigningKey::TypeName() const {
  switch (type_) {
    case SigningKeyType::kEd25519:
      return kEd25519;
    case SigningKeyType::kSkEd25519:
      return kSkEd25519;
    case SigningKeyType::kSkEcdsa:
      return kSkEcdsa;
  }
  return kEd25519;
}

std::string SigningKey::Line() const {
  return std::string(TypeName()) + " " + Base64Encode(AsBytes(blob_));
}

std::string SigningKey::Material() const {
  if (type_ == SigningKeyType::kSkEcdsa) return std::string(AsChars(ByteView(p256_)));
  return std::string(AsChars(ByteView(ed25519_)));
}

std::string SigningKey::Fingerprint() const {
  return "SHA256:" + Base64Encode(crypto::Sha256::Hash(AsBytes(blob_)), Base64Padding::kUnpadded);
}

Result<SigningKey> SigningKey::FromBlob(ByteView blob) {
  WireReader r(blob);
  CORDON_ASSIGN_OR_RETURN(std::string_view type, r.String("ssh key: type"));
  SigningKey key;
  if (type == kEd25519 || type == kSkEd25519) {
    key.type_ = type == kEd25519 ? SigningKeyType::kEd25519 : SigningKeyType::kSkEd25519;
    CORDON_ASSIGN_OR_RETURN(std::string_view pk, r.String("ssh key: ed25519 key"));
    if (pk.size() != crypto::kEd25519PublicKeySize) {
      return Error(ErrorCode::kMalformed, "ssh key: an ed25519 key is 32 bytes");
    }
    std::copy(pk.begin(), pk.end(), key.ed25519_.begin());
  } else if (type == kSkEcdsa) {
    key.type_ = SigningKeyType::kSkEcdsa;
    CORDON_ASSIGN_OR_RETURN(std::string_view curve, r.String("ssh key: curve"));
    if (curve != kCurve) return Error(ErrorCode::kMalformed, "ssh key: the curve is not nistp256");
    CORDON_ASSIGN_OR_RETURN(std::string_view q, r.String("ssh key: point"));
    if (q.size() != key.p256_.size()) {
      return Error(ErrorCode::kMalformed, "ssh key: the point is not 65 bytes");
    }
    std::copy(q.begin(), q.end(), key.p256_.begin());
    CORDON_TRY(crypto::CheckP256Point(key.p256_));
  } else {
    return Error(ErrorCode::kUnsupported,
                 "the key is " + PrintableTypeName(type) +
                     "; cordon signs with sk-ssh-ed25519, sk-ecdsa-sha2-nistp256 or ssh-ed25519",
                 std::string(kKeyHint));
  }
  if (key.OnSecurityKey()) {
    CORDON_ASSIGN_OR_RETURN(std::string_view app, r.String("ssh key: application"));
    if (!PrintableApplication(app)) {
      return Error(ErrorCode::kMalformed, "ssh key: the application is not printable ASCII");
    }
    key.application_ = app;
  }
  CORDON_TRY(r.ExpectEnd("ssh key"));
  key.blob_.assign(reinterpret_cast<const char*>(blob.data()), blob.size());
  return key;
}

Result<SigningKey> SigningKey::FromLine(std::string_view line) {
  line = TrimKeyLine(line);
  if (line.starts_with("-----BEGIN")) {
    return Error(ErrorCode::kInvalidArgument, "this is a private key, not a public key",
                 "give the .pub file (never send the private key anywhere)");
  }
  if (line.empty() || line.find_first_of("\r\n") != std::string_view::npos) {
    return Error(ErrorCode::kMalformed, "ssh key: not one line \"type AAAA… [comment]\"",
                 std::string(kKeyHint));
  }
  const size_t space = line.find_first_of(" \t");
  const std::string_view type = line.substr(0, space);
  const std::string_view rest =
      space == std::string_view::npos ? "" : TrimKeyLine(line.substr(space));
  const std::string_view base64 = rest.substr(0, rest.find_first_of(" \t"));
  if (type.find("-cert-v01@openssh.com") != std::string_view::npos) {
    return Error(ErrorCode::kUnsupported, "this is a certificate, not a public key",
                 "give the public key itself (the .pub file, not -cert.pub)");
  }
  auto blob = Base64Decode(base64);
  if (!blob.ok()) return blob.error().WithContext("ssh key");
  CORDON_ASSIGN_OR_RETURN(SigningKey key, FromBlob(*blob));
  if (key.TypeName() != type) {
    return Error(ErrorCode::kMalformed, "ssh key: the line says " + PrintableTypeName(type) +
                                            " but the key is " + std::string(key.TypeName()));
  }
  return key;
}

std::string SkSignedData(const SigningKey& key, uint8_t flags, uint32_t counter, ByteView data) {
  WireWriter w;
  w.Raw(ByteView(crypto::Sha256::Hash(AsBytes(key.application()))));
  w.U8(flags);
  w.U32(counter);
  w.Raw(ByteView(crypto::Sha256::Hash(data)));
  return w.Take();
}

std::string SkSignatureBlob(const SigningKey& key, ByteView raw_signature, uint8_t flags,
                            uint32_t counter) {
  WireWriter w;
  w.String(key.TypeName());
  if (key.type() == SigningKeyType::kSkEcdsa) {
    // raw_signature is r ‖ s, 32 bytes each.
    WireWriter ecdsa;
    WriteMpint(ecdsa, raw_signature.subspan(0, 32));
    WriteMpint(ecdsa, raw_signature.subspan(32, 32));
    w.String(ecdsa.bytes());
  } else {
    w.String(raw_signature);
  }
  if (key.OnSecurityKey()) {
    w.U8(flags);
    w.U32(counter);
  }
  return w.Take();
}

Result<KeySignature> VerifyKeySignature(std::string_view armored, ByteView message,
                                        const SigningKey& key, const KeySignaturePolicy& policy) {
  CORDON_ASSIGN_OR_RETURN(SshsigEnvelope e, ParseSshsigEnvelope(armored));
  if (e.public_key != key.Blob()) {
    auto named = SigningKey::FromBlob(AsBytes(e.public_key));
    return Refused("made with " + (named.ok() ? named->Fingerprint() : std::string("another key")) +
                   ", not the registered key " + key.Fingerprint());
  }
  if (e.ns != policy.ns) {
    return Refused("for namespace \"" + PrintableTypeName(e.ns) + "\", not \"" + policy.ns + "\"");
  }
  // What the key signed: SSHSIG's signed data (PROTOCOL.sshsig).
  const std::string data = SshsigSignedData(e.ns, message);
  WireReader r(e.signature);
  CORDON_ASSIGN_OR_RETURN(std::string_view type, r.String("ssh signature: signature type"));
  if (type != key.TypeName()) {
    return Error(ErrorCode::kUnsupported, "ssh signature: a " + PrintableTypeName(type) +
                                              " signature by a " + std::string(key.TypeName()) +
                                              " key");
  }
  KeySignature out;
  bool good = false;
  if (key.type() == SigningKeyType::kSkEcdsa) {
    CORDON_ASSIGN_OR_RETURN(std::string_view ecdsa, r.String("ssh signature: ecdsa signature"));
    WireReader er(ecdsa);
    crypto::EcdsaSignature sig;
    CORDON_ASSIGN_OR_RETURN(sig.r, ReadMpint256(er, "ssh signature: r"));
    CORDON_ASSIGN_OR_RETURN(sig.s, ReadMpint256(er, "ssh signature: s"));
    CORDON_TRY(er.ExpectEnd("ssh signature: ecdsa signature"));
    CORDON_ASSIGN_OR_RETURN(out.flags, r.U8("ssh signature: flags"));
    CORDON_ASSIGN_OR_RETURN(out.counter, r.U32("ssh signature: counter"));
    CORDON_TRY(r.ExpectEnd("ssh signature"));
    const std::string sk_data = SkSignedData(key, out.flags, out.counter, AsBytes(data));
    CORDON_ASSIGN_OR_RETURN(good, crypto::VerifyEcdsaP256(key.p256(), AsBytes(sk_data), sig));
  } else {
    CORDON_ASSIGN_OR_RETURN(std::string_view raw, r.String("ssh signature: ed25519 signature"));
    if (raw.size() != crypto::kEd25519SignatureSize) {
      return Error(ErrorCode::kMalformed, "ssh signature: an ed25519 signature is 64 bytes");
    }
    crypto::Ed25519Signature sig{};
    std::copy(raw.begin(), raw.end(), sig.begin());
    std::string signed_bytes = data;
    if (key.OnSecurityKey()) {
      CORDON_ASSIGN_OR_RETURN(out.flags, r.U8("ssh signature: flags"));
      CORDON_ASSIGN_OR_RETURN(out.counter, r.U32("ssh signature: counter"));
      signed_bytes = SkSignedData(key, out.flags, out.counter, AsBytes(data));
    }
    CORDON_TRY(r.ExpectEnd("ssh signature"));
    good = crypto::Ed25519Verify(key.ed25519(), AsBytes(signed_bytes), sig);
  }
  if (!good) return Refused("the signature does not match the message");
  // The flags are signed: checked once the signature is known good, so a
  // refusal names the real reason.
  if (key.OnSecurityKey()) {
    if (!(out.flags & kUserPresence)) {
      return Refused("no user presence (the security key was not touched)");
    }
    if (policy.require_user_verified && !out.user_verified()) {
      return Refused(
          "the security key did not verify its holder (make it with -O verify-required)");
    }
    if (policy.counter_above && out.counter <= *policy.counter_above) {
      return Refused("the security key's counter did not advance (" + std::to_string(out.counter) +
                     " after " + std::to_string(*policy.counter_above) + "): a cloned key?");
    }
  }
  return out;
}

}  // namespace cordon::ssh
