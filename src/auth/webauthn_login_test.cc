#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "auth/webauthn.h"
#include "core/encoding.h"
#include "ssh/fake_passkey.h"
#include "ssh/ssh_keygen_oracle.h"

namespace cordon::auth {
namespace {

using ssh::kAttestedData;
using ssh::kExtensionData;
using ssh::kUserPresent;
using ssh::kUserVerified;
using ssh::WebauthnAssertion;
using ssh::testkit::FakePasskey;

constexpr std::string_view kRp = "cordon.chu-exemple.fr";
constexpr std::string_view kOrigin = "https://cordon.chu-exemple.fr";
const Bytes kCredentialId(20, 0x5A);

Bytes Nonce(uint8_t seed = 9) { return Bytes(32, seed); }

AssertionOptions Options(Bytes nonce = Nonce()) {
  return {std::string(kRp), std::string(kOrigin), std::move(nonce), true};
}

StoredCredential Stored(const FakePasskey& pk, uint32_t counter = 6) {
  return {kCredentialId, pk.Key(), counter};
}

FakePasskey::Options Get(uint32_t counter = 7) {
  FakePasskey::Options o;
  o.counter = counter;
  return o;
}

Result<VerifiedAssertion> Login(const StoredCredential& stored, const WebauthnAssertion& a,
                                const AssertionOptions& o = Options(),
                                ByteView credential_id = kCredentialId) {
  return VerifyLoginAssertion(o, stored, credential_id, a.authenticator_data, a.client_data_json,
                              a.signature_der);
}

void ExpectRefused(const Result<VerifiedAssertion>& r, ErrorCode code, std::string_view why) {
  ASSERT_FALSE(r.ok()) << "accepted; expected: " << why;
  EXPECT_EQ(r.error().code(), code) << r.error().message();
  EXPECT_NE(r.error().message().find(why), std::string::npos) << r.error().message();
}

TEST(WebauthnLogin, AGoodAssertionGivesTheNewCounter) {
  FakePasskey pk;
  FakePasskey::Options o = Get(7);
  o.flags |= kBackupEligible | kBackupState;
  auto r = Login(Stored(pk), pk.SignChallenge(Nonce(), o));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->sign_counter, 7u);
  EXPECT_TRUE(r->user_verified);
  EXPECT_TRUE(r->backup_state);
  // Extensions, flagged, are fine.
  o.flags |= kExtensionData;
  o.extensions = {0xA0};
  EXPECT_TRUE(Login(Stored(pk), pk.SignChallenge(Nonce(), o)).ok());
}

TEST(WebauthnLogin, TheCounterMustAdvanceUnlessTheAuthenticatorHasNone) {
  FakePasskey pk;
  ExpectRefused(Login(Stored(pk, 7), pk.SignChallenge(Nonce(), Get(7))), ErrorCode::kAuthFailed,
                "counter did not advance (7 after 7)");
  ExpectRefused(Login(Stored(pk, 7), pk.SignChallenge(Nonce(), Get(6))), ErrorCode::kAuthFailed,
                "cloned");
  ExpectRefused(Login(Stored(pk, 5), pk.SignChallenge(Nonce(), Get(0))), ErrorCode::kAuthFailed,
                "counter");
  // 0 then 0: an authenticator without a counter (WebAuthn §6.1.1).
  auto none = Login(Stored(pk, 0), pk.SignChallenge(Nonce(), Get(0)));
  ASSERT_TRUE(none.ok()) << none.error().message();
  EXPECT_EQ(none->sign_counter, 0u);
  // 0 stored, then a counter: it starts counting.
  EXPECT_EQ(Login(Stored(pk, 0), pk.SignChallenge(Nonce(), Get(1)))->sign_counter, 1u);
  EXPECT_EQ(Login(Stored(pk, 41), pk.SignChallenge(Nonce(), Get(0xFFFFFFFF)))->sign_counter,
            0xFFFFFFFFu);
}

TEST(WebauthnLogin, ClientDataForAnythingElseIsRefused) {
  FakePasskey pk;
  ExpectRefused(Login(Stored(pk), pk.SignChallenge(Nonce(10), Get())), ErrorCode::kAuthFailed,
                "challenge");
  FakePasskey::Options o = Get();
  o.origin = "https://evil.example";
  ExpectRefused(Login(Stored(pk), pk.SignChallenge(Nonce(), o)), ErrorCode::kAuthFailed,
                "evil.example");
  o = Get();
  o.origin = "http://cordon.chu-exemple.fr";
  ExpectRefused(Login(Stored(pk), pk.SignChallenge(Nonce(), o)), ErrorCode::kAuthFailed, "made on");
  o = Get();
  o.type = "webauthn.create";
  ExpectRefused(Login(Stored(pk), pk.SignChallenge(Nonce(), o)), ErrorCode::kAuthFailed,
                "webauthn.create");
  o = Get();
  o.tail = R"(,"crossOrigin":true})";
  ExpectRefused(Login(Stored(pk), pk.SignChallenge(Nonce(), o)), ErrorCode::kAuthFailed,
                "crossOrigin");
  o.tail = R"(,"challenge":"AAAA"})";
  ExpectRefused(Login(Stored(pk), pk.SignChallenge(Nonce(), o)), ErrorCode::kMalformed,
                "duplicate");
}

TEST(WebauthnLogin, AuthenticatorDataForAnythingElseIsRefused) {
  FakePasskey pk;
  FakePasskey::Options o = Get();
  o.rp = "evil.example";
  ExpectRefused(Login(Stored(pk), pk.SignChallenge(Nonce(), o)), ErrorCode::kAuthFailed,
                "RP ID hash");
  o = Get();
  o.flags = kUserPresent;
  ExpectRefused(Login(Stored(pk), pk.SignChallenge(Nonce(), o)), ErrorCode::kAuthFailed,
                "not verified");
  AssertionOptions lax = Options();
  lax.require_user_verified = false;
  auto r = Login(Stored(pk), pk.SignChallenge(Nonce(), o), lax);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->user_verified);
  o.flags = kUserVerified;  // UV without UP: nobody touched it
  ExpectRefused(Login(Stored(pk), pk.SignChallenge(Nonce(), o), lax), ErrorCode::kAuthFailed,
                "presence");
  o = Get();
  o.flags |= kAttestedData;
  ExpectRefused(Login(Stored(pk), pk.SignChallenge(Nonce(), o)), ErrorCode::kTruncated, "attested");
  o = Get();
  o.flags |= kExtensionData;  // the flag without extensions
  ExpectRefused(Login(Stored(pk), pk.SignChallenge(Nonce(), o)), ErrorCode::kTruncated,
                "extensions");
  o = Get();
  o.extensions = {0xA0};  // extensions without the flag
  ExpectRefused(Login(Stored(pk), pk.SignChallenge(Nonce(), o)), ErrorCode::kMalformed,
                "no extension flag");
  o.flags |= kExtensionData;
  o.extensions = {0xBF, 0xFF};  // an indefinite map
  ExpectRefused(Login(Stored(pk), pk.SignChallenge(Nonce(), o)), ErrorCode::kMalformed,
                "indefinite");
  WebauthnAssertion cut = pk.SignChallenge(Nonce(), Get());
  cut.authenticator_data.resize(36);
  ExpectRefused(Login(Stored(pk), cut), ErrorCode::kTruncated, "37 bytes");
}

TEST(WebauthnLogin, OnlyTheRegisteredPasskeySigningThisDataIsAccepted) {
  FakePasskey pk, other;
  // Another passkey (same RP), under the stored credential's ID.
  ExpectRefused(Login(Stored(pk), other.SignChallenge(Nonce(), Get())), ErrorCode::kAuthFailed,
                "not the registered passkey's");
  // A signature over other data: the client data changed after signing.
  WebauthnAssertion a = pk.SignChallenge(Nonce(), Get());
  a.client_data_json.insert(a.client_data_json.size() - 1, R"(,"extra":1)");
  ExpectRefused(Login(Stored(pk), a), ErrorCode::kAuthFailed, "not the registered passkey's");
  // …or the counter changed after signing.
  a = pk.SignChallenge(Nonce(), Get(7));
  a.authenticator_data[36] = 9;
  ExpectRefused(Login(Stored(pk), a), ErrorCode::kAuthFailed, "not the registered passkey's");
  // Another credential ID than the stored one.
  ExpectRefused(Login(Stored(pk), pk.SignChallenge(Nonce(), Get()), Options(), Bytes(20, 1)),
                ErrorCode::kAuthFailed, "credential ID");
  // A credential registered for another site.
  FakePasskey elsewhere("evil.example");
  StoredCredential foreign{kCredentialId, elsewhere.Key(), 0};
  ExpectRefused(Login(foreign, elsewhere.SignChallenge(Nonce(), Get())), ErrorCode::kAuthFailed,
                "registered for evil.example");
  // A signature that is not canonical DER.
  a = pk.SignChallenge(Nonce(), Get());
  a.signature_der.push_back(0);
  ExpectRefused(Login(Stored(pk), a), ErrorCode::kMalformed, "DER");
}

// The vector made by a second implementation (tests/vectors/webauthn/):
// a packed self-attested registration and a login assertion.
TEST(WebauthnVector, IndependentRegistrationAndAssertionVerify) {
  const std::string dir = std::string(CORDON_VECTORS_DIR) + "/webauthn/";
  const auto reg = nlohmann::json::parse(ssh::oracle::ReadText(dir + "registration.json"));
  const auto get = nlohmann::json::parse(ssh::oracle::ReadText(dir + "assertion.json"));
  auto hex = [](const nlohmann::json& v) { return *HexDecode(v.get<std::string>()); };
  RegistrationOptions ro;
  ro.rp_id = reg["rp_id"];
  ro.origin = reg["origin"];
  ro.challenge = hex(reg["challenge_hex"]);
  const std::string client = reg["client_data_json"];
  auto r = VerifyRegistration(ro, hex(reg["attestation_object_hex"]), client);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->key.Line(), reg["ssh_public_key"].get<std::string>());
  EXPECT_EQ(r->key.Fingerprint(), reg["ssh_fingerprint"].get<std::string>());
  EXPECT_EQ(HexEncode(r->credential_id), reg["credential_id_hex"].get<std::string>());
  EXPECT_EQ(HexEncode(r->aaguid), reg["aaguid_hex"].get<std::string>());
  EXPECT_EQ(r->attestation, AttestationType::kSelf);
  EXPECT_EQ(r->sign_counter, reg["sign_counter"].get<uint32_t>());

  AssertionOptions ao{ro.rp_id, ro.origin, hex(get["challenge_hex"]), true};
  StoredCredential stored{r->credential_id, r->key, r->sign_counter};
  const Bytes id = hex(get["credential_id_hex"]);
  const Bytes ad = hex(get["authenticator_data_hex"]);
  const std::string get_client = get["client_data_json"];
  const Bytes sig = hex(get["signature_hex"]);
  auto v = VerifyLoginAssertion(ao, stored, id, ad, get_client, sig);
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ(v->sign_counter, get["sign_counter"].get<uint32_t>());
  // The same assertion a second time: the counter no longer advances.
  stored.sign_counter = v->sign_counter;
  EXPECT_FALSE(VerifyLoginAssertion(ao, stored, id, ad, get_client, sig).ok());
  // And the registration's challenge is not the login's.
  ao.challenge = ro.challenge;
  stored.sign_counter = r->sign_counter;
  EXPECT_FALSE(VerifyLoginAssertion(ao, stored, id, ad, get_client, sig).ok());
}

}  // namespace
}  // namespace cordon::auth
