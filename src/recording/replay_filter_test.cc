#include "recording/replay_filter.h"

#include <gtest/gtest.h>

#include <string>

namespace cordon::recording {
namespace {

std::string All(std::string_view in) { return ReplayFilter().Feed(in); }

TEST(ReplayFilter, RemovesControlStringsAndKeepsTheRest) {
  // A title (BEL-terminated), the clipboard (OSC 52, ST-terminated), DCS and
  // APC strings, and the C1 (UTF-8) form of OSC: all gone.
  EXPECT_EQ(All("a\x1b]0;pwned\x07"
                "b"),
            "ab");
  EXPECT_EQ(All("a\x1b]52;c;cm0gLXJmIH4=\x1b\\b"), "ab");
  EXPECT_EQ(All("a\x1bPq#0;2;0;0;0\x1b\\b\x1b_apc\x1b\\c"), "abc");
  EXPECT_EQ(All("a\xc2\x9d"
                "0;t\xc2\x9c"
                "b"),
            "ab");
  // Colours, cursor moves, UTF-8 text and a lone ESC key stay.
  EXPECT_EQ(All("\x1b[1;31mred\x1b[0m \x1b[2J\x1b[H été \xc2\xa0"),
            "\x1b[1;31mred\x1b[0m \x1b[2J\x1b[H été \xc2\xa0");
  EXPECT_EQ(All("\x1b\x1b[A"), "\x1b[A");  // a lone ESC is dropped
  // Removing a string never joins what surrounds it into an introducer
  // (found by the fuzzer: ESC ESC P … BEL P came out as ESC P).
  EXPECT_EQ(All("a\x1b\x1bPq\x07P"), "aP");
  EXPECT_EQ(All("a\xc2\xc2\x1b]t\x07\x9d"), "a\x9d");
  // An ESC before a C1 string does not smuggle it through.
  EXPECT_EQ(All("a\x1b\xc2\x9d"
                "0;t\x07"
                "b"),
            "ab");
}

TEST(ReplayFilter, TheSameHoweverTheInputIsSplit) {
  const std::string in =
      "x\x1b]0;t\x07y\x1b[32mz\x1b]52;c;QUJD\x1b\\\xc2\x9d"
      "8;;http://e\xc2\x9cw\xc3\xa9\x1bPq\x1b\\!";
  const std::string want = All(in);
  EXPECT_EQ(want, "xy\x1b[32mzw\xc3\xa9!");
  for (size_t cut = 0; cut <= in.size(); ++cut) {
    ReplayFilter f;
    std::string got = f.Feed(in.substr(0, cut));  // in this order (operands of + are not)
    got += f.Feed(in.substr(cut));
    EXPECT_EQ(got, want) << cut;
  }
}

TEST(ReplayFilter, InputIsShownWithItsControlBytes) {
  EXPECT_EQ(VisibleInput("stty -echo\r"), "stty -echo⏎");
  EXPECT_EQ(VisibleInput("\x1b[A\x03\x7f"), "^[[A^C^?");
}

}  // namespace
}  // namespace cordon::recording
