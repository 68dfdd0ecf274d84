#include "core/encoding.h"

#include <gtest/gtest.h>

namespace cordon {
namespace {

TEST(Hex, RoundTripsAndRejectsOddOrNonHex) {
  Bytes data = {0x00, 0x7f, 0xff, 0x10};
  EXPECT_EQ(HexEncode(data), "007fff10");
  EXPECT_EQ(*HexDecode("007FFF10"), data);
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(Base64, MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), encoded);
    EXPECT_EQ(AsChars(*Base64Decode(encoded)), plain);
  }
  EXPECT_EQ(Base64Encode(AsBytes("f"), Base64Padding::kUnpadded), "Zg");
  EXPECT_EQ(AsChars(*Base64Decode("Zm8", Base64Padding::kUnpadded)), "fo");
}

// RFC 4648 §5: '-' and '_' for 62 and 63, no padding.
TEST(Base64, UrlAlphabetWithoutPadding) {
  EXPECT_EQ(Base64UrlEncode(AsBytes(std::string("\xfb\xff\xbf"))), "-_-_");
  EXPECT_EQ(Base64UrlEncode(AsBytes(std::string("\xfb\xf0"))), "-_A");
  EXPECT_EQ(Base64UrlEncode(AsBytes(std::string("f"))), "Zg");
  EXPECT_EQ(Base64UrlEncode({}), "");
  EXPECT_EQ(AsChars(*Base64UrlDecode("-_-_")), std::string("\xfb\xff\xbf"));
  EXPECT_EQ(AsChars(*Base64UrlDecode("-_A")), std::string("\xfb\xf0"));
  EXPECT_TRUE(Base64UrlDecode("")->empty());
  EXPECT_FALSE(Base64UrlDecode("+/+/").ok());  // the standard alphabet's 62 and 63
  EXPECT_FALSE(Base64UrlDecode("Zg==").ok());  // padding
  EXPECT_FALSE(Base64UrlDecode("Zh").ok());    // trailing bits set
  EXPECT_FALSE(Base64UrlDecode("Z").ok());
}

TEST(Base64, RejectsNonCanonicalAndMalformedInput) {
  EXPECT_FALSE(Base64Decode("Zh==").ok());  // trailing bits set
  EXPECT_FALSE(Base64Decode("Zg").ok());    // padding missing
  EXPECT_FALSE(Base64Decode("Zg==", Base64Padding::kUnpadded).ok());
  EXPECT_FALSE(Base64Decode("Zm9v\n").ok());
  EXPECT_FALSE(Base64Decode("Zm 9").ok());
  EXPECT_FALSE(Base64Decode("Z===").ok());
  EXPECT_FALSE(Base64Decode("Z", Base64Padding::kUnpadded).ok());
  EXPECT_FALSE(Base64Decode("Zm-v").ok());  // URL alphabet is not accepted
}

TEST(Bech32, AcceptsBip173ValidStrings) {
  for (const char* valid : {"A12UEL5L", "a12uel5l", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
                            "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w"}) {
    EXPECT_TRUE(Bech32Decode(valid).ok()) << valid;
  }
}

TEST(Bech32, RejectsBadChecksumMixedCaseAndBadSeparator) {
  EXPECT_FALSE(Bech32Decode("a12uel5m").ok());
  EXPECT_FALSE(Bech32Decode("A12uEL5L").ok());
  EXPECT_FALSE(Bech32Decode("pzry9x0s0muk").ok());   // no separator
  EXPECT_FALSE(Bech32Decode("1pzry9x0s0muk").ok());  // empty hrp
  EXPECT_FALSE(Bech32Decode("x1b4n0q5v").ok());      // invalid character b
}

TEST(Bech32, RoundTripsData) {
  Bytes data(32);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  std::string text = Bech32Encode("age", data);
  auto decoded = Bech32Decode(text);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->hrp, "age");
  EXPECT_EQ(decoded->data, data);
}

}  // namespace
}  // namespace cordon
