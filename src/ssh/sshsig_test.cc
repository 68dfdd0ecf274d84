#include "ssh/sshsig.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <memory>

#include "core/encoding.h"
#include "crypto/hash.h"
#include "ssh/fake_passkey.h"
#include "ssh/ssh_keygen_oracle.h"
#include "ssh/wire.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::ssh {
namespace {

using oracle::Q;
using testkit::FakePasskey;

using testing_passkey::kNs;
using testing_passkey::kOrigin;
using testing_passkey::kRp;

SshsigPolicy Policy() { return {std::string(kNs), std::string(kOrigin), true, std::nullopt}; }

constexpr std::string_view kOrder =
    "[order]\nid = \"MIG-2026-014\"\nplan_sha256 = \"ab12\"\npurpose = \"migration\"\n";

std::string Signed(FakePasskey& pk, std::string_view message = kOrder,
                   const FakePasskey::Options& o = {}) {
  auto armored =
      SshsigFromAssertion(pk.Key(), AsBytes(message), pk.Sign(kNs, message, o), Policy());
  EXPECT_TRUE(armored.ok()) << armored.error().message();
  return armored.ok() ? *armored : std::string();
}

// The vector made by a second implementation (tests/vectors/ssh/README.md).
TEST(Sshsig, IndependentVectorVerifiesAndReArmorsToTheSameBytes) {
  const std::string dir = std::string(CORDON_VECTORS_DIR) + "/ssh/";
  const std::string message = oracle::ReadText(dir + "webauthn_order.toml");
  const std::string armored = oracle::ReadText(dir + "webauthn_order.toml.sig");
  const std::string line = oracle::FirstLine(dir + "webauthn_allowed_signers");
  const std::string b64 = line.substr(line.rfind(' ') + 1);
  auto key = SkEcdsaKey::FromBlob(*Base64Decode(b64));
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(key->application, kRp);
  EXPECT_EQ(*AllowedSignersLine("dpo@chu-exemple.fr", kNs, *key), line);
  SshsigPolicy p = Policy();
  p.counter_above = 11;
  auto v = VerifySshsig(armored, AsBytes(message), *key, p);
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ(v->signature.counter, 12u);
  EXPECT_EQ(ArmorSshsig(*v), armored);
  EXPECT_FALSE(VerifySshsig(armored, AsBytes(message + "\n"), *key, p).ok());
}

TEST(Sshsig, AnAssertionBecomesASignatureThatVerifies) {
  FakePasskey pk;
  const std::string armored = Signed(pk);
  EXPECT_EQ(armored.rfind("-----BEGIN SSH SIGNATURE-----\n", 0), 0u);
  auto v = VerifySshsig(armored, AsBytes(kOrder), pk.Key(), Policy());
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ(v->ns, kNs);
  EXPECT_EQ(v->signature.counter, 7u);
  EXPECT_EQ(v->signature.origin, kOrigin);
  EXPECT_EQ(v->key.Fingerprint(), pk.Key().Fingerprint());
  // Parse and armor are each other's inverse.
  auto parsed = ParseSshsig(armored);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(ArmorSshsig(*parsed), armored);
}

// The oracle: stock OpenSSH accepts what cordon makes, for exactly this
// message, signer and namespace, and refuses the rest.
TEST(Sshsig, SshKeygenVerifiesItAndRefusesAnotherMessage) {
  if (!oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen not installed";
  test_support::ScopedTempDir dir;
  FakePasskey pk;
  oracle::WriteText(dir / "order.toml", std::string(kOrder));
  oracle::WriteText(dir / "order.toml.sig", Signed(pk));
  oracle::WriteText(dir / "allowed_signers",
                    *AllowedSignersLine("dpo@chu-exemple.fr", kNs, pk.Key()) + "\n");
  const std::string verify = "ssh-keygen -Y verify -f " + Q(dir / "allowed_signers") +
                             " -I dpo@chu-exemple.fr -s " + Q(dir / "order.toml.sig");
  auto good = oracle::Run(verify + " -n " + std::string(kNs) + " < " + Q(dir / "order.toml"));
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find("Good \"" + std::string(kNs) + "\" signature for dpo@chu-exemple.fr"),
            std::string::npos)
      << good.output;
  EXPECT_NE(good.output.find(pk.Key().Fingerprint()), std::string::npos) << good.output;

  oracle::WriteText(dir / "other.toml", std::string(kOrder) + "rows = \"all\"\n");
  auto other = oracle::Run(verify + " -n " + std::string(kNs) + " < " + Q(dir / "other.toml"));
  EXPECT_NE(other.exit_code, 0) << other.output;
  auto ns = oracle::Run(verify + " -n other@chu-exemple.fr < " + Q(dir / "order.toml"));
  EXPECT_NE(ns.exit_code, 0) << ns.output;
  auto who = oracle::Run("ssh-keygen -Y verify -f " + Q(dir / "allowed_signers") +
                         " -I ciso@chu-exemple.fr -s " + Q(dir / "order.toml.sig") + " -n " +
                         std::string(kNs) + " < " + Q(dir / "order.toml"));
  EXPECT_NE(who.exit_code, 0) << who.output;
}

// ssh-keygen does not look at UV (flags 0x01 pass it): cordon does, so an
// approval made without the signer's PIN or biometric is not one.
TEST(Sshsig, WithoutUserVerificationCordonRefusesWhereSshKeygenWouldNot) {
  FakePasskey pk;
  FakePasskey::Options o;
  o.flags = kUserPresent;
  auto a = pk.Sign(kNs, kOrder, o);
  auto r = SshsigFromAssertion(pk.Key(), AsBytes(kOrder), a, Policy());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kAuthFailed);
  EXPECT_NE(r.error().message().find("not verified"), std::string::npos);
  SshsigPolicy lax = Policy();
  lax.require_user_verified = false;
  EXPECT_TRUE(SshsigFromAssertion(pk.Key(), AsBytes(kOrder), a, lax).ok());
  o.flags = kUserVerified;  // UV without UP: nobody touched it
  EXPECT_FALSE(SshsigFromAssertion(pk.Key(), AsBytes(kOrder), pk.Sign(kNs, kOrder, o), lax).ok());
}

TEST(Sshsig, EveryOtherMessageNamespaceKeyOrOriginIsRefused) {
  FakePasskey pk, other;
  const std::string armored = Signed(pk);
  auto refused = [&](std::string_view message, const SkEcdsaKey& key, SshsigPolicy p) {
    auto r = VerifySshsig(armored, AsBytes(message), key, p);
    return !r.ok() && r.error().code() == ErrorCode::kAuthFailed;
  };
  EXPECT_TRUE(refused(std::string(kOrder) + " ", pk.Key(), Policy()));
  EXPECT_TRUE(refused(kOrder.substr(1), pk.Key(), Policy()));
  SshsigPolicy p = Policy();
  p.ns = "cordon-grant@chu-exemple.fr";
  EXPECT_TRUE(refused(kOrder, pk.Key(), p));
  p = Policy();
  p.origin = "https://evil.example";
  EXPECT_TRUE(refused(kOrder, pk.Key(), p));
  EXPECT_TRUE(refused(kOrder, other.Key(), Policy()));
  // The same point registered for another site is another key.
  EXPECT_TRUE(refused(kOrder, *SkEcdsaKey::Make(pk.Key().point, "evil.example"), Policy()));
}

// What a hostile page or a confused browser could hand the server.
TEST(Sshsig, AssertionsMadeForSomethingElseAreRefused) {
  FakePasskey pk;
  auto refused = [&](const WebauthnAssertion& a) {
    auto r = SshsigFromAssertion(pk.Key(), AsBytes(kOrder), a, Policy());
    return !r.ok() && r.error().code() == ErrorCode::kAuthFailed;
  };
  FakePasskey::Options o;
  o.type = "webauthn.create";
  EXPECT_TRUE(refused(pk.Sign(kNs, kOrder, o)));
  o = {};
  o.origin = "https://cordon.chu-exemple.fr.evil.example";
  EXPECT_TRUE(refused(pk.Sign(kNs, kOrder, o)));
  o = {};
  o.rp = "evil.example";  // the authenticator answered for another site
  EXPECT_TRUE(refused(pk.Sign(kNs, kOrder, o)));
  o = {};
  o.tail = R"(,"crossOrigin":true})";
  EXPECT_TRUE(refused(pk.Sign(kNs, kOrder, o)));
  o.tail = R"(,"crossOrigin":false,"topOrigin":"https://evil.example"})";
  EXPECT_TRUE(refused(pk.Sign(kNs, kOrder, o)));
  o.tail = R"(,"crossOrigin":false)";  // not JSON
  EXPECT_TRUE(refused(pk.Sign(kNs, kOrder, o)));
  // Two members of one name mean whatever the reader picks (review F5).
  o.tail = R"(,"crossOrigin":true,"crossOrigin":false})";
  EXPECT_TRUE(refused(pk.Sign(kNs, kOrder, o)));
  o = {};
  o.flags |= 0x10;  // backed up (BS) without being backup-eligible (BE)
  EXPECT_TRUE(refused(pk.Sign(kNs, kOrder, o)));
  o.flags |= 0x08;  // both: a synced passkey, fine
  EXPECT_TRUE(
      SshsigFromAssertion(pk.Key(), AsBytes(kOrder), pk.Sign(kNs, kOrder, o), Policy()).ok());
  o = {};
  o.flags |= kAttestedData;
  EXPECT_TRUE(refused(pk.Sign(kNs, kOrder, o)));
  o = {};
  o.flags |= kExtensionData;  // flag without extensions
  EXPECT_TRUE(refused(pk.Sign(kNs, kOrder, o)));
  o = {};
  o.extensions = {0xA0};  // extensions without the flag
  EXPECT_TRUE(refused(pk.Sign(kNs, kOrder, o)));
  o.flags |= kExtensionData;  // both: fine (an empty CBOR map)
  EXPECT_TRUE(
      SshsigFromAssertion(pk.Key(), AsBytes(kOrder), pk.Sign(kNs, kOrder, o), Policy()).ok());
  // A challenge for another message, signed honestly.
  EXPECT_TRUE(refused(pk.Sign(kNs, "[order]\nid = \"OTHER\"\n")));
  // One bit of the signature or of the authenticator data changed.
  auto a = pk.Sign(kNs, kOrder);
  a.authenticator_data[35] ^= 1;
  EXPECT_TRUE(refused(a));
  a = pk.Sign(kNs, kOrder);
  a.signature_der[a.signature_der.size() - 1] ^= 1;
  EXPECT_TRUE(refused(a));
  a = pk.Sign(kNs, kOrder);
  a.authenticator_data.resize(36);
  EXPECT_TRUE(refused(a));
}

TEST(Sshsig, ACounterThatDoesNotAdvanceIsRefusedWhenTheVerifierKnowsTheLastOne) {
  FakePasskey pk;
  FakePasskey::Options o;
  o.counter = 41;
  const std::string armored = Signed(pk, kOrder, o);
  SshsigPolicy p = Policy();
  p.counter_above = 40;
  EXPECT_TRUE(VerifySshsig(armored, AsBytes(kOrder), pk.Key(), p).ok());
  p.counter_above = 41;
  EXPECT_FALSE(VerifySshsig(armored, AsBytes(kOrder), pk.Key(), p).ok());
  p.counter_above = 90;
  auto r = VerifySshsig(armored, AsBytes(kOrder), pk.Key(), p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("counter"), std::string::npos);
}

TEST(Sshsig, NonCanonicalDerIsRefused) {
  FakePasskey pk;
  auto a = pk.Sign(kNs, kOrder);
  // The same SEQUENCE with a long-form length (BER, not DER).
  Bytes ber = {0x30, 0x81, a.signature_der[1]};
  ber.insert(ber.end(), a.signature_der.begin() + 2, a.signature_der.end());
  auto r = SshsigFromAssertion(pk.Key(), AsBytes(kOrder),
                               {a.authenticator_data, a.client_data_json, ber}, Policy());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
  a.signature_der.push_back(0);  // trailing byte
  EXPECT_FALSE(SshsigFromAssertion(pk.Key(), AsBytes(kOrder), a, Policy()).ok());
}

TEST(Sshsig, DamagedOrForeignSignaturesAreParseErrors) {
  FakePasskey pk;
  const std::string armored = Signed(pk);
  EXPECT_EQ(ParseSshsig("not a signature").error().code(), ErrorCode::kMalformed);
  // Cut inside the base64, and one byte more at the end of the blob.
  const size_t mid = armored.size() / 2;
  EXPECT_FALSE(ParseSshsig(armored.substr(0, mid) + "\n-----END SSH SIGNATURE-----\n").ok());
  // Rebuild the blob with a trailing byte: refused.
  std::string b64;
  for (size_t i = armored.find('\n') + 1; i < armored.rfind("-----END"); ++i) {
    if (armored[i] != '\n') b64 += armored[i];
  }
  Bytes raw = *Base64Decode(b64);
  raw.push_back(0);
  const std::string trailing =
      "-----BEGIN SSH SIGNATURE-----\n" + Base64Encode(raw) + "\n-----END SSH SIGNATURE-----\n";
  EXPECT_FALSE(ParseSshsig(trailing).ok());
}

TEST(Sshsig, AnEd25519SignatureFromSshKeygenIsUnsupported) {
  if (!oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen not installed";
  test_support::ScopedTempDir dir;
  ASSERT_EQ(oracle::Run("ssh-keygen -q -t ed25519 -N '' -f " + Q(dir / "id")).exit_code, 0);
  oracle::WriteText(dir / "m", "hello");
  ASSERT_EQ(
      oracle::Run("ssh-keygen -q -Y sign -n x -f " + Q(dir / "id") + " " + Q(dir / "m")).exit_code,
      0);
  auto r = ParseSshsig(oracle::ReadText(dir / "m.sig"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnsupported);
}

TEST(Sshsig, MpintsAreMinimalAndPositive) {
  // A hand-built signature blob around each bad r: every one refused.
  FakePasskey pk;
  auto parsed = *ParseSshsig(Signed(pk));
  for (const std::string& bad_r : {std::string("\x00\x01", 2), std::string("\x80", 1),
                                   std::string("\x00", 1), std::string(33, '\x01')}) {
    WireWriter ecdsa;
    ecdsa.String(bad_r);
    ecdsa.String(std::string("\x01", 1));
    WireWriter sig;
    sig.String("webauthn-sk-ecdsa-sha2-nistp256@openssh.com");
    sig.String(ecdsa.bytes());
    sig.U8(parsed.signature.flags);
    sig.U32(parsed.signature.counter);
    sig.String(parsed.signature.origin);
    sig.String(parsed.signature.client_data_json);
    sig.String("");
    WireWriter w;
    w.Raw("SSHSIG");
    w.U32(1);
    w.String(pk.Key().Blob());
    w.String(kNs);
    w.String("");
    w.String("sha512");
    w.String(sig.bytes());
    const std::string armored = "-----BEGIN SSH SIGNATURE-----\n" +
                                Base64Encode(AsBytes(w.bytes())) +
                                "\n-----END SSH SIGNATURE-----\n";
    auto r = ParseSshsig(armored);
    ASSERT_FALSE(r.ok()) << "r of " << bad_r.size() << " bytes";
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
  }
}

TEST(Sshsig, KeysAndAllowedSignersLines) {
  FakePasskey pk;
  const SkEcdsaKey key = pk.Key();
  auto back = SkEcdsaKey::FromBlob(AsBytes(key.Blob()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Blob(), key.Blob());
  EXPECT_EQ(key.Line().rfind("sk-ecdsa-sha2-nistp256@openssh.com AAAA", 0), 0u);
  crypto::P256Point off_curve = key.point;
  off_curve[64] ^= 1;
  EXPECT_FALSE(SkEcdsaKey::Make(off_curve, kRp).ok());
  EXPECT_FALSE(SkEcdsaKey::Make(key.point, "two words").ok());
  EXPECT_FALSE(SkEcdsaKey::Make(key.point, "").ok());
  EXPECT_TRUE(AllowedSignersLine("dpo@chu-exemple.fr", kNs, key).ok());
  for (std::string_view bad : {"*", "a,b", "dpo chu", "", "d\"po", "!dpo"}) {
    EXPECT_FALSE(AllowedSignersLine(bad, kNs, key).ok()) << bad;
  }
  EXPECT_FALSE(AllowedSignersLine("dpo", "ns\"x", key).ok());
}

}  // namespace
}  // namespace cordon::ssh
