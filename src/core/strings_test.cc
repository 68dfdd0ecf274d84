#include "core/strings.h"

#include <gtest/gtest.h>

namespace cordon {
namespace {

TEST(Strings, AsciiLowerFoldsOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("Content-Type: ÉTÉ Z@[`"), "content-type: ÉtÉ z@[`");
  EXPECT_EQ(AsciiLower(std::string_view("A\0B", 3)), std::string_view("a\0b", 3));
}

TEST(Strings, EqualsIgnoringAsciiCase) {
  EXPECT_TRUE(EqualsIgnoringAsciiCase("Dupont", "DUPONT"));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("Dupont", "Dupond"));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("Dupont", "Dupon"));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("é", "É")) << "not ASCII: bytes must match";
  EXPECT_FALSE(EqualsIgnoringAsciiCase("@", "`")) << "0x40 and 0x60 are not a case pair";
}

TEST(Strings, IsHex64IsOneSpellingOfASha256) {
  const std::string ok(64, 'a');
  EXPECT_TRUE(IsHex64(ok));
  EXPECT_TRUE(IsHex64("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(IsHex64(std::string(64, 'A'))) << "uppercase is another spelling";
  EXPECT_FALSE(IsHex64(std::string(63, 'a')));
  EXPECT_FALSE(IsHex64(std::string(65, 'a')));
  EXPECT_FALSE(IsHex64(std::string(63, 'a') + "g"));
  EXPECT_FALSE(IsHex64(std::string(63, 'a') + '\0'));
}

}  // namespace
TEST(Strings, PrintableTextEscapesControlCharacters) {
  EXPECT_EQ(PrintableText("a\nNAMED\x1b[1A\r\\b\x7f"), "a\\x0aNAMED\\x1b[1A\\x0d\\\\b\\x7f");
  EXPECT_EQ(PrintableText("Éléonore 12"), "Éléonore 12");
}

}  // namespace cordon
