#include "detect/normalize.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace cordon::detect {
namespace {

std::string Norm(Kind kind, std::string_view text) {
  char buf[kMaxNormalizedSize];
  return {buf, NormalizeIdentifier(kind, text, buf)};
}

TEST(Normalize, OneFormPerIdentifier) {
  EXPECT_EQ(Norm(Kind::kNir, "1 84 12 76 451 089 46"), "184127645108946");
  EXPECT_EQ(Norm(Kind::kNir, "184127645108946"), "184127645108946");
  EXPECT_EQ(Norm(Kind::kNir, "1 84 12 2a 123 456 97"), "184122A12345697");
  EXPECT_EQ(Norm(Kind::kCpr, "070761-4285"), "0707614285");
  EXPECT_EQ(Norm(Kind::kCpr, "0707614285"), "0707614285");
  EXPECT_EQ(Norm(Kind::kIban, "fr14 2004 1010 0505 0001 3m02 606"), "FR1420041010050500013M02606");
  EXPECT_EQ(Norm(Kind::kCard, "4111-1111 1111-1111"), "4111111111111111");
  EXPECT_EQ(Norm(Kind::kEmail, "Jean.Dupont@Orange.FR"), "jean.dupont@orange.fr");
}

TEST(Normalize, PhonesBecomeE164) {
  EXPECT_EQ(Norm(Kind::kPhone, "06 12 34 56 78"), "+33612345678");
  EXPECT_EQ(Norm(Kind::kPhone, "06.12.34.56.78"), "+33612345678");
  EXPECT_EQ(Norm(Kind::kPhone, "0612345678"), "+33612345678");
  EXPECT_EQ(Norm(Kind::kPhone, "+33 6 12 34 56 78"), "+33612345678");
  EXPECT_EQ(Norm(Kind::kPhone, "0033 6 12 34 56 78"), "+33612345678");
  EXPECT_EQ(Norm(Kind::kPhone, "+45 12 34 56 78"), "+4512345678");
  // A Danish number is not a French one with its leading zero dropped.
  EXPECT_NE(Norm(Kind::kPhone, "+45 12 34 56 78"), Norm(Kind::kPhone, "0412345678"));
}

TEST(Normalize, RefusesWhatDoesNotFit) {
  EXPECT_EQ(Norm(Kind::kNir, ""), "");
  EXPECT_EQ(Norm(Kind::kPhone, "+"), "");
  EXPECT_EQ(Norm(Kind::kPhone, "00"), "");
  std::string long_mail(kMaxNormalizedSize + 1, 'a');
  EXPECT_EQ(Norm(Kind::kEmail, long_mail), "");
  char small[4];
  EXPECT_EQ(NormalizeIdentifier(Kind::kNir, "184127645108946", small), 0u);
  EXPECT_EQ(NormalizeIdentifier(Kind::kPhone, "0612345678", small), 0u);
}

// Every kind's rule, written out plainly, on random texts of every length
// around the output's size (a faster filter must agree with it).
std::string Reference(Kind kind, std::string_view text, size_t room) {
  std::string out;
  for (char c : text) {
    const bool digit = c >= '0' && c <= '9';
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const char upper = c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
    const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
    if (kind == Kind::kEmail) {
      out += lower;
    } else if (kind == Kind::kCpr || kind == Kind::kCard) {
      if (digit) out += c;
    } else if (digit || letter) {
      out += upper;
    }
  }
  return out.size() > room ? std::string() : out;
}

TEST(Normalize, AgreesWithThePlainRuleOnRandomTexts) {
  std::mt19937 rng(20261206);
  const std::string alphabet = "0123456789azAZmM -./@_+\x7f\x80\xff";
  for (Kind kind : {Kind::kNir, Kind::kCpr, Kind::kIban, Kind::kCard, Kind::kEmail}) {
    for (size_t room : {size_t{4}, size_t{16}, kMaxNormalizedSize}) {
      for (int round = 0; round < 2000; ++round) {
        std::string text(rng() % (room + 8), ' ');
        for (char& c : text) c = alphabet[rng() % alphabet.size()];
        std::string buf(room, '\0');
        const size_t n = NormalizeIdentifier(kind, text, std::span<char>(buf.data(), room));
        ASSERT_EQ(buf.substr(0, n), Reference(kind, text, room))
            << KindName(kind) << " room " << room << " text '" << text << "'";
      }
    }
  }
}

}  // namespace
}  // namespace cordon::detect
