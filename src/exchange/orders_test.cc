#include "exchange/orders.h"

#include <gtest/gtest.h>

#include <vector>

#include "exchange/accounts.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::exchange {
namespace {

constexpr int64_t kNow = 1800000000;

class OrdersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto accounts = Accounts::Open(dir_.path());
    ASSERT_TRUE(accounts.ok()) << accounts.error().message();
    accounts_.emplace(std::move(*accounts));
    vendor_ = Add("Victor Vendor", "victor@vendor.example", Role::kOperator, "Vendor SA");
    other_vendor_ = Add("Olga Other", "olga@other.example", Role::kOperator, "Other SA");
    dpo_ = Add("Dora Dpo", "dora@chu.example", Role::kDpo, "CHU Exemple");
    auto db = OpenExchangeDb(dir_.path());
    ASSERT_TRUE(db.ok());
    db_.emplace(std::move(*db));
  }
  int64_t Add(const std::string& name, const std::string& email, Role role,
              const std::string& organisation) {
    auto token = accounts_->AddUser(name, email, role, kNow + 86400 * 300, kNow);
    EXPECT_TRUE(token.ok()) << token.error().message();
    EXPECT_TRUE(accounts_->SetOrganisation(email, organisation, false).ok());
    return accounts_->Find(email)->id;
  }
  OrderSubmission Submission(const std::string& id, int64_t submitter = 0) {
    OrderSubmission s;
    s.order_id = id;
    s.organisation = "CHU Exemple";
    s.submitter_id = submitter ? submitter : vendor_;
    s.submitter_organisation = submitter == other_vendor_ ? "Other SA" : "Vendor SA";
    s.order_toml = "[order]\nid = \"" + id + "\"\n";
    s.plan_json = "{\"format\": \"cordon-plan\"}\n";
    return s;
  }

  test_support::ScopedTempDir dir_;
  std::optional<Accounts> accounts_;
  std::optional<Db> db_;
  int64_t vendor_ = 0, other_vendor_ = 0, dpo_ = 0;
};

TEST_F(OrdersTest, TheDpoRoleIsStoredAndReadBack) {
  auto a = accounts_->Get(dpo_);
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(a->role, Role::kDpo);
  EXPECT_EQ(RoleName(Role::kDpo), "dpo");
  EXPECT_EQ(*ParseRole("dpo"), Role::kDpo);
}

TEST_F(OrdersTest, KeepsTheExactBytesAndTheirDigestsAndVersionsResubmissions) {
  Orders orders(*db_);
  OrderSubmission s = Submission("LAB42-2027");
  s.order_toml = std::string("[order]\r\nid = \"LAB42-2027\"\r\n\0tail\xff", 30);
  auto v1 = orders.Submit(s, kNow);
  ASSERT_TRUE(v1.ok()) << v1.error().message();
  EXPECT_EQ(v1->version, 1);
  s.plan_json = "{\"format\": \"cordon-plan\", \"v\": 2}\n";
  auto v2 = orders.Submit(s, kNow + 60);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version, 2);
  auto latest = orders.Get("LAB42-2027", std::nullopt);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->order_toml, s.order_toml);  // NUL and 0xff included
  EXPECT_EQ(latest->plan_json, s.plan_json);
  EXPECT_EQ(latest->plan_sha256, v2->plan_sha256);
  EXPECT_EQ(latest->submitted_at, kNow + 60);
  auto first = orders.Get("LAB42-2027", 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->plan_json, "{\"format\": \"cordon-plan\"}\n");
  EXPECT_NE(first->plan_sha256, latest->plan_sha256);
  EXPECT_EQ(first->order_sha256, latest->order_sha256);
  EXPECT_EQ(first->order_sha256.size(), 64u);
  EXPECT_EQ(orders.Get("LAB42-2027", 3).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(orders.Get("NOPE", std::nullopt).error().code(), ErrorCode::kNotFound);
}

TEST_F(OrdersTest, ListsByOrganisationAndBySubmitter) {
  Orders orders(*db_);
  ASSERT_TRUE(orders.Submit(Submission("A-1"), kNow).ok());
  OrderSubmission elsewhere = Submission("B-1", other_vendor_);
  elsewhere.organisation = "Hopital Autre";
  ASSERT_TRUE(orders.Submit(elsewhere, kNow).ok());
  auto chu = orders.List({.organisation = "CHU Exemple"});
  ASSERT_TRUE(chu.ok());
  ASSERT_EQ(chu->size(), 1u);
  EXPECT_EQ((*chu)[0].order_id, "A-1");
  EXPECT_TRUE((*chu)[0].order_toml.empty()) << "a list carries no bytes";
  EXPECT_EQ((*chu)[0].order_bytes, Submission("A-1").order_toml.size());
  auto mine = orders.List({.submitter_id = other_vendor_});
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].order_id, "B-1");
  EXPECT_EQ(orders.List({})->size(), 2u);
  EXPECT_TRUE(orders.List({.organisation = ""})->empty());
  EXPECT_TRUE(orders.List({.organisation = "CHU Exemple' OR '1'='1"})->empty());
}

TEST_F(OrdersTest, AVersionChainBelongsToOneVendorAndOneController) {
  Orders orders(*db_);
  ASSERT_TRUE(orders.Submit(Submission("A-1"), kNow).ok());
  auto hijack = orders.Submit(Submission("A-1", other_vendor_), kNow);
  ASSERT_FALSE(hijack.ok());
  EXPECT_EQ(hijack.error().code(), ErrorCode::kRefused);
  OrderSubmission moved = Submission("A-1");
  moved.organisation = "Hopital Autre";
  EXPECT_EQ(orders.Submit(moved, kNow).error().code(), ErrorCode::kRefused);
  EXPECT_EQ(orders.Get("A-1", std::nullopt)->version, 1) << "nothing was added";
}

TEST_F(OrdersTest, TheLatestSignedVersionIsFoundWhateverCameAfter) {
  Orders orders(*db_);
  ASSERT_TRUE(orders.Submit(Submission("LIS-7"), kNow).ok());
  ASSERT_TRUE(orders.Submit(Submission("LIS-7"), kNow + 1).ok());
  EXPECT_EQ(*orders.LatestSignedVersion("LIS-7"), std::nullopt) << "nothing signed yet";
  const std::string passkey =
      "INSERT INTO passkeys(user_id, credential_id, public_key, sign_counter, label, aaguid, "
      "attestation, backup_eligible, created_at) VALUES (" +
      std::to_string(dpo_) + ", x'01', x'02', 0, 'key', '', 'none', 0, 1)";
  ASSERT_TRUE(db_->Exec(passkey.c_str()).ok());
  ASSERT_TRUE(orders.AddSignature("LIS-7", 1, {dpo_, 1, kNow + 2, "sig"}).ok());
  EXPECT_EQ(*orders.LatestSignedVersion("LIS-7"), 1) << "version 2 is not signed";
  ASSERT_TRUE(orders.AddSignature("LIS-7", 2, {dpo_, 1, kNow + 3, "sig"}).ok());
  EXPECT_EQ(*orders.LatestSignedVersion("LIS-7"), 2);
  ASSERT_TRUE(orders.Submit(Submission("LIS-7"), kNow + 4).ok());
  EXPECT_EQ(*orders.LatestSignedVersion("LIS-7"), 2) << "a newer, unsigned version";
  EXPECT_EQ(*orders.LatestSignedVersion("LIS-8"), std::nullopt) << "another order";
}

TEST_F(OrdersTest, RefusesHostileIdsAndOversizeOrEmptyBytes) {
  Orders orders(*db_);
  for (const std::string& id :
       std::vector<std::string>{"", "../x", "a/b", "-rf", ".hidden", "<script>", "a b", "é",
                                std::string(129, 'a'), std::string("a\0b", 3)}) {
    auto r = orders.Submit(Submission(id), kNow);
    ASSERT_FALSE(r.ok()) << id;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << id;
  }
  EXPECT_TRUE(orders.Submit(Submission(std::string(128, 'a')), kNow).ok());
  OrderSubmission big = Submission("BIG");
  big.order_toml.assign(kMaxSubmittedOrderBytes + 1, 'x');
  EXPECT_EQ(orders.Submit(big, kNow).error().code(), ErrorCode::kInvalidArgument);
  big = Submission("BIG");
  big.plan_json.assign(kMaxSubmittedPlanBytes + 1, ' ');
  EXPECT_EQ(orders.Submit(big, kNow).error().code(), ErrorCode::kInvalidArgument);
  big = Submission("BIG");
  big.plan_json.clear();
  EXPECT_EQ(orders.Submit(big, kNow).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(orders.List({})->size() == 1u);
}

TEST_F(OrdersTest, AFailedLedgerEventLeavesNoSubmission) {
  Orders orders(*db_);
  auto r = orders.Submit(Submission("A-1"), kNow, [](const StoredOrder&) -> Status {
    return Error(ErrorCode::kIo, "the ledger is full");
  });
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(orders.List({})->empty());
  auto ok = orders.Submit(Submission("A-1"), kNow);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->version, 1);
}

TEST_F(OrdersTest, ASchemaFourDatabaseMigratesAndAdmitsDpos) {
  // Set back to schema 4 with the old CHECK, as a database of the previous
  // release is: the migration must widen it and keep every account.
  test_support::ScopedTempDir old;
  {
    auto db = OpenExchangeDb(old.path());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("PRAGMA user_version = 4").ok());
    ASSERT_TRUE(db->Exec("DROP TABLE orders").ok());
    ASSERT_TRUE(db->Exec("PRAGMA writable_schema = ON").ok());
    ASSERT_TRUE(db->Exec("UPDATE sqlite_master SET sql = replace(sql, ',''dpo''', '') WHERE "
                         "name = 'users'")
                    .ok());
    ASSERT_TRUE(db->Exec("PRAGMA writable_schema = OFF").ok());
  }
  {
    // Opened without migrating: the old CHECK is in force, an account is kept.
    auto db = Db::Open(old.path() + "/exchange.db");
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("INSERT INTO users(name, email, role, expires_at, created_at, "
                         "last_activity_at) VALUES ('Op', 'op@x.example', 'operator', 1, 1, 1)")
                    .ok());
    EXPECT_FALSE(db->Exec("UPDATE users SET role = 'dpo'").ok());
  }
  auto accounts = Accounts::Open(old.path());  // migrates to 5
  ASSERT_TRUE(accounts.ok()) << accounts.error().message();
  ASSERT_TRUE(accounts->AddUser("Dpo", "dpo@x.example", Role::kDpo, kNow + 86400, kNow).ok());
  EXPECT_EQ(accounts->Find("dpo@x.example")->role, Role::kDpo);
  EXPECT_EQ(accounts->Find("op@x.example")->role, Role::kOperator);
  auto db = OpenExchangeDb(old.path());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*db->UserVersion(), kSchemaVersion);
  EXPECT_TRUE(Orders(*db).List({})->empty());
  {
    // Schema 9's index, which a report's query by order id uses.
    auto index = db->Prepare(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'packages_by_order'");
    ASSERT_TRUE(index.ok());
    EXPECT_TRUE(*index->Step());
  }
  // ...and a role outside the list is still refused after it.
  EXPECT_FALSE(db->Exec("UPDATE users SET role = 'root'").ok());
  auto check = db->Prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check.ok());
  ASSERT_TRUE(*check->Step());
  EXPECT_EQ(check->Text(0), "ok");
}

}  // namespace
}  // namespace cordon::exchange
