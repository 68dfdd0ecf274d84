#include "client/answer.h"

#include <gtest/gtest.h>

namespace cordon::client {
namespace {

TEST(ErrorFromAnswerTest, MapsEachStatusToItsCode) {
  const struct {
    int status;
    ErrorCode code;
  } table[] = {
      {400, ErrorCode::kRefused},
      {401, ErrorCode::kAuthFailed},
      {403, ErrorCode::kRefused},
      {404, ErrorCode::kNotFound},
      {409, ErrorCode::kAlreadyExists},
      {413, ErrorCode::kLimitExceeded},
      {422, ErrorCode::kRefused},
      {429, ErrorCode::kRefused},
      {500, ErrorCode::kIo},
      {503, ErrorCode::kIo},
      {507, ErrorCode::kIo},
      {302, ErrorCode::kRefused},
  };
  for (const auto& row : table) {
    EXPECT_EQ(ErrorFromAnswer(row.status, "{}").code(), row.code) << row.status;
  }
}

TEST(ErrorFromAnswerTest, TheServersMessageAndHintReachThePerson) {
  Error e = ErrorFromAnswer(
      403, R"({"code":"forbidden","error":"no open grant","hint":"ask an approver"})");
  EXPECT_EQ(e.message(), "no open grant");
  EXPECT_EQ(e.hint(), "ask an approver");
  // Not JSON, or not strings: the status says it.
  EXPECT_EQ(ErrorFromAnswer(502, "<html>bad gateway</html>").message(),
            "the exchange answered 502");
  EXPECT_EQ(ErrorFromAnswer(400, R"({"error":7,"hint":["x"]})").message(),
            "the exchange answered 400");
  EXPECT_EQ(ErrorFromAnswer(400, R"({"error":7,"hint":["x"]})").hint(), "");
}

TEST(ErrorFromAnswerTest, A401WithoutHintSaysToLogIn) {
  EXPECT_EQ(ErrorFromAnswer(401, R"({"error":"log in first"})").hint(),
            "log in: cordon remote login --email YOU");
  EXPECT_EQ(ErrorFromAnswer(401, R"({"error":"x","hint":"your session ended"})").hint(),
            "your session ended");
  EXPECT_EQ(ErrorFromAnswer(403, R"({"error":"x"})").hint(), "");
}

TEST(ExpectJsonTest, AnExpectedStatusGivesTheBodyAndAnotherGivesTheError) {
  net::ClientResponse created{201, R"({"upload":"u1"})", {}};
  auto ok = ExpectJson(created, {200, 201});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["upload"], "u1");
  net::ClientResponse not_json{200, "plain text", {}};
  EXPECT_TRUE(ExpectJson(not_json, {200})->is_object());
  auto refused = ExpectJson(created, {200});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRefused);  // 201 was not expected here
  Result<net::ClientResponse> down = Error(ErrorCode::kIo, "connection reset");
  EXPECT_EQ(ExpectJson(down, {200}).error().message(), "connection reset");
}

TEST(FieldsTest, AMissingOrMistypedFieldIsTheFallbackNeverAnException) {
  const auto j =
      nlohmann::json::parse(R"({"s":"x","i":5,"b":true,"a":[1],"o":{"k":1},"n":null,"wrong":"5"})");
  EXPECT_EQ(TextField(j, "s"), "x");
  EXPECT_EQ(TextField(j, "i", "-"), "-");
  EXPECT_EQ(IntField(j, "i"), 5);
  EXPECT_EQ(IntField(j, "wrong", 9), 9);
  EXPECT_TRUE(BoolField(j, "b"));
  EXPECT_FALSE(BoolField(j, "n"));
  EXPECT_EQ(ArrayField(j, "a").size(), 1u);
  EXPECT_TRUE(ArrayField(j, "o").empty());
  EXPECT_EQ(ObjectField(j, "o").size(), 1u);
  EXPECT_TRUE(ObjectField(j, "missing").empty());
  const nlohmann::json not_object = nlohmann::json::array();
  EXPECT_EQ(TextField(not_object, "s", "f"), "f");
  EXPECT_EQ(IntField(nlohmann::json(), "i", 3), 3);
}

}  // namespace
}  // namespace cordon::client
