#include "auth/webauthn.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <functional>
#include <memory>

#include "auth/cbor_writer_for_tests.h"
#include "core/encoding.h"
#include "crypto/hash.h"
#include "ssh/fake_passkey.h"
#include "ssh/ssh_keygen_oracle.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::auth {
namespace {

using namespace testkit;  // NOLINT: the CBOR writer's verbs
using ssh::kAttestedData;
using ssh::kExtensionData;
using ssh::kUserPresent;
using ssh::kUserVerified;
using ssh::testkit::FakePasskey;

constexpr std::string_view kRp = "cordon.chu-exemple.fr";
constexpr std::string_view kOrigin = "https://cordon.chu-exemple.fr";

Bytes Challenge(uint8_t seed = 1) {
  Bytes c(32);
  for (size_t i = 0; i < c.size(); ++i) c[i] = static_cast<uint8_t>(seed * 31 + i);
  return c;
}

RegistrationOptions RegOptions() {
  RegistrationOptions o;
  o.rp_id = kRp;
  o.origin = kOrigin;
  o.challenge = Challenge();
  return o;
}

Bytes CoseKey(const crypto::P256Point& p, int64_t alg = -7, int64_t crv = 1) {
  return Map({{Int(1), Int(2)},
              {Int(3), Int(alg)},
              {Int(-1), Int(crv)},
              {Int(-2), Bstr(ByteView(p).subspan(1, 32))},
              {Int(-3), Bstr(ByteView(p).subspan(33, 32))}});
}

// What navigator.credentials.create() returns, built the way an
// authenticator and a browser build it (WebAuthn §6.1, §6.5, §8.2, §8.7).
struct Create {
  uint8_t flags = kUserPresent | kUserVerified | kAttestedData;
  uint32_t counter = 0;
  std::string type = "webauthn.create";
  std::string origin = std::string(kOrigin);
  Bytes challenge = Challenge();
  std::string rp = std::string(kRp);  // hashed into the authenticator data
  std::string tail = R"(,"crossOrigin":false})";
  std::array<uint8_t, 16> aaguid{};
  Bytes credential_id = Bytes(16, 0x42);
  std::optional<Bytes> cose;  // default: the passkey's ES256 key
  Bytes after_key;            // extensions (or junk) after the COSE key
  std::string fmt = "none";
  const FakePasskey* packed_signer = nullptr;  // "packed" self attestation by…
  // "packed" basic attestation: the certificates, and the leaf key's signer.
  std::vector<Bytes> x5c;
  std::function<Bytes(ByteView)> x5c_signer;
  std::optional<Bytes> statement;  // attStmt, written as is
};

struct Created {
  Bytes attestation_object;
  std::string client_data_json;
};

Bytes AuthData(const FakePasskey& pk, const Create& c) {
  const auto rp_hash = crypto::Sha256::Hash(AsBytes(c.rp));
  Bytes ad(rp_hash.begin(), rp_hash.end());
  ad.push_back(c.flags);
  for (int shift : {24, 16, 8, 0}) ad.push_back(static_cast<uint8_t>(c.counter >> shift));
  ad.insert(ad.end(), c.aaguid.begin(), c.aaguid.end());
  ad.push_back(static_cast<uint8_t>(c.credential_id.size() >> 8));
  ad.push_back(static_cast<uint8_t>(c.credential_id.size()));
  ad.insert(ad.end(), c.credential_id.begin(), c.credential_id.end());
  const Bytes key = c.cose ? *c.cose : CoseKey(pk.Point());
  ad.insert(ad.end(), key.begin(), key.end());
  ad.insert(ad.end(), c.after_key.begin(), c.after_key.end());
  return ad;
}

Bytes ClientHashAppended(Bytes data, std::string_view client) {
  const auto h = crypto::Sha256::Hash(AsBytes(client));
  data.insert(data.end(), h.begin(), h.end());
  return data;
}

Created MakeCredential(const FakePasskey& pk, const Create& c = {}) {
  Created out;
  out.client_data_json = R"({"type":")" + c.type + R"(","challenge":")" +
                         Base64UrlEncode(c.challenge) + R"(","origin":")" + c.origin + "\"" +
                         c.tail;
  const Bytes ad = AuthData(pk, c);
  Bytes statement = Map({});
  if (c.statement) {
    statement = *c.statement;
  } else if (!c.x5c.empty()) {
    std::vector<Bytes> certs;
    for (const Bytes& der : c.x5c) certs.push_back(Bstr(der));
    statement =
        Map({{Tstr("alg"), Int(-7)},
             {Tstr("sig"), Bstr(c.x5c_signer(ClientHashAppended(ad, out.client_data_json)))},
             {Tstr("x5c"), Array(certs)}});
  } else if (c.packed_signer != nullptr) {
    statement =
        Map({{Tstr("alg"), Int(-7)},
             {Tstr("sig"),
              Bstr(c.packed_signer->SignRaw(ClientHashAppended(ad, out.client_data_json)))}});
  }
  out.attestation_object =
      Map({{Tstr("fmt"), Tstr(c.fmt)}, {Tstr("attStmt"), statement}, {Tstr("authData"), Bstr(ad)}});
  return out;
}

Result<RegisteredCredential> Register(const Created& c,
                                      const RegistrationOptions& o = RegOptions()) {
  return VerifyRegistration(o, c.attestation_object, c.client_data_json);
}

// The refusal's code, and that its message says why.
void ExpectRefused(const Result<RegisteredCredential>& r, ErrorCode code, std::string_view why) {
  ASSERT_FALSE(r.ok()) << "accepted; expected: " << why;
  EXPECT_EQ(r.error().code(), code) << r.error().message();
  EXPECT_NE(r.error().message().find(why), std::string::npos) << r.error().message();
}

TEST(WebauthnRegistration, NoneAttestationGivesTheSshKeyAndWhatToStore) {
  FakePasskey pk;
  Create c;
  c.counter = 3;
  c.aaguid[0] = 0xEE;
  c.flags |= kBackupEligible | kBackupState;
  auto r = Register(MakeCredential(pk, c));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->credential_id, Bytes(16, 0x42));
  EXPECT_EQ(r->key.Blob(), pk.Key().Blob());
  EXPECT_EQ(r->key.application, kRp);
  EXPECT_EQ(r->key.Line(), pk.Key().Line());
  EXPECT_EQ(r->sign_counter, 3u);
  EXPECT_EQ(r->aaguid, c.aaguid);
  EXPECT_TRUE(r->user_verified);
  EXPECT_TRUE(r->backup_eligible);
  EXPECT_TRUE(r->backup_state);
  EXPECT_EQ(r->attestation_format, "none");
  EXPECT_EQ(r->attestation, AttestationType::kNone);
  EXPECT_FALSE(r->attestation_trusted);
}

TEST(WebauthnRegistration, PackedSelfAttestationIsCheckedWithTheCredentialKey) {
  FakePasskey pk, other;
  Create c;
  c.fmt = "packed";
  c.packed_signer = &pk;
  auto r = Register(MakeCredential(pk, c));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->attestation, AttestationType::kSelf);
  EXPECT_EQ(r->attestation_format, "packed");
  EXPECT_FALSE(r->attestation_trusted);

  c.packed_signer = &other;  // signed by another key than the one registered
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kAuthFailed, "self-attestation");
  // The signature covers the client data: another one does not verify.
  c.packed_signer = &pk;
  Created made = MakeCredential(pk, c);
  Created mixed = MakeCredential(pk, c);
  mixed.client_data_json.insert(mixed.client_data_json.size() - 1, R"(,"x":1)");
  mixed.attestation_object = made.attestation_object;
  ExpectRefused(Register(mixed), ErrorCode::kAuthFailed, "self-attestation");
  // The statement needs alg -7 and a sig; ECDAA and other algorithms are not checked.
  c.statement = Map({{Tstr("alg"), Int(-8)}, {Tstr("sig"), Bstr(Bytes{1})}});
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kUnsupported, "ES256");
  c.statement = Map({{Tstr("alg"), Int(-7)}});
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kMalformed, "sig");
  c.statement = Map({{Tstr("alg"), Int(-7)},
                     {Tstr("sig"), Bstr(Bytes{1})},
                     {Tstr("ecdaaKeyId"), Bstr(Bytes{1})}});
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kUnsupported, "ECDAA");
}

TEST(WebauthnRegistration, OtherAttestationFormatsOnlyWhenTheServerAllowsThem) {
  FakePasskey pk;
  Create c;
  c.fmt = "tpm";
  c.statement = Map({{Tstr("ver"), Tstr("2.0")}});
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kUnsupported, "\"tpm\"");
  RegistrationOptions lax = RegOptions();
  lax.accept_unverified_attestation = true;
  auto r = Register(MakeCredential(pk, c), lax);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->attestation, AttestationType::kUnverified);
  EXPECT_EQ(r->attestation_format, "tpm");
  EXPECT_FALSE(r->attestation_trusted);
  // "none" means an empty statement.
  c.fmt = "none";
  ExpectRefused(Register(MakeCredential(pk, c), lax), ErrorCode::kMalformed, "none");
}

TEST(WebauthnRegistration, ClientDataForAnythingElseIsRefused) {
  FakePasskey pk;
  Create c;
  c.challenge = Challenge(2);
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kAuthFailed, "challenge");
  c = {};
  c.origin = "https://cordon.chu-exemple.fr.evil.example";
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kAuthFailed, "evil.example");
  c.origin = "https://cordon.chu-exemple.fr:8443";  // exact origin, port included
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kAuthFailed, "made on");
  c = {};
  c.type = "webauthn.get";
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kAuthFailed, "webauthn.get");
  c = {};
  c.tail = R"(,"crossOrigin":true})";
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kAuthFailed, "crossOrigin");
  c.tail = R"(,"topOrigin":"https://evil.example"})";
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kAuthFailed, "embedded");
  c.tail = R"(,"type":"webauthn.create"})";
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kMalformed, "duplicate");
  c.tail = R"(,"crossOrigin":false)";
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kMalformed, "JSON");
  c.tail = "}";
  EXPECT_TRUE(Register(MakeCredential(pk, c)).ok());  // crossOrigin may be absent
}

TEST(WebauthnRegistration, AuthenticatorDataForAnythingElseIsRefused) {
  FakePasskey pk;
  Create c;
  c.rp = "evil.example";
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kAuthFailed, "RP ID hash");
  c = {};
  c.flags &= ~kUserVerified;
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kAuthFailed, "not verified");
  RegistrationOptions no_uv = RegOptions();
  no_uv.require_user_verified = false;
  auto r = Register(MakeCredential(pk, c), no_uv);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->user_verified);
  c = {};
  c.flags &= ~kUserPresent;
  ExpectRefused(Register(MakeCredential(pk, c), no_uv), ErrorCode::kAuthFailed, "presence");
  c = {};
  c.flags &= ~kAttestedData;
  // Without AT the credential bytes are junk after the counter.
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kMalformed, "after the authenticator");
  c = {};
  c.flags |= kBackupState;  // backed up, yet not eligible for backup
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kMalformed, "backup");
}

TEST(WebauthnRegistration, AuthenticatorDataWithoutACredentialIsRefused) {
  FakePasskey pk;
  // Just rpIdHash ‖ flags ‖ counter, no AT flag.
  const auto rp_hash = crypto::Sha256::Hash(AsBytes(kRp));
  Bytes ad(rp_hash.begin(), rp_hash.end());
  ad.insert(ad.end(), {kUserPresent | kUserVerified, 0, 0, 0, 0});
  Create c;
  Created made = MakeCredential(pk, c);
  made.attestation_object =
      Map({{Tstr("fmt"), Tstr("none")}, {Tstr("attStmt"), Map({})}, {Tstr("authData"), Bstr(ad)}});
  ExpectRefused(Register(made), ErrorCode::kMalformed, "AT flag");
  ad.resize(36);
  made.attestation_object =
      Map({{Tstr("fmt"), Tstr("none")}, {Tstr("attStmt"), Map({})}, {Tstr("authData"), Bstr(ad)}});
  ExpectRefused(Register(made), ErrorCode::kTruncated, "37 bytes");
}

TEST(WebauthnRegistration, OnlyEs256PasskeysFitTheSshSignatureFormat) {
  FakePasskey pk;
  Create c;
  // An Ed25519 passkey: kty 1 (OKP), alg -8, crv 6, x.
  c.cose =
      Map({{Int(1), Int(1)}, {Int(3), Int(-8)}, {Int(-1), Int(6)}, {Int(-2), Bstr(Bytes(32, 9))}});
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kUnsupported, "only ES256");
  auto r = Register(MakeCredential(pk, c));
  EXPECT_NE(r.error().message().find("EdDSA (-8)"), std::string::npos);
  EXPECT_NE(r.error().hint().find("alg: -7"), std::string::npos);
  // RS256 (-257: kty 3, n, e).
  c.cose = Map({{Int(1), Int(3)},
                {Int(3), Int(-257)},
                {Int(-1), Bstr(Bytes(256, 1))},
                {Int(-2), Bstr(Bytes{1, 0, 1})}});
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kUnsupported, "RS256 (-257)");
  c.cose = CoseKey(pk.Point(), -7, 2);  // P-384's curve number
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kUnsupported, "P-256");
  c.cose = CoseKey(pk.Point(), -35);
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kUnsupported, "only ES256");
  crypto::P256Point off = pk.Point();
  off[64] ^= 1;
  c.cose = CoseKey(off);
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kAuthFailed, "not a point on P-256");
  c.cose = Map({{Int(1), Int(2)},
                {Int(3), Int(-7)},
                {Int(-1), Int(1)},
                {Int(-2), Bstr(ByteView(pk.Point()).subspan(1, 31))},
                {Int(-3), Bstr(ByteView(pk.Point()).subspan(33, 32))}});
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kMalformed, "32-byte");
  c.cose = Map({{Int(1), Int(2)},
                {Int(3), Int(-7)},
                {Int(-1), Int(1)},
                {Int(-2), Bstr(ByteView(pk.Point()).subspan(1, 32))},
                {Int(-3), Bstr(ByteView(pk.Point()).subspan(33, 32))},
                {Int(-4), Bstr(Bytes(32, 1))}});
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kMalformed, "label");
  c.cose = Map({{Int(1), Int(2)},
                {Int(3), Int(-7)},
                {Int(-1), Int(1)},
                {Int(-1), Int(1)},
                {Int(-2), Bstr(ByteView(pk.Point()).subspan(1, 32))},
                {Int(-3), Bstr(ByteView(pk.Point()).subspan(33, 32))}});
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kMalformed, "duplicate");
  // The COSE key's labels in their shortest form only: alg written 0x38 0x06.
  Bytes long_alg = CoseKey(pk.Point());
  const Bytes minus7 = {0x03, 0x26};
  const auto at = std::search(long_alg.begin(), long_alg.end(), minus7.begin(), minus7.end());
  ASSERT_NE(at, long_alg.end());
  const auto index = at - long_alg.begin() + 1;
  long_alg.erase(long_alg.begin() + index);
  long_alg.insert(long_alg.begin() + index, {0x38, 0x06});
  c.cose = long_alg;
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kMalformed, "shortest form");
}

TEST(WebauthnRegistration, CredentialIdsAreOneTo1023Bytes) {
  FakePasskey pk;
  Create c;
  c.credential_id = Bytes(1023, 7);
  auto r = Register(MakeCredential(pk, c));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->credential_id.size(), 1023u);
  c.credential_id = Bytes(1024, 7);
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kLimitExceeded, "1024 bytes");
  c.credential_id = {};
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kLimitExceeded, "0 bytes");
}

TEST(WebauthnRegistration, DamagedCborIsRefused) {
  FakePasskey pk;
  Created good = MakeCredential(pk);
  ASSERT_TRUE(Register(good).ok());
  Created trailing = good;
  trailing.attestation_object.push_back(0x00);
  ExpectRefused(Register(trailing), ErrorCode::kMalformed, "trailing");

  const Bytes ad = AuthData(pk, {});
  Created dup = good;
  dup.attestation_object = Map({{Tstr("fmt"), Tstr("none")},
                                {Tstr("fmt"), Tstr("none")},
                                {Tstr("attStmt"), Map({})},
                                {Tstr("authData"), Bstr(ad)}});
  ExpectRefused(Register(dup), ErrorCode::kMalformed, "duplicate");

  // The same map with an indefinite length (0xBF … 0xFF).
  Created indefinite = good;
  indefinite.attestation_object = Cat({Bytes{0xBF}, Tstr("fmt"), Tstr("none"), Tstr("attStmt"),
                                       Map({}), Tstr("authData"), Bstr(ad), Bytes{0xFF}});
  ExpectRefused(Register(indefinite), ErrorCode::kMalformed, "indefinite");
  // authData as an indefinite byte string of one chunk.
  indefinite.attestation_object =
      Cat({Head(5, 3), Tstr("fmt"), Tstr("none"), Tstr("attStmt"), Map({}), Tstr("authData"),
           Bytes{0x5F}, Bstr(ad), Bytes{0xFF}});
  ExpectRefused(Register(indefinite), ErrorCode::kMalformed, "indefinite");

  Created extra = good;
  extra.attestation_object = Map({{Tstr("fmt"), Tstr("none")},
                                  {Tstr("attStmt"), Map({})},
                                  {Tstr("authData"), Bstr(ad)},
                                  {Tstr("epAtt"), Bytes{0xF5}}});
  ExpectRefused(Register(extra), ErrorCode::kMalformed, "fmt, attStmt and authData");
  Created cut = good;
  cut.attestation_object.resize(cut.attestation_object.size() - 10);
  ExpectRefused(Register(cut), ErrorCode::kTruncated, "ends inside");

  // Bytes after the COSE key need the ED flag and must be one CBOR map.
  Create c;
  c.after_key = Map({{Tstr("credProtect"), Int(2)}});
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kMalformed, "after the authenticator");
  c.flags |= kExtensionData;
  EXPECT_TRUE(Register(MakeCredential(pk, c)).ok());
  c.after_key = Cat({Map({{Tstr("credProtect"), Int(2)}}), Bytes{0x00}});
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kMalformed, "trailing");
  c.after_key = Int(2);
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kMalformed, "not a CBOR map");
  c.after_key = {};
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kTruncated, "extensions");
}

TEST(WebauthnRegistration, ACallerWithoutAChallengeIsABug) {
  FakePasskey pk;
  RegistrationOptions o = RegOptions();
  o.challenge.resize(15);
  ExpectRefused(Register(MakeCredential(pk), o), ErrorCode::kInvalidArgument, "16");
  o = RegOptions();
  o.origin.clear();
  ExpectRefused(Register(MakeCredential(pk), o), ErrorCode::kInvalidArgument, "origin");
}

// An attestation CA and its certificates, made with OpenSSL as a
// manufacturer would (WebAuthn §8.2.1's requirements on the leaf).
class AttestationCa {
 public:
  using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
  using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

  AttestationCa() : key_(EVP_EC_gen("P-256"), EVP_PKEY_free), cert_(nullptr, X509_free) {
    cert_ = Make(key_.get(), nullptr, "Test Attestation Root", true, nullptr, X509_VERSION_3);
  }

  struct Leaf {
    Pkey key{nullptr, EVP_PKEY_free};
    Bytes der;
  };
  Leaf Issue(const std::array<uint8_t, 16>* aaguid, bool ca = false,
             long version = X509_VERSION_3) const {
    Leaf leaf;
    leaf.key.reset(EVP_EC_gen("P-256"));
    Cert cert = Make(leaf.key.get(), cert_.get(), "Test Authenticator", ca, aaguid, version);
    leaf.der = Der(cert.get());
    return leaf;
  }
  Bytes RootDer() const { return Der(cert_.get()); }
  std::string RootPem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(bio.get(), cert_.get());
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(len));
  }

  static Bytes SignWith(EVP_PKEY* key, ByteView data) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    size_t len = 80;
    Bytes der(len);
    EXPECT_EQ(EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key), 1);
    EXPECT_EQ(EVP_DigestSign(md.get(), der.data(), &len, data.data(), data.size()), 1);
    der.resize(len);
    return der;
  }

 private:
  static Bytes Der(X509* x) {
    unsigned char* out = nullptr;
    const int len = i2d_X509(x, &out);
    Bytes der(out, out + len);
    OPENSSL_free(out);
    return der;
  }
  Cert Make(EVP_PKEY* subject_key, X509* issuer, const char* cn, bool ca,
            const std::array<uint8_t, 16>* aaguid, long version) const {
    Cert x(X509_new(), X509_free);
    X509_set_version(x.get(), version);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), ++serial_);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600L * 24 * 365);
    X509_set_pubkey(x.get(), subject_key);
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
    if (version == X509_VERSION_3) {
      X509V3_CTX ctx;
      X509V3_set_ctx_nodb(&ctx);
      X509V3_set_ctx(&ctx, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
      X509_EXTENSION* bc = X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints,
                                               ca ? "critical,CA:TRUE" : "CA:FALSE");
      X509_add_ext(x.get(), bc, -1);
      X509_EXTENSION_free(bc);
      if (aaguid != nullptr) {
        ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
        ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
        Bytes inner = {0x04, 0x10};
        inner.insert(inner.end(), aaguid->begin(), aaguid->end());
        ASN1_OCTET_STRING_set(value, inner.data(), static_cast<int>(inner.size()));
        X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, 0, value);
        X509_add_ext(x.get(), ext, -1);
        X509_EXTENSION_free(ext);
        ASN1_OCTET_STRING_free(value);
        ASN1_OBJECT_free(oid);
      }
    }
    EXPECT_GT(X509_sign(x.get(), issuer ? key_.get() : subject_key, EVP_sha256()), 0);
    return x;
  }

  Pkey key_;
  Cert cert_;
  mutable long serial_ = 0;
};

TEST(WebauthnRegistration, PackedX5cIsCheckedButTrustedOnlyUnderTheCallersRoots) {
  FakePasskey pk;
  AttestationCa ca, other_ca;
  Create c;
  c.fmt = "packed";
  c.aaguid = {0xCB, 0x69, 0x48, 0x1E, 0x8F, 0xF7, 0x40, 0x39,
              0x93, 0xEC, 0x0A, 0x27, 0x29, 0xA1, 0x54, 0xA8};
  const AttestationCa::Leaf leaf = ca.Issue(&c.aaguid);
  c.x5c = {leaf.der};
  c.x5c_signer = [&](ByteView d) { return AttestationCa::SignWith(leaf.key.get(), d); };
  auto r = Register(MakeCredential(pk, c));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->attestation, AttestationType::kBasic);
  EXPECT_FALSE(r->attestation_trusted);  // a certificate alone proves nothing

  RegistrationOptions rooted = RegOptions();
  rooted.attestation_roots_pem = {ca.RootPem()};
  r = Register(MakeCredential(pk, c), rooted);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->attestation_trusted);
  c.x5c = {leaf.der, ca.RootDer()};  // with the root in the chain: same
  r = Register(MakeCredential(pk, c), rooted);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->attestation_trusted);
  rooted.attestation_roots_pem = {other_ca.RootPem()};
  r = Register(MakeCredential(pk, c), rooted);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->attestation_trusted);
  rooted.attestation_roots_pem = {"not a certificate"};
  ExpectRefused(Register(MakeCredential(pk, c), rooted), ErrorCode::kInvalidArgument, "PEM");

  // Signed by another key than the certificate's.
  c.x5c = {leaf.der};
  c.x5c_signer = [&](ByteView d) { return pk.SignRaw(d); };
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kAuthFailed, "certificate's");
  // A certificate for another authenticator model, a CA as leaf, a v1 certificate.
  std::array<uint8_t, 16> other_model{};
  const AttestationCa::Leaf wrong_model = ca.Issue(&other_model);
  const AttestationCa::Leaf ca_leaf = ca.Issue(&c.aaguid, /*ca=*/true);
  const AttestationCa::Leaf v1 = ca.Issue(nullptr, false, X509_VERSION_1);
  for (const auto* l : {&wrong_model, &ca_leaf, &v1}) {
    c.x5c = {l->der};
    c.x5c_signer = [&](ByteView d) { return AttestationCa::SignWith(l->key.get(), d); };
    auto refused = Register(MakeCredential(pk, c));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), ErrorCode::kAuthFailed) << refused.error().message();
  }
  // Not a certificate, or a certificate with a byte after it.
  Bytes junk = leaf.der;
  junk.push_back(0);
  c.x5c = {junk};
  c.x5c_signer = [&](ByteView d) { return AttestationCa::SignWith(leaf.key.get(), d); };
  ExpectRefused(Register(MakeCredential(pk, c)), ErrorCode::kMalformed, "DER certificate");
}

// The promise of the design note (§2.3): the key a registration gives,
// written into allowed_signers, is the key stock OpenSSH checks a passkey
// SSH signature of that same credential with.
TEST(WebauthnRegistration, SshKeygenAcceptsASignatureByTheRegisteredPasskey) {
  if (!ssh::oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen not installed";
  using ssh::oracle::Q;
  FakePasskey pk;
  Create c;
  c.fmt = "packed";
  c.packed_signer = &pk;
  auto reg = Register(MakeCredential(pk, c));
  ASSERT_TRUE(reg.ok()) << reg.error().message();
  constexpr std::string_view kNs = "cordon-order@chu-exemple.fr";
  const std::string order = "[order]\nid = \"MIG-2026-014\"\n";
  const ssh::SshsigPolicy policy{std::string(kNs), std::string(kOrigin), true, std::nullopt};
  auto armored = ssh::SshsigFromAssertion(reg->key, AsBytes(order), pk.Sign(kNs, order), policy);
  ASSERT_TRUE(armored.ok()) << armored.error().message();
  test_support::ScopedTempDir dir;
  ssh::oracle::WriteText(dir / "order.toml", order);
  ssh::oracle::WriteText(dir / "order.toml.sig", *armored);
  ssh::oracle::WriteText(dir / "allowed_signers",
                         *ssh::AllowedSignersLine("dpo@chu-exemple.fr", kNs, reg->key) + "\n");
  const std::string verify = "ssh-keygen -Y verify -f " + Q(dir / "allowed_signers") +
                             " -I dpo@chu-exemple.fr -n " + std::string(kNs) + " -s " +
                             Q(dir / "order.toml.sig") + " < ";
  auto good = ssh::oracle::Run(verify + Q(dir / "order.toml"));
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find(reg->key.Fingerprint()), std::string::npos) << good.output;
  // Another passkey's registration in allowed_signers: refused.
  FakePasskey other;
  auto other_reg = Register(MakeCredential(other));
  ASSERT_TRUE(other_reg.ok());
  ssh::oracle::WriteText(
      dir / "allowed_signers",
      *ssh::AllowedSignersLine("dpo@chu-exemple.fr", kNs, other_reg->key) + "\n");
  auto bad = ssh::oracle::Run(verify + Q(dir / "order.toml"));
  EXPECT_NE(bad.exit_code, 0) << bad.output;
}

}  // namespace
}  // namespace cordon::auth
