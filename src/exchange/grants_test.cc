#include "exchange/grants.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "exchange/grant_decisions.h"
#include "exchange/review.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::exchange {
namespace {
namespace fs = std::filesystem;

class GrantsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cordon-grants-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    auto accounts = Accounts::Open(dir_.string());
    ASSERT_TRUE(accounts.ok());
    auto add = [&](const char* email, Role role) {
      EXPECT_TRUE(
          accounts->AddUser(std::string("Person ") + email, email, role, now_ + 86400 * 365, now_)
              .ok());
      return *accounts->Find(email);
    };
    recipient_ = add("r@lab.example", Role::kRecipient);
    approver_ = add("a@lab.example", Role::kApprover);
    approver2_ = add("b@lab.example", Role::kApprover);
    operator_ = add("o@vendor.example", Role::kOperator);
    auto g = Grants::Open(dir_.string());
    ASSERT_TRUE(g.ok()) << g.error().message();
    grants_.emplace(std::move(*g));
  }
  void TearDown() override { fs::remove_all(dir_); }

  const std::string pkg_ = std::string(64, 'a');
  fs::path dir_;
  int64_t now_ = 1800000000;
  Account recipient_, approver_, approver2_, operator_;
  std::optional<Grants> grants_;
};

TEST_F(GrantsTest, WindowStartsAtApprovalNotAtRequest) {
  auto id = grants_->Request(recipient_, pkg_, "import into the new LIS", std::nullopt, 3600, now_);
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE(grants_->ActiveFor(recipient_, pkg_, now_)->has_value());  // not yet approved
  // The approver takes 5 hours: the hour granted starts then.
  ASSERT_TRUE(grants_->Approve(approver_, *id, now_ + 5 * 3600).ok());
  EXPECT_TRUE(grants_->ActiveFor(recipient_, pkg_, now_ + 5 * 3600 + 10)->has_value());
  EXPECT_TRUE(grants_->ActiveFor(recipient_, pkg_, now_ + 6 * 3600 - 1)->has_value());
  EXPECT_FALSE(grants_->ActiveFor(recipient_, pkg_, now_ + 6 * 3600)->has_value());  // closed
  // For this person and this package only.
  EXPECT_FALSE(grants_->ActiveFor(operator_, pkg_, now_ + 5 * 3600 + 10)->has_value());
  EXPECT_FALSE(
      grants_->ActiveFor(recipient_, std::string(64, 'b'), now_ + 5 * 3600 + 10)->has_value());
}

TEST_F(GrantsTest, AReasonIsOneLineOfPlainText) {
  for (const std::string& reason :
       {std::string("import\x1b[2K\rall fine, approve"), std::string("import into\nthe LIS"),
        std::string("import\x07into the LIS"), std::string(1001, 'x'),
        // C1 controls (a CSI), a bidirectional override, a line separator,
        // a zero-width space, invalid and overlong UTF-8.
        std::string("import \xc2\x9b"
                    "2J into the LIS"),
        std::string("import \xe2\x80\xae SIL eht"), std::string("import into\xe2\x80\xa8the LIS"),
        std::string("import\xe2\x80\x8binto the LIS"), std::string("import into the \xff LIS"),
        std::string("import into the \xc0\xaf LIS"),
        std::string("import into the \xe0\x80\xaf LIS")}) {
    auto id = grants_->Request(recipient_, pkg_, reason, std::nullopt, 3600, now_);
    ASSERT_FALSE(id.ok()) << reason;
    EXPECT_EQ(id.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(grants_
                  ->Request(recipient_, pkg_, "import into the new LIS, ticket 4411 (été)",
                            std::nullopt, 3600, now_)
                  .ok());
}

TEST_F(GrantsTest, AFutureStartOpensThen) {
  const int64_t night = now_ + 2 * 86400;
  auto id = grants_->Request(recipient_, pkg_, "migration night import", night, 4 * 3600, now_);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(grants_->Approve(approver_, *id, now_ + 60).ok());
  EXPECT_FALSE(grants_->ActiveFor(recipient_, pkg_, now_ + 120)->has_value());
  EXPECT_TRUE(grants_->ActiveFor(recipient_, pkg_, night)->has_value());
  EXPECT_FALSE(grants_->ActiveFor(recipient_, pkg_, night + 4 * 3600)->has_value());
}

TEST_F(GrantsTest, FourEyesAndRoles) {
  auto id = grants_->Request(approver_, pkg_, "checking the extraction", std::nullopt, 3600, now_);
  ASSERT_TRUE(id.ok());
  auto self = grants_->Approve(approver_, *id, now_);
  ASSERT_FALSE(self.ok());
  EXPECT_NE(self.error().message().find("own request"), std::string::npos);
  EXPECT_FALSE(grants_->Approve(operator_, *id, now_).ok());  // not an approver
  EXPECT_FALSE(grants_->Approve(recipient_, *id, now_).ok());
  ASSERT_TRUE(grants_->Approve(approver2_, *id, now_).ok());
  EXPECT_FALSE(grants_->Approve(approver2_, *id, now_).ok());  // decided once
  EXPECT_FALSE(grants_->Request(recipient_, pkg_, "short", std::nullopt, 3600, now_).ok());
  EXPECT_FALSE(
      grants_->Request(recipient_, pkg_, "too long a grant", std::nullopt, 25 * 3600, now_).ok());
  auto denied = grants_->Request(recipient_, pkg_, "a second request", std::nullopt, 3600, now_);
  ASSERT_TRUE(grants_->Deny(approver_, *denied, now_).ok());
  EXPECT_EQ(grants_->Get(*denied)->status, "denied");
}

TEST_F(GrantsTest, RevokeClosesAtOnce) {
  auto id = grants_->Request(recipient_, pkg_, "import into the new LIS", std::nullopt, 3600, now_);
  ASSERT_TRUE(grants_->Approve(approver_, *id, now_).ok());
  ASSERT_TRUE(grants_->Revoke(approver2_, *id, now_ + 60).ok());
  EXPECT_FALSE(grants_->ActiveFor(recipient_, pkg_, now_ + 61)->has_value());
  EXPECT_FALSE(grants_->Revoke(approver2_, *id, now_ + 62).ok());
}

TEST_F(GrantsTest, BreakGlassOpensAtOnceAndAwaitsReview) {
  auto id = grants_->BreakGlass(recipient_, pkg_, "lab down, results needed now", 3600, now_);
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(grants_->ActiveFor(recipient_, pkg_, now_)->has_value());
  auto g = grants_->Get(*id);
  EXPECT_TRUE(g->break_glass);
  EXPECT_FALSE(g->reviewed_by.has_value());
  EXPECT_FALSE(grants_->BreakGlass(recipient_, pkg_, "lab down, results", 5 * 3600, now_).ok());
  EXPECT_FALSE(grants_->Review(operator_, *id, now_ + 60).ok());
  ASSERT_TRUE(grants_->Review(approver_, *id, now_ + 60).ok());
  EXPECT_EQ(grants_->Get(*id)->reviewed_by, approver_.id);
  EXPECT_FALSE(grants_->Review(approver2_, *id, now_ + 61).ok());  // once
  EXPECT_EQ(grants_->List()->size(), 1u);
  EXPECT_EQ(grants_->List(operator_.id)->size(), 0u);
}

TEST_F(GrantsTest, AccessReviewListsEveryoneAndTheirGrants) {
  auto id = grants_->Request(recipient_, pkg_, "import into the new LIS", std::nullopt, 3600, now_);
  ASSERT_TRUE(grants_->Approve(approver_, *id, now_).ok());
  auto glass = grants_->BreakGlass(operator_, pkg_, "support case, lab down", 600, now_);
  ASSERT_TRUE(glass.ok());
  auto review = AccessReview(dir_.string(), now_ + 60);
  ASSERT_TRUE(review.ok()) << review.error().message();
  const auto& people = (*review)["accounts"];
  ASSERT_EQ(people.size(), 4u);
  EXPECT_EQ(people[0]["email"], "r@lab.example");
  EXPECT_EQ(people[0]["grants"][0]["open_now"], true);
  EXPECT_EQ(people[3]["grants"][0]["break_glass"], true);
  EXPECT_EQ((*review)["break_glass_to_review"], 1);
  const std::string sha(64, 'c');
  EXPECT_FALSE(AttestReview(dir_.string(), operator_, sha, now_).ok());
  ASSERT_TRUE(AttestReview(dir_.string(), approver_, sha, now_ + 120).ok());
  EXPECT_EQ((*AccessReview(dir_.string(), now_ + 180))["attestations"].size(), 1u);
}

// The decision document is the grant as asked, in one canonical form: a
// verifier re-derives these exact bytes (a golden vector: any change of
// form breaks every signature made before it).
TEST_F(GrantsTest, ADecisionDocumentIsCanonicalAndNamesWhatWasAsked) {
  auto id = grants_->Request(recipient_, pkg_, "import into the new LIS", std::nullopt, 3600, now_);
  ASSERT_TRUE(id.ok());
  auto g = grants_->Get(*id);
  ASSERT_TRUE(g.ok());
  const std::string doc = DecisionDocument(*g, recipient_, "approve", "https://x.example");
  EXPECT_EQ(doc,
            R"({"decision":"approve","exchange":"https://x.example","format":)"
            R"("cordon-grant-decision","grant":{"break_glass":false,"duration_seconds":3600,)"
            R"("id":1,"reason":"import into the new LIS","requested_at":"2027-01-15T08:00:00Z",)"
            R"("requester":{"email":"r@lab.example","id":1,"name":"Person r@lab.example",)"
            R"("organisation":""},"start_at":null,"subject":")" +
                pkg_ + R"(","ticket":null},"version":1})");
  // Deciding does not change it: the same bytes before and after.
  ASSERT_TRUE(grants_->Approve(approver_, *id, now_ + 60).ok());
  EXPECT_EQ(DecisionDocument(*grants_->Get(*id), recipient_, "approve", "https://x.example"), doc);
  EXPECT_NE(DecisionDocument(*g, recipient_, "deny", "https://x.example"), doc);
  EXPECT_NE(DecisionDocument(*g, recipient_, "approve", "https://y.example"), doc);
  EXPECT_TRUE(IsGrantDecision("review"));
  EXPECT_FALSE(IsGrantDecision("ssh-certificate"));
  EXPECT_FALSE(IsGrantDecision(""));
}

// A schema 6 database gains the signatures' table; one signature per
// signer, grant and decision.
TEST_F(GrantsTest, ASchemaSixDatabaseMigratesAndKeepsOneSignaturePerDecision) {
  {
    auto db = OpenExchangeDb(dir_.string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("DROP TABLE grant_signatures").ok());
    ASSERT_TRUE(db->Exec("PRAGMA user_version = 6").ok());
  }
  auto db = OpenExchangeDb(dir_.string());  // migrates
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*db->UserVersion(), kSchemaVersion);
  auto g = Grants::Open(dir_.string());
  ASSERT_TRUE(g.ok());
  auto id = g->Request(recipient_, pkg_, "import into the new LIS", std::nullopt, 3600, now_);
  ASSERT_TRUE(id.ok());
  const std::string passkey =
      "INSERT INTO passkeys(user_id, credential_id, public_key, sign_counter, label, aaguid, "
      "attestation, backup_eligible, created_at) VALUES (" +
      std::to_string(approver_.id) + ", x'01', x'02', 0, 'key', '', 'none', 0, 1)";
  ASSERT_TRUE(db->Exec(passkey.c_str()).ok());
  GrantSignature s;
  s.grant_id = *id;
  s.signer_id = approver_.id;
  s.passkey_id = 1;
  s.decision = "approve";
  s.signed_at = now_;
  s.document = "{}";
  s.sshsig = "-----BEGIN SSH SIGNATURE-----";
  ASSERT_TRUE(g->AddSignature(s).ok());
  auto again = g->AddSignature(s);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kRefused);
  GrantSignature bad = s;
  bad.decision = "grant-everything";
  EXPECT_FALSE(g->AddSignature(bad).ok()) << "the CHECK on decisions";
  // Made with exactly one key: a passkey or an SSH key, not none, not both.
  bad = s;
  bad.decision = "deny";
  bad.passkey_id.reset();
  EXPECT_FALSE(g->AddSignature(bad).ok()) << "a signature by no key";
  auto kept = g->Signatures(*id);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ((*kept)[0].signer_id, approver_.id);
  EXPECT_EQ((*kept)[0].document, "{}");
  EXPECT_TRUE(g->Signatures(*id + 1)->empty());
}

// One person never decides on their own request: not by approving,
// denying, revoking or countersigning it, and not from a second account
// whose name differs only by case, accents or spaces (attack review of
// the signed decisions: F1, F2, F3).
TEST_F(GrantsTest, NobodyDecidesOnTheirOwnRequestWhateverTheVerbOrTheSpelling) {
  auto accounts = Accounts::Open(dir_.string());
  ASSERT_TRUE(accounts.ok());
  ASSERT_TRUE(
      accounts
          ->AddUser("Hélène Dupont", "h@lab.example", Role::kRecipient, now_ + 86400 * 365, now_)
          .ok());
  // A second account under the same name is refused unless declared...
  EXPECT_EQ(accounts
                ->AddUser("HÉLÈNE\u00a0DUPONT", "h2@lab.example", Role::kApprover,
                          now_ + 86400 * 365, now_)
                .error()
                .code(),
            ErrorCode::kAlreadyExists);
  // ...and, declared, never decides on the other's requests.
  ASSERT_TRUE(accounts
                  ->AddUser("HÉLÈNE\u00a0DUPONT", "h2@lab.example", Role::kApprover,
                            now_ + 86400 * 365, now_, true)
                  .ok());
  const Account helene = *accounts->Find("h@lab.example");
  const Account namesake = *accounts->Find("h2@lab.example");
  auto id = grants_->Request(helene, pkg_, "import into the new LIS", std::nullopt, 3600, now_);
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(grants_->MayDecide(namesake, *grants_->Get(*id)).ok())
      << "same organisation: only the name stops it";
  EXPECT_FALSE(grants_->RefuseOwn(namesake, *grants_->Get(*id)).ok());
  EXPECT_FALSE(grants_->Approve(namesake, *id, now_).ok());
  EXPECT_FALSE(grants_->Deny(namesake, *id, now_).ok());
  // A request is denied, not revoked, by anyone.
  auto revoked_early = grants_->Revoke(approver_, *id, now_);
  ASSERT_FALSE(revoked_early.ok());
  EXPECT_NE(revoked_early.error().hint().find("deny"), std::string::npos);
  ASSERT_TRUE(grants_->Approve(approver_, *id, now_).ok());
  EXPECT_FALSE(grants_->Revoke(namesake, *id, now_ + 1).ok());
  auto glass = grants_->BreakGlass(helene, pkg_, "the LIS is down, patients waiting", 3600, now_);
  ASSERT_TRUE(glass.ok()) << glass.error().message();
  EXPECT_FALSE(grants_->Review(namesake, *glass, now_ + 60).ok());
  EXPECT_FALSE(grants_->Get(*glass)->reviewed_by.has_value());
  EXPECT_TRUE(grants_->Review(approver_, *glass, now_ + 60).ok());
  EXPECT_TRUE(grants_->Revoke(approver2_, *id, now_ + 90).ok());
}

TEST(RoleGrantTest, ARoleForAWhileNeverApproverOrAdmin) {
  const test_support::ScopedTempDir scratch;
  const auto dir = std::filesystem::path(scratch.path()) / "exchange";
  auto grants = Grants::Open(dir.string());
  ASSERT_TRUE(grants.ok());
  const int64_t now = 1800000000;
  auto accounts = Accounts::Open(dir.string());
  ASSERT_TRUE(accounts.ok());
  ASSERT_TRUE(accounts->AddUser("O P", "op@x.example", Role::kOperator, now + 86400, now).ok());
  ASSERT_TRUE(accounts->AddUser("A P", "ap@x.example", Role::kApprover, now + 86400, now).ok());
  const Account op = accounts->Find("op@x.example").value();
  const Account approver = accounts->Find("ap@x.example").value();
  for (const char* bad : {"role:approver", "role:admin", "role:operator", "role:root"}) {
    EXPECT_FALSE(grants->Request(op, bad, "support case 4411", std::nullopt, 3600, now).ok())
        << bad;
  }
  auto id = grants->Request(op, "role:recipient", "support case 4411", std::nullopt, 3600, now);
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_TRUE(grants->ActiveRoles(op, now)->empty());  // not before approval
  ASSERT_TRUE(grants->Approve(approver, *id, now + 60).ok());
  auto roles = grants->ActiveRoles(op, now + 61);
  ASSERT_TRUE(roles.ok());
  ASSERT_EQ(roles->size(), 1u);
  EXPECT_EQ((*roles)[0], Role::kRecipient);
  EXPECT_TRUE(grants->ActiveRoles(op, now + 60 + 3600)->empty());  // closed by itself
}

}  // namespace
}  // namespace cordon::exchange
