// Access review campaigns of a vendor's accounts (exchange/campaigns.h):
// who opens, reads and decides (a hospital the vendor reaches), what a
// decision signs, and what the deadline's sweep disables — or, void, does
// not. Each promise has the test that tries to break it.
#include "exchange/campaigns.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testing/remote_fixture.h"

namespace cordon::exchange {
namespace {

constexpr int64_t kDay = 86400;
using RemoteTest = testkit::RemoteFixture;

// ---- review campaigns ----

TEST_F(RemoteTest, ACampaignDisablesEveryAccountNotKeptByItsDeadline) {
  VendorRequestsATargetOfTheHospital();
  Campaigns campaigns(*db_);
  EXPECT_EQ(campaigns.Open(vendor_approver_, "Vendor SA", now_ + kDay, now_).error().code(),
            ErrorCode::kRefused)
      << "a vendor never reviews itself";
  EXPECT_EQ(campaigns.Open(chu1_, "Vendor SA", now_ - 1, now_).error().code(),
            ErrorCode::kInvalidArgument);
  auto id = campaigns.Open(chu1_, "Vendor SA", now_ + 7 * kDay, now_);
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_EQ(campaigns.Open(chu2_, "Vendor SA", now_ + kDay, now_).error().code(),
            ErrorCode::kAlreadyExists);
  auto c = campaigns.Get(*id);
  EXPECT_EQ(c->accounts, (std::vector<int64_t>{vendor_.id, vendor2_.id, vendor_approver_.id}));
  ASSERT_TRUE(campaigns.Decide(chu1_, *id, vendor_.id, "remove", now_).ok());
  ASSERT_TRUE(campaigns.Decide(chu2_, *id, vendor_.id, "keep", now_ + 1).ok()) << "replaces";
  EXPECT_EQ(campaigns.Decide(vendor_approver_, *id, vendor2_.id, "keep", now_).error().code(),
            ErrorCode::kRefused);
  EXPECT_EQ(campaigns.Decide(chu1_, *id, chu2_.id, "keep", now_).error().code(),
            ErrorCode::kNotFound)
      << "not one of the organisation's accounts";
  EXPECT_EQ(campaigns.Decide(chu1_, *id, vendor2_.id, "maybe", now_).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(campaigns.CloseDue(now_ + 7 * kDay - 1)->empty()) << "not yet";
  int recorded = 0;
  auto closed = campaigns.CloseDue(now_ + 7 * kDay, [&](const CampaignResult&) -> Status {
    ++recorded;
    return Ok();
  });
  ASSERT_TRUE(closed.ok());
  ASSERT_EQ(closed->size(), 1u);
  EXPECT_EQ(recorded, 1);
  EXPECT_EQ((*closed)[0].kept, std::vector<int64_t>{vendor_.id});
  EXPECT_EQ((*closed)[0].disabled, (std::vector<int64_t>{vendor2_.id, vendor_approver_.id}));
  EXPECT_EQ(Reload(vendor2_).status, AccountStatus::kDisabled) << "no decision means removal";
  EXPECT_EQ(Reload(vendor_).status, AccountStatus::kActive);
  EXPECT_EQ(Reload(other_vendor_).status, AccountStatus::kActive) << "another organisation";
  EXPECT_TRUE(campaigns.CloseDue(now_ + 8 * kDay)->empty()) << "closed once";
  EXPECT_EQ(campaigns.Decide(chu1_, *id, vendor_.id, "keep", now_ + 8 * kDay).error().code(),
            ErrorCode::kRefused);
  EXPECT_TRUE(campaigns.Open(chu1_, "Vendor SA", now_ + 30 * kDay, now_ + 8 * kDay).ok());
}

// What an approver signs: the campaign and the account as they are, the
// decision and the exchange, in canonical JSON; and a decision's signature
// names exactly one key.
TEST_F(RemoteTest, ACampaignDecisionDocumentNamesTheCampaignTheAccountAndTheDecision) {
  VendorRequestsATargetOfTheHospital();
  Campaigns campaigns(*db_);
  auto id = campaigns.Open(chu1_, "Vendor SA", now_ + kDay, now_);
  ASSERT_TRUE(id.ok());
  auto c = campaigns.Get(*id);
  const std::string keep = CampaignDecisionDocument(*c, vendor_, "keep", "https://x.example");
  const auto doc = nlohmann::json::parse(keep);
  EXPECT_EQ(doc.dump(), keep) << "canonical: sorted keys, no whitespace";
  EXPECT_EQ(doc["format"], "cordon-review-decision");
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["exchange"], "https://x.example");
  EXPECT_EQ(doc["campaign"]["id"], *id);
  EXPECT_EQ(doc["campaign"]["organisation"], "Vendor SA");
  EXPECT_EQ(doc["account"]["id"], vendor_.id);
  EXPECT_EQ(doc["account"]["email"], vendor_.email);
  EXPECT_NE(keep, CampaignDecisionDocument(*c, vendor_, "remove", "https://x.example"));
  EXPECT_NE(keep, CampaignDecisionDocument(*c, vendor2_, "keep", "https://x.example"));
  EXPECT_NE(keep, CampaignDecisionDocument(*c, vendor_, "keep", "https://y.example"));
  EXPECT_TRUE(doc["replaces"].is_null()) << "no decision stands yet";
  EXPECT_TRUE(IsCampaignDecision("keep") && IsCampaignDecision("remove"));
  EXPECT_FALSE(IsCampaignDecision("Keep"));

  CampaignSignature both{1, 2, keep, "sig"}, neither{std::nullopt, std::nullopt, keep, "sig"},
      empty{1, std::nullopt, "", ""};
  for (const CampaignSignature* s : {&both, &neither, &empty}) {
    EXPECT_EQ(campaigns.Decide(chu1_, *id, vendor_.id, "keep", now_, {}, s).error().code(),
              ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(campaigns.Get(*id)->decisions.empty());
  // Anne's other account, at the vendor's: not hers to keep.
  const Account anne_at_vendor =
      Add("ANNE Approver", "anne@vendor.example", Role::kOperator, "Vendor SA", false, true);
  auto own = campaigns.Decide(chu1_, *id, anne_at_vendor.id, "keep", now_);
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(own.error().code(), ErrorCode::kRefused);
  EXPECT_TRUE(campaigns.Decide(chu2_, *id, anne_at_vendor.id, "keep", now_).ok())
      << "another approver decides on it";
  ASSERT_TRUE(campaigns.Decide(chu1_, *id, vendor_.id, "keep", now_).ok());
  auto decided = campaigns.Get(*id);
  ASSERT_TRUE(decided.ok());
  for (const auto& d : decided->decisions) EXPECT_FALSE(d.signature) << "decided unsigned";
  // A signature over the document derived before that decision stood is
  // over a step that is no longer the next: refused, nothing replaced.
  CampaignSignature stale{1, std::nullopt, keep, "sig"};
  EXPECT_EQ(campaigns.Decide(chu2_, *id, vendor_.id, "keep", now_ + 1, {}, &stale).error().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(campaigns.Get(*id)->decisions.size(), decided->decisions.size());
  // Once a decision stands, the next one's document names it: a signature
  // over "keep" made before it does not cover a "keep" after it.
  const auto after = nlohmann::json::parse(
      CampaignDecisionDocument(*decided, vendor_, "keep", "https://x.example"));
  EXPECT_EQ(after["replaces"]["decision"], "keep");
  EXPECT_EQ(after["replaces"]["decided_by"], chu1_.id);
  EXPECT_TRUE(after["replaces"]["signature_sha256"].is_null());
  EXPECT_NE(after.dump(), keep);
  auto recent = campaigns.Recent(10);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ((*recent)[0].id, *id);
}

// The hospital reviews the vendor, never the reverse (attack review of
// 2026-12-05: a vendor's approver opened a campaign over the hospital and
// its sweep disabled every hospital account); and only a hospital the
// vendor reaches — whose targets its engineers requested — since "remove"
// disables the account for every hospital (second review, N1). A campaign
// ends within 180 days, over an organisation that exists.
TEST_F(RemoteTest, OnlyAHospitalTheVendorReachesReviewsItsAccounts) {
  Campaigns campaigns(*db_);
  // Before any request, CHU Exemple holds targets but Vendor SA never
  // reached it: nothing to review, and the answer is the one an unknown
  // name gets (N4: no probing which organisations exist).
  auto unreached = campaigns.Open(chu1_, "Vendor SA", now_ + kDay, now_);
  ASSERT_FALSE(unreached.ok());
  EXPECT_EQ(unreached.error().code(), ErrorCode::kNotFound);
  auto unknown = campaigns.Open(chu1_, "Nobody Ltd", now_ + kDay, now_);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(unreached.error().hint(), unknown.error().hint());
  EXPECT_FALSE(*VendorReaches(*db_, "Vendor SA", "CHU Exemple"));

  VendorRequestsATargetOfTheHospital();
  EXPECT_TRUE(*VendorReaches(*db_, "Vendor SA", "CHU Exemple"));
  EXPECT_FALSE(*VendorReaches(*db_, "CHU Exemple", "Vendor SA")) << "one way";
  EXPECT_FALSE(*VendorReaches(*db_, "Other Ltd", "CHU Exemple"));
  EXPECT_FALSE(*VendorReaches(*db_, "", "CHU Exemple"));
  EXPECT_FALSE(*VendorReaches(*db_, "Vendor SA", ""));
  EXPECT_EQ(campaigns.Open(vendor_approver_, "CHU Exemple", now_ + kDay, now_).error().code(),
            ErrorCode::kNotFound)
      << "a vendor reviewing the hospital";
  EXPECT_EQ(campaigns.Open(plain_approver_, "Vendor SA", now_ + kDay, now_).error().code(),
            ErrorCode::kNotFound)
      << "an organisation without targets";
  // Another hospital, whose targets Vendor SA never requested, and a clinic
  // that only receives packages: neither reviews Vendor SA, and the
  // hospital reviews neither the clinic nor another vendor it never met.
  const Target ct = AddTargetOf("ris07", "CH Ailleurs");
  const Account elsewhere =
      Add("Eve Elsewhere", "e@ailleurs.example", Role::kApprover, "CH Ailleurs", false);
  const Account clinic =
      Add("Carl Clinic", "c@clinique.example", Role::kApprover, "Clinique", false);
  Add("Cora Clinic", "cora@clinique.example", Role::kOperator, "Clinique", false);
  EXPECT_EQ(campaigns.Open(elsewhere, "Vendor SA", now_ + kDay, now_).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(campaigns.Open(chu1_, "Clinique", now_ + kDay, now_).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(campaigns.Open(chu1_, "Other Ltd", now_ + kDay, now_).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(campaigns.Open(chu1_, "Vendor SA", now_ + 181 * kDay, now_).error().code(),
            ErrorCode::kInvalidArgument)
      << "a campaign that would block the next one for good";
  EXPECT_TRUE(*campaigns.HoldsTargets("CHU Exemple"));
  EXPECT_FALSE(*campaigns.HoldsTargets("Vendor SA"));
  EXPECT_FALSE(*campaigns.HoldsTargets(""));
  auto id = campaigns.Open(chu1_, "Vendor SA", now_ + 180 * kDay, now_);
  ASSERT_TRUE(id.ok()) << id.error().message();
  const Account other_boss =
      Add("Oscar Boss", "boss@other.example", Role::kApprover, "Other Ltd", false);
  for (const Account* a :
       {&other_boss, static_cast<const Account*>(&plain_approver_), &elsewhere, &clinic}) {
    EXPECT_EQ(campaigns.Decide(*a, *id, vendor_.id, "remove", now_).error().code(),
              ErrorCode::kNotFound)
        << a->email;
  }
  EXPECT_TRUE(campaigns.Get(*id)->decisions.empty());
  // Once an engineer of Vendor SA requests one of its targets, the other
  // hospital reviews the vendor too.
  ASSERT_TRUE(
      grants_->RequestTarget(vendor_, ct, "RIS upgrade", std::nullopt, 3600, std::nullopt, now_)
          .ok());
  EXPECT_TRUE(campaigns.Decide(elsewhere, *id, vendor_.id, "keep", now_).ok());
}

// The rule is read from the grants, not from who is asking: once CH
// Ailleurs' account requested CHU Exemple's target, CHU Exemple still does
// not review CH Ailleurs, which holds targets (its approvers would be
// disabled by the sweep).
TEST_F(RemoteTest, AHospitalIsNeverReviewedAsAVendor) {
  const Target ct = AddTargetOf("ris07", "CH Ailleurs");
  const Account engineer =
      Add("Ed Ailleurs", "ed@ailleurs.example", Role::kOperator, "CH Ailleurs", false);
  ASSERT_TRUE(
      grants_
          ->RequestTarget(engineer, pacs_, "image exchange", std::nullopt, 3600, std::nullopt, now_)
          .ok());
  ASSERT_TRUE(*VendorReaches(*db_, "CH Ailleurs", "CHU Exemple"));
  EXPECT_EQ(Campaigns(*db_).Open(chu1_, "CH Ailleurs", now_ + kDay, now_).error().code(),
            ErrorCode::kRefused);
}

// A target registered to the reviewed organisation after the campaign
// opened makes it a hospital: no more decisions, and at the deadline the
// campaign closes void — its approvers are not another hospital's to
// disable (third attack review of 2026-12-05).
TEST_F(RemoteTest, ACampaignOverAnOrganisationThatCameToHoldTargetsClosesVoid) {
  VendorRequestsATargetOfTheHospital();
  Campaigns campaigns(*db_);
  auto id = campaigns.Open(chu1_, "Vendor SA", now_ + kDay, now_);
  ASSERT_TRUE(id.ok()) << id.error().message();
  const Target own = AddTargetOf("vc-build", "Vendor SA");
  EXPECT_EQ(campaigns.Decide(chu1_, *id, vendor_.id, "remove", now_).error().code(),
            ErrorCode::kRefused);
  std::string voided;
  auto closed = campaigns.CloseDue(now_ + kDay, [&](const CampaignResult& r) -> Status {
    voided = r.void_reason;
    return Ok();
  });
  ASSERT_TRUE(closed.ok());
  ASSERT_EQ(closed->size(), 1u);
  EXPECT_TRUE((*closed)[0].disabled.empty());
  EXPECT_FALSE(voided.empty());
  for (const Account* a : {&vendor_, &vendor2_, &vendor_approver_}) {
    EXPECT_EQ(Reload(*a).status, AccountStatus::kActive) << a->email;
  }
  EXPECT_TRUE(campaigns.Get(*id)->closed_at.has_value());
}

// A hospital that removed the targets the vendor reached can no longer read
// or decide in its campaign: its silence is no removal, the campaign
// closes void (third attack review of 2026-12-05).
TEST_F(RemoteTest, ACampaignWhoseHospitalNoLongerReachesTheVendorClosesVoid) {
  auto asked = grants_->RequestTarget(vendor2_, lis_, "update the LIS", std::nullopt, 3600,
                                      std::nullopt, now_);
  ASSERT_TRUE(asked.ok());
  ASSERT_TRUE(grants_->Deny(chu1_, *asked, now_).ok());
  Campaigns campaigns(*db_);
  auto id = campaigns.Open(chu1_, "Vendor SA", now_ + kDay, now_);
  ASSERT_TRUE(id.ok()) << id.error().message();
  ASSERT_TRUE(Targets(*db_).Remove("lis02", now_).ok());
  EXPECT_EQ(campaigns.Decide(chu1_, *id, vendor_.id, "keep", now_).error().code(),
            ErrorCode::kNotFound);
  auto closed = campaigns.CloseDue(now_ + kDay);
  ASSERT_TRUE(closed.ok());
  ASSERT_EQ(closed->size(), 1u);
  EXPECT_TRUE((*closed)[0].disabled.empty());
  EXPECT_FALSE((*closed)[0].void_reason.empty());
  EXPECT_EQ(Reload(vendor2_).status, AccountStatus::kActive);
}

TEST_F(RemoteTest, AFailedRecordLeavesTheCampaignOpenAndTheAccountsAsTheyWere) {
  VendorRequestsATargetOfTheHospital();
  Campaigns campaigns(*db_);
  auto id = campaigns.Open(chu1_, "Vendor SA", now_ + kDay, now_);
  ASSERT_TRUE(id.ok());
  auto closed = campaigns.CloseDue(now_ + kDay, [](const CampaignResult&) -> Status {
    return Error(ErrorCode::kIo, "the ledger is full");
  });
  EXPECT_FALSE(closed.ok());
  EXPECT_EQ(Reload(vendor_).status, AccountStatus::kActive);
  EXPECT_FALSE(campaigns.Get(*id)->closed_at);
}

}  // namespace
}  // namespace cordon::exchange
