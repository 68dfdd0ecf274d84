// The command line signs only what its person asked (attack review of
// 2026-12-03, F1): the exchange's decision document is checked before
// ssh-keygen sees it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "client/grants.h"

namespace cordon::client {
namespace {

constexpr std::string_view kHost = "cordon.chu.example";

DecisionToSign Decision(const std::string& verb, int64_t id,
                        const std::string& ns = "cordon-grant@cordon.chu.example",
                        const std::string& exchange = "https://cordon.chu.example:8443") {
  const nlohmann::json doc = {{"decision", verb},
                              {"exchange", exchange},
                              {"format", "cordon-grant-decision"},
                              {"grant", {{"id", id}, {"reason", "replace the disk"}}},
                              {"version", 1}};
  return {doc.dump(), ns};
}

TEST(CheckDecisionDocument, TakesTheDecisionTypedOnTheGrantTypedOnly) {
  EXPECT_TRUE(CheckDecisionDocument(Decision("approve", 5), 5, "approve", kHost).ok());
  EXPECT_FALSE(CheckDecisionDocument(Decision("approve", 7), 5, "approve", kHost).ok())
      << "another grant";
  EXPECT_FALSE(CheckDecisionDocument(Decision("approve", 5), 5, "deny", kHost).ok())
      << "another verb";
  EXPECT_FALSE(CheckDecisionDocument(Decision("approve", 5, "git"), 5, "approve", kHost).ok());
  EXPECT_FALSE(CheckDecisionDocument(Decision("approve", 5, "cordon-grant@evil.example"), 5,
                                     "approve", kHost)
                   .ok())
      << "a namespace not the exchange's";
  EXPECT_FALSE(CheckDecisionDocument(Decision("approve", 5, "cordon-order@cordon.chu.example"), 5,
                                     "approve", kHost)
                   .ok());
  DecisionToSign commit{"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n", "git"};
  auto refused = CheckDecisionDocument(commit, 5, "approve", kHost);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRefused);
  EXPECT_NE(refused.error().message().find("nothing signed"), std::string::npos);
  // Not canonical (whitespace): not the document the exchange derives.
  DecisionToSign spaced = Decision("approve", 5);
  spaced.document.insert(1, " ");
  EXPECT_FALSE(CheckDecisionDocument(spaced, 5, "approve", kHost).ok());
  DecisionToSign other_format = Decision("approve", 5);
  other_format.document.replace(other_format.document.find("cordon-grant-decision"), 21,
                                "cordon-order-approval");
  EXPECT_FALSE(CheckDecisionDocument(other_format, 5, "approve", kHost).ok());
  // Another exchange's document — whose signature that exchange would take
  // — even under its own consistent namespace, and hosts that are no name.
  EXPECT_FALSE(CheckDecisionDocument(
                   Decision("approve", 5, "cordon-grant@other.example", "https://other.example"), 5,
                   "approve", kHost)
                   .ok());
  EXPECT_FALSE(CheckDecisionDocument(Decision("approve", 5), 5, "approve", "other.example").ok());
  EXPECT_FALSE(CheckDecisionDocument(Decision("approve", 5, "cordon-grant@cordon.chu.example",
                                              "https://cordon.chu.example@evil.example"),
                                     5, "approve", kHost)
                   .ok());
  EXPECT_FALSE(CheckDecisionDocument(Decision("approve", -1), -1, "approve", kHost).ok());
  EXPECT_EQ(RpIdOfOrigin("https://cordon.chu.example:8443"), "cordon.chu.example");
  EXPECT_EQ(RpIdOfOrigin("https://a@evil.example"), "");
  EXPECT_EQ(RpIdOfOrigin("https://git?x"), "");
  EXPECT_EQ(RpIdOfOrigin("https://localhost"), "localhost");
  EXPECT_EQ(RpIdOfOrigin("http://cordon.chu.example"), "");
}

}  // namespace
}  // namespace cordon::client
