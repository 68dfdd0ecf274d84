#include "crypto/ff1.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "core/encoding.h"

namespace cordon::crypto {
namespace {

SecretBuffer Key(std::string_view hex) {
  auto k = HexDecode(hex);
  EXPECT_TRUE(k.ok());
  return SecretBuffer::CopyOf(*k);
}

// The nine samples of NIST's "ff1samples.pdf" (AES-128/192/256; radix 10
// and 36; with and without tweak), both directions.
TEST(Ff1, NistSamples) {
  std::ifstream in(CORDON_VECTORS_DIR "/ff1/ff1-nist-samples.tsv");
  ASSERT_TRUE(in) << "missing tests/vectors/ff1/ff1-nist-samples.tsv";
  std::string line;
  int passed = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.starts_with("sample")) continue;
    std::istringstream f(line);
    std::string sample, key, radix, tweak, plain, cipher;
    f >> sample >> key >> radix >> tweak >> plain >> cipher;
    auto t = tweak == "-" ? Result<Bytes>(Bytes{}) : HexDecode(tweak);
    ASSERT_TRUE(t.ok());
    auto ff1 = Ff1::Create(Key(key), static_cast<unsigned>(std::stoul(radix)));
    ASSERT_TRUE(ff1.ok()) << ff1.error().message();
    auto enc = ff1->EncryptString(plain, *t);
    ASSERT_TRUE(enc.ok()) << sample << ": " << enc.error().message();
    EXPECT_EQ(*enc, cipher) << "sample " << sample;
    auto dec = ff1->DecryptString(cipher, *t);
    ASSERT_TRUE(dec.ok());
    EXPECT_EQ(*dec, plain) << "sample " << sample;
    passed += *enc == cipher && *dec == plain;
  }
  std::cout << "FF1: " << passed << " of 9 NIST samples pass, encrypt and decrypt\n";
  EXPECT_EQ(passed, 9);
}

TEST(Ff1, RefusesSmallDomainsLongInputsAndBadNumerals) {
  auto ff1 =
      Ff1::Create(Key("2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94"), 10);
  ASSERT_TRUE(ff1.ok());
  EXPECT_EQ(ff1->min_length(), 6u);
  EXPECT_EQ(ff1->max_length(), 72u);
  auto small = ff1->EncryptString("12345", {});
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.error().hint().find("one million"), std::string::npos);
  EXPECT_TRUE(ff1->EncryptString("123456", {}).ok());
  EXPECT_TRUE(ff1->EncryptString(std::string(72, '7'), {}).ok());
  EXPECT_FALSE(ff1->EncryptString(std::string(73, '7'), {}).ok());
  EXPECT_FALSE(ff1->EncryptString("12345a", {}).ok());
  EXPECT_FALSE(Ff1::Create(Key("00"), 10).ok());
  EXPECT_FALSE(Ff1::Create(Key("2B7E151628AED2A6ABF7158809CF4F3C"), 37).ok());
}

TEST(Ff1, RoundTripsEveryLengthAndTweakMatters) {
  auto ff1 = Ff1::Create(Key("2B7E151628AED2A6ABF7158809CF4F3C"), 10);
  ASSERT_TRUE(ff1.ok());
  std::string digits = "918273645564738291029384756601928374655647382910";
  for (size_t n = 6; n <= digits.size(); ++n) {
    std::string x = digits.substr(0, n);
    auto e = ff1->EncryptString(x, AsBytes(std::string_view("t")));
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->size(), n);
    EXPECT_NE(*e, x);
    EXPECT_EQ(*ff1->DecryptString(*e, AsBytes(std::string_view("t"))), x) << n;
    EXPECT_NE(*e, *ff1->EncryptString(x, AsBytes(std::string_view("u")))) << n;
  }
  // A bijection on a (tiny) full domain: 10^6 values of 6 digits map to 10^6 distinct values.
  std::vector<bool> seen(1000000);
  std::vector<uint8_t> x(6);
  for (uint32_t v = 0; v < 1000000; v += 1) {
    uint32_t w = v;
    for (int i = 5; i >= 0; --i, w /= 10) x[static_cast<size_t>(i)] = static_cast<uint8_t>(w % 10);
    ASSERT_TRUE(ff1->Encrypt(x, {}).ok());
    uint32_t out = 0;
    for (uint8_t d : x) out = out * 10 + d;
    ASSERT_FALSE(seen[out]) << "collision at " << v;
    seen[out] = true;
  }
}

}  // namespace
}  // namespace cordon::crypto
