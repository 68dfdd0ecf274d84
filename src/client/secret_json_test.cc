#include "client/secret_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cordon::client {
namespace {

TEST(SecretJsonObjectTest, IsJsonThatParsesBackToTheSameStrings) {
  const std::string password = "violet \"tram\" \\ seventeen\t\x01\x7f lanterns é";
  const SecretBuffer pw = SecretBuffer::CopyOf(AsBytes(password));
  const SecretBuffer body = SecretJsonObject({{"email", AsBytes("rachel@lab42.example")},
                                              {"password", pw.RevealBytes()},
                                              {"code", AsBytes("123456")}});
  const auto j = nlohmann::json::parse(RevealText(body));
  EXPECT_EQ(j["email"], "rachel@lab42.example");
  EXPECT_EQ(j["password"], password);
  EXPECT_EQ(j["code"], "123456");
  EXPECT_EQ(j.size(), 3u);
}

TEST(SecretJsonObjectTest, KeepsTheOrderAndEscapesExactly) {
  const SecretBuffer body = SecretJsonObject({{"b", AsBytes("a\"b\\c\n")}, {"a", AsBytes("")}});
  EXPECT_EQ(RevealText(body), R"({"b":"a\"b\\c\u000a","a":""})");
  EXPECT_EQ(RevealText(SecretJsonObject({})), "{}");
}

TEST(SecretJsonObjectTest, AQuoteInAValueCannotAddAMember) {
  // An attacker-chosen password must stay one string.
  const SecretBuffer body =
      SecretJsonObject({{"password", AsBytes(R"(x","role":"admin)")}, {"code", AsBytes("1")}});
  const auto j = nlohmann::json::parse(RevealText(body));
  EXPECT_FALSE(j.contains("role"));
  EXPECT_EQ(j["password"], R"(x","role":"admin)");
}

}  // namespace
}  // namespace cordon::client
