// UTF-8 checks: what they accept and refuse, on both sides of the eight-byte
// fast path, and IsUtf8Text's byte 0 wherever it falls.
#include "source/text_encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace cordon::source {
namespace {

TEST(Utf8, AcceptsAndRefuses) {
  for (const char* ok : {"", "ascii only, longer than a word", "\xc3\xa9mile", "\xe2\x82\xac",
                         "\xf0\x9f\x98\x80 emoji", "\xc7\x85"}) {
    EXPECT_TRUE(IsValidUtf8(ok)) << ok;
    EXPECT_TRUE(IsUtf8Text(ok)) << ok;
  }
  for (const char* bad : {"\xe9mile",          // Latin-1
                          "\xc0\xaf",          // overlong '/'
                          "\xed\xa0\x80",      // a surrogate
                          "\xf4\x90\x80\x80",  // above U+10FFFF
                          "abcdefgh\xc3",      // cut after a word
                          "\x80 continuation"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
    EXPECT_FALSE(IsUtf8Text(bad)) << bad;
  }
  EXPECT_TRUE(IsValidUtf8("abc\xc3", /*allow_truncated_tail=*/true));
}

TEST(Utf8, TextRefusesAByteZeroAnywhere) {
  const std::string base = "0123456789abcdefghij\xc3\xa9klmnop";
  const size_t inside_e_acute = base.find('\xc3') + 1;
  for (size_t at = 0; at <= base.size(); ++at) {
    std::string s = base;
    s.insert(at, 1, '\0');
    // U+0000 is valid UTF-8 (but not inside another character's bytes)
    EXPECT_EQ(IsValidUtf8(s), at != inside_e_acute) << at;
    EXPECT_FALSE(IsUtf8Text(s)) << at;  // but not text a database holds
  }
  // Bytes next to zero in value (0x01, 0x80 after 0x00…) are not mistaken for it.
  EXPECT_TRUE(IsUtf8Text("\x01\x01\x01\x01\x01\x01\x01\x01\x7f\x7f"));
  EXPECT_TRUE(IsUtf8Text("\x01\xc2\x80\x01\x01\x01\x01\x01\x01"));
}

}  // namespace
}  // namespace cordon::source
