// The command line signs only the campaign decision its person typed: the
// exchange's document is checked before ssh-keygen sees it, as for grants
// (grants_sign_test.cc).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "client/account.h"
#include "client/grants.h"
#include "client/remote_access.h"

namespace cordon::client {
namespace {

constexpr std::string_view kHost = "cordon.chu.example";

DecisionToSign Review(const std::string& decision, int64_t campaign, int64_t account,
                      const std::string& ns = "cordon-review@cordon.chu.example",
                      const std::string& exchange = "https://cordon.chu.example:8443") {
  const nlohmann::json doc = {{"account", {{"email", "victor@vendor.example"}, {"id", account}}},
                              {"campaign", {{"id", campaign}, {"organisation", "Vendor SA"}}},
                              {"decision", decision},
                              {"exchange", exchange},
                              {"format", "cordon-review-decision"},
                              {"version", 1}};
  return {doc.dump(), ns};
}

TEST(CheckCampaignDecisionDocument, TakesTheDecisionTypedOnTheAccountTypedOnly) {
  EXPECT_TRUE(CheckCampaignDecisionDocument(Review("keep", 3, 7), 3, 7, "keep", kHost).ok());
  EXPECT_FALSE(CheckCampaignDecisionDocument(Review("remove", 3, 7), 3, 7, "keep", kHost).ok())
      << "another decision";
  EXPECT_FALSE(CheckCampaignDecisionDocument(Review("keep", 3, 8), 3, 7, "keep", kHost).ok())
      << "another account";
  EXPECT_FALSE(CheckCampaignDecisionDocument(Review("keep", 4, 7), 3, 7, "keep", kHost).ok())
      << "another campaign";
  EXPECT_FALSE(CheckCampaignDecisionDocument(
                   Review("keep", 3, 7, "cordon-grant@cordon.chu.example"), 3, 7, "keep", kHost)
                   .ok())
      << "a grant's namespace";
  EXPECT_FALSE(CheckCampaignDecisionDocument(
                   Review("keep", 3, 7, "cordon-review@other.example", "https://other.example"), 3,
                   7, "keep", kHost)
                   .ok())
      << "another exchange's document";
  DecisionToSign spaced = Review("keep", 3, 7);
  spaced.document.insert(1, " ");
  EXPECT_FALSE(CheckCampaignDecisionDocument(spaced, 3, 7, "keep", kHost).ok()) << "not canonical";
  DecisionToSign grant = Review("keep", 3, 7);
  grant.document.replace(grant.document.find("cordon-review-decision"), 22,
                         "cordon-grant-decision!");
  EXPECT_FALSE(CheckCampaignDecisionDocument(grant, 3, 7, "keep", kHost).ok());
  DecisionToSign commit{"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n", "git"};
  auto refused = CheckCampaignDecisionDocument(commit, 3, 7, "keep", kHost);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRefused);
  EXPECT_NE(refused.error().message().find("nothing signed"), std::string::npos);
  EXPECT_FALSE(CheckCampaignDecisionDocument(Review("keep", 3, 7), 3, 7, "keep", "").ok());
}

// An access review's attestation: the review shown (its SHA-256), for the
// exchange reached, in the namespace of reviews, as a review attestation.
TEST(CheckAttestationDocument, TakesTheReviewShownOnly) {
  const std::string sha(64, 'a');
  const auto attestation = [](const std::string& review,
                              const std::string& ns = "cordon-review@cordon.chu.example",
                              const std::string& format = "cordon-review-attestation") {
    const nlohmann::json doc = {{"approver", {{"email", "anne@chu.example"}, {"id", 2}}},
                                {"exchange", "https://cordon.chu.example"},
                                {"format", format},
                                {"review_sha256", review},
                                {"version", 1}};
    return DecisionToSign{doc.dump(), ns};
  };
  EXPECT_TRUE(CheckAttestationDocument(attestation(sha), sha, kHost).ok());
  EXPECT_FALSE(CheckAttestationDocument(attestation(std::string(64, 'b')), sha, kHost).ok())
      << "another review";
  EXPECT_FALSE(
      CheckAttestationDocument(attestation(sha, "cordon-grant@cordon.chu.example"), sha, kHost)
          .ok())
      << "a grant's namespace";
  EXPECT_FALSE(CheckAttestationDocument(
                   attestation(sha, "cordon-review@cordon.chu.example", "cordon-review-decision"),
                   sha, kHost)
                   .ok())
      << "a campaign decision's format";
  EXPECT_FALSE(CheckAttestationDocument(attestation(sha), sha, "other.example").ok())
      << "another exchange";
  EXPECT_FALSE(CheckAttestationDocument(attestation(""), "", kHost).ok()) << "no review named";
  EXPECT_FALSE(CheckAttestationDocument(Review("keep", 3, 7), sha, kHost).ok());
}

// A command-line login's document: a login of the account typed, to the
// exchange reached, in the login namespace, with the challenge offered.
TEST(CheckKeyLoginOffer, SignsALoginOfThisAccountToThisExchangeOnly) {
  const auto offer = [](const std::string& account, const std::string& exchange,
                        const std::string& ns = "cordon-login@cordon.chu.example",
                        const std::string& format = "cordon-key-login") {
    const nlohmann::json doc = {{"account", account},
                                {"challenge", "c2FtcGxl"},
                                {"exchange", exchange},
                                {"format", format},
                                {"version", 1}};
    return KeyLoginOffer{ns, "c2FtcGxl", doc.dump()};
  };
  const std::string me = "anne@chu.example", here = "https://cordon.chu.example";
  EXPECT_TRUE(CheckKeyLoginOffer(offer(me, here), me, kHost).ok());
  const Status other = CheckKeyLoginOffer(offer("eve@chu.example", here), me, kHost);
  ASSERT_FALSE(other.ok()) << "another account's login";
  EXPECT_EQ(other.error().code(), ErrorCode::kRefused);
  EXPECT_NE(other.error().message().find("nothing signed"), std::string::npos);
  EXPECT_FALSE(CheckKeyLoginOffer(offer(me, "https://evil.example"), me, kHost).ok())
      << "a look-alike exchange";
  EXPECT_FALSE(
      CheckKeyLoginOffer(offer(me, here, "cordon-grant@cordon.chu.example"), me, kHost).ok())
      << "a decision's namespace";
  EXPECT_FALSE(
      CheckKeyLoginOffer(
          offer(me, here, "cordon-login@cordon.chu.example", "cordon-grant-decision"), me, kHost)
          .ok())
      << "another document";
  KeyLoginOffer swapped = offer(me, here);
  swapped.challenge = "b3RoZXI";
  EXPECT_FALSE(CheckKeyLoginOffer(swapped, me, kHost).ok()) << "another challenge than offered";
  KeyLoginOffer spaced = offer(me, here);
  spaced.document = " " + spaced.document;
  EXPECT_FALSE(CheckKeyLoginOffer(spaced, me, kHost).ok()) << "not canonical";
  EXPECT_FALSE(CheckKeyLoginOffer(offer(me, here), me, "").ok()) << "no host reached";
}

}  // namespace
}  // namespace cordon::client
