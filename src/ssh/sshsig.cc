#include "ssh/sshsig.h"

#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "crypto/hash.h"
#include "ssh/client_data.h"
#include "ssh/public_key.h"
#include "ssh/wire.h"

namespace cordon::ssh {
namespace {

constexpr std::string_view kKeyType = "sk-ecdsa-sha2-nistp256@openssh.com";
constexpr std::string_view kCurve = "nistp256";
constexpr std::string_view kSigType = "webauthn-sk-ecdsa-sha2-nistp256@openssh.com";
constexpr std::string_view kMagic = "SSHSIG";
constexpr std::string_view kHash = "sha512";
constexpr std::string_view kBegin = "-----BEGIN SSH SIGNATURE-----";
constexpr std::string_view kEnd = "-----END SSH SIGNATURE-----";
// A browser's clientDataJSON is a few hundred bytes; this bounds a hostile one.
constexpr size_t kMaxClientData = 4096;

Error Refused(std::string what) {
  return Error(ErrorCode::kAuthFailed, "signature refused: " + std::move(what));
}

bool PrintableWithoutQuote(std::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7E || c == '"') return false;
  }
  return !s.empty();
}

std::string SignatureBlob(const WebauthnSignature& s) {
  WireWriter ecdsa;
  WriteMpint(ecdsa, s.ecdsa.r);
  WriteMpint(ecdsa, s.ecdsa.s);
  WireWriter w;
  w.String(kSigType);
  w.String(ecdsa.bytes());
  w.U8(s.flags);
  w.U32(s.counter);
  w.String(s.origin);
  w.String(s.client_data_json);
  w.String(s.extensions);
  return w.Take();
}

Result<WebauthnSignature> ParseSignatureBlob(std::string_view blob) {
  WireReader r(blob);
  CORDON_ASSIGN_OR_RETURN(std::string_view type, r.String("ssh signature: signature type"));
  if (type != kSigType) {
    return Error(ErrorCode::kUnsupported,
                 "ssh signature: \"" + PrintableTypeName(type) + "\" is not a passkey signature",
                 "cordon accepts webauthn-sk-ecdsa-sha2-nistp256@openssh.com signatures only");
  }
  WebauthnSignature s;
  CORDON_ASSIGN_OR_RETURN(std::string_view ecdsa, r.String("ssh signature: ecdsa signature"));
  WireReader er(ecdsa);
  CORDON_ASSIGN_OR_RETURN(s.ecdsa.r, ReadMpint256(er, "ssh signature: r"));
  CORDON_ASSIGN_OR_RETURN(s.ecdsa.s, ReadMpint256(er, "ssh signature: s"));
  CORDON_TRY(er.ExpectEnd("ssh signature: ecdsa signature"));
  CORDON_ASSIGN_OR_RETURN(s.flags, r.U8("ssh signature: flags"));
  CORDON_ASSIGN_OR_RETURN(s.counter, r.U32("ssh signature: counter"));
  CORDON_ASSIGN_OR_RETURN(std::string_view origin, r.String("ssh signature: origin"));
  CORDON_ASSIGN_OR_RETURN(std::string_view client, r.String("ssh signature: client data"));
  CORDON_ASSIGN_OR_RETURN(std::string_view ext, r.String("ssh signature: extensions"));
  CORDON_TRY(r.ExpectEnd("ssh signature: webauthn signature"));
  s.origin = origin;
  s.client_data_json = client;
  s.extensions.assign(ext.begin(), ext.end());
  return s;
}

// The client data a browser made for this challenge and origin: OpenSSH's
// prefix check (ssh-ecdsa-sk.c), then the whole text as JSON — a
// cross-origin call (an iframe of another site) is refused.
Status CheckClientData(const std::string& client_data, std::string_view challenge,
                       std::string_view origin) {
  if (client_data.size() > kMaxClientData) return Refused("the client data is too long");
  const std::string prefix = std::string(R"({"type":"webauthn.get","challenge":")") +
                             std::string(challenge) + R"(","origin":")" + std::string(origin) +
                             "\"";
  if (client_data.compare(0, prefix.size(), prefix) != 0) {
    return Refused(
        "the client data is not for this message and origin (a different "
        "challenge, origin or type)");
  }
  // Duplicate keys refused, as at login (review F5).
  const ClientDataJson parsed = ParseClientDataJson(client_data);
  const nlohmann::json& j = parsed.value;
  if (!j.is_object()) return Refused("the client data is not a JSON object");
  if (parsed.duplicate_key) return Refused("the client data has a duplicate key");
  if (auto it = j.find("crossOrigin"); it != j.end() && !(it->is_boolean() && !it->get<bool>())) {
    return Refused("the passkey was used from a page embedded in another site (crossOrigin)");
  }
  if (j.contains("topOrigin"))
    return Refused("the passkey was used from an embedded page (topOrigin)");
  return Ok();
}

}  // namespace

std::string SkEcdsaKey::Blob() const {
  WireWriter w;
  w.String(kKeyType);
  w.String(kCurve);
  w.String(ByteView(point));
  w.String(application);
  return w.Take();
}

std::string SkEcdsaKey::Line() const {
  return std::string(kKeyType) + " " + Base64Encode(AsBytes(Blob()));
}

std::string SkEcdsaKey::Fingerprint() const {
  return "SHA256:" + Base64Encode(crypto::Sha256::Hash(AsBytes(Blob())), Base64Padding::kUnpadded);
}

Result<SkEcdsaKey> SkEcdsaKey::Make(const crypto::P256Point& point, std::string_view application) {
  if (!PrintableWithoutQuote(application) || application.size() > 253) {
    return Error(ErrorCode::kInvalidArgument,
                 "passkey: the application (relying party ID) must be printable ASCII without "
                 "spaces or quotes, 1 to 253 characters");
  }
  CORDON_TRY(crypto::CheckP256Point(point));
  return SkEcdsaKey{point, std::string(application)};
}

Result<SkEcdsaKey> SkEcdsaKey::FromBlob(ByteView blob) {
  WireReader r(blob);
  CORDON_ASSIGN_OR_RETURN(std::string_view type, r.String("passkey: key type"));
  if (type != kKeyType) {
    return Error(ErrorCode::kUnsupported,
                 "passkey: \"" + PrintableTypeName(type) + "\" is not a P-256 security key",
                 "register the passkey with ES256 (COSE algorithm -7)");
  }
  CORDON_ASSIGN_OR_RETURN(std::string_view curve, r.String("passkey: curve"));
  if (curve != kCurve) return Error(ErrorCode::kMalformed, "passkey: the curve is not nistp256");
  CORDON_ASSIGN_OR_RETURN(std::string_view q, r.String("passkey: point"));
  CORDON_ASSIGN_OR_RETURN(std::string_view app, r.String("passkey: application"));
  CORDON_TRY(r.ExpectEnd("passkey: key"));
  if (q.size() != 65) return Error(ErrorCode::kMalformed, "passkey: the point is not 65 bytes");
  crypto::P256Point point;
  std::copy(q.begin(), q.end(), point.begin());
  return Make(point, app);
}

Result<std::string> AllowedSignersLine(std::string_view principal, std::string_view ns,
                                       const SkEcdsaKey& key) {
  // One exact principal: no pattern characters, no list separator.
  if (!PrintableWithoutQuote(principal) ||
      principal.find_first_of(",*?!") != std::string_view::npos) {
    return Error(ErrorCode::kInvalidArgument,
                 "allowed signers: the principal must be one name without spaces, quotes, "
                 "commas or * ? !");
  }
  if (!PrintableWithoutQuote(ns)) {
    return Error(ErrorCode::kInvalidArgument,
                 "allowed signers: the namespace must be printable ASCII without spaces or quotes");
  }
  return std::string(principal) + " namespaces=\"" + std::string(ns) + "\" " + key.Line();
}

std::string SshsigSignedData(std::string_view ns, ByteView message) {
  WireWriter w;
  w.Raw(kMagic);
  w.String(ns);
  w.String("");
  w.String(kHash);
  w.String(ByteView(crypto::Sha512(message)));
  return w.Take();
}

std::string ArmorSshsigEnvelope(const SshsigEnvelope& e) {
  WireWriter w;
  w.Raw(kMagic);
  w.U32(1);
  w.String(e.public_key);
  w.String(e.ns);
  w.String("");
  w.String(kHash);
  w.String(e.signature);
  const std::string b64 = Base64Encode(AsBytes(w.bytes()));
  std::string out = std::string(kBegin) + "\n";
  for (size_t i = 0; i < b64.size(); i += 70) out += b64.substr(i, 70) + "\n";
  return out + std::string(kEnd) + "\n";
}

std::string ArmorSshsig(const Sshsig& sig) {
  return ArmorSshsigEnvelope({sig.key.Blob(), sig.ns, SignatureBlob(sig.signature)});
}

Result<SshsigEnvelope> ParseSshsigEnvelope(std::string_view armored) {
  const size_t begin = armored.find(kBegin);
  const size_t end = armored.find(kEnd);
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) {
    return Error(ErrorCode::kMalformed,
                 "ssh signature: no -----BEGIN/END SSH SIGNATURE----- armor");
  }
  std::string b64;
  for (char c : armored.substr(begin + kBegin.size(), end - begin - kBegin.size())) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    b64 += c;
  }
  CORDON_ASSIGN_OR_RETURN(Bytes blob, Base64Decode(b64));
  WireReader r(blob);
  CORDON_ASSIGN_OR_RETURN(std::string_view magic, r.Raw(kMagic.size(), "ssh signature: magic"));
  if (magic != kMagic) return Error(ErrorCode::kMalformed, "ssh signature: no SSHSIG magic");
  CORDON_ASSIGN_OR_RETURN(uint32_t version, r.U32("ssh signature: version"));
  if (version != 1) {
    return Error(ErrorCode::kUnsupported, "ssh signature: version " + std::to_string(version));
  }
  CORDON_ASSIGN_OR_RETURN(std::string_view key, r.String("ssh signature: public key"));
  CORDON_ASSIGN_OR_RETURN(std::string_view ns, r.String("ssh signature: namespace"));
  CORDON_ASSIGN_OR_RETURN(std::string_view reserved, r.String("ssh signature: reserved"));
  CORDON_ASSIGN_OR_RETURN(std::string_view hash, r.String("ssh signature: hash algorithm"));
  CORDON_ASSIGN_OR_RETURN(std::string_view blob_sig, r.String("ssh signature: signature"));
  CORDON_TRY(r.ExpectEnd("ssh signature"));
  if (!reserved.empty())
    return Error(ErrorCode::kMalformed, "ssh signature: the reserved field is not empty");
  if (hash != kHash) {
    return Error(ErrorCode::kUnsupported, "ssh signature: hash \"" +
                                              PrintableTypeName(hash.substr(0, 16)) +
                                              "\" (cordon signs with sha512)");
  }
  return SshsigEnvelope{std::string(key), std::string(ns), std::string(blob_sig)};
}

Result<Sshsig> ParseSshsig(std::string_view armored) {
  CORDON_ASSIGN_OR_RETURN(SshsigEnvelope e, ParseSshsigEnvelope(armored));
  Sshsig sig;
  CORDON_ASSIGN_OR_RETURN(sig.key, SkEcdsaKey::FromBlob(AsBytes(e.public_key)));
  sig.ns = std::move(e.ns);
  CORDON_ASSIGN_OR_RETURN(sig.signature, ParseSignatureBlob(e.signature));
  return sig;
}

Result<Sshsig> VerifySshsig(std::string_view armored, ByteView message, const SkEcdsaKey& key,
                            const SshsigPolicy& policy) {
  CORDON_ASSIGN_OR_RETURN(Sshsig sig, ParseSshsig(armored));
  const WebauthnSignature& s = sig.signature;
  if (sig.key.Blob() != key.Blob()) {
    return Refused("made with " + sig.key.Fingerprint() + ", not the registered key " +
                   key.Fingerprint());
  }
  if (sig.ns != policy.ns)
    return Refused("for namespace \"" + sig.ns + "\", not \"" + policy.ns + "\"");
  if (s.origin != policy.origin || !PrintableWithoutQuote(s.origin)) {
    return Refused("made on \"" + s.origin + "\", not on " + policy.origin);
  }
  CORDON_TRY(CheckClientData(
      s.client_data_json, Base64UrlEncode(AsBytes(SshsigSignedData(sig.ns, message))), s.origin));
  // The flags as OpenSSH reads them, then what a decision needs: a person
  // was there (UP) and proved who they are to the authenticator (UV).
  if (s.flags & kAttestedData) return Refused("attested credential data in an assertion");
  if (((s.flags & kExtensionData) != 0) != !s.extensions.empty()) {
    return Refused("the extension flag does not match the extensions");
  }
  // WebAuthn §6.1: backed up (BS) is only possible when backup-eligible (BE).
  constexpr uint8_t kBackupEligibleFlag = 0x08, kBackupStateFlag = 0x10;
  if ((s.flags & kBackupStateFlag) && !(s.flags & kBackupEligibleFlag)) {
    return Refused("the flags say backed up but not backup-eligible");
  }
  if (!(s.flags & kUserPresent)) return Refused("no user presence (the passkey was not touched)");
  if (policy.require_user_verified && !(s.flags & kUserVerified)) {
    return Refused("the user was not verified by the authenticator (no PIN or biometric)");
  }
  if (policy.counter_above && s.counter <= *policy.counter_above) {
    return Refused("the authenticator's counter did not advance (" + std::to_string(s.counter) +
                   " after " + std::to_string(*policy.counter_above) + "): a cloned passkey?");
  }
  // authenticatorData ‖ SHA-256(clientDataJSON), authenticatorData rebuilt
  // from the registered application: rpIdHash ‖ flags ‖ counter ‖ extensions.
  WireWriter signed_data;
  signed_data.Raw(ByteView(crypto::Sha256::Hash(AsBytes(key.application))));
  signed_data.U8(s.flags);
  signed_data.U32(s.counter);
  signed_data.Raw(s.extensions);
  signed_data.Raw(ByteView(crypto::Sha256::Hash(AsBytes(s.client_data_json))));
  CORDON_ASSIGN_OR_RETURN(
      bool good, crypto::VerifyEcdsaP256(key.point, AsBytes(signed_data.bytes()), s.ecdsa));
  if (!good) return Refused("the signature does not match the message");
  return sig;
}

Result<std::string> SshsigFromAssertion(const SkEcdsaKey& key, ByteView message,
                                        const WebauthnAssertion& a, const SshsigPolicy& policy) {
  const Bytes& ad = a.authenticator_data;
  if (ad.size() < 37) return Refused("the authenticator data is shorter than 37 bytes");
  const auto rp_hash = crypto::Sha256::Hash(AsBytes(key.application));
  if (!std::equal(rp_hash.begin(), rp_hash.end(), ad.begin())) {
    return Refused("the passkey answered for another site than " + key.application);
  }
  Sshsig sig;
  sig.key = key;
  sig.ns = policy.ns;
  CORDON_ASSIGN_OR_RETURN(sig.signature.ecdsa, crypto::ParseEcdsaDer(a.signature_der));
  sig.signature.flags = ad[32];
  sig.signature.counter =
      uint32_t{ad[33]} << 24 | uint32_t{ad[34]} << 16 | uint32_t{ad[35]} << 8 | ad[36];
  sig.signature.extensions.assign(ad.begin() + 37, ad.end());
  sig.signature.origin = policy.origin;
  sig.signature.client_data_json = a.client_data_json;
  std::string armored = ArmorSshsig(sig);
  CORDON_TRY(VerifySshsig(armored, message, key, policy));
  return armored;
}

}  // namespace cordon::ssh
