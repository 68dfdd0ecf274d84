#include <gtest/gtest.h>

#include "auth/password.h"
#include "auth/totp.h"
#include "core/encoding.h"

namespace cordon::auth {
namespace {

SecretBuffer Secret(std::string_view s) { return SecretBuffer::CopyOf(AsBytes(s)); }

TEST(Base32, Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {{"", ""},
                                                          {"f", "MY"},
                                                          {"fo", "MZXQ"},
                                                          {"foo", "MZXW6"},
                                                          {"foob", "MZXW6YQ"},
                                                          {"fooba", "MZXW6YTB"},
                                                          {"foobar", "MZXW6YTBOI"}};
  for (auto [plain, encoded] : kVectors) {
    EXPECT_EQ(Base32Encode(AsBytes(plain)), encoded);
    auto back = Base32Decode(encoded);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(AsChars(*back), plain);
  }
  EXPECT_TRUE(Base32Decode("mzxw6ytboi").ok());
  EXPECT_FALSE(Base32Decode("MZXW6YTBO1").ok());  // '1' is not base32
  EXPECT_FALSE(Base32Decode("MZ").ok() && Base32Decode("MZ")->size() != 1);
  EXPECT_FALSE(Base32Decode("MZ======").ok());  // no padding accepted
  EXPECT_FALSE(Base32Decode("MZ7").ok());       // non-zero leftover bits
}

TEST(Hotp, Rfc4226AppendixD) {
  const uint32_t kExpected[] = {755224, 287082, 359152, 969429, 338314,
                                254676, 287922, 162583, 399871, 520489};
  for (uint64_t c = 0; c < 10; ++c) {
    EXPECT_EQ(Hotp(SecretBuffer::CopyOf(AsBytes("12345678901234567890")), c, 6), kExpected[c]) << c;
  }
}

TEST(Totp, Rfc6238AppendixB) {
  struct Row {
    int64_t time;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  };
  const Row kRows[] = {{59, "94287082", "46119246", "90693936"},
                       {1111111109, "07081804", "68084774", "25091201"},
                       {1111111111, "14050471", "67062674", "99943326"},
                       {1234567890, "89005924", "91819424", "93441116"},
                       {2000000000, "69279037", "90698825", "38618901"},
                       {20000000000, "65353130", "77737706", "47863826"}};
  const std::string seed20 = "12345678901234567890";
  const std::string seed32 = "12345678901234567890123456789012";
  const std::string seed64 = "1234567890123456789012345678901234567890123456789012345678901234";
  int checked = 0;
  for (const Row& r : kRows) {
    for (auto [seed, hash, want] : {std::tuple{&seed20, OtpHash::kSha1, r.sha1},
                                    std::tuple{&seed32, OtpHash::kSha256, r.sha256},
                                    std::tuple{&seed64, OtpHash::kSha512, r.sha512}}) {
      TotpParams p{30, 8, hash};
      EXPECT_EQ(
          FormatOtp(Hotp(SecretBuffer::CopyOf(AsBytes(*seed)), TotpStep(r.time, p), 8, hash), 8),
          want)
          << r.time;
      auto step =
          VerifyTotp(SecretBuffer::CopyOf(AsBytes(*seed)), want, r.time, std::nullopt, 0, p);
      ASSERT_TRUE(step.has_value());
      ++checked;
    }
  }
  EXPECT_EQ(checked, 18);
}

TEST(Totp, WindowAndReplay) {
  const SecretBuffer key = SecretBuffer::CopyOf(AsBytes("12345678901234567890"));
  const int64_t t = 1700000000;
  const std::string now = FormatOtp(Hotp(key, TotpStep(t), 6), 6);
  const std::string before = FormatOtp(Hotp(key, TotpStep(t) - 1, 6), 6);
  const std::string old = FormatOtp(Hotp(key, TotpStep(t) - 3, 6), 6);
  auto step = VerifyTotp(key, now, t, std::nullopt);
  ASSERT_TRUE(step.has_value());
  EXPECT_FALSE(VerifyTotp(key, now, t, step).has_value());            // the same code twice
  EXPECT_TRUE(VerifyTotp(key, before, t, std::nullopt).has_value());  // 30 s of drift
  EXPECT_FALSE(VerifyTotp(key, old, t, std::nullopt).has_value());
  EXPECT_FALSE(VerifyTotp(key, "12345", t, std::nullopt).has_value());
  EXPECT_FALSE(VerifyTotp(key, "12345a", t, std::nullopt).has_value());
}

TEST(Totp, OtpauthUri) {
  std::string uri =
      OtpauthUri("cordon exchange", "jdoe", SecretBuffer::CopyOf(AsBytes("12345678901234567890")));
  EXPECT_EQ(uri,
            "otpauth://totp/cordon%20exchange:jdoe?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=cordon%20exchange&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(NewTotpSecret().size(), 20u);
}

TEST(Password, Nist80063bRules) {
  EXPECT_FALSE(CheckPassword(Secret("short pass"), "Jean Dupont", "jean@lab.fr").ok());
  EXPECT_FALSE(CheckPassword(Secret("aaaaaaaaaaaaaaa"), "", "").ok());
  EXPECT_FALSE(CheckPassword(Secret("Password1234"), "", "").ok());  // common, any case
  EXPECT_FALSE(CheckPassword(Secret("xx-qwertyuiop-xx"), "", "").ok());
  EXPECT_FALSE(CheckPassword(Secret("my 12345678 key"), "", "").ok());
  EXPECT_FALSE(CheckPassword(Secret("dupont-horse-battery"), "Jean Dupont", "").ok());
  EXPECT_FALSE(CheckPassword(Secret("jdupont-horse-battery"), "", "jdupont@lab.fr").ok());
  EXPECT_FALSE(CheckPassword(Secret(std::string(300, 'x') + "y"), "", "").ok());
  auto ok = CheckPassword(Secret("correct horse battery staple"), "Jean Dupont", "jean@lab.fr");
  EXPECT_TRUE(ok.ok()) << ok.error().message();
  // 12 characters counted as characters, not bytes: "éééééééééééé" has 12.
  EXPECT_TRUE(CheckPassword(Secret("été à l'hôpit"), "", "").ok());
  EXPECT_FALSE(CheckPassword(Secret("ééééé"), "", "").ok());
  // The refusal never quotes the password.
  auto r = CheckPassword(Secret("Password1234"), "", "");
  EXPECT_EQ(r.error().message().find("Password1234"), std::string::npos);
}

TEST(Password, Argon2idHashVerify) {
  auto hash = HashPassword(Secret("correct horse battery staple"));
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(*hash, Secret("correct horse battery staple")));
  EXPECT_FALSE(VerifyPassword(*hash, Secret("correct horse battery stapl")));
  EXPECT_FALSE(VerifyPassword("garbage", Secret("x")));
  EXPECT_FALSE(PasswordNeedsRehash(*hash));
  auto again = HashPassword(Secret("correct horse battery staple"));
  EXPECT_NE(*hash, *again);  // salted
}

}  // namespace
}  // namespace cordon::auth
