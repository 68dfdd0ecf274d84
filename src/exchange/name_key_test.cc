#include "exchange/name_key.h"

#include <gtest/gtest.h>

namespace cordon::exchange {
namespace {

TEST(NameKey, OnePersonWhateverTheTyping) {
  const std::string key = NameKey("Hélène Dupont");
  EXPECT_EQ(key, "helene dupont");
  for (const char* same : {"HÉLÈNE DUPONT", "Helene Dupont", "  hélène   dupont ",
                           "Hélène\u00a0Dupont", "He\u0301le\u0300ne Dupont",
                           "Hé\u00adlène\u200b Dupont", "Hélène\tDupont", "Hélène\u2003Dupont"}) {
    EXPECT_EQ(NameKey(same), key) << same;
  }
  EXPECT_EQ(NameKey("Jean-Pierre L\u2019Hôte"), NameKey("jean pierre l'hote"));
  EXPECT_EQ(NameKey("Søren Kierkegaard"), "soren kierkegaard");
  EXPECT_EQ(NameKey("Æbelø Strauß"), "aebelo strauss");
  EXPECT_EQ(NameKey("ŁUKASZ ŻÓŁW"), "lukasz zolw");
  EXPECT_EQ(NameKey("Œdipe Ÿvon"), "oedipe yvon");
}

TEST(NameKey, DifferentPeopleStayDifferent) {
  EXPECT_NE(NameKey("Hélène Dupont"), NameKey("Hélène Dupond"));
  EXPECT_NE(NameKey("Anne Martin"), NameKey("Anne Martine"));
  EXPECT_NE(NameKey("Zoé Roux"), NameKey("Zoë Rouxx"));
  // Other scripts are kept as they are (compared exactly).
  EXPECT_EQ(NameKey("Ἀλέξανδρος"), "Ἀλέξανδρος");
  EXPECT_NE(NameKey("Анна"), NameKey("Anna"));
}

TEST(NameKey, BrokenUtf8IsKeptByteByByte) {
  EXPECT_EQ(NameKey(std::string("A\xC3")), std::string("a\xC3"));
  EXPECT_EQ(NameKey(std::string("\xE2\x82 B")), std::string("\xE2\x82 b"));
  EXPECT_EQ(NameKey(std::string("\xFF")), std::string("\xFF"));
  EXPECT_EQ(NameKey(""), "");
  EXPECT_EQ(NameKey(" \u00a0 "), "");
}

}  // namespace
}  // namespace cordon::exchange
