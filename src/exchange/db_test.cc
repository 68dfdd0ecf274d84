#include "exchange/db.h"

#include <gtest/gtest.h>

#include <optional>

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

TEST(DbTest, StatementsComeBackFromTheCacheResetAndUnbound) {
  test_support::ScopedTempDir dir;
  auto db = Db::Open(dir / "t.db");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->Exec("CREATE TABLE t(k TEXT PRIMARY KEY, n INTEGER)").ok());
  ASSERT_TRUE(db->Exec("INSERT INTO t VALUES ('a', 1), ('b', 2)").ok());
  const uint64_t before = db->prepared_count();
  constexpr const char* kSelect = "SELECT n FROM t WHERE k = ?";
  {
    auto q = db->Prepare(kSelect);
    ASSERT_TRUE(q.ok());
    q->Bind(1, std::string_view("a"));
    ASSERT_TRUE(*q->Step());
    EXPECT_EQ(q->Int(0), 1);
    // Destroyed mid-read: its snapshot must be released, its binding cleared.
  }
  {
    auto q = db->Prepare(kSelect);
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(db->prepared_count(), before + 1) << "the second Prepare came from the cache";
    auto row = q->Step();
    ASSERT_TRUE(row.ok());
    EXPECT_FALSE(*row) << "an unbound parameter is NULL: no earlier binding stayed";
    // The same text while this one is leased: a second statement.
    auto other = db->Prepare(kSelect);
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(db->prepared_count(), before + 2);
    other->Bind(1, std::string_view("b"));
    ASSERT_TRUE(*other->Step());
    EXPECT_EQ(other->Int(0), 2);
  }
  // The first read was left mid-row above: had its snapshot stayed open, a
  // second connection's write followed by this one's would fail.
  auto writer = Db::Open(dir / "t.db");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->Exec("UPDATE t SET n = 3 WHERE k = 'a'").ok());
  ASSERT_TRUE(db->Exec("UPDATE t SET n = 4 WHERE k = 'b'").ok());
  auto q = db->Prepare(kSelect);
  ASSERT_TRUE(q.ok());
  q->Bind(1, std::string_view("a"));
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Int(0), 3) << "a cached statement reads the latest state";
}

TEST(DbTest, AStatementMayOutliveItsDb) {
  test_support::ScopedTempDir dir;
  std::optional<Statement> kept;
  {
    auto db = Db::Open(dir / "t.db");
    ASSERT_TRUE(db.ok());
    auto q = db->Prepare("SELECT 7");
    ASSERT_TRUE(q.ok());
    kept.emplace(std::move(*q));
  }
  auto row = kept->Step();
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(*row);
  EXPECT_EQ(kept->Int(0), 7);
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
