#include "ssh/allowed_signers.h"

#include <gtest/gtest.h>

#include "ssh/fake_passkey.h"
#include "ssh/ssh_keygen_oracle.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::ssh {
namespace {

using oracle::Q;
using testing_passkey::FakePasskey;
using testing_passkey::kNs;

constexpr std::string_view kOrder = "[order]\nid = \"MIG-2026-014\"\n";
constexpr int64_t kNow = 1796083200;  // 2026-12-01T00:00:00Z

std::string Line(const FakePasskey& pk, std::string_view principal = "dpo@chu-exemple.fr",
                 std::string_view options = "namespaces=\"cordon-order@chu-exemple.fr\"") {
  return std::string(principal) + " " + std::string(options) + " " + pk.Key().Line() + "\n";
}

std::vector<AllowedSigner> Parse(const std::string& text) {
  auto signers = ParseAllowedSigners(text);
  EXPECT_TRUE(signers.ok()) << signers.error().message();
  return signers.ok() ? *signers : std::vector<AllowedSigner>{};
}

bool RefusedWith(const Result<AllowedSignature>& r, std::string_view text) {
  if (r.ok()) return false;
  EXPECT_EQ(r.error().code(), ErrorCode::kAuthFailed) << r.error().message();
  EXPECT_NE(r.error().message().find(text), std::string::npos) << r.error().message();
  return r.error().message().find(text) != std::string::npos;
}

TEST(AllowedSigners, ReadsTheFileAsSshKeygenDoes) {
  FakePasskey a, b;
  const std::string text =
      "# the DPOs\n\n   \t\n" + Line(a) + "\"quoted principal\" cert-authority " + b.Key().Line() +
      "\n" +
      "ciso@chu-exemple.fr,rssi@chu-exemple.fr NAMESPACES=\"a,b*\",valid-after=\"20260101\","
      "valid-before=\"20270101120000Z\" " +
      b.Key().Line() + " a comment\r\n" +
      "ops@chu-exemple.fr ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOY8r5bYqBzLkZW4ZD8kF0n7Z7QJ7L5VZ"
      "l6K0m5a3kDD\n";
  auto signers = Parse(text);
  ASSERT_EQ(signers.size(), 4u);
  EXPECT_EQ(signers[0].line, 4);
  EXPECT_EQ(signers[0].principals, "dpo@chu-exemple.fr");
  ASSERT_EQ(signers[0].namespaces.size(), 1u);
  EXPECT_EQ(signers[0].namespaces[0], kNs);
  ASSERT_TRUE(signers[0].passkey.has_value());
  EXPECT_EQ(signers[0].passkey->Blob(), a.Key().Blob());
  EXPECT_EQ(signers[1].principals, "quoted principal");
  EXPECT_TRUE(signers[1].cert_authority);
  EXPECT_EQ(signers[2].principals, "ciso@chu-exemple.fr,rssi@chu-exemple.fr");
  EXPECT_EQ(signers[2].namespaces, (std::vector<std::string>{"a", "b*"}));
  EXPECT_EQ(signers[2].valid_before, 1798804800);  // 2027-01-01T12:00:00Z
  EXPECT_TRUE(signers[2].valid_after.has_value());
  EXPECT_EQ(signers[3].key_type, "ssh-ed25519");
  EXPECT_FALSE(signers[3].passkey.has_value());
}

TEST(AllowedSigners, RefusesWhatSshKeygenRefusesNamingTheLine) {
  FakePasskey a;
  for (const std::string& bad : std::vector<std::string>{
           std::string("dpo@x\n"),                          // no key
           "dpo@x namespaces=\"a\"\n",                      // options, no key
           "dpo@x from=\"10.0.0.1\" " + a.Key().Line(),     // not an sshsig option
           "dpo@x namespaces=a " + a.Key().Line(),          // unquoted value
           "dpo@x namespaces=\"a " + a.Key().Line(),        // unterminated quote
           "dpo@x valid-after=\"2026\" " + a.Key().Line(),  // not a time
           "dpo@x valid-after=\"20261301\" " + a.Key().Line(),
           "dpo@x sk-ecdsa-sha2-nistp256@openssh.com !!!!\n",  // not base64
           "dpo@x sk-ecdsa-sha2-nistp256@openssh.com AAAA\n",  // not a key
       }) {
    auto r = ParseAllowedSigners("# first\n" + bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed) << bad;
    EXPECT_NE(r.error().message().find("line 2"), std::string::npos) << r.error().message();
  }
}

TEST(AllowedSigners, PatternListsMatchAsOpenSshMatches) {
  EXPECT_TRUE(MatchPatternList("cordon-order@chu.fr", "cordon-order@chu.fr"));
  EXPECT_TRUE(MatchPatternList("cordon-order@chu.fr", "file,cordon-order@*"));
  EXPECT_TRUE(MatchPatternList("cordon-order@chu.fr", "cordon-order@chu.f?"));
  EXPECT_FALSE(MatchPatternList("cordon-order@chu.fr", "cordon-order@chu.f"));
  EXPECT_FALSE(MatchPatternList("cordon-order@chu.fr", "cordon-*,!*@chu.fr"));
  EXPECT_FALSE(MatchPatternList("cordon-order@chu.fr", ""));
  EXPECT_FALSE(MatchPatternList("cordon-order@chu.fr", "!file"));
  EXPECT_TRUE(MatchPatternList("", "*"));
  EXPECT_TRUE(MatchPatternList("abcabd", "a*d"));
  EXPECT_TRUE(MatchPatternList("abcabd", "*ab?"));
  EXPECT_FALSE(MatchPatternList("abcabd", "*abc"));
  EXPECT_TRUE(MatchPatternList("abc", "a**c"));
  // A pattern of many stars ends at once (no exponential backtracking).
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "*a";
  EXPECT_FALSE(MatchPatternList(std::string(20000, 'a'), pattern + "*b"));
}

TEST(AllowedSigners, TheOriginIsTheRelyingPartysSite) {
  EXPECT_TRUE(OriginFitsRelyingParty("https://cordon.chu.fr", "cordon.chu.fr"));
  EXPECT_TRUE(OriginFitsRelyingParty("https://localhost:8443", "localhost"));
  EXPECT_FALSE(OriginFitsRelyingParty("http://cordon.chu.fr", "cordon.chu.fr"));
  EXPECT_FALSE(OriginFitsRelyingParty("https://cordon.chu.fr.evil.example", "cordon.chu.fr"));
  EXPECT_FALSE(OriginFitsRelyingParty("https://evil-cordon.chu.fr", "cordon.chu.fr"));
  EXPECT_FALSE(OriginFitsRelyingParty("https://cordon.chu.fr/", "cordon.chu.fr"));
  EXPECT_FALSE(OriginFitsRelyingParty("https://cordon.chu.fr:", "cordon.chu.fr"));
  EXPECT_FALSE(OriginFitsRelyingParty("https://cordon.chu.fr:0443", "cordon.chu.fr"));
  EXPECT_FALSE(OriginFitsRelyingParty("https://cordon.chu.fr:65536", "cordon.chu.fr"));
  EXPECT_FALSE(OriginFitsRelyingParty("https://cordon.chu.fr:1a", "cordon.chu.fr"));
}

TEST(AllowedSigners, TheIndependentVectorVerifiesWithItsFile) {
  const std::string dir = std::string(CORDON_VECTORS_DIR) + "/ssh/";
  auto signers = Parse(oracle::ReadText(dir + "webauthn_allowed_signers"));
  const std::string message = oracle::ReadText(dir + "webauthn_order.toml");
  const std::string armored = oracle::ReadText(dir + "webauthn_order.toml.sig");
  auto v = VerifyWithAllowedSigners(armored, AsBytes(message), signers, kNs, kNow);
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ(v->principals, std::vector<std::string>{"dpo@chu-exemple.fr"});
  EXPECT_EQ(v->fingerprint.rfind("SHA256:", 0), 0u);
  EXPECT_EQ(v->sig.signature.counter, 12u);
  EXPECT_TRUE(
      RefusedWith(VerifyWithAllowedSigners(armored, AsBytes(message + " "), signers, kNs, kNow),
                  "not for this message"));
}

TEST(AllowedSigners, ASignatureOfAListedPasskeyVerifiesAndNamesItsPrincipal) {
  FakePasskey dpo, other;
  auto signers = Parse(Line(other, "other@chu-exemple.fr") + Line(dpo) +
                       Line(dpo, "dpo-backup@chu-exemple.fr", "namespaces=\"cordon-order@*\""));
  auto v = VerifyWithAllowedSigners(dpo.Armored(kNs, kOrder), AsBytes(kOrder), signers, kNs, kNow);
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ(v->principals,
            (std::vector<std::string>{"dpo@chu-exemple.fr", "dpo-backup@chu-exemple.fr"}));
  EXPECT_EQ(v->fingerprint, dpo.Key().Fingerprint());
  // Another port of the same site is the same site.
  FakePasskey::Options port;
  port.origin = "https://cordon.chu-exemple.fr:8443";
  EXPECT_TRUE(
      VerifyWithAllowedSigners(dpo.Armored(kNs, kOrder, port), AsBytes(kOrder), signers, kNs, kNow)
          .ok());
}

TEST(AllowedSigners, EverythingTheFileOrThePasskeyDoesNotVouchForIsRefused) {
  FakePasskey dpo, stranger, elsewhere("intranet.chu-exemple.fr");
  const auto signers = Parse(Line(dpo) + Line(elsewhere, "it@chu-exemple.fr"));
  auto verify = [&](const std::string& armored, std::string_view message = kOrder,
                    std::string_view ns = kNs, int64_t now = kNow) {
    return VerifyWithAllowedSigners(armored, AsBytes(message), signers, ns, now);
  };
  EXPECT_TRUE(RefusedWith(verify(dpo.Armored(kNs, kOrder), "[order]\nid = \"MIG-2026-015\"\n"),
                          "not for this message"));
  EXPECT_TRUE(RefusedWith(verify(stranger.Armored(kNs, kOrder)), "does not list"));
  // The namespace the signature is for, and the one the file allows.
  EXPECT_TRUE(RefusedWith(verify(dpo.Armored("file", kOrder), kOrder, "file"),
                          "does not allow the namespace"));
  EXPECT_TRUE(RefusedWith(verify(dpo.Armored("file", kOrder)), "for namespace \"file\""));
  FakePasskey::Options o;
  o.flags = kUserPresent;  // touched, but no PIN or biometric
  EXPECT_TRUE(RefusedWith(verify(dpo.Armored(kNs, kOrder, o)), "not verified"));
  o = {};
  o.rp = "evil.example";  // the authenticator answered for another site
  EXPECT_TRUE(RefusedWith(verify(dpo.Armored(kNs, kOrder, o)), "does not match"));
  o = {};
  o.origin = "https://evil.example";
  EXPECT_TRUE(RefusedWith(verify(dpo.Armored(kNs, kOrder, o)), "not on https://"));
  // A key registered for another site signs only on that site.
  o = {};
  EXPECT_TRUE(RefusedWith(verify(elsewhere.Armored(kNs, kOrder, o)), "not on https://intranet"));
  o.origin = "https://intranet.chu-exemple.fr";
  EXPECT_TRUE(verify(elsewhere.Armored(kNs, kOrder, o)).ok());
  // Damage is not a refusal of a valid signature: it is not a signature.
  EXPECT_EQ(verify("not a signature").error().code(), ErrorCode::kMalformed);
}

TEST(AllowedSigners, ValidityWindowsApplyAtTheVerificationTime) {
  FakePasskey dpo;
  const auto signers =
      Parse(Line(dpo, "dpo@chu-exemple.fr",
                 "valid-after=\"20261101Z\",valid-before=\"20261231235959Z\",namespaces=\"" +
                     std::string(kNs) + "\""));
  const std::string armored = dpo.Armored(kNs, kOrder);
  EXPECT_TRUE(VerifyWithAllowedSigners(armored, AsBytes(kOrder), signers, kNs, kNow).ok());
  EXPECT_TRUE(
      RefusedWith(VerifyWithAllowedSigners(armored, AsBytes(kOrder), signers, kNs, 1793491200 - 1),
                  "not valid yet"));
  EXPECT_TRUE(RefusedWith(
      VerifyWithAllowedSigners(armored, AsBytes(kOrder), signers, kNs, 1798761600), "has expired"));
}

// The oracle: what cordon accepts with a file, ssh-keygen accepts with the
// same file; the UV flag is the one place they differ, on purpose.
TEST(AllowedSigners, SshKeygenAgreesWithTheSameFile) {
  if (!oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen not installed";
  test_support::ScopedTempDir dir;
  FakePasskey dpo;
  const std::string file = dir / "allowed_signers";
  oracle::WriteText(file, Line(dpo));
  oracle::WriteText(dir / "order.toml", std::string(kOrder));
  auto check = [&](const std::string& armored) {
    oracle::WriteText(dir / "order.toml.sig", armored);
    return oracle::Run("ssh-keygen -Y verify -f " + Q(file) + " -I dpo@chu-exemple.fr -n " +
                       std::string(kNs) + " -s " + Q(dir / "order.toml.sig") + " < " +
                       Q(dir / "order.toml"));
  };
  const auto signers = Parse(oracle::ReadText(file));
  const std::string good = dpo.Armored(kNs, kOrder);
  EXPECT_EQ(check(good).exit_code, 0) << check(good).output;
  EXPECT_TRUE(VerifyWithAllowedSigners(good, AsBytes(kOrder), signers, kNs, kNow).ok());
  FakePasskey::Options o;
  o.flags = kUserPresent;
  const std::string no_uv = dpo.Armored(kNs, kOrder, o);
  EXPECT_EQ(check(no_uv).exit_code, 0) << "ssh-keygen does not check UV";
  EXPECT_FALSE(VerifyWithAllowedSigners(no_uv, AsBytes(kOrder), signers, kNs, kNow).ok());
  FakePasskey stranger;
  EXPECT_NE(check(stranger.Armored(kNs, kOrder)).exit_code, 0);
}

}  // namespace
}  // namespace cordon::ssh
