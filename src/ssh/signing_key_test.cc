#include "ssh/signing_key.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "crypto/ed25519.h"
#include "ssh/fake_security_key.h"
#include "ssh/ssh_keygen_oracle.h"
#include "ssh/sshsig.h"
#include "ssh/wire.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::ssh {
namespace {

using oracle::Q;
using testkit::FakeSecurityKey;

constexpr std::string_view kNs = "cordon-grant@cordon.chu-exemple.fr";
constexpr std::string_view kMessage = R"({"decision":"approve","grant":7})";
constexpr uint8_t kPresent = testkit::kSkUserPresent;
constexpr uint8_t kVerified = testkit::kSkUserVerified;

TEST(SigningKey, ReadsTheThreeTypesAndRefusesTheRestWithAHint) {
  for (auto type : {SigningKeyType::kSkEd25519, SigningKeyType::kSkEcdsa}) {
    FakeSecurityKey sk(type);
    auto again = SigningKey::FromLine(sk.Key().Line() + " jeanne@lab");
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_EQ(again->Blob(), sk.Key().Blob());
    EXPECT_TRUE(again->OnSecurityKey());
    EXPECT_EQ(again->application(), "ssh:");
  }
  auto rsa = SigningKey::FromLine("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 x@y");
  ASSERT_FALSE(rsa.ok());
  EXPECT_EQ(rsa.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(rsa.error().hint().find("ed25519-sk"), std::string::npos);
  auto secret = SigningKey::FromLine("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n");
  ASSERT_FALSE(secret.ok());
  EXPECT_NE(secret.error().message().find("private key"), std::string::npos);
  EXPECT_FALSE(SigningKey::FromLine("").ok());
  // The line's type must be the blob's.
  FakeSecurityKey sk(SigningKeyType::kSkEd25519);
  const std::string line = sk.Key().Line();
  auto lying = SigningKey::FromLine("ssh-ed25519" + line.substr(line.find(' ')));
  ASSERT_FALSE(lying.ok());
  EXPECT_EQ(lying.error().code(), ErrorCode::kMalformed);
  // Trailing bytes in the blob.
  std::string blob = sk.Key().Blob() + "x";
  EXPECT_FALSE(SigningKey::FromBlob(AsBytes(blob)).ok());
}

TEST(SigningKey, SecurityKeySignaturesVerifyHereAndWithSshKeygen) {
  if (!oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen not installed";
  for (auto type : {SigningKeyType::kSkEd25519, SigningKeyType::kSkEcdsa}) {
    FakeSecurityKey sk(type);
    const std::string armored = sk.Sign(kNs, kMessage, kPresent | kVerified, 12);
    auto ok = VerifyKeySignature(armored, AsBytes(kMessage), sk.Key(), {std::string(kNs)});
    ASSERT_TRUE(ok.ok()) << ok.error().message();
    EXPECT_EQ(ok->counter, 12u);
    EXPECT_TRUE(ok->user_verified());

    // The same bytes satisfy stock OpenSSH: the format is PROTOCOL.u2f's.
    test_support::ScopedTempDir dir;
    oracle::WriteText(dir / "msg", std::string(kMessage));
    oracle::WriteText(dir / "msg.sig", armored);
    oracle::WriteText(dir / "allowed", "jeanne@lab namespaces=\"" + std::string(kNs) + "\" " +
                                           sk.Key().Line() + "\n");
    const std::string verify = "ssh-keygen -Y verify -f " + Q(dir / "allowed") +
                               " -I jeanne@lab -s " + Q(dir / "msg.sig") + " -n ";
    auto good = oracle::Run(verify + std::string(kNs) + " < " + Q(dir / "msg"));
    EXPECT_EQ(good.exit_code, 0) << good.output;
    EXPECT_NE(good.output.find(sk.Key().Fingerprint()), std::string::npos) << good.output;
    oracle::WriteText(dir / "other", std::string(kMessage) + " ");
    EXPECT_NE(oracle::Run(verify + std::string(kNs) + " < " + Q(dir / "other")).exit_code, 0);
  }
}

// A key file made by stock ssh-keygen, a signature made by `ssh-keygen -Y
// sign` as the command line makes it: verified here, for exactly this
// message, namespace and key.
TEST(SigningKey, VerifiesWhatSshKeygenSigns) {
  if (!oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen not installed";
  test_support::ScopedTempDir dir;
  for (const char* name : {"id", "other"}) {
    auto made = oracle::Run("ssh-keygen -q -t ed25519 -N '' -C jeanne -f " + Q(dir / name));
    ASSERT_EQ(made.exit_code, 0) << made.output;
  }
  oracle::WriteText(dir / "msg", std::string(kMessage));
  auto sign = oracle::Run("ssh-keygen -q -Y sign -f " + Q(dir / "id") + " -n " + std::string(kNs) +
                          " " + Q(dir / "msg"));
  ASSERT_EQ(sign.exit_code, 0) << sign.output;
  const std::string armored = oracle::ReadText(dir / "msg.sig");
  auto key = SigningKey::FromLine(oracle::ReadText(dir / "id.pub"));
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_FALSE(key->OnSecurityKey());
  auto fp = oracle::Run("ssh-keygen -l -f " + Q(dir / "id.pub"));
  EXPECT_NE(fp.output.find(key->Fingerprint()), std::string::npos) << fp.output;

  const KeySignaturePolicy policy{std::string(kNs)};
  auto ok = VerifyKeySignature(armored, AsBytes(kMessage), *key, policy);
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->counter, 0u);
  // A key file has no counter or flags: the policy's sk- checks do not apply.
  KeySignaturePolicy strict = policy;
  strict.require_user_verified = true;
  strict.counter_above = 5;
  EXPECT_TRUE(VerifyKeySignature(armored, AsBytes(kMessage), *key, strict).ok());

  auto other_message =
      VerifyKeySignature(armored, AsBytes(std::string(kMessage) + " "), *key, policy);
  ASSERT_FALSE(other_message.ok());
  EXPECT_EQ(other_message.error().code(), ErrorCode::kAuthFailed);
  auto other_ns = VerifyKeySignature(armored, AsBytes(kMessage), *key, {"cordon-order@x"});
  ASSERT_FALSE(other_ns.ok());
  EXPECT_EQ(other_ns.error().code(), ErrorCode::kAuthFailed);
  auto other_key = SigningKey::FromLine(oracle::ReadText(dir / "other.pub"));
  ASSERT_TRUE(other_key.ok());
  auto by_other = VerifyKeySignature(armored, AsBytes(kMessage), *other_key, policy);
  ASSERT_FALSE(by_other.ok());
  EXPECT_NE(by_other.error().message().find("not the registered key"), std::string::npos);

  // A plain ECDSA key is not one of the three.
  auto ecdsa = oracle::Run("ssh-keygen -q -t ecdsa -N '' -f " + Q(dir / "ecdsa"));
  ASSERT_EQ(ecdsa.exit_code, 0) << ecdsa.output;
  auto refused = SigningKey::FromLine(oracle::ReadText(dir / "ecdsa.pub"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnsupported);
}

TEST(SigningKey, RefusesWhatASecurityKeyDidNotSignAsAsked) {
  for (auto type : {SigningKeyType::kSkEd25519, SigningKeyType::kSkEcdsa}) {
    FakeSecurityKey sk(type);
    const KeySignaturePolicy policy{std::string(kNs)};
    auto refused = [&](const std::string& armored, std::string_view message,
                       const KeySignaturePolicy& p) {
      auto r = VerifyKeySignature(armored, AsBytes(message), sk.Key(), p);
      return !r.ok() && r.error().code() == ErrorCode::kAuthFailed;
    };
    EXPECT_TRUE(refused(sk.Sign(kNs, kMessage), R"({"decision":"deny","grant":7})", policy));
    EXPECT_TRUE(refused(sk.Sign("cordon-order@x", kMessage), kMessage, policy));
    EXPECT_TRUE(refused(sk.Sign(kNs, kMessage, /*flags=*/0), kMessage, policy));  // not touched
    KeySignaturePolicy uv = policy;
    uv.require_user_verified = true;
    EXPECT_TRUE(refused(sk.Sign(kNs, kMessage, kPresent), kMessage, uv));  // no PIN
    EXPECT_TRUE(VerifyKeySignature(sk.Sign(kNs, kMessage, kPresent | kVerified), AsBytes(kMessage),
                                   sk.Key(), uv)
                    .ok());
    KeySignaturePolicy counter = policy;
    counter.counter_above = 9;
    EXPECT_TRUE(refused(sk.Sign(kNs, kMessage, kPresent, 9), kMessage, counter));  // cloned?
    EXPECT_TRUE(VerifyKeySignature(sk.Sign(kNs, kMessage, kPresent, 10), AsBytes(kMessage),
                                   sk.Key(), counter)
                    .ok());
    // Another security key's signature, and the flags changed after signing.
    FakeSecurityKey other(type);
    EXPECT_TRUE(refused(other.Sign(kNs, kMessage), kMessage, policy));
    std::string armored = sk.Sign(kNs, kMessage, kPresent);
    auto e = ParseSshsigEnvelope(armored).value();
    e.signature[e.signature.size() - 5] |= kVerified;
    EXPECT_TRUE(refused(ArmorSshsigEnvelope(e), kMessage, uv));
    // A passkey-style (webauthn) signature type by an sk- key is not taken.
    e = ParseSshsigEnvelope(armored).value();
    WireWriter w;
    w.String("webauthn-sk-ecdsa-sha2-nistp256@openssh.com");
    e.signature = w.bytes() + e.signature.substr(4 + sk.Key().TypeName().size());
    auto foreign = VerifyKeySignature(ArmorSshsigEnvelope(e), AsBytes(kMessage), sk.Key(), policy);
    ASSERT_FALSE(foreign.ok());
    EXPECT_EQ(foreign.error().code(), ErrorCode::kUnsupported);
  }
}

}  // namespace
}  // namespace cordon::ssh
