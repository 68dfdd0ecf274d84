#include "client/principals_wire.h"

#include <gtest/gtest.h>

namespace cordon::client {
namespace {

const PrincipalsQuestion kQuestion{"cordon", "cordon-grant-7-account-3", "1234",
                                   "SHA256:nZOs8Br0P1abc"};

TEST(PrincipalsWire, QuestionRoundTrips) {
  auto line = EncodeQuestion(kQuestion);
  ASSERT_TRUE(line);
  EXPECT_EQ(*line,
            "cordon-principals/1\tcordon\tcordon-grant-7-account-3\t1234\tSHA256:nZOs8Br0P1abc\n");
  EXPECT_EQ(ParseQuestion(*line), kQuestion);
  // Without its line end too (the reader may strip it).
  EXPECT_EQ(ParseQuestion(line->substr(0, line->size() - 1)), kQuestion);
}

// A key id is the certificate's: whoever made the certificate chose it. A
// tab or a line end in it must not add a field or an answer line.
TEST(PrincipalsWire, ControlCharactersNeverCross) {
  for (const std::string& bad : {std::string("a\tb"), std::string("a\nallow\tx"),
                                 std::string("a\rb"), std::string("a\0b", 3), std::string("\x7f"),
                                 std::string("grant-\xff"), std::string("caf\xc3\xa9")}) {
    PrincipalsQuestion q = kQuestion;
    q.key_id = bad;
    EXPECT_FALSE(EncodeQuestion(q)) << bad;
  }
  PrincipalsQuestion empty = kQuestion;
  empty.serial = "";
  EXPECT_FALSE(EncodeQuestion(empty));
  PrincipalsQuestion huge = kQuestion;
  huge.key_id.assign(kPrincipalsWireMax, 'k');
  EXPECT_FALSE(EncodeQuestion(huge));
}

TEST(PrincipalsWire, MalformedQuestionsAreRefused) {
  EXPECT_FALSE(ParseQuestion(""));
  EXPECT_FALSE(ParseQuestion("cordon-principals/2\ta\tb\tc\td\n"));     // another version
  EXPECT_FALSE(ParseQuestion("cordon-principals/1\ta\tb\tc\n"));        // a field missing
  EXPECT_FALSE(ParseQuestion("cordon-principals/1\ta\tb\tc\td\te\n"));  // one too many
  EXPECT_FALSE(ParseQuestion("cordon-principals/1\ta\t\tc\td\n"));      // an empty field
  EXPECT_FALSE(ParseQuestion("cordon-principals/1\ta\tb\x01\tc\td\n"));
  EXPECT_FALSE(ParseQuestion("cordon-principals/1\ta\tb\tc\td\n\n"));  // a second line
  EXPECT_FALSE(ParseQuestion(std::string(kPrincipalsWireMax + 1, 'x')));
}

TEST(PrincipalsWire, AnswersRoundTripAndReasonsStayOnOneLine) {
  const PrincipalsAnswer allow{true, "expiry-time=\"20261201120000Z\" bastion"};
  EXPECT_EQ(ParseAnswer(EncodeAnswer(allow)), allow);
  // A reason from the exchange with a line end in it: one line still, so
  // the client never reads "allow" from a second one.
  const std::string wire = EncodeAnswer({false, "revoked\nallow\tbastion"});
  EXPECT_EQ(wire, "refuse\trevoked allow bastion\n");
  auto back = ParseAnswer(wire);
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->allow);
}

TEST(PrincipalsWire, MalformedAnswersAreNotAllowances) {
  EXPECT_FALSE(ParseAnswer("allow\tbastion"));  // cut before its line end
  EXPECT_FALSE(ParseAnswer("allow\t\n"));       // allowed, but no principal
  EXPECT_FALSE(ParseAnswer("allow bastion\n"));
  EXPECT_FALSE(ParseAnswer("ALLOW\tbastion\n"));
  EXPECT_FALSE(ParseAnswer("allow\tbas\ttion\n"));
  EXPECT_FALSE(ParseAnswer("allow\tbastion\nallow\tother\n"));
  EXPECT_FALSE(ParseAnswer(""));
}

}  // namespace
}  // namespace cordon::client
