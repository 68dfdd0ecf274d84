#include "ssh/public_key.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "ssh/ssh_keygen_oracle.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::ssh {
namespace {

using test_support::ScopedTempDir;

const std::string kVectors = std::string(CORDON_VECTORS_DIR) + "/ssh/";

TEST(SshPublicKeyVectors, ParsesOpenSshTestKeyAndItsFingerprint) {
  std::string line = oracle::FirstLine(kVectors + "ed25519_1.pub");
  auto key = ParsePublicKeyLine(line);
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(Fingerprint(*key), oracle::FirstLine(kVectors + "ed25519_1.fp"));
  EXPECT_EQ(PublicKeyLine(*key, "ED25519 test key #1"), line);
}

TEST(SshPublicKey, RoundTripsAndMatchesSshKeygenFingerprint) {
  ScopedTempDir dir;
  auto run =
      oracle::Run("ssh-keygen -q -t ed25519 -N '' -C 'alice@vendor' -f " + oracle::Q(dir / "id"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::string line = oracle::FirstLine(dir / "id.pub");
  auto key = ParsePublicKeyLine(line + "\n");
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(PublicKeyLine(*key, "alice@vendor"), line);
  auto fp = oracle::Run("ssh-keygen -lf " + oracle::Q(dir / "id.pub"));
  ASSERT_EQ(fp.exit_code, 0);
  EXPECT_EQ(fp.output, "256 " + Fingerprint(*key) + " alice@vendor (ED25519)\n");
  // A line cordon writes is read by ssh-keygen as the same key.
  oracle::WriteText(dir / "cordon.pub", PublicKeyLine(*key) + "\n");
  auto fp2 = oracle::Run("ssh-keygen -lf " + oracle::Q(dir / "cordon.pub"));
  EXPECT_EQ(fp2.output, "256 " + Fingerprint(*key) + " no comment (ED25519)\n");
}

TEST(SshPublicKey, RefusesOtherAlgorithmsWithHowToMakeAnEd25519Key) {
  ScopedTempDir dir;
  for (const char* type : {"rsa", "ecdsa"}) {
    auto run =
        oracle::Run(std::string("ssh-keygen -q -t ") + type + " -N '' -f " + oracle::Q(dir / type));
    ASSERT_EQ(run.exit_code, 0) << run.output;
    auto key = ParsePublicKeyLine(oracle::FirstLine(dir / (std::string(type) + ".pub")));
    ASSERT_FALSE(key.ok()) << type;
    EXPECT_EQ(key.error().code(), ErrorCode::kUnsupported);
    EXPECT_NE(key.error().message().find("accepts only ssh-ed25519"), std::string::npos);
    EXPECT_NE(key.error().hint().find("ssh-keygen -t ed25519"), std::string::npos);
  }
}

TEST(SshPublicKey, RefusesCertificatesPrivateKeysAndDamage) {
  std::string cert = oracle::FirstLine(kVectors + "ed25519_1-cert.pub");
  EXPECT_EQ(ParsePublicKeyLine(cert).error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(ParsePublicKeyLine(cert).error().hint().find("-cert.pub"), std::string::npos);
  std::string priv = oracle::ReadText(kVectors + "ed25519_1");
  EXPECT_NE(ParsePublicKeyLine(priv).error().message().find("private key"), std::string::npos);

  std::string good = oracle::FirstLine(kVectors + "ed25519_1.pub");
  EXPECT_FALSE(ParsePublicKeyLine("").ok());
  EXPECT_FALSE(ParsePublicKeyLine("ssh-ed25519").ok());
  EXPECT_FALSE(ParsePublicKeyLine("ssh-ed25519 !!!!").ok());
  // A blob whose inner type says ed25519 but is relabelled, a short key, a
  // key with trailing bytes: each one refused.
  auto with_blob = [](const std::string& blob) {
    return "ssh-ed25519 " + Base64Encode(AsBytes(blob));
  };
  crypto::Ed25519PublicKey k{};
  std::string blob = KeyBlob(k);
  EXPECT_TRUE(ParsePublicKeyLine(with_blob(blob)).ok());
  EXPECT_EQ(ParsePublicKeyLine(with_blob(blob + "x")).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(ParsePublicKeyLine(with_blob(blob.substr(0, blob.size() - 1))).error().code(),
            ErrorCode::kTruncated);
  std::string rsa_blob = std::string("\0\0\0\x07ssh-rsa", 11) + blob.substr(15);
  EXPECT_EQ(ParsePublicKeyLine(with_blob(rsa_blob)).error().code(), ErrorCode::kUnsupported);
  // authorized_keys options in front of the key are not a key line.
  EXPECT_FALSE(ParsePublicKeyLine("restrict " + good).ok());
}

TEST(SshPublicKey, CommentCannotBreakTheLine) {
  crypto::Ed25519PublicKey k{};
  std::string line = PublicKeyLine(k, "evil\nssh-ed25519 AAAA");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace cordon::ssh
