#include "detect/matcher.h"

#include <gtest/gtest.h>

namespace cordon::detect {
namespace {

std::vector<std::pair<std::string, std::string>> Find(std::string_view text,
                                                      KindSet kinds = kAllKinds) {
  std::vector<std::pair<std::string, std::string>> out;
  FindIdentifiers(text, kinds, [&](const Match& m) {
    out.emplace_back(std::string(KindName(m.kind)), std::string(text.substr(m.offset, m.length)));
  });
  return out;
}

using Found = std::vector<std::pair<std::string, std::string>>;

TEST(Matcher, FindsEachKindInProse) {
  std::string text =
      "Patient NIR 1 84 12 76 451 089 46, joindre au 06 12 34 56 78 ou +45 20 12 34 56; "
      "mail jean.dupont@orange.fr. CPR 070761-4285. IBAN FR14 2004 1010 0505 0001 3M02 606, "
      "carte 4111 1111 1111 1111.";
  Found expected = {{"nir", "1 84 12 76 451 089 46"}, {"phone", "06 12 34 56 78"},
                    {"phone", "+45 20 12 34 56"},     {"email", "jean.dupont@orange.fr"},
                    {"cpr", "070761-4285"},           {"iban", "FR14 2004 1010 0505 0001 3M02 606"},
                    {"card", "4111 1111 1111 1111"}};
  EXPECT_EQ(Find(text), expected);
}

TEST(Matcher, FindsDashedNirsAndNumbersDialledWith00) {
  // The forms a migration's export or a support ticket uses, missed before.
  std::string text =
      "nir;1-84-12-76-451-089-46;tel;0033 6 12 34 56 78\n"
      "NIR 1.84.12.76.451.089.46 appeler le 0045 20 12 34 56 ou 0033612345678.\n";
  Found expected = {{"nir", "1-84-12-76-451-089-46"},
                    {"phone", "0033 6 12 34 56 78"},
                    {"nir", "1.84.12.76.451.089.46"},
                    {"phone", "0045 20 12 34 56"},
                    {"phone", "0033612345678"}};
  EXPECT_EQ(Find(text), expected);
}

TEST(Matcher, RespectsWordBoundaries) {
  EXPECT_TRUE(Find("order 18412764510894612345 shipped").empty())
      << "a NIR inside a 20-digit number";
  EXPECT_TRUE(Find("X184127645108946").empty());
  EXPECT_TRUE(Find("184127645108946X").empty());
  EXPECT_TRUE(Find("id_184127645108946").empty());
  EXPECT_EQ(Find("(184127645108946)"), (Found{{"nir", "184127645108946"}}));
  EXPECT_EQ(Find("NIR:184127645108946;"), (Found{{"nir", "184127645108946"}}));
}

TEST(Matcher, IgnoresDecoys) {
  EXPECT_TRUE(Find("1 84 12 76 451 089 47").empty()) << "wrong NIR key";
  EXPECT_TRUE(Find("300200-1234").empty()) << "impossible CPR date";
  EXPECT_TRUE(Find("GB83 WEST 1234 5698 7654 32").empty()) << "bad IBAN check digits";
  EXPECT_TRUE(Find("4111 1111 1111 1112").empty()) << "Luhn failure";
  EXPECT_TRUE(Find("version 1.2.3 at build 20240101").empty());
}

TEST(Matcher, SplitsAdjacentIdentifiersAtSeparators) {
  EXPECT_EQ(Find("184127645108946 06 12 34 56 78"),
            (Found{{"nir", "184127645108946"}, {"phone", "06 12 34 56 78"}}));
}

TEST(Matcher, AnUnwantedKindStillClaimsItsSpan) {
  // With only cards wanted, the NIR is still matched (and not reported), so
  // no part of it can be taken for anything else.
  EXPECT_EQ(Find("x;1 58 09 33 063 923 47;y"), (Found{{"nir", "1 58 09 33 063 923 47"}}));
  EXPECT_TRUE(Find("x;1 58 09 33 063 923 47;y", KindBit(Kind::kCard)).empty());
  EXPECT_EQ(Find("1 58 09 33 063 923 47 a.b@orange.fr", KindBit(Kind::kEmail)),
            (Found{{"email", "a.b@orange.fr"}}));
}

TEST(Matcher, MatchesNeverOverlap) {
  // Found by fuzz/matcher_fuzz.cc: the second address must not reuse "rbao.ng".
  EXPECT_EQ(Find("a@rbao.ng@orange.fr"), (Found{{"email", "a@rbao.ng"}}));
}

TEST(Matcher, CorsicanNirAndKindFilter) {
  EXPECT_EQ(Find("x 184122A12345697 y"), (Found{{"nir", "184122A12345697"}}));
  EXPECT_TRUE(Find("x 184122A12345697 y", KindBit(Kind::kEmail)).empty());
  KindSet k;
  EXPECT_TRUE(ParseKinds("nir,email", k));
  EXPECT_EQ(k, KindBit(Kind::kNir) | KindBit(Kind::kEmail));
  EXPECT_FALSE(ParseKinds("nir,ssn", k));
  EXPECT_FALSE(ParseKinds("", k));
}

TEST(Mask, NeverShowsTheWholeIdentifier) {
  EXPECT_EQ(MaskIdentifier(Kind::kNir, "1 84 12 76 451 089 46"), "1 84 12 ** *** *** **");
  EXPECT_EQ(MaskIdentifier(Kind::kEmail, "jean.dupont@orange.fr"), "j**********@orange.fr");
  EXPECT_EQ(MaskIdentifier(Kind::kEmail, "b@o.gf"), "*@o.gf");  // found by fuzz/matcher_fuzz.cc
  std::string card = MaskIdentifier(Kind::kCard, "4111111111111111");
  EXPECT_EQ(card, "41111***********");
}

}  // namespace
}  // namespace cordon::detect
