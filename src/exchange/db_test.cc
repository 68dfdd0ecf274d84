#include "exchange/db.h"

#include <gtest/gtest.h>

#include "testing/scoped_temp_dir.h"

namespace cordon::exchange {
namespace {

TEST(DbTest, ConstraintFailuresNeverCarrySqliteTextAndOnlyDuplicatesAreConflicts) {
  test_support::ScopedTempDir dir;
  auto db = Db::Open(dir / "t.db");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->Exec("CREATE TABLE secret_table_name(k TEXT PRIMARY KEY, n INTEGER "
                       "CHECK (n > 0));"
                       "CREATE TRIGGER t BEFORE INSERT ON secret_table_name WHEN NEW.k = 'boom' "
                       "BEGIN SELECT RAISE(ABORT, 'BOOM'); END;")
                  .ok());
  auto insert = [&](std::string_view k, int64_t n) {
    auto q = db->Prepare("INSERT INTO secret_table_name(k, n) VALUES (?, ?)");
    EXPECT_TRUE(q.ok());
    return q->Bind(1, k).Bind(2, n).Run();
  };
  ASSERT_TRUE(insert("a", 1).ok());
  Status dup = insert("a", 2);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists) << "callers word a duplicate";
  EXPECT_EQ(dup.error().message().find("secret_table_name"), std::string::npos)
      << "a 409 reaches the client: no table or column names in it";
  // CHECK and trigger failures are the exchange's own: I/O errors, which the
  // API answers as a generic 500 with the details in the operator's log.
  for (Status s : {insert("b", -1), insert("boom", 1)}) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), ErrorCode::kIo) << s.error().message();
  }
}

TEST(DbTest, ANegativeSchemaVersionIsRefused) {
  test_support::ScopedTempDir dir;
  {
    auto db = OpenExchangeDb(dir.path());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("PRAGMA user_version = -5").ok());
  }
  auto db = OpenExchangeDb(dir.path());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code(), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace cordon::exchange
