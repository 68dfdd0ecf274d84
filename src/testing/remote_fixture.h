// The fixture of the remote-maintenance tests (remote_access_test.cc,
// campaigns_test.cc): two vendors' and a hospital's accounts, the
// hospital's targets pacs01 and lis02, the CA and the policy.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "crypto/ed25519.h"
#include "exchange/remote_access.h"
#include "exchange/ssh_ca.h"
#include "ssh/certificate.h"
#include "ssh/public_key.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::exchange::testkit {

inline constexpr int64_t kFixtureDay = 86400;

class RemoteFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto accounts = Accounts::Open(dir_.path());
    ASSERT_TRUE(accounts.ok()) << accounts.error().message();
    accounts_.emplace(std::move(*accounts));
    vendor_ = Add("Victor Vendor", "v@vendor.example", Role::kOperator, "Vendor SA", true);
    vendor2_ = Add("Valerie Vendor", "w@vendor.example", Role::kOperator, "Vendor SA", false);
    other_vendor_ = Add("Otto Other", "o@other.example", Role::kOperator, "Other Ltd", false);
    chu1_ = Add("Anne Approver", "a@chu.example", Role::kApprover, "CHU Exemple", false);
    chu2_ = Add("Bruno Approver", "b@chu.example", Role::kApprover, "CHU Exemple", false);
    chu3_ = Add("Anne  APPROVER", "a2@chu.example", Role::kApprover, "CHU Exemple", false, true);
    vendor_approver_ = Add("Vera Boss", "boss@vendor.example", Role::kApprover, "Vendor SA", false);
    plain_approver_ = Add("Paul Plain", "p@lab.example", Role::kApprover, "", false);
    auto g = Grants::Open(dir_.path());
    ASSERT_TRUE(g.ok());
    grants_.emplace(std::move(*g));
    auto db = OpenExchangeDb(dir_.path());
    ASSERT_TRUE(db.ok());
    db_.emplace(std::move(*db));
    Target t;
    t.name = "pacs01";
    t.address = "10.1.2.3:22";
    t.principal = "pacs01";
    t.organisation = "CHU Exemple";
    t.approvals = 1;
    auto added = Targets(*db_).Add(t, now_);
    ASSERT_TRUE(added.ok()) << added.error().message();
    pacs_ = *added;
    t.name = "lis02";
    t.principal = "lis";
    t.approvals = 2;
    lis_ = *Targets(*db_).Add(t, now_);
    policy_.recording_recipients = {
        "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"};
    policy_.bastion_source_address = "10.1.0.5/32";
    remote_.emplace(*db_, *accounts_, *grants_, policy_);
    ca_.emplace(ssh::CaKey::Generate());
    egress_ca_.emplace(ssh::CaKey::Generate());
    key_ = crypto::GenerateEd25519().public_key;
    key_line_ = ssh::PublicKeyLine(key_, "victor@laptop");
  }

  Account Add(const std::string& name, const std::string& email, Role role, const std::string& org,
              bool on_call, bool same_name = false) {
    auto token = accounts_->AddUser(name, email, role, now_ + 300 * kFixtureDay, now_, same_name);
    EXPECT_TRUE(token.ok()) << token.error().message();
    EXPECT_TRUE(accounts_->SetOrganisation(email, org, on_call).ok());
    // Enrolment is tested elsewhere: these accounts are in use.
    auto db = OpenExchangeDb(dir_.path());
    auto u = db->Prepare("UPDATE users SET status = 'active' WHERE email = ?");
    EXPECT_TRUE(u->Bind(1, email).Run().ok());
    return *accounts_->Find(email);
  }
  Account Reload(const Account& a) { return *accounts_->Get(a.id); }
  // A target `name` registered to `organisation` (another hospital, or a
  // vendor's own host), requested by nobody yet.
  Target AddTargetOf(const std::string& name, const std::string& organisation) {
    Target t;
    t.name = name;
    t.address = "10.9.0.7:22";
    t.principal = "maint";
    t.organisation = organisation;
    auto added = Targets(*db_).Add(t, now_);
    EXPECT_TRUE(added.ok()) << added.error().message();
    return added.ok() ? *added : t;
  }
  // Vendor SA reaches CHU Exemple: one of its engineers requested a grant on
  // one of the hospital's targets (exchange/targets.h, VendorReaches) — what
  // makes the hospital the one that reviews and re-opens its accounts.
  void VendorRequestsATargetOfTheHospital() {
    if (reached_) return;
    auto id = grants_->RequestTarget(vendor2_, lis_, "update the LIS", std::nullopt, 3600,
                                     std::nullopt, now_);
    ASSERT_TRUE(id.ok()) << id.error().message();
    reached_ = true;
  }
  // The hospital's approver re-opens a vendor's account.
  void ReopenByTheHospital(const Account& a, int64_t at) {
    VendorRequestsATargetOfTheHospital();
    auto lifted = accounts_->UnlockVendor(a.id, chu1_, at, nullptr);
    ASSERT_TRUE(lifted.ok()) << lifted.error().message();
  }

  // An approved, open grant on pacs01 for the vendor.
  int64_t OpenGrant(std::optional<std::string> ticket = std::nullopt) {
    auto id = grants_->RequestTarget(vendor_, pacs_, "replace the PACS disk controller",
                                     std::nullopt, 4 * 3600, ticket, now_);
    EXPECT_TRUE(id.ok()) << id.error().message();
    EXPECT_TRUE(grants_->Approve(chu1_, *id, now_).ok());
    return *id;
  }

  Result<IssuedCertificate> Issue(int64_t grant, const Account& who) {
    return remote_->IssueCertificate(*ca_, who, grant, key_line_, now_);
  }

  test_support::ScopedTempDir dir_;
  int64_t now_ = 1800000000;
  std::optional<Accounts> accounts_;
  std::optional<Grants> grants_;
  std::optional<Db> db_;
  std::optional<RemoteAccess> remote_;
  std::optional<ssh::CaKey> ca_, egress_ca_;
  RemotePolicy policy_;
  crypto::Ed25519PublicKey key_{};
  std::string key_line_;
  Target pacs_, lis_;
  bool reached_ = false;
  Account vendor_, vendor2_, other_vendor_, chu1_, chu2_, chu3_, vendor_approver_, plain_approver_;
};

}  // namespace cordon::exchange::testkit
