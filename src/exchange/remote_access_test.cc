// Vendor remote maintenance on the exchange: organisations, target grants
// (N of M, break-glass and its countersignature), suspension, SSH
// certificates and the bastion's checks. Each promise has the test that
// tries to break it.
#include "exchange/remote_access.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "crypto/ed25519.h"
#include "exchange/campaigns.h"
#include "exchange/ssh_ca.h"
#include "ssh/certificate.h"
#include "ssh/public_key.h"
#include "testing/remote_fixture.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::exchange {
namespace {

constexpr int64_t kDay = 86400;
using RemoteTest = testkit::RemoteFixture;

// ---- organisations and target grants ----

TEST_F(RemoteTest, ApproversDecideOnlyWithinTheTargetsOrganisation) {
  auto id = grants_->RequestTarget(vendor_, pacs_, "replace the PACS disk controller", std::nullopt,
                                   3600, std::string("CHG-1"), now_);
  ASSERT_TRUE(id.ok()) << id.error().message();
  // The vendor's own approver, and one of the exchange's default
  // organisation, are refused, saying why.
  for (const Account* a : {&vendor_approver_, &plain_approver_}) {
    Status st = grants_->Approve(*a, *id, now_);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), ErrorCode::kRefused);
    EXPECT_NE(st.error().message().find("CHU Exemple"), std::string::npos) << st.error().message();
    EXPECT_FALSE(grants_->Deny(*a, *id, now_).ok());
    EXPECT_FALSE(grants_->Revoke(*a, *id, now_).ok());
  }
  EXPECT_EQ(grants_->Get(*id)->status, "requested");
  ASSERT_TRUE(grants_->Approve(chu1_, *id, now_ + 600).ok());
  auto g = grants_->Get(*id);
  EXPECT_EQ(g->status, "approved");
  EXPECT_EQ(*g->opens_at, now_ + 600) << "the window opens at approval, never at the request";
  EXPECT_EQ(g->ticket, "CHG-1");
  EXPECT_EQ(g->target(), "pacs01");
}

TEST_F(RemoteTest, OnlyOperatorsRequestTargetsAndTicketsAreChecked) {
  EXPECT_EQ(grants_
                ->RequestTarget(chu1_, pacs_, "a reason long enough", std::nullopt, 3600,
                                std::nullopt, now_)
                .error()
                .code(),
            ErrorCode::kRefused);
  for (const char* bad : {"", "has space", "quote\"", "back\\slash", "\x01", "é"}) {
    EXPECT_EQ(grants_
                  ->RequestTarget(vendor_, pacs_, "a reason long enough", std::nullopt, 3600,
                                  std::string(bad), now_)
                  .error()
                  .code(),
              ErrorCode::kInvalidArgument)
        << bad;
  }
  EXPECT_FALSE(grants_
                   ->RequestTarget(vendor_, pacs_, "a reason long enough", std::nullopt, 3600,
                                   std::string(65, 'x'), now_)
                   .ok());
  EXPECT_TRUE(grants_
                  ->RequestTarget(vendor_, pacs_, "a reason long enough", std::nullopt, 3600,
                                  std::string(64, 'x'), now_)
                  .ok());
}

TEST_F(RemoteTest, NOfMNeedsDistinctApproversAndOpensAtTheLast) {
  const int64_t start = now_ + kDay;  // the night of the intervention
  auto id = grants_->RequestTarget(vendor_, lis_, "upgrade the LIS middleware", start, 3600,
                                   std::nullopt, now_);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(grants_->Approve(chu1_, *id, now_ + 10).ok());
  auto g = grants_->Get(*id);
  EXPECT_EQ(g->status, "requested") << "one approval of two opens nothing";
  EXPECT_EQ(g->approvals, std::vector<int64_t>{chu1_.id});
  EXPECT_FALSE(g->opens_at);
  // The same approver twice, or a namesake's account, counts once.
  EXPECT_EQ(grants_->Approve(chu1_, *id, now_ + 20).error().code(), ErrorCode::kRefused);
  Status namesake = grants_->Approve(chu3_, *id, now_ + 20);
  ASSERT_FALSE(namesake.ok());
  EXPECT_NE(namesake.error().message().find("one person counts once"), std::string::npos);
  EXPECT_EQ(grants_->Get(*id)->status, "requested");
  ASSERT_TRUE(grants_->Approve(chu2_, *id, now_ + 30).ok());
  g = grants_->Get(*id);
  EXPECT_EQ(g->status, "approved");
  EXPECT_EQ(*g->opens_at, start) << "the later scheduled start, not the approval";
  EXPECT_EQ(g->approvals.size(), 2u);
  EXPECT_EQ(grants_->Approve(chu3_, *id, now_ + 40).error().code(), ErrorCode::kRefused);

  // Approved by the last approver after the start: opens then.
  auto late = grants_->RequestTarget(vendor_, lis_, "upgrade the LIS middleware", now_ + 5, 3600,
                                     std::nullopt, now_);
  ASSERT_TRUE(grants_->Approve(chu1_, *late, now_ + 100).ok());
  ASSERT_TRUE(grants_->Approve(chu2_, *late, now_ + 200).ok());
  EXPECT_EQ(*grants_->Get(*late)->opens_at, now_ + 200);
}

TEST_F(RemoteTest, NobodyApprovesTheirOwnRequest) {
  // An approver of the vendor may not request (operators only), so the
  // requester check is tested on a role grant of the vendor's operator
  // decided by the vendor's approver: the requester is never the approver.
  auto id = grants_->RequestTarget(vendor_, pacs_, "a reason long enough", std::nullopt, 3600,
                                   std::nullopt, now_);
  Account self = vendor_;
  self.role = Role::kApprover;
  self.organisation = "CHU Exemple";
  EXPECT_EQ(grants_->Approve(self, *id, now_).error().code(), ErrorCode::kRefused);
}

TEST_F(RemoteTest, BreakGlassOnATargetIsForOnCallAndMustBeCountersigned) {
  EXPECT_EQ(grants_->BreakGlassTarget(vendor2_, pacs_, "the PACS is down at night", 3600, now_)
                .error()
                .code(),
            ErrorCode::kRefused)
      << "not flagged on-call";
  auto id = grants_->BreakGlassTarget(vendor_, pacs_, "the PACS is down at night", 3600, now_);
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_TRUE(grants_->Get(*id)->OpenAt(now_)) << "opens at once";
  EXPECT_TRUE(grants_->Uncountersigned(now_ + kDay - 1 - kDay)->empty());
  auto overdue = grants_->Uncountersigned(now_ + kDay - kDay);
  ASSERT_EQ(overdue->size(), 1u);
  EXPECT_EQ((*overdue)[0].id, *id);
  // Countersigned only by an approver of the target's organisation.
  EXPECT_EQ(grants_->Review(vendor_approver_, *id, now_ + 3600).error().code(),
            ErrorCode::kRefused);
  ASSERT_TRUE(grants_->Review(chu2_, *id, now_ + 3600).ok());
  EXPECT_TRUE(grants_->Uncountersigned(now_ + 2 * kDay)->empty());
  // Another, never countersigned: listed until the sweep locked for it once.
  auto late = grants_->BreakGlassTarget(vendor_, pacs_, "the PACS is down again", 3600, now_);
  ASSERT_EQ(grants_->Uncountersigned(now_)->size(), 1u);
  ASSERT_TRUE(grants_->MarkOverdueLocked(*late, now_ + kDay).ok());
  EXPECT_TRUE(grants_->Uncountersigned(now_ + 2 * kDay)->empty()) << "an admin's unlock holds";
}

TEST_F(RemoteTest, ALockedAccountStaysLockedUntilAnApproverReopensIt) {
  ASSERT_TRUE(accounts_->LockFor(vendor_.id, "break-glass grant 1 was not countersigned").ok());
  ASSERT_TRUE(accounts_->LockFor(vendor_.id, "another reason").ok());
  Account a = Reload(vendor_);
  EXPECT_EQ(a.locked_reason, "break-glass grant 1 was not countersigned") << "the first kept";
  Status may = accounts_->MayUseRemotely(a, now_);
  ASSERT_FALSE(may.ok());
  EXPECT_NE(may.error().message().find("locked"), std::string::npos);
  EXPECT_NE(may.error().hint().find("approver"), std::string::npos) << may.error().hint();
  ReopenByTheHospital(vendor_, now_);
  EXPECT_TRUE(accounts_->MayUseRemotely(Reload(vendor_), now_).ok());
}

// The CISO's rule: a vendor's access comes back when the hospital says so —
// not the exchange's admin, not the vendor's own approver, not the account.
TEST_F(RemoteTest, OnlyAnApproverOfAnotherOrganisationReopensAVendorAccount) {
  VendorRequestsATargetOfTheHospital();
  ASSERT_TRUE(accounts_->LockFor(vendor_.id, "break-glass grant 1 was not countersigned").ok());
  Status admin = accounts_->Unlock(vendor_.email, now_);
  ASSERT_FALSE(admin.ok());
  EXPECT_EQ(admin.error().code(), ErrorCode::kRefused);
  EXPECT_NE(admin.error().hint().find("cordon remote account unlock"), std::string::npos);
  EXPECT_FALSE(Reload(vendor_).locked_reason.empty()) << "the admin's attempt changed nothing";
  int recorded = 0;
  auto count = [&]() -> Status {
    ++recorded;
    return Ok();
  };
  EXPECT_EQ(accounts_->UnlockVendor(vendor_.id, vendor_approver_, now_, count).error().code(),
            ErrorCode::kRefused)
      << "the vendor's own approver";
  EXPECT_EQ(accounts_->UnlockVendor(vendor_.id, vendor2_, now_, count).error().code(),
            ErrorCode::kRefused)
      << "an operator";
  const Account rival =
      Add("Rita Rival", "boss@other.example", Role::kApprover, "Other Ltd", false);
  EXPECT_EQ(accounts_->UnlockVendor(vendor_.id, rival, now_, count).error().code(),
            ErrorCode::kNotFound)
      << "another vendor's approver (an organisation with no target)";
  // A hospital whose targets Vendor SA never requested: not its vendor, not
  // its call (second attack review of 2026-12-05, N1).
  const Target elsewhere_target = AddTargetOf("ris07", "CH Ailleurs");
  const Account elsewhere =
      Add("Eve Elsewhere", "e@ailleurs.example", Role::kApprover, "CH Ailleurs", false);
  EXPECT_EQ(accounts_->UnlockVendor(vendor_.id, elsewhere, now_, count).error().code(),
            ErrorCode::kNotFound)
      << "a hospital the vendor never reached";
  // A target registered without an organisation makes no approver the
  // hospital, not even one without an organisation.
  Target loose;
  loose.name = "misc03";
  loose.address = "10.1.2.9:22";
  loose.principal = "misc03";
  ASSERT_TRUE(Targets(*db_).Add(loose, now_).ok());
  const Account nobody = Add("Nina None", "nina@exchange.example", Role::kApprover, "", false);
  EXPECT_EQ(accounts_->UnlockVendor(vendor_.id, nobody, now_, count).error().code(),
            ErrorCode::kNotFound)
      << "an approver of no organisation";
  EXPECT_EQ(accounts_->UnlockVendor(chu1_.id, chu2_, now_, count).error().code(),
            ErrorCode::kNotFound)
      << "not a vendor's account (an admin's act): not there, as an unknown address";
  EXPECT_EQ(recorded, 0);
  EXPECT_FALSE(Reload(vendor_).locked_reason.empty());
  // Nothing is lifted when the record fails (the ledger first).
  auto unrecorded = accounts_->UnlockVendor(
      vendor_.id, chu1_, now_, [] { return Status(Error(ErrorCode::kIo, "ledger down")); });
  ASSERT_FALSE(unrecorded.ok());
  EXPECT_FALSE(Reload(vendor_).locked_reason.empty());
  auto lifted = accounts_->UnlockVendor(vendor_.id, chu1_, now_, count);
  ASSERT_TRUE(lifted.ok()) << lifted.error().message();
  EXPECT_EQ(*lifted, "locked: break-glass grant 1 was not countersigned");
  EXPECT_EQ(recorded, 1);
  EXPECT_TRUE(accounts_->MayUseRemotely(Reload(vendor_), now_).ok());
  EXPECT_EQ(accounts_->UnlockVendor(vendor_.id, chu1_, now_, count).error().code(),
            ErrorCode::kAlreadyExists)
      << "nothing left to lift";
  // The exchange's own accounts stay an admin's to unlock.
  EXPECT_TRUE(accounts_->Unlock(chu1_.email, now_).ok());
}

TEST_F(RemoteTest, VendorAccountsUnusedFor90DaysAreDormant) {
  const int64_t idle = AccountPolicy{}.idle_account_seconds;
  Account a = Reload(vendor_);
  EXPECT_FALSE(Dormant(a, now_ + idle - 1, idle));
  EXPECT_TRUE(Dormant(a, now_ + idle, idle)) << "counted from creation when never used";
  EXPECT_FALSE(Dormant(Reload(chu1_), now_ + idle, idle)) << "approvers are not vendor accounts";
  ASSERT_TRUE(accounts_->MarkUsed(vendor_.id, now_ + 50 * kDay).ok());
  EXPECT_FALSE(Dormant(Reload(vendor_), now_ + idle, idle)) << "a use restarts the count";
  EXPECT_TRUE(Dormant(Reload(vendor_), now_ + 50 * kDay + idle, idle));
  // The hospital's approver re-opens it; the count restarts there.
  EXPECT_FALSE(accounts_->LockOf(Reload(vendor_), now_ + 200 * kDay).empty());
  ReopenByTheHospital(vendor_, now_ + 200 * kDay);
  EXPECT_FALSE(Dormant(Reload(vendor_), now_ + 201 * kDay, idle));
  EXPECT_TRUE(Dormant(Reload(vendor_), now_ + 200 * kDay + idle, idle));
}

// ---- suspension ----

TEST_F(RemoteTest, SuspendingAnOrganisationRevokesItsGrantsInOneAct) {
  const int64_t open = OpenGrant();
  auto requested = grants_->RequestTarget(vendor2_, pacs_, "a reason long enough", std::nullopt,
                                          3600, std::nullopt, now_);
  auto others = grants_->RequestTarget(other_vendor_, pacs_, "a reason long enough", std::nullopt,
                                       3600, std::nullopt, now_);
  ASSERT_TRUE(Issue(open, vendor_).ok());
  Organisations orgs(*db_);
  int recorded = 0;
  auto s = orgs.Suspend("Vendor SA", "the vendor was breached", now_ + 60,
                        [&](const Suspension&) -> Status {
                          ++recorded;
                          return Ok();
                        });
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(recorded, 1);
  EXPECT_EQ(s->revoked_grants, (std::vector<int64_t>{open, *requested}));
  EXPECT_EQ(grants_->Get(open)->status, "revoked");
  EXPECT_EQ(*grants_->Get(open)->closes_at, now_ + 60);
  EXPECT_EQ(grants_->Get(*requested)->status, "revoked");
  EXPECT_EQ(grants_->Get(*others)->status, "requested") << "another vendor is untouched";
  EXPECT_TRUE(*orgs.Suspended("Vendor SA"));
  EXPECT_FALSE(*orgs.Suspended(""));
  EXPECT_EQ(orgs.Suspend("Vendor SA", "", now_ + 61).error().code(), ErrorCode::kRefused);

  // A new grant approved meanwhile (by a confused approver) still gives
  // nothing: the account's organisation is checked at every use.
  auto again = grants_->RequestTarget(vendor_, pacs_, "a reason long enough", std::nullopt, 3600,
                                      std::nullopt, now_ + 100);
  ASSERT_TRUE(grants_->Approve(chu1_, *again, now_ + 100).ok());
  now_ += 120;
  auto refused = Issue(*again, vendor_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("suspended"), std::string::npos);

  // The alert is taken once.
  EXPECT_EQ(orgs.TakeUnalertedSuspensions()->size(), 1u);
  EXPECT_TRUE(orgs.TakeUnalertedSuspensions()->empty());

  // Resume: never by the vendor itself; nor before the admin asks; nor by
  // a hospital the vendor never reached, nor by another vendor (attack
  // review of 2026-12-05: any approver of another organisation lifted the
  // emergency cut-off).
  EXPECT_EQ(orgs.Resume("Vendor SA", "Vendor SA", now_).error().code(), ErrorCode::kRefused);
  EXPECT_EQ(orgs.Resume("Vendor SA", "CHU Exemple", now_).error().code(), ErrorCode::kRefused)
      << "the admin has not asked";
  ASSERT_TRUE(orgs.RequestResume("Vendor SA", now_).ok());
  const Target ris = AddTargetOf("ris07", "CH Ailleurs");
  for (const char* stranger : {"CH Ailleurs", "Other Ltd", ""}) {
    EXPECT_EQ(orgs.Resume("Vendor SA", stranger, now_).error().code(), ErrorCode::kNotFound)
        << stranger;
  }
  EXPECT_TRUE(*orgs.Suspended("Vendor SA"));
  ASSERT_TRUE(orgs.Resume("Vendor SA", "CHU Exemple", now_).ok());
  EXPECT_FALSE(*orgs.Suspended("Vendor SA"));
  EXPECT_TRUE(Issue(*again, vendor_).ok());
  EXPECT_EQ(orgs.Resume("Vendor SA", "CHU Exemple", now_).error().code(), ErrorCode::kNotFound);
}

// ---- certificates ----

TEST_F(RemoteTest, ACertificateSaysExactlyWhatTheGrantAllows) {
  const int64_t id = OpenGrant(std::string("PO/4521"));
  ASSERT_TRUE(accounts_->SetAllowList(vendor_.email, {"203.0.113.0/24"}).ok());
  vendor_ = Reload(vendor_);
  auto c = Issue(id, vendor_);
  ASSERT_TRUE(c.ok()) << c.error().message();
  const std::string key_id =
      "grant-" + std::to_string(id) + " account-" + std::to_string(vendor_.id) + " order=PO/4521";
  EXPECT_EQ(c->key_id, key_id);
  auto cert = ssh::ParseCertificateLine(c->line);
  ASSERT_TRUE(cert.ok()) << cert.error().message();
  EXPECT_EQ(cert->ca_key, ca_->public_key());
  EXPECT_EQ(cert->type, ssh::kUserCertificate);
  EXPECT_EQ(cert->spec.public_key, key_);
  EXPECT_EQ(cert->spec.key_id, key_id);
  EXPECT_EQ(cert->spec.serial, static_cast<uint64_t>(c->serial));
  EXPECT_EQ(cert->spec.principals, std::vector<std::string>{"bastion"});
  EXPECT_EQ(cert->spec.valid_after, static_cast<uint64_t>(now_ - 60));
  EXPECT_EQ(cert->spec.valid_before, static_cast<uint64_t>(now_ + 4 * 3600)) << "the window's end";
  EXPECT_EQ(cert->spec.extensions, std::vector<std::string>{"permit-pty"});
  EXPECT_EQ(cert->spec.source_address, "203.0.113.0/24");
  EXPECT_FALSE(cert->spec.force_command);
  EXPECT_EQ(c->fingerprint, ssh::Fingerprint(key_));
  EXPECT_EQ(Reload(vendor_).last_used_at, now_) << "issuing is a use";
}

TEST_F(RemoteTest, ACertificateLastsAtMostEightHours) {
  auto id = grants_->RequestTarget(vendor_, pacs_, "a reason long enough", std::nullopt, 24 * 3600,
                                   std::nullopt, now_);
  ASSERT_TRUE(grants_->Approve(chu1_, *id, now_).ok());
  auto c = Issue(*id, vendor_);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->valid_before, now_ + 8 * 3600);
  EXPECT_FALSE(ssh::ParseCertificateLine(c->line)->spec.source_address) << "no allow-list";
}

TEST_F(RemoteTest, SerialsAreUniqueAndNeverReused) {
  const int64_t id = OpenGrant();
  std::set<int64_t> seen;
  for (int i = 0; i < 5; ++i) {
    auto c = Issue(id, vendor_);
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(seen.insert(c->serial).second);
  }
  const int64_t last = *seen.rbegin();
  ASSERT_TRUE(db_->Exec("DELETE FROM ssh_certificates WHERE serial = (SELECT max(serial) FROM "
                        "ssh_certificates)")
                  .ok());
  EXPECT_GT(Issue(id, vendor_)->serial, last) << "a deleted row's serial is not given again";
}

TEST_F(RemoteTest, CertificatesOnlyInsideAnOpenGrantOfOnesOwn) {
  // Someone else's grant is not found; a requested, a denied, a package
  // grant, a grant before its start and after its end are refused.
  const int64_t open = OpenGrant();
  EXPECT_EQ(Issue(open, vendor2_).error().code(), ErrorCode::kNotFound);
  auto requested = grants_->RequestTarget(vendor_, lis_, "a reason long enough", std::nullopt, 3600,
                                          std::nullopt, now_);
  EXPECT_EQ(Issue(*requested, vendor_).error().code(), ErrorCode::kRefused);
  auto later = grants_->RequestTarget(vendor_, pacs_, "a reason long enough", now_ + kDay, 3600,
                                      std::nullopt, now_);
  ASSERT_TRUE(grants_->Approve(chu1_, *later, now_).ok());
  EXPECT_NE(Issue(*later, vendor_).error().message().find("not opened yet"), std::string::npos);
  now_ += 4 * 3600;
  EXPECT_NE(Issue(open, vendor_).error().message().find("ended"), std::string::npos);
  EXPECT_EQ(remote_->IssueCertificate(*ca_, vendor_, *later, "ssh-rsa AAAAB3NzaC1yc2E x", now_)
                .error()
                .code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(RemoteTest, NoCertificateForADisabledLockedOrDormantAccount) {
  const int64_t id = OpenGrant();
  ASSERT_TRUE(accounts_->LockFor(vendor_.id, "break-glass not countersigned").ok());
  EXPECT_EQ(Issue(id, Reload(vendor_)).error().code(), ErrorCode::kRefused);
  ReopenByTheHospital(vendor_, now_);
  ASSERT_TRUE(Issue(id, Reload(vendor_)).ok());
  ASSERT_TRUE(accounts_->Disable(vendor_.email).ok());
  EXPECT_EQ(Issue(id, Reload(vendor_)).error().code(), ErrorCode::kRefused);
}

// ---- the bastion's checks ----

TEST_F(RemoteTest, KeyIdsParseStrictly) {
  auto k = ParseKeyId("grant-12 account-7 order=CHG-1");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->grant, 12);
  EXPECT_EQ(k->account, 7);
  EXPECT_EQ(k->order, "CHG-1");
  EXPECT_EQ(FormatKeyId(*k), "grant-12 account-7 order=CHG-1");
  EXPECT_TRUE(ParseKeyId("grant-12 account-7"));
  for (const char* bad : {"", "grant-12", "grant-12 account-", "grant-012 account-7",
                          "grant-12 account-7 ", "grant-12  account-7", "grant-12 account-7 x=1",
                          "grant-12 account-7 order=", "grant--1 account-7", "session-1 grant-2",
                          "grant-12 account-7 order=a b"}) {
    EXPECT_FALSE(ParseKeyId(bad)) << bad;
  }
}

TEST_F(RemoteTest, TheBastionLetsInOnlyWhatTheExchangeIssuedAndStillAllows) {
  const int64_t id = OpenGrant();
  auto c = Issue(id, vendor_);
  ASSERT_TRUE(c.ok());
  const std::string fp = c->fingerprint;
  auto ok = remote_->Check(c->key_id, c->serial, fp, now_);
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->grant.id, id);
  EXPECT_EQ(ok->target.name, "pacs01");

  auto refused = [&](std::string_view key_id, int64_t serial, std::string_view f,
                     std::string_view why) {
    auto r = remote_->Check(key_id, serial, f, now_);
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_EQ(r.error().code(), ErrorCode::kRefused);
    EXPECT_NE(r.error().message().find(why), std::string::npos) << r.error().message();
  };
  refused("grant-x", c->serial, fp, "key id");
  refused(c->key_id, c->serial + 1000, fp, "serial");  // not issued
  refused("grant-" + std::to_string(id) + " account-" + std::to_string(vendor2_.id), c->serial, fp,
          "serial");  // another account's name on this serial
  refused(c->key_id, c->serial, ssh::Fingerprint(crypto::GenerateEd25519().public_key),
          "another key");
  // Revoked certificate.
  ASSERT_TRUE(db_->Exec("UPDATE ssh_certificates SET revoked_at = 1").ok());
  refused(c->key_id, c->serial, fp, "revoked");
  ASSERT_TRUE(db_->Exec("UPDATE ssh_certificates SET revoked_at = NULL").ok());
  // The account disabled, then the organisation suspended, then the grant revoked.
  ASSERT_TRUE(accounts_->LockFor(vendor_.id, "for the test").ok());
  refused(c->key_id, c->serial, fp, "locked");
  ReopenByTheHospital(vendor_, now_);
  ASSERT_TRUE(Organisations(*db_).Suspend("Other Ltd", "", now_).ok());
  EXPECT_TRUE(remote_->Check(c->key_id, c->serial, fp, now_).ok()) << "another vendor's";
  ASSERT_TRUE(grants_->Revoke(chu2_, id, now_).ok());
  refused(c->key_id, c->serial, fp, "revoked");
  auto krl = remote_->Revoked(now_);
  EXPECT_EQ(krl->serials, std::vector<int64_t>{c->serial});
  EXPECT_EQ(krl->key_ids, std::vector<std::string>{c->key_id});
  EXPECT_TRUE(remote_->Revoked(c->valid_before)->serials.empty()) << "expired: sshd refuses it";
}

TEST_F(RemoteTest, TheBastionRefusesADormantVendorAccountAndAnEndedWindow) {
  const int64_t id = OpenGrant();
  auto c = Issue(id, vendor_);
  now_ += 4 * 3600;
  auto r = remote_->Check(c->key_id, c->serial, c->fingerprint, now_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not valid now"), std::string::npos);
  // Dormancy: a vendor account unused for 90 days, its grant approved anew.
  now_ += 91 * kDay;
  auto again = grants_->RequestTarget(vendor_, pacs_, "a reason long enough", std::nullopt, 3600,
                                      std::nullopt, now_);
  ASSERT_TRUE(grants_->Approve(chu1_, *again, now_).ok());
  auto dormant = Issue(*again, Reload(vendor_));
  ASSERT_FALSE(dormant.ok());
  EXPECT_NE(dormant.error().message().find("dormant"), std::string::npos);
}

TEST_F(RemoteTest, SessionsNeedRecipientsGetAnEgressCertificateAndEndWithTheGrant) {
  const int64_t id = OpenGrant();
  auto c = Issue(id, vendor_);
  ASSERT_TRUE(c.ok());
  Machines machines(*db_);
  auto token = machines.Add("bastion01", now_);
  ASSERT_TRUE(token.ok());
  auto bastion = machines.Authenticate(*token, now_);
  ASSERT_TRUE(bastion.ok());
  EXPECT_EQ(machines.Authenticate(std::string(64, 'a'), now_).error().code(),
            ErrorCode::kAuthFailed);
  const auto egress_key = crypto::GenerateEd25519().public_key;
  const std::string egress_line = ssh::PublicKeyLine(egress_key);

  RemotePolicy none = policy_;
  none.recording_recipients.clear();
  RemoteAccess unrecorded(*db_, *accounts_, *grants_, none);
  auto refused = unrecorded.StartSession(*egress_ca_, *bastion, c->key_id, c->serial,
                                         c->fingerprint, "192.0.2.9", egress_line, now_, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("recording"), std::string::npos);

  int recorded = 0;
  ASSERT_TRUE(remote_->NoteLogin(*bastion, c->serial, now_ + 4).ok());
  auto s = remote_->StartSession(*egress_ca_, *bastion, c->key_id, c->serial, c->fingerprint,
                                 "192.0.2.9", egress_line, now_ + 5,
                                 [&](const StartedSession&) -> Status {
                                   ++recorded;
                                   return Ok();
                                 });
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(recorded, 1);
  EXPECT_EQ(s->remote.target.name, "pacs01");
  auto egress = ssh::ParseCertificateLine(s->egress.line);
  ASSERT_TRUE(egress.ok());
  EXPECT_EQ(egress->ca_key, egress_ca_->public_key()) << "the egress CA, not the user CA";
  EXPECT_EQ(egress->spec.principals, std::vector<std::string>{"pacs01"});
  EXPECT_EQ(egress->spec.valid_after, static_cast<uint64_t>(now_ + 5 - 30));
  EXPECT_EQ(egress->spec.valid_before, static_cast<uint64_t>(now_ + 5 + 120));
  EXPECT_EQ(egress->spec.key_id,
            "session-" + std::to_string(s->id) + " grant-" + std::to_string(id));
  EXPECT_EQ(egress->spec.source_address, "10.1.0.5/32");
  EXPECT_EQ(egress->spec.extensions, std::vector<std::string>{"permit-pty"});
  EXPECT_NE(s->egress.serial, c->serial);
  EXPECT_EQ(Reload(vendor_).last_used_at, now_ + 5) << "a session is a use";
  EXPECT_TRUE(remote_->Revoked(now_)->serials.empty()) << "egress certificates are not listed";

  // Another bastion sees no such session.
  auto other_token = machines.Add("bastion02", now_);
  auto other = machines.Authenticate(*other_token, now_);
  EXPECT_EQ(remote_->State(*other, s->id, now_).error().code(), ErrorCode::kNotFound);

  auto st = remote_->State(*bastion, s->id, now_ + 10);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->open);
  SessionReport anchor{3, 4096, std::string(64, 'a'), std::string(64, 'b'), {}, {}, ""};
  EXPECT_TRUE(remote_->Anchor(*bastion, s->id, anchor, now_ + 20, {})->open);
  // Revoked: the next poll says closed, with why.
  ASSERT_TRUE(grants_->Revoke(chu1_, id, now_ + 30).ok());
  st = remote_->State(*bastion, s->id, now_ + 31);
  EXPECT_FALSE(st->open);
  EXPECT_NE(st->reason.find("revoked"), std::string::npos) << st->reason;
  SessionReport end{4, 5000, std::string(64, 'c'), "", 26, 0, "grant revoked"};
  ASSERT_TRUE(remote_->End(*bastion, s->id, end, now_ + 32, {}).ok());
  EXPECT_EQ(remote_->End(*bastion, s->id, end, now_ + 33, {}).error().code(),
            ErrorCode::kAlreadyExists);
  auto row = remote_->GetSession(s->id);
  EXPECT_EQ(row->bytes, 5000);
  EXPECT_EQ(row->end_reason, "grant revoked");
  EXPECT_EQ(*row->last_anchor_at, now_ + 20);
  EXPECT_EQ(remote_->Sessions(vendor_.id)->size(), 1u);
  EXPECT_FALSE(remote_->State(*bastion, s->id, now_ + 40)->open);
}

TEST_F(RemoteTest, ALiveSessionClosesWhenTheOrganisationIsSuspended) {
  const int64_t id = OpenGrant();
  auto c = Issue(id, vendor_);
  Machines machines(*db_);
  auto bastion = machines.Authenticate(*machines.Add("bastion01", now_), now_);
  ASSERT_TRUE(remote_->NoteLogin(*bastion, c->serial, now_).ok());
  auto s = remote_->StartSession(
      *egress_ca_, *bastion, c->key_id, c->serial, c->fingerprint, "192.0.2.9",
      ssh::PublicKeyLine(crypto::GenerateEd25519().public_key), now_, {});
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(Organisations(*db_).Suspend("Vendor SA", "breach", now_ + 1).ok());
  auto st = remote_->State(*bastion, s->id, now_ + 2);
  EXPECT_FALSE(st->open);
  EXPECT_FALSE(st->reason.empty());
}

// ---- targets and the CAs ----

TEST_F(RemoteTest, TargetsAreCheckedAndNotRemovedUnderAnOpenGrant) {
  Targets targets(*db_);
  Target t = pacs_;
  t.name = "pacs01";
  EXPECT_EQ(targets.Add(t, now_).error().code(), ErrorCode::kAlreadyExists);
  for (const char* address : {"10.1.2.3", ":22", "host:0", "host:65536", "ho st:22", "-o:22"}) {
    t.name = "x1";
    t.address = address;
    EXPECT_EQ(targets.Add(t, now_).error().code(), ErrorCode::kInvalidArgument) << address;
  }
  t.address = "[2001:db8::7]:22";
  EXPECT_TRUE(targets.Add(t, now_).ok());
  t.name = "x2";
  t.principal = "-oProxyCommand";
  EXPECT_EQ(targets.Add(t, now_).error().code(), ErrorCode::kInvalidArgument);
  const int64_t id = OpenGrant();
  EXPECT_EQ(targets.Remove("pacs01", now_).error().code(), ErrorCode::kRefused);
  ASSERT_TRUE(grants_->Revoke(chu1_, id, now_).ok());
  EXPECT_TRUE(targets.Remove("pacs01", now_).ok());
  EXPECT_EQ(targets.Remove("pacs01", now_).error().code(), ErrorCode::kNotFound);
  // Its name is not given to anyone again: its grants still name it.
  t = pacs_;
  t.organisation = "Other Hospital";
  EXPECT_EQ(targets.Add(t, now_).error().code(), ErrorCode::kAlreadyExists);
  t.name = "pacs01-2";
  EXPECT_TRUE(targets.Add(t, now_).ok());
}

TEST_F(RemoteTest, CaRotationKeepsTheOldKeyTrustedUntilRetired) {
  auto first = TrustedCaLines(dir_.path(), CaKind::kUser);
  ASSERT_TRUE(first.ok()) << first.error().message();
  ASSERT_EQ(first->size(), 1u);
  auto egress = TrustedCaLines(dir_.path(), CaKind::kEgress);
  EXPECT_NE((*egress)[0], (*first)[0]) << "two different CAs";
  ASSERT_TRUE(RotateCa(dir_.path(), CaKind::kUser).ok());
  auto during = TrustedCaLines(dir_.path(), CaKind::kUser);
  ASSERT_EQ(during->size(), 2u);
  EXPECT_NE((*during)[0], (*first)[0]);
  EXPECT_EQ((*during)[1].substr(0, 80), (*first)[0].substr(0, 80)) << "the old key still listed";
  EXPECT_EQ(RotateCa(dir_.path(), CaKind::kUser).error().code(), ErrorCode::kRefused);
  auto signer = LoadOrCreateCa(dir_.path(), CaKind::kUser);
  EXPECT_EQ(ssh::PublicKeyLine(signer->public_key()).substr(0, 80), (*during)[0].substr(0, 80));
  ASSERT_TRUE(RetireOldCa(dir_.path(), CaKind::kUser).ok());
  EXPECT_EQ(TrustedCaLines(dir_.path(), CaKind::kUser)->size(), 1u);
  EXPECT_EQ(RetireOldCa(dir_.path(), CaKind::kUser).error().code(), ErrorCode::kNotFound);
}

TEST_F(RemoteTest, RecordingsAreDeletedOnlyAfterTheirRetentionOnceAndByName) {
  const int64_t id = OpenGrant();
  auto c = Issue(id, vendor_);
  ASSERT_TRUE(c.ok());
  Machines machines(*db_);
  auto bastion = machines.Authenticate(*machines.Add("bastion01", now_), now_);
  auto other = machines.Authenticate(*machines.Add("bastion02", now_), now_);
  ASSERT_TRUE(bastion.ok() && other.ok());
  policy_.recording_retention_seconds = 10 * 86400;
  ASSERT_TRUE(remote_->NoteLogin(*bastion, c->serial, now_).ok());
  auto s = remote_->StartSession(
      *egress_ca_, *bastion, c->key_id, c->serial, c->fingerprint, "192.0.2.9",
      ssh::PublicKeyLine(crypto::GenerateEd25519().public_key), now_, {});
  ASSERT_TRUE(s.ok()) << s.error().message();
  const std::string header(64, 'd');
  SessionReport first{1, 200, std::string(64, 'a'), header, {}, {}, ""};
  ASSERT_TRUE(remote_->Anchor(*bastion, s->id, first, now_ + 1, {}).ok());
  SessionReport end{2, 300, std::string(64, 'c'), "", 5, 0, "exit"};
  ASSERT_TRUE(remote_->End(*bastion, s->id, end, now_ + 100, {}).ok());

  // Within its retention (counted from the end): neither listed nor deletable.
  const int64_t due = now_ + 100 + 10 * 86400;
  EXPECT_TRUE(remote_->ExpiredRecordings(*bastion, due - 1)->empty());
  EXPECT_EQ(remote_->RecordingDeleted(*bastion, s->id, header, due - 1, {}).error().code(),
            ErrorCode::kRefused);
  // Past it: listed for its own bastion only, deleted only under its name.
  auto listed = remote_->ExpiredRecordings(*bastion, due);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].header_sha256, header);
  EXPECT_TRUE(remote_->ExpiredRecordings(*other, due)->empty());
  EXPECT_EQ(remote_->RecordingDeleted(*other, s->id, header, due, {}).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(
      remote_->RecordingDeleted(*bastion, s->id, std::string(64, 'e'), due, {}).error().code(),
      ErrorCode::kRefused);
  // An event that cannot be recorded leaves the recording undeleted.
  auto failed = remote_->RecordingDeleted(
      *bastion, s->id, header, due, [] { return Status(Error(ErrorCode::kIo, "ledger full")); });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(remote_->ExpiredRecordings(*bastion, due)->size(), 1u);
  int recorded = 0;
  auto done = remote_->RecordingDeleted(*bastion, s->id, header, due, [&] {
    ++recorded;
    return Ok();
  });
  ASSERT_TRUE(done.ok()) << done.error().message();
  EXPECT_EQ(recorded, 1);
  EXPECT_EQ(*done->recording_deleted_at, due);
  EXPECT_EQ(done->bytes, 300);
  EXPECT_TRUE(remote_->ExpiredRecordings(*bastion, due + 1)->empty());
  EXPECT_EQ(remote_->RecordingDeleted(*bastion, s->id, header, due + 1, {}).error().code(),
            ErrorCode::kAlreadyExists);
}

TEST_F(RemoteTest, TheExchangeCopiesARecordingOnceItsSessionIsOverAndDeletesItAtItsRetention) {
  const int64_t id = OpenGrant();
  auto c = Issue(id, vendor_);
  ASSERT_TRUE(c.ok());
  Machines machines(*db_);
  auto bastion = machines.Authenticate(*machines.Add("bastion01", now_), now_);
  auto other = machines.Authenticate(*machines.Add("bastion02", now_), now_);
  ASSERT_TRUE(bastion.ok() && other.ok());
  policy_.recording_retention_seconds = 10 * 86400;
  ASSERT_TRUE(remote_->NoteLogin(*bastion, c->serial, now_).ok());
  auto s = remote_->StartSession(
      *egress_ca_, *bastion, c->key_id, c->serial, c->fingerprint, "192.0.2.9",
      ssh::PublicKeyLine(crypto::GenerateEd25519().public_key), now_, {});
  ASSERT_TRUE(s.ok()) << s.error().message();
  // Not anchored yet: nothing to copy.
  EXPECT_EQ(remote_->CopyableRecording(*bastion, s->id, now_ + 700).error().code(),
            ErrorCode::kRefused);
  SessionReport first{1, 200, std::string(64, 'a'), std::string(64, 'd'), {}, {}, ""};
  ASSERT_TRUE(remote_->Anchor(*bastion, s->id, first, now_ + 1, {}).ok());
  // Live (anchored a moment ago): not yet; another bastion's: never.
  EXPECT_EQ(remote_->CopyableRecording(*bastion, s->id, now_ + 60).error().code(),
            ErrorCode::kRefused);
  EXPECT_TRUE(remote_->UncopiedRecordings(*bastion, now_ + 60)->empty());
  EXPECT_EQ(remote_->CopyableRecording(*other, s->id, now_ + 60).error().code(),
            ErrorCode::kNotFound);
  // Silent for kSilentSessionSeconds: its bastion died; copyable.
  EXPECT_TRUE(remote_->CopyableRecording(*bastion, s->id, now_ + 1 + kSilentSessionSeconds).ok());
  SessionReport end{2, 300, std::string(64, 'c'), "", 5, 0, "exit"};
  ASSERT_TRUE(remote_->End(*bastion, s->id, end, now_ + 100, {}).ok());
  auto pending = remote_->UncopiedRecordings(*bastion, now_ + 101);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_TRUE(remote_->UncopiedRecordings(*other, now_ + 101)->empty());

  // An event that cannot be recorded keeps nothing.
  EXPECT_FALSE(remote_
                   ->RecordingCopied(*bastion, s->id, 300, now_ + 101,
                                     [] { return Status(Error(ErrorCode::kIo, "ledger full")); })
                   .ok());
  EXPECT_EQ(remote_->UncopiedRecordings(*bastion, now_ + 101)->size(), 1u);
  auto copied = remote_->RecordingCopied(*bastion, s->id, 300, now_ + 101, {});
  ASSERT_TRUE(copied.ok()) << copied.error().message();
  EXPECT_EQ(*copied->copy_bytes, 300);
  EXPECT_EQ(remote_->RecordingCopied(*bastion, s->id, 300, now_ + 102, {}).error().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_TRUE(remote_->UncopiedRecordings(*bastion, now_ + 102)->empty());

  // Its retention counts from the end, like the bastion's file.
  const int64_t due = now_ + 100 + 10 * 86400;
  EXPECT_TRUE(remote_->ExpiredCopies(due - 1)->empty());
  ASSERT_EQ(remote_->ExpiredCopies(due)->size(), 1u);
  EXPECT_FALSE(
      remote_->CopyDeleted(s->id, due, [] { return Status(Error(ErrorCode::kIo, "ledger full")); })
          .ok());
  ASSERT_EQ(remote_->ExpiredCopies(due)->size(), 1u) << "not recorded: not deleted";
  ASSERT_TRUE(remote_->CopyDeleted(s->id, due, {}).ok());
  EXPECT_TRUE(remote_->ExpiredCopies(due + 1)->empty());
  EXPECT_EQ(remote_->CopyDeleted(s->id, due + 1, {}).error().code(), ErrorCode::kAlreadyExists);
  auto after = remote_->GetSession(s->id);
  EXPECT_EQ(*after->copy_deleted_at, due);
  // Deleted: never copied again.
  EXPECT_EQ(remote_->CopyableRecording(*bastion, s->id, due + 1).error().code(),
            ErrorCode::kRefused);
}

TEST_F(RemoteTest, ASessionStartsOnlyAfterALoginOnThatBastionAndItsRecordingOnlyGrows) {
  const int64_t id = OpenGrant();
  auto c = Issue(id, vendor_);
  ASSERT_TRUE(c.ok());
  Machines machines(*db_);
  auto bastion = machines.Authenticate(*machines.Add("bastion01", now_), now_);
  auto other = machines.Authenticate(*machines.Add("bastion02", now_), now_);
  ASSERT_TRUE(bastion.ok() && other.ok());
  const std::string egress = ssh::PublicKeyLine(crypto::GenerateEd25519().public_key);
  auto Refused = [](const auto& r) { return !r.ok() && r.error().code() == ErrorCode::kRefused; };
  auto start = [&](const Machine& m, std::string_view fingerprint, int64_t at) {
    return remote_->StartSession(*egress_ca_, m, c->key_id, c->serial, fingerprint, "192.0.2.9",
                                 egress, at, {});
  };
  // The machine token alone: no login, no session.
  EXPECT_TRUE(Refused(start(*bastion, c->fingerprint, now_)));
  // A login on another bastion, or too long ago, does not count either.
  ASSERT_TRUE(remote_->NoteLogin(*other, c->serial, now_).ok());
  EXPECT_TRUE(Refused(start(*bastion, c->fingerprint, now_ + 1)));
  ASSERT_TRUE(remote_->NoteLogin(*bastion, c->serial, now_).ok());
  EXPECT_TRUE(Refused(start(*bastion, c->fingerprint, now_ + 121)));
  // Another key's fingerprint, even right after a login: refused.
  ASSERT_TRUE(remote_->NoteLogin(*bastion, c->serial, now_ + 200).ok());
  // sshd's second question of one login is that login, not a new one.
  EXPECT_TRUE(*remote_->LoggedInWithin(*bastion, c->serial, now_ + 203, 5));
  EXPECT_FALSE(*remote_->LoggedInWithin(*bastion, c->serial, now_ + 206, 5));
  EXPECT_FALSE(*remote_->LoggedInWithin(*other, c->serial, now_ + 201, 5));
  EXPECT_TRUE(Refused(start(*bastion, "SHA256:" + std::string(43, 'A'), now_ + 201)));
  auto s = start(*bastion, c->fingerprint, now_ + 202);
  ASSERT_TRUE(s.ok()) << s.error().message();

  // Anchors never go back, and never switch recordings.
  const std::string header(64, 'd');
  SessionReport a{5, 5000, std::string(64, 'a'), header, {}, {}, ""};
  ASSERT_TRUE(remote_->Anchor(*bastion, s->id, a, now_ + 210, {}).ok());
  SessionReport back{1, 1, std::string(64, '0'), std::string(64, '0'), {}, {}, ""};
  EXPECT_TRUE(Refused(remote_->Anchor(*bastion, s->id, back, now_ + 211, {})));
  SessionReport other_rec{6, 6000, std::string(64, 'b'), std::string(64, 'e'), {}, {}, ""};
  EXPECT_TRUE(Refused(remote_->Anchor(*bastion, s->id, other_rec, now_ + 212, {})));
  SessionReport short_end{4, 4000, std::string(64, 'c'), "", 9, 0, "exit"};
  EXPECT_TRUE(Refused(remote_->End(*bastion, s->id, short_end, now_ + 213, {})));
  SessionReport end{6, 6000, std::string(64, 'c'), "", 9, 0, "exit"};
  EXPECT_TRUE(remote_->End(*bastion, s->id, end, now_ + 214, {}).ok());
  EXPECT_EQ(remote_->GetSession(s->id)->head, std::string(64, 'c'));
}

TEST_F(RemoteTest, TheKrlListsTheCertificatesOfAccountsThatCanNoLongerBeUsed) {
  const int64_t id = OpenGrant();
  auto c = Issue(id, vendor_);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(remote_->Revoked(now_)->serials.empty()) << "an open grant, a usable account";
  ASSERT_TRUE(accounts_->LockFor(vendor_.id, "break-glass not countersigned").ok());
  EXPECT_EQ(remote_->Revoked(now_)->serials, std::vector<int64_t>{c->serial});
  ASSERT_TRUE(accounts_->Disable("v@vendor.example").ok());
  EXPECT_EQ(remote_->Revoked(now_)->serials, std::vector<int64_t>{c->serial});
}

}  // namespace
}  // namespace cordon::exchange
