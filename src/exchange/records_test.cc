// The exchange's smaller records: staged uploads, downloads, alert rate
// limits, served reviews and processor keys.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "exchange/accounts.h"
#include "exchange/alert_state.h"
#include "exchange/downloads.h"
#include "exchange/processor_keys.h"
#include "exchange/review.h"
#include "exchange/uploads.h"

namespace cordon::exchange {
namespace {
namespace fs = std::filesystem;

class RecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cordon-records-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    auto accounts = Accounts::Open(dir_.string());
    ASSERT_TRUE(accounts.ok()) << accounts.error().message();
    for (const char* email : {"o1@vendor.example", "o2@vendor.example"}) {
      ASSERT_TRUE(accounts
                      ->AddUser(std::string("Operator ") + email, email, Role::kOperator,
                                now_ + 86400, now_)
                      .ok());
    }
    a_ = accounts->Find("o1@vendor.example")->id;
    b_ = accounts->Find("o2@vendor.example")->id;
    auto db = OpenExchangeDb(dir_.string());
    ASSERT_TRUE(db.ok());
    db_.emplace(std::move(*db));
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  int64_t now_ = 1800000000;
  int64_t a_ = 0, b_ = 0;
  std::optional<Db> db_;
};

TEST_F(RecordsTest, UploadsAreCreatedFoundListedAndDropped) {
  Uploads uploads(*db_);
  ASSERT_TRUE(uploads.Create({"u1", a_, "/staging/1", now_ - 100}).ok());
  ASSERT_TRUE(uploads.Create({"u2", a_, "/staging/2", now_}).ok());
  ASSERT_TRUE(uploads.Create({"u3", b_, "/staging/3", now_ - 200}).ok());
  EXPECT_EQ(uploads.Create({"u1", b_, "/elsewhere", now_}).error().code(),
            ErrorCode::kAlreadyExists);
  // An upload for no account is refused (the foreign key).
  EXPECT_FALSE(uploads.Create({"u9", 999, "/staging/9", now_}).ok());

  auto got = uploads.Get("u1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->uploader_id, a_);
  EXPECT_EQ(got->staging, "/staging/1");
  EXPECT_EQ(got->created_at, now_ - 100);
  EXPECT_EQ(uploads.Get("nope").error().code(), ErrorCode::kNotFound);

  auto mine = uploads.ListByUploader(a_);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].id, "u1");
  EXPECT_EQ((*mine)[1].id, "u2");

  // The sweep's cut-off is inclusive.
  auto stale = uploads.CreatedBy(now_ - 100);
  ASSERT_TRUE(stale.ok());
  ASSERT_EQ(stale->size(), 2u);
  EXPECT_EQ((*stale)[0].id, "u3");
  EXPECT_EQ((*stale)[1].id, "u1");

  ASSERT_TRUE(uploads.Delete("u1").ok());
  EXPECT_EQ(uploads.Get("u1").error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(uploads.Delete("u1").ok());  // gone already: not an error
  EXPECT_EQ(uploads.ListByUploader(a_)->size(), 1u);
}

TEST_F(RecordsTest, DownloadVolumeIsPerAccountAndWindow) {
  Downloads downloads(*db_);
  ASSERT_TRUE(downloads.Record(a_, "p1", now_ - 3600, 1000).ok());  // on the window's edge: out
  ASSERT_TRUE(downloads.Record(a_, "p1", now_ - 10, 200).ok());
  ASSERT_TRUE(downloads.Record(a_, "p2", now_, 30).ok());
  ASSERT_TRUE(downloads.Record(b_, "p1", now_, 5000).ok());
  EXPECT_EQ(*downloads.VolumeSince(a_, now_ - 3600), 230u);
  EXPECT_EQ(*downloads.VolumeSince(a_, now_ - 3601), 1230u);
  EXPECT_EQ(*downloads.VolumeSince(b_, now_ - 3600), 5000u);
  EXPECT_EQ(*downloads.VolumeSince(999, now_ - 3600), 0u);
}

TEST_F(RecordsTest, ADatabaseErrorIsNeverNoVolume) {
  ASSERT_TRUE(db_->Exec("DROP TABLE downloads").ok());
  Downloads downloads(*db_);
  EXPECT_FALSE(downloads.Record(a_, "p1", now_, 1).ok());
  EXPECT_FALSE(downloads.VolumeSince(a_, now_ - 3600).ok());
}

TEST_F(RecordsTest, AnAlertIsRaisedOnceAnInterval) {
  AlertState state(*db_);
  EXPECT_TRUE(*state.TryRaise("download_volume", "7", now_, 3600));
  EXPECT_FALSE(*state.TryRaise("download_volume", "7", now_ + 1, 3600));
  EXPECT_FALSE(*state.TryRaise("download_volume", "7", now_ + 3599, 3600));
  // Other subjects and kinds are counted apart.
  EXPECT_TRUE(*state.TryRaise("download_volume", "8", now_ + 1, 3600));
  EXPECT_TRUE(*state.TryRaise("new_ip_login", "7", now_ + 1, 3600));
  EXPECT_TRUE(*state.TryRaise("download_volume", "7", now_ + 3600, 3600));
  EXPECT_FALSE(*state.TryRaise("download_volume", "7", now_ + 3601, 3600));

  ASSERT_TRUE(db_->Exec("DROP TABLE alert_state").ok());
  EXPECT_FALSE(state.TryRaise("download_volume", "7", now_ + 99999, 3600).ok());
}

TEST_F(RecordsTest, AReviewCountsAsServedOnlyToWhomItWasServed) {
  ServedReviews served(*db_);
  const std::string sha(64, 'c');
  EXPECT_FALSE(*served.WasServed(sha, a_));
  ASSERT_TRUE(served.Record(sha, a_, now_).ok());
  ASSERT_TRUE(served.Record(sha, a_, now_ + 5).ok());  // served again: one row, no error
  EXPECT_TRUE(*served.WasServed(sha, a_));
  EXPECT_FALSE(*served.WasServed(sha, b_));
  EXPECT_FALSE(*served.WasServed(std::string(64, 'd'), a_));
}

TEST_F(RecordsTest, ProcessorKeysAreRegisteredOnceWithTheirHolder) {
  ProcessorKeys keys(*db_);
  EXPECT_TRUE(keys.List()->empty());
  ASSERT_TRUE(keys.Add({"bb01", "untrusted comment: b\nKEYB", now_, "Jeanne Martin"}).ok());
  ASSERT_TRUE(keys.Add({"aa02", "untrusted comment: a\nKEYA", now_, "Paul Durand"}).ok());
  EXPECT_EQ(keys.Add({"bb01", "other", now_ + 1, "Someone Else"}).error().code(),
            ErrorCode::kAlreadyExists);

  auto found = keys.Find("bb01");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->person, "Jeanne Martin");
  EXPECT_EQ((*found)->public_key, "untrusted comment: b\nKEYB");
  EXPECT_FALSE(keys.Find("cc03")->has_value());

  auto all = keys.List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].key_id, "bb01");  // in the order they were added
  EXPECT_EQ((*all)[1].key_id, "aa02");
}

}  // namespace
}  // namespace cordon::exchange
