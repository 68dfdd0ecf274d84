#include "core/key_file.h"

#include <gtest/gtest.h>

#include <string>

namespace cordon {
namespace {

const Error kBad(ErrorCode::kMalformed, "not a test key file", "make one");

TEST(KeyFileTest, RoundTripsThroughComments) {
  SecretBuffer secret = SecretBuffer::CopyOf(AsBytes(std::string(32, '\x07')));
  SecretBuffer text = FormatKeyFile("# a test key\n# Secret.\n", "TEST-KEY-1 ", secret);
  const std::string_view t = AsChars(text.RevealBytes());
  EXPECT_TRUE(t.starts_with("# a test key\n# Secret.\nTEST-KEY-1 ")) << t;
  EXPECT_TRUE(t.ends_with("\n"));
  auto back = ParseKeyFile(text.RevealBytes(), "TEST-KEY-1 ", 32, kBad);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(back->Equals(secret));
  // CRLF line ends and blank lines are read too.
  std::string crlf = "\r\n# comment\r\nTEST-KEY-1 " + std::string(t.substr(t.rfind(' ') + 1));
  crlf.insert(crlf.size() - 1, "\r");
  EXPECT_TRUE(ParseKeyFile(AsBytes(crlf), "TEST-KEY-1 ", 32, kBad).ok());
}

TEST(KeyFileTest, RefusesAnythingElseWithTheCallersError) {
  for (const std::string& text :
       {std::string(""), std::string("# only a comment\n"), std::string("OTHER-KEY-1 AAAA\n"),
        std::string("TEST-KEY-1 not base64!\n"),
        "TEST-KEY-1 " + std::string(42, 'A') + "==\n"}) {  // 31 bytes
    auto r = ParseKeyFile(AsBytes(text), "TEST-KEY-1 ", 32, kBad);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().message(), "not a test key file");
  }
}

}  // namespace
}  // namespace cordon
