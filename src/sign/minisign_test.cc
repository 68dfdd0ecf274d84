#include "sign/minisign.h"

#include <gtest/gtest.h>

#include "core/encoding.h"

namespace cordon::sign {
namespace {

Result<Signature> SignText(const SecretKey& key, std::string_view text, std::string_view comment) {
  MemorySource in(AsBytes(text));
  return Sign(key, in, comment);
}

Status VerifyText(const PublicKey& key, const Signature& sig, std::string_view text) {
  MemorySource in(AsBytes(text));
  return Verify(key, sig, in);
}

TEST(Minisign, SignsAndVerifiesThroughTheTextFormats) {
  SecretKey key = SecretKey::Generate();
  auto reparsed_key = SecretKey::Parse(key.Format().RevealBytes());
  ASSERT_TRUE(reparsed_key.ok()) << reparsed_key.error().message();
  auto pub = PublicKey::Parse(key.public_key().Format());
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->key_id, key.key_id());

  auto sig = SignText(*reparsed_key, "order v1", "approved by the DPO");
  ASSERT_TRUE(sig.ok());
  auto parsed = Signature::Parse(sig->Format());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->trusted_comment, "approved by the DPO");
  EXPECT_TRUE(VerifyText(*pub, *parsed, "order v1").ok());
}

TEST(Minisign, RejectsAlteredFileCommentAndOtherKeys) {
  SecretKey key = SecretKey::Generate();
  Signature sig = SignText(key, "order v1", "ok").value();

  Status file = VerifyText(key.public_key(), sig, "order v2");
  EXPECT_EQ(file.error().code(), ErrorCode::kAuthFailed);
  EXPECT_NE(file.error().message().find("does not match the file"), std::string::npos);

  Signature altered = sig;
  altered.trusted_comment = "ok, and more";
  Status comment = VerifyText(key.public_key(), altered, "order v1");
  EXPECT_NE(comment.error().message().find("trusted comment"), std::string::npos);

  SecretKey other = SecretKey::Generate();
  Status wrong_key = VerifyText(other.public_key(), sig, "order v1");
  EXPECT_NE(wrong_key.error().message().find(KeyIdHex(key.key_id())), std::string::npos);

  // Same key id, different key: the signature itself must fail.
  PublicKey impostor = other.public_key();
  impostor.key_id = key.key_id();
  EXPECT_FALSE(VerifyText(impostor, sig, "order v1").ok());
}

TEST(Minisign, VerifiesLegacyNonPrehashedSignatures) {
  SecretKey key = SecretKey::Generate();
  Signature sig;
  sig.algorithm = Algorithm::kLegacy;
  sig.key_id = key.key_id();
  sig.signature = crypto::Ed25519Sign(key.ed25519_secret(), AsBytes("legacy"));
  sig.trusted_comment = "old";
  Bytes global(sig.signature.begin(), sig.signature.end());
  global.insert(global.end(), sig.trusted_comment.begin(), sig.trusted_comment.end());
  sig.global_signature = crypto::Ed25519Sign(key.ed25519_secret(), global);
  auto parsed = Signature::Parse(sig.Format());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->algorithm, Algorithm::kLegacy);
  EXPECT_TRUE(VerifyText(key.public_key(), *parsed, "legacy").ok());
  EXPECT_FALSE(VerifyText(key.public_key(), *parsed, "legacy!").ok());
}

TEST(Minisign, RejectsMalformedAndTruncatedSignatureFiles) {
  SecretKey key = SecretKey::Generate();
  std::string text = SignText(key, "x", "c")->Format();
  for (size_t cut = 0; cut + 1 < text.size(); cut += 7) {
    EXPECT_FALSE(Signature::Parse(text.substr(0, cut)).ok()) << cut;
  }
  std::string bad_alg = text;
  size_t line2 = bad_alg.find('\n') + 1;
  Bytes raw = Base64Decode(bad_alg.substr(line2, bad_alg.find('\n', line2) - line2)).value();
  raw[1] = 'X';
  bad_alg.replace(line2, bad_alg.find('\n', line2) - line2, Base64Encode(raw));
  EXPECT_EQ(Signature::Parse(bad_alg).error().code(), ErrorCode::kUnsupported);
  EXPECT_FALSE(Signature::Parse(text + "extra line\n").ok());
  EXPECT_FALSE(Signature::Parse(std::string(5000, 'A')).ok());
  EXPECT_FALSE(Signature::Parse("untrusted comment: x\n" + std::string(100, '=') +
                                "\ntrusted comment: y\nAAAA\n")
                   .ok());
}

TEST(Minisign, RejectsMalformedKeysAndDamagedSecretKeys) {
  EXPECT_FALSE(PublicKey::Parse("").ok());
  EXPECT_FALSE(PublicKey::Parse("untrusted comment: x\nAAAA\n").ok());
  EXPECT_FALSE(PublicKey::Parse("a\nb\nc\n").ok());
  SecretKey key = SecretKey::Generate();
  std::string text(AsChars(key.Format().RevealBytes()));
  size_t line2 = text.find('\n') + 1;
  Bytes raw = Base64Decode(text.substr(line2, text.size() - line2 - 1)).value();
  raw[100] ^= 1;  // inside the Ed25519 secret key
  std::string damaged = text.substr(0, line2) + Base64Encode(raw) + "\n";
  EXPECT_EQ(SecretKey::Parse(AsBytes(damaged)).error().code(), ErrorCode::kAuthFailed);
  raw[100] ^= 1;
  raw[2] = 'S', raw[3] = 'c';  // passphrase-protected
  std::string encrypted = text.substr(0, line2) + Base64Encode(raw) + "\n";
  auto r = SecretKey::Parse(AsBytes(encrypted));
  EXPECT_EQ(r.error().code(), ErrorCode::kUnsupported);
  EXPECT_FALSE(r.error().hint().empty());
}

TEST(Minisign, RefusesMultiLineOrOversizedComments) {
  SecretKey key = SecretKey::Generate();
  EXPECT_FALSE(SignText(key, "x", "two\nlines").ok());
  EXPECT_FALSE(SignText(key, "x", std::string(kMaxCommentSize + 1, 'c')).ok());
  EXPECT_TRUE(SignText(key, "x", std::string(kMaxCommentSize, 'c')).ok());
}

TEST(Minisign, KeyIdIsShownLittleEndianUppercase) {
  KeyId id = {0xe1, 0x63, 0x17, 0x0b, 0x00, 0xb6, 0x53, 0x81};
  EXPECT_EQ(KeyIdHex(id), "8153B6000B1763E1");
}

}  // namespace
}  // namespace cordon::sign
