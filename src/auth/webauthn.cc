#include "auth/webauthn.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "auth/cbor.h"
#include "auth/webauthn_attestation.h"
#include "core/encoding.h"
#include "core/secret_buffer.h"
#include "crypto/ecdsa_p256.h"
#include "crypto/hash.h"
#include "ssh/client_data.h"

namespace cordon::auth {
namespace {

// COSE (RFC 9052/9053) labels and values of an EC2 P-256 ES256 key.
constexpr int64_t kCoseKty = 1, kCoseAlg = 3, kCoseCrv = -1, kCoseX = -2, kCoseY = -3;
constexpr int64_t kKtyEc2 = 2, kAlgEs256 = -7, kCrvP256 = 1;
// A browser's clientDataJSON is a few hundred bytes; this bounds a hostile one.
constexpr size_t kMaxClientData = 4096;
// The WebAuthn minimum (§13.4.3): a shorter challenge is the caller's bug.
constexpr size_t kMinChallenge = 16;

enum class Ceremony { kRegistration, kLogin };

std::string Prefix(Ceremony c) {
  return c == Ceremony::kRegistration ? "passkey registration" : "passkey login";
}
Error Refused(Ceremony c, std::string what) {
  return Error(ErrorCode::kAuthFailed, Prefix(c) + " refused: " + std::move(what));
}
Error Malformed(Ceremony c, std::string what) {
  return Error(ErrorCode::kMalformed, Prefix(c) + ": " + std::move(what));
}

std::string AlgName(int64_t alg) {
  switch (alg) {
    case -8:
      return "EdDSA (-8)";
    case -257:
      return "RS256 (-257)";
    case -35:
      return "ES384 (-35)";
    case -36:
      return "ES512 (-36)";
    case -37:
      return "PS256 (-37)";
    default:
      return "COSE algorithm " + std::to_string(alg);
  }
}

Status CheckOptions(Ceremony c, std::string_view rp_id, std::string_view origin,
                    const Bytes& challenge) {
  if (rp_id.empty() || origin.empty() || challenge.size() < kMinChallenge) {
    return Error(ErrorCode::kInvalidArgument,
                 Prefix(c) +
                     ": the RP ID, the origin and a challenge of at least 16 random "
                     "bytes are required");
  }
  return Ok();
}

// clientDataJSON (§5.8.1), parsed as JSON — not matched as a prefix — with
// duplicate keys refused (two "challenge" members would mean whatever the
// reader picks). Exact type, challenge (constant time) and origin; a call
// from a page embedded in another site (crossOrigin, topOrigin) is refused.
Status CheckClientData(Ceremony c, std::string_view client_data, std::string_view type,
                       const Bytes& challenge, std::string_view origin) {
  if (client_data.size() > kMaxClientData) return Malformed(c, "the client data is too long");
  const ssh::ClientDataJson parsed = ssh::ParseClientDataJson(client_data);
  const nlohmann::json& j = parsed.value;
  if (!j.is_object()) return Malformed(c, "the client data is not a JSON object");
  if (parsed.duplicate_key) return Malformed(c, "the client data has a duplicate key");
  auto text = [&](const char* key) -> std::optional<std::string> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  const auto got_type = text("type");
  const auto got_challenge = text("challenge");
  const auto got_origin = text("origin");
  if (!got_type || !got_challenge || !got_origin) {
    return Malformed(c, "the client data lacks a type, challenge or origin string");
  }
  if (*got_type != type) {
    return Refused(c, "the client data is of type \"" + got_type->substr(0, 32) + "\", not \"" +
                          std::string(type) + "\"");
  }
  if (!ConstantTimeEquals(AsBytes(*got_challenge), AsBytes(Base64UrlEncode(challenge)))) {
    return Refused(c, "the challenge is not the one this server sent (replayed or stale)");
  }
  if (*got_origin != origin) {
    return Refused(c,
                   "made on \"" + got_origin->substr(0, 128) + "\", not on " + std::string(origin));
  }
  if (auto it = j.find("crossOrigin"); it != j.end() && !(it->is_boolean() && !it->get<bool>())) {
    return Refused(c, "the passkey was used from a page embedded in another site (crossOrigin)");
  }
  if (j.contains("topOrigin")) return Refused(c, "the passkey was used from an embedded page");
  return Ok();
}

struct AttestedData {
  std::array<uint8_t, 16> aaguid{};
  Bytes credential_id;
  crypto::P256Point point{};
};

struct AuthData {
  std::array<uint8_t, 32> rp_id_hash{};
  uint8_t flags = 0;
  uint32_t counter = 0;
  std::optional<AttestedData> attested;
};

// The COSE_Key of an ES256 credential: exactly kty, alg, crv, x, y. The
// algorithm is looked at first, so that an EdDSA or RSA passkey is told why
// it cannot be used rather than that its key looks odd.
Result<crypto::P256Point> CoseP256(Ceremony c, const CborValue& key) {
  if (!key.IsMap()) return Malformed(c, "the credential public key is not a COSE map");
  for (const auto& [k, v] : key.entries) {
    const auto label = k.Int();
    if (!label || (*label != kCoseKty && *label != kCoseAlg && *label != kCoseCrv &&
                   *label != kCoseX && *label != kCoseY)) {
      return Malformed(c, "the COSE key has a label other than kty, alg, crv, x, y");
    }
  }
  const CborValue* alg = key.Find(kCoseAlg);
  if (alg == nullptr || !alg->Int()) return Malformed(c, "the COSE key has no algorithm");
  if (*alg->Int() != kAlgEs256) {
    return Error(ErrorCode::kUnsupported,
                 Prefix(c) + ": the passkey uses " + AlgName(*alg->Int()) +
                     "; only ES256 (P-256, COSE -7) passkeys fit the SSH signature format "
                     "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
                 "register with pubKeyCredParams [{type: \"public-key\", alg: -7}] only, on an "
                 "authenticator that supports ES256");
  }
  const CborValue* kty = key.Find(kCoseKty);
  const CborValue* crv = key.Find(kCoseCrv);
  if (kty == nullptr || kty->Int() != kKtyEc2) {
    return Malformed(c, "the COSE key is not an EC2 key (kty 2)");
  }
  if (crv == nullptr || crv->Int() != kCrvP256) {
    return Error(ErrorCode::kUnsupported,
                 Prefix(c) + ": the COSE key's curve is not P-256 (crv 1)");
  }
  const CborValue* x = key.Find(kCoseX);
  const CborValue* y = key.Find(kCoseY);
  if (x == nullptr || y == nullptr || x->type != CborValue::Type::kBytes ||
      y->type != CborValue::Type::kBytes || x->bytes.size() != 32 || y->bytes.size() != 32) {
    return Malformed(c, "the COSE key's x and y are not 32-byte strings");
  }
  crypto::P256Point point;
  point[0] = 0x04;
  std::copy(x->bytes.begin(), x->bytes.end(), point.begin() + 1);
  std::copy(y->bytes.begin(), y->bytes.end(), point.begin() + 33);
  if (!crypto::CheckP256Point(point).ok()) {
    return Refused(c, "the credential public key is not a point on P-256");
  }
  return point;
}

// Authenticator data (§6.1): rpIdHash ‖ flags ‖ signCount, then the
// attested credential data when AT is set (§6.5.2: AAGUID ‖ L ‖ credential
// ID ‖ COSE key), then an extensions map when ED is set; nothing after.
Result<AuthData> ParseAuthData(Ceremony c, ByteView ad) {
  if (ad.size() < 37) {
    return Error(ErrorCode::kTruncated, Prefix(c) + ": the authenticator data is under 37 bytes");
  }
  AuthData out;
  std::copy(ad.begin(), ad.begin() + 32, out.rp_id_hash.begin());
  out.flags = ad[32];
  out.counter = uint32_t{ad[33]} << 24 | uint32_t{ad[34]} << 16 | uint32_t{ad[35]} << 8 | ad[36];
  ByteView rest = ad.subspan(37);
  if (out.flags & ssh::kAttestedData) {
    if (rest.size() < 18) {
      return Error(ErrorCode::kTruncated, Prefix(c) + ": the attested credential data is cut");
    }
    AttestedData a;
    std::copy(rest.begin(), rest.begin() + 16, a.aaguid.begin());
    const size_t id_len = size_t{rest[16]} << 8 | rest[17];
    if (id_len == 0 || id_len > kMaxCredentialId) {
      return Error(ErrorCode::kLimitExceeded, Prefix(c) + ": the credential ID is " +
                                                  std::to_string(id_len) + " bytes (1 to " +
                                                  std::to_string(kMaxCredentialId) + " allowed)");
    }
    rest = rest.subspan(18);
    if (rest.size() < id_len) {
      return Error(ErrorCode::kTruncated, Prefix(c) + ": the credential ID is cut");
    }
    a.credential_id.assign(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(id_len));
    rest = rest.subspan(id_len);
    auto key = ParseCborPrefix(rest, {.max_input = 1024, .max_depth = 1, .max_items = 16});
    if (!key.ok()) return key.error().WithContext(Prefix(c) + ": the credential public key");
    CORDON_ASSIGN_OR_RETURN(a.point, CoseP256(c, key->first));
    rest = rest.subspan(key->second);
    out.attested = std::move(a);
  }
  if (out.flags & ssh::kExtensionData) {
    auto ext = ParseCbor(rest, {.max_input = 4096, .max_depth = 4, .max_items = 64});
    if (!ext.ok()) return ext.error().WithContext(Prefix(c) + ": the extensions");
    if (!ext->IsMap()) return Malformed(c, "the extensions are not a CBOR map");
  } else if (!rest.empty()) {
    return Malformed(
        c, std::to_string(rest.size()) + " bytes after the authenticator data (no extension flag)");
  }
  return out;
}

// What both ceremonies require of the authenticator data.
Status CheckAuthData(Ceremony c, const AuthData& ad, std::string_view rp_id,
                     bool require_user_verified) {
  const auto expected = crypto::Sha256::Hash(AsBytes(rp_id));
  if (!std::equal(expected.begin(), expected.end(), ad.rp_id_hash.begin())) {
    return Refused(
        c, "the passkey answered for another site than " + std::string(rp_id) + " (RP ID hash)");
  }
  if (!(ad.flags & ssh::kUserPresent)) {
    return Refused(c, "no user presence (the authenticator was not touched)");
  }
  if (require_user_verified && !(ad.flags & ssh::kUserVerified)) {
    return Refused(c, "the user was not verified by the authenticator (no PIN or biometric)");
  }
  if ((ad.flags & kBackupState) && !(ad.flags & kBackupEligible)) {
    return Malformed(c, "the backup state flag is set on a credential that cannot be backed up");
  }
  return Ok();
}

Bytes SignedData(ByteView authenticator_data, std::string_view client_data_json) {
  Bytes out(authenticator_data.begin(), authenticator_data.end());
  const auto hash = crypto::Sha256::Hash(AsBytes(client_data_json));
  out.insert(out.end(), hash.begin(), hash.end());
  return out;
}

// The attestation object (§6.5.4): {"fmt": text, "attStmt": map,
// "authData": bytes} and nothing else.
struct AttestationObject {
  std::string fmt;
  CborValue statement;
  Bytes auth_data;
};

Result<AttestationObject> ParseAttestationObject(ByteView bytes) {
  constexpr Ceremony c = Ceremony::kRegistration;
  auto parsed = ParseCbor(bytes, {.max_input = 64 * 1024, .max_depth = 4, .max_items = 256});
  if (!parsed.ok()) return parsed.error().WithContext(Prefix(c) + ": the attestation object");
  const CborValue& m = *parsed;
  if (!m.IsMap() || m.entries.size() != 3) {
    return Malformed(c, "the attestation object is not a map of fmt, attStmt and authData");
  }
  const CborValue* fmt = m.Find("fmt");
  const CborValue* stmt = m.Find("attStmt");
  const CborValue* ad = m.Find("authData");
  if (fmt == nullptr || fmt->type != CborValue::Type::kText || stmt == nullptr || !stmt->IsMap() ||
      ad == nullptr || ad->type != CborValue::Type::kBytes) {
    return Malformed(c, "the attestation object is not a map of fmt, attStmt and authData");
  }
  return AttestationObject{fmt->bytes, *stmt, Bytes(ad->bytes.begin(), ad->bytes.end())};
}

bool PrintableName(std::string_view s) {
  return !s.empty() && s.size() <= 32 &&
         std::all_of(s.begin(), s.end(), [](char ch) { return ch > 0x20 && ch < 0x7F; });
}

}  // namespace

Result<RegisteredCredential> VerifyRegistration(const RegistrationOptions& options,
                                                ByteView attestation_object,
                                                std::string_view client_data_json) {
  constexpr Ceremony c = Ceremony::kRegistration;
  CORDON_TRY(CheckOptions(c, options.rp_id, options.origin, options.challenge));
  CORDON_TRY(
      CheckClientData(c, client_data_json, "webauthn.create", options.challenge, options.origin));
  CORDON_ASSIGN_OR_RETURN(AttestationObject att, ParseAttestationObject(attestation_object));
  CORDON_ASSIGN_OR_RETURN(AuthData ad, ParseAuthData(c, att.auth_data));
  CORDON_TRY(CheckAuthData(c, ad, options.rp_id, options.require_user_verified));
  if (!ad.attested) {
    return Malformed(c, "the authenticator data holds no credential (AT flag not set)");
  }
  RegisteredCredential out;
  CORDON_ASSIGN_OR_RETURN(out.key, ssh::SkEcdsaKey::Make(ad.attested->point, options.rp_id));
  out.credential_id = ad.attested->credential_id;
  out.aaguid = ad.attested->aaguid;
  out.sign_counter = ad.counter;
  out.flags = ad.flags;
  out.user_verified = (ad.flags & ssh::kUserVerified) != 0;
  out.backup_eligible = (ad.flags & kBackupEligible) != 0;
  out.backup_state = (ad.flags & kBackupState) != 0;
  out.attestation_format = att.fmt;
  if (att.fmt == "none") {
    if (!att.statement.entries.empty()) {
      return Malformed(c, "a \"none\" attestation with a non-empty statement");
    }
    out.attestation = AttestationType::kNone;
  } else if (att.fmt == "packed") {
    CORDON_ASSIGN_OR_RETURN(
        PackedResult packed,
        VerifyPackedAttestation(att.statement, SignedData(att.auth_data, client_data_json),
                                ad.attested->point, ad.attested->aaguid,
                                options.attestation_roots_pem));
    out.attestation = packed.type;
    out.attestation_trusted = packed.trusted;
  } else if (options.accept_unverified_attestation && PrintableName(att.fmt)) {
    out.attestation = AttestationType::kUnverified;
  } else {
    return Error(ErrorCode::kUnsupported,
                 "passkey registration: attestation format \"" +
                     (PrintableName(att.fmt) ? att.fmt : std::string("?")) +
                     "\" is not verified by cordon (\"none\" and \"packed\" are)",
                 "ask the browser for attestation \"none\", or let the server accept "
                 "unverified attestation");
  }
  return out;
}

Result<VerifiedAssertion> VerifyLoginAssertion(const AssertionOptions& options,
                                               const StoredCredential& stored,
                                               ByteView credential_id, ByteView authenticator_data,
                                               std::string_view client_data_json,
                                               ByteView signature_der) {
  constexpr Ceremony c = Ceremony::kLogin;
  CORDON_TRY(CheckOptions(c, options.rp_id, options.origin, options.challenge));
  if (!ConstantTimeEquals(credential_id, stored.credential_id)) {
    return Refused(c, "the passkey is not the registered one (credential ID)");
  }
  if (stored.key.application != options.rp_id) {
    return Refused(
        c, "the passkey was registered for " + stored.key.application + ", not " + options.rp_id);
  }
  CORDON_TRY(
      CheckClientData(c, client_data_json, "webauthn.get", options.challenge, options.origin));
  CORDON_ASSIGN_OR_RETURN(AuthData ad, ParseAuthData(c, authenticator_data));
  if (ad.attested) return Malformed(c, "attested credential data in an assertion");
  CORDON_TRY(CheckAuthData(c, ad, options.rp_id, options.require_user_verified));
  auto sig = crypto::ParseEcdsaDer(signature_der);
  if (!sig.ok()) return sig.error().WithContext(Prefix(c));
  CORDON_ASSIGN_OR_RETURN(
      bool good, crypto::VerifyEcdsaP256(stored.key.point,
                                         SignedData(authenticator_data, client_data_json), *sig));
  if (!good) return Refused(c, "the signature is not the registered passkey's");
  // §6.1.1: 0 and 0 is an authenticator without a counter; anything else
  // must advance, or two copies of the key are in use.
  if (!(ad.counter == 0 && stored.sign_counter == 0) && ad.counter <= stored.sign_counter) {
    return Refused(c, "the authenticator's counter did not advance (" + std::to_string(ad.counter) +
                          " after " + std::to_string(stored.sign_counter) + "): a cloned passkey?");
  }
  VerifiedAssertion out;
  out.sign_counter = ad.counter;
  out.flags = ad.flags;
  out.user_verified = (ad.flags & ssh::kUserVerified) != 0;
  out.backup_state = (ad.flags & kBackupState) != 0;
  return out;
}

}  // namespace cordon::auth
