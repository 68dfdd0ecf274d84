#include "exchange/ssh_keys.h"

#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "exchange/accounts.h"
#include "ssh/fake_passkey.h"
#include "ssh/public_key.h"
#include "ssh/wire.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::exchange {
namespace {

ssh::SigningKey NewKey() {
  const auto pair = crypto::GenerateEd25519();
  return ssh::SigningKey::FromLine(ssh::PublicKeyLine(pair.public_key)).value();
}

class SshKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto accounts = Accounts::Open(dir_.path());
    ASSERT_TRUE(accounts.ok());
    for (const char* email : {"a@lab.example", "b@lab.example"}) {
      ASSERT_TRUE(
          accounts
              ->AddUser(std::string("Person ") + email, email, Role::kApprover, now_ + 86400, now_)
              .ok());
      ids_.push_back(accounts->Find(email)->id);
    }
    auto db = OpenExchangeDb(dir_.path());
    ASSERT_TRUE(db.ok());
    db_.emplace(std::move(*db));
  }

  test_support::ScopedTempDir dir_;
  int64_t now_ = 1800000000;
  std::vector<int64_t> ids_;
  std::optional<Db> db_;
};

TEST_F(SshKeysTest, AKeyIsOnePersonsAndStaysRetiredOnceRevoked) {
  SshSigningKeys keys(*db_);
  const ssh::SigningKey key = NewKey();
  bool recorded = false;
  auto added = keys.Add(ids_[0], key, now_, [&](const SshSigningKey&) -> Status {
    recorded = true;
    return Ok();
  });
  ASSERT_TRUE(added.ok()) << added.error().message();
  EXPECT_TRUE(recorded);
  // Nobody registers it again: not its owner, not a colleague.
  for (int64_t who : ids_) {
    auto again = keys.Add(who, key, now_);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code(), ErrorCode::kRefused);
  }
  auto found = keys.FindActive(ids_[0], key.Fingerprint());
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, added->id);
  EXPECT_EQ(keys.FindActive(ids_[1], key.Fingerprint()).error().code(), ErrorCode::kNotFound);

  // The counter moves forward once per value seen.
  ASSERT_TRUE(keys.RecordUse(added->id, 0, 5, now_).ok());
  EXPECT_EQ(keys.RecordUse(added->id, 0, 6, now_).error().code(), ErrorCode::kAuthFailed);

  // Only the owner revokes it; then it signs nothing and cannot come back.
  EXPECT_EQ(keys.Revoke(ids_[1], added->id, now_).error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(keys.Revoke(ids_[0], added->id, now_).ok());
  EXPECT_FALSE(keys.FindActive(ids_[0], key.Fingerprint()).ok());
  EXPECT_FALSE(keys.Add(ids_[0], key, now_).ok());
  EXPECT_EQ(*keys.CountEver(ids_[0]), 1);
  EXPECT_EQ(*keys.CountEver(ids_[1]), 0);
  ASSERT_EQ(keys.ForAccount(ids_[0])->size(), 1u);
  EXPECT_TRUE(keys.ForAccount(ids_[0])->front().revoked_at.has_value());
}

TEST_F(SshKeysTest, ARecordThatFailsKeepsNoKeyAndTenIsTheMost) {
  SshSigningKeys keys(*db_);
  const ssh::SigningKey key = NewKey();
  auto failed = keys.Add(ids_[0], key, now_, [](const SshSigningKey&) -> Status {
    return Error(ErrorCode::kIo, "ledger full");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(*keys.CountEver(ids_[0]), 0) << "no key without its evidence";
  for (int64_t i = 0; i < kMaxSshKeysPerAccount; ++i)
    ASSERT_TRUE(keys.Add(ids_[0], NewKey(), now_).ok());
  auto eleventh = keys.Add(ids_[0], NewKey(), now_);
  ASSERT_FALSE(eleventh.ok());
  EXPECT_EQ(eleventh.error().code(), ErrorCode::kRefused);
}

// One private key signs under several blobs: as ssh-ed25519 and as
// sk-ssh-ed25519 with any application. It is one person's all the same, and
// a passkey's point is not an SSH key either (attack review of 2026-12-03,
// F3).
TEST_F(SshKeysTest, OneKeyIsOnePersonsWhateverTheTypeOrApplicationAroundIt) {
  SshSigningKeys keys(*db_);
  const auto pair = crypto::GenerateEd25519();
  const auto sk_blob = [&](const std::string& application) {
    ssh::WireWriter w;
    w.String("sk-ssh-ed25519@openssh.com");
    w.String(ByteView(pair.public_key));
    w.String(application);
    return ssh::SigningKey::FromBlob(AsBytes(w.bytes())).value();
  };
  const auto plain = ssh::SigningKey::FromLine(ssh::PublicKeyLine(pair.public_key)).value();
  ASSERT_TRUE(keys.Add(ids_[0], plain, now_).ok());
  for (const std::string app : {"ssh:", "ssh:again"}) {
    EXPECT_EQ(keys.Add(ids_[0], sk_blob(app), now_).error().code(), ErrorCode::kRefused) << app;
    EXPECT_EQ(keys.Add(ids_[1], sk_blob(app), now_).error().code(), ErrorCode::kRefused) << app;
  }
  // A passkey's point, under an SSH key's type and application.
  const ssh::testkit::FakePasskey passkey;
  auto q = db_->Prepare(
      "INSERT INTO passkeys(user_id, credential_id, public_key, sign_counter, label, aaguid, "
      "attestation, backup_eligible, created_at) VALUES (?, x'01', ?, 0, 'key', '', 'none', 0, 1)");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(q->Bind(1, ids_[1]).Bind(2, AsBytes(passkey.Key().Blob())).Run().ok());
  ssh::WireWriter w;
  w.String("sk-ecdsa-sha2-nistp256@openssh.com");
  w.String("nistp256");
  w.String(ByteView(passkey.Point()));
  w.String("ssh:");
  const auto as_ssh = ssh::SigningKey::FromBlob(AsBytes(w.bytes())).value();
  auto refused = keys.Add(ids_[0], as_ssh, now_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("passkey"), std::string::npos);
}

TEST(SshKeyProofDocument, NamesTheAccountTheExchangeAndTheKey) {
  const ssh::SigningKey key = NewKey();
  const std::string doc = SshKeyProofDocument("a@lab.example", "https://cordon.lab.example", key);
  EXPECT_EQ(doc, SshKeyProofDocument("a@lab.example", "https://cordon.lab.example", key));
  EXPECT_NE(doc, SshKeyProofDocument("b@lab.example", "https://cordon.lab.example", key));
  EXPECT_NE(doc, SshKeyProofDocument("a@lab.example", "https://evil.example", key));
  EXPECT_NE(doc.find(key.Line()), std::string::npos);
  EXPECT_EQ(doc.find(' '), doc.find(key.Line()) + key.TypeName().size())
      << "no whitespace: " << doc;
}

}  // namespace
}  // namespace cordon::exchange
