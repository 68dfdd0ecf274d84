// The SQLite source and target against real database files written by the
// test: identifiers that need quoting, only the columns asked for, values
// rendered as the CSV path sees them, read-only, one snapshot for every
// table, and a load that commits everything or nothing.
#include "source/sqlite_source.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/file.h"
#include "source/source_spec.h"
#include "source/sqlite_target.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::source {
namespace {

using test_support::ScopedTempDir;

// A read-write connection of the test's own (the "other process").
class TestDb {
 public:
  explicit TestDb(const std::string& path) {
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    db_.reset(raw);
  }
  int Exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err);
    if (err) sqlite3_free(err);
    return rc;
  }
  std::string One(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return out;
  }
  sqlite3* get() { return db_.get(); }

 private:
  SqliteDb db_;
};

// Every row of `table`'s `columns` (by name), read through the source.
std::vector<std::vector<std::string>> ReadAll(const TableSource& src, const std::string& table,
                                              const std::vector<std::string>& columns,
                                              Status* status = nullptr) {
  const SourceTable* t = src.Find(table);
  EXPECT_NE(t, nullptr) << table;
  if (t == nullptr) return {};
  auto shape = src.Shape(*t);
  EXPECT_TRUE(shape.ok());
  std::vector<size_t> idx;
  for (const auto& c : columns) {
    auto it = std::find(shape->header.begin(), shape->header.end(), c);
    EXPECT_NE(it, shape->header.end()) << c;
    idx.push_back(static_cast<size_t>(it - shape->header.begin()));
  }
  std::sort(idx.begin(), idx.end());
  auto reader = src.ReadColumns(*t, idx);
  EXPECT_TRUE(reader.ok()) << reader.error().message();
  std::vector<std::vector<std::string>> rows;
  for (;;) {
    auto more = (*reader)->Next();
    if (!more.ok()) {
      if (status) *status = more.error();
      return rows;
    }
    if (!*more) break;
    std::vector<std::string> row;
    for (size_t i : idx) {
      auto v = (*reader)->Utf8Field(i);
      if (!v.ok()) {
        if (status) *status = v.error();
        return rows;
      }
      row.emplace_back(*v);
    }
    rows.push_back(std::move(row));
  }
  if (status) *status = Ok();
  return rows;
}

struct FileState {
  off_t size;
  struct timespec mtime;
  std::string bytes;
};
FileState StateOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  auto bytes = ReadFileLimited(path, 1 << 24);
  return {st.st_size, st.st_mtim, bytes.ok() ? std::string(AsChars(*bytes)) : ""};
}

TEST(SqliteSource, QuotesEveryIdentifier) {
  EXPECT_EQ(QuoteIdentifier("a"), "\"a\"");
  EXPECT_EQ(QuoteIdentifier("we\"ird"), "\"we\"\"ird\"");
  EXPECT_EQ(QuoteIdentifier("\""), "\"\"\"\"");
  ScopedTempDir dir;
  const std::string path = dir / "weird.db";
  {
    TestDb db(path);
    ASSERT_EQ(db.Exec("CREATE TABLE \"t\"\"; DROP TABLE x; --\" (\"a\"\"b\" TEXT, \"select\" "
                      "INTEGER, \"c d;\" TEXT, \"é\" TEXT);"
                      "INSERT INTO \"t\"\"; DROP TABLE x; --\" VALUES ('1', 2, '3', '4');"
                      "CREATE TABLE x (y)"),
              SQLITE_OK);
  }
  auto src = SqliteSource::Open(path);
  ASSERT_TRUE(src.ok()) << src.error().message();
  auto rows = ReadAll(**src, "t\"; DROP TABLE x; --", {"a\"b", "select", "c d;", "\xC3\xA9"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"1", "2", "3", "4"}));
  const SourceTable* t = (*src)->Find("t\"; DROP TABLE x; --");
  auto shape = (*src)->Shape(*t);
  EXPECT_EQ((*src)->Statement(*t, *shape, {0, 1}),
            "SELECT \"a\"\"b\", \"select\" FROM \"t\"\"; DROP TABLE x; --\" ORDER BY _rowid_");
  EXPECT_NE((*src)->Find("x"), nullptr);  // still there
}

TEST(SqliteSource, ReadsOnlyTheColumnsAskedFor) {
  ScopedTempDir dir;
  const std::string path = dir / "lab.db";
  {
    TestDb db(path);
    // A BLOB in a column nobody names: reading it would refuse the run.
    ASSERT_EQ(db.Exec("CREATE TABLE p (id TEXT, name TEXT, secret BLOB);"
                      "INSERT INTO p VALUES ('1', 'Ann', x'00ff');"),
              SQLITE_OK);
  }
  auto src = SqliteSource::Open(path);
  ASSERT_TRUE(src.ok());
  const SourceTable* t = (*src)->Find("p");
  auto shape = (*src)->Shape(*t);
  ASSERT_TRUE(shape.ok());
  EXPECT_EQ(shape->header, (std::vector<std::string>{"id", "name", "secret"}));
  const std::string sql = (*src)->Statement(*t, *shape, {0});
  EXPECT_EQ(sql, "SELECT \"id\" FROM \"p\" ORDER BY _rowid_");
  EXPECT_EQ(sql.find('*'), std::string::npos);
  auto reader = (*src)->ReadColumns(*t, {0});
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(*(*reader)->Next());
  EXPECT_EQ(*(*reader)->Utf8Field(0), "1");
  // A column not asked for is an error, never a value.
  EXPECT_FALSE((*reader)->Utf8Field(1).ok());
  EXPECT_FALSE((*reader)->Utf8Field(2).ok());
  // The BLOB, when asked for, is refused naming it.
  Status st = Ok();
  ReadAll(**src, "p", {"secret"}, &st);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("secret"), std::string::npos);
  EXPECT_NE(st.error().message().find("BLOB"), std::string::npos);
}

TEST(SqliteSource, RowidOrderEvenWhenAnIndexCoversTheColumns) {
  ScopedTempDir dir;
  const std::string path = dir / "order.db";
  {
    TestDb db(path);
    ASSERT_EQ(db.Exec("CREATE TABLE p (k TEXT, v TEXT); CREATE INDEX pk ON p (k);"
                      "INSERT INTO p VALUES ('c', '1'), ('a', '2'), ('b', '3');"
                      "CREATE TABLE w (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;"
                      "INSERT INTO w VALUES ('c', '1'), ('a', '2');"),
              SQLITE_OK);
  }
  auto src = SqliteSource::Open(path);
  ASSERT_TRUE(src.ok());
  // The index on k alone covers the query; rows still come as inserted.
  auto p = ReadAll(**src, "p", {"k"});
  EXPECT_EQ(p, (std::vector<std::vector<std::string>>{{"c"}, {"a"}, {"b"}}));
  // A table WITHOUT ROWID has no rowid to order by: key order.
  const SourceTable* w = (*src)->Find("w");
  auto shape = (*src)->Shape(*w);
  EXPECT_EQ((*src)->Statement(*w, *shape, {0, 1}), "SELECT \"k\", \"v\" FROM \"w\"");
  EXPECT_EQ(ReadAll(**src, "w", {"k", "v"}),
            (std::vector<std::vector<std::string>>{{"a", "2"}, {"c", "1"}}));
}

TEST(SqliteSource, RendersValuesAsTheCsvPathSeesThem) {
  ScopedTempDir dir;
  const std::string path = dir / "v.db";
  {
    TestDb db(path);
    ASSERT_EQ(db.Exec("CREATE TABLE v (x);"
                      "INSERT INTO v VALUES (42), (-9223372036854775808), (0.1), (1e300),"
                      " (2.5), (NULL), ('Zoë'), ('');"),
              SQLITE_OK);
    ASSERT_EQ(db.Exec("CREATE TABLE bad (x); INSERT INTO bad VALUES (CAST(x'ff41' AS TEXT))"),
              SQLITE_OK);
  }
  auto src = SqliteSource::Open(path);
  ASSERT_TRUE(src.ok());
  auto rows = ReadAll(**src, "v", {"x"});
  std::vector<std::string> got;
  for (auto& r : rows) got.push_back(r[0]);
  EXPECT_EQ(got, (std::vector<std::string>{"42", "-9223372036854775808", "0.1", "1e+300", "2.5", "",
                                           "Zo\xC3\xAB", ""}));
  Status st = Ok();
  ReadAll(**src, "bad", {"x"}, &st);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("not valid UTF-8"), std::string::npos);
  EXPECT_NE(st.error().message().find("row 1"), std::string::npos);
}

TEST(SqliteSource, NeverWritesTheFile) {
  ScopedTempDir dir;
  const std::string path = dir / "ro.db";
  {
    TestDb db(path);
    ASSERT_EQ(db.Exec("CREATE TABLE p (id TEXT); INSERT INTO p VALUES ('1'), ('2')"), SQLITE_OK);
  }
  FileState before = StateOf(path);
  for (bool immutable : {false, true}) {
    auto src = SqliteSource::Open(path, {.immutable = immutable});
    ASSERT_TRUE(src.ok());
    EXPECT_EQ(ReadAll(**src, "p", {"id"}).size(), 2u);
  }
  FileState after = StateOf(path);
  EXPECT_EQ(before.size, after.size);
  EXPECT_EQ(before.mtime.tv_sec, after.mtime.tv_sec);
  EXPECT_EQ(before.mtime.tv_nsec, after.mtime.tv_nsec);
  EXPECT_EQ(before.bytes, after.bytes);
  // A file that is not there is not created.
  EXPECT_FALSE(SqliteSource::Open(dir / "absent.db").ok());
  EXPECT_FALSE(PathExists(dir / "absent.db"));
}

TEST(SqliteSource, OpensPathsThatLookLikeUriParameters) {
  ScopedTempDir dir;
  const std::string path = dir / "a?mode=rwc&x=%41#b.db";
  {
    TestDb db(path);
    ASSERT_EQ(db.Exec("CREATE TABLE p (id TEXT); INSERT INTO p VALUES ('1')"), SQLITE_OK);
  }
  auto src = SqliteSource::Open(path);
  ASSERT_TRUE(src.ok()) << src.error().message();
  EXPECT_EQ(ReadAll(**src, "p", {"id"}).size(), 1u);
  EXPECT_EQ(SqliteFileUri("/a b?c#d%e"), "file:///a%20b%3Fc%23d%25e");
}

// Tables read one after the other see the database as it was when the
// source was opened, whatever a writer commits in between.
void CheckSnapshot(bool wal) {
  ScopedTempDir dir;
  const std::string path = dir / "snap.db";
  TestDb writer(path);
  if (wal) {
    ASSERT_EQ(writer.One("PRAGMA journal_mode = WAL"), "wal");
  }
  ASSERT_EQ(writer.Exec("CREATE TABLE a (k TEXT); CREATE TABLE b (k TEXT);"
                        "INSERT INTO a VALUES ('1'); INSERT INTO b VALUES ('1')"),
            SQLITE_OK);
  auto src = SqliteSource::Open(path);
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(ReadAll(**src, "a", {"k"}).size(), 1u);
  // The writer, between the reads of a and b. In WAL mode it commits; in
  // rollback-journal mode it cannot while the read transaction lasts.
  sqlite3_busy_timeout(writer.get(), 0);
  int rc = writer.Exec("INSERT INTO b VALUES ('2'); UPDATE b SET k = 'changed'");
  if (wal) {
    EXPECT_EQ(rc, SQLITE_OK);
    EXPECT_EQ(writer.One("SELECT count(*) FROM b"), "2");
  } else {
    EXPECT_EQ(rc & 0xFF, SQLITE_BUSY);
  }
  auto b = ReadAll(**src, "b", {"k"});
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0][0], "1");
  EXPECT_EQ(ReadAll(**src, "a", {"k"}).size(), 1u);
  src->reset();  // the snapshot ends with the source: writers go on
  EXPECT_EQ(writer.Exec("INSERT INTO b VALUES ('3')"), SQLITE_OK);
}

TEST(SqliteSource, OneSnapshotForEveryTableWal) { CheckSnapshot(true); }
TEST(SqliteSource, OneSnapshotForEveryTableRollbackJournal) { CheckSnapshot(false); }

TEST(SqliteSource, RefusesWhatIsNotADatabase) {
  ScopedTempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir / "x.db", AsBytes(std::string("not a database at all"))).ok());
  EXPECT_FALSE(SqliteSource::Open(dir / "x.db").ok());
  TestDb(dir / "empty.db").Exec("PRAGMA user_version = 1");
  auto empty = SqliteSource::Open(dir / "empty.db");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message().find("no table"), std::string::npos);
}

TEST(SourceSpec, Parses) {
  auto csv = ParseSourceSpec("export/");
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(csv->kind, SourceSpec::Kind::kCsv);
  EXPECT_EQ(csv->location, "export/");
  auto db = ParseSourceSpec("sqlite:/srv/lab.db");
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(db->kind, SourceSpec::Kind::kSqlite);
  EXPECT_EQ(db->location, "/srv/lab.db");
  EXPECT_EQ(SpecDisplayName(*db), "lab.db");
  EXPECT_EQ(ParseSourceSpec("sqlite:a:b.db")->location, "a:b.db");
  EXPECT_EQ(ParseSourceSpec("postgresql://h/db")->kind, SourceSpec::Kind::kPostgresql);
  EXPECT_EQ(ParseSourceSpec("./a:b.csv")->kind, SourceSpec::Kind::kCsv);
  EXPECT_FALSE(ParseSourceSpec("").ok());
  EXPECT_FALSE(ParseSourceSpec("sqlite:").ok());
  EXPECT_FALSE(ParseSourceSpec("sqlite://host/x").ok());
  EXPECT_FALSE(ParseSourceSpec("mysql://h/db").ok());
  // Refused before any connection: the URL holds a password.
  EXPECT_FALSE(OpenTableSource(*ParseSourceSpec("postgresql://u:pw@h/db"), {}).ok());
}

TEST(SqliteTarget, CreatesLoadsAndCommits) {
  ScopedTempDir dir;
  const std::string path = dir / "dest.db";
  {
    auto t = SqliteTarget::Open(path, {.create_tables = true});
    ASSERT_TRUE(t.ok()) << t.error().message();
    ASSERT_TRUE((*t)->BeginTable("p\"q", {{"id"}, {"na\"me"}}).ok());
    ASSERT_TRUE((*t)->Row({"1", "Ann"}).ok());
    ASSERT_TRUE((*t)->Row({"2", ""}).ok());
    ASSERT_TRUE((*t)->EndTable().ok());
    ASSERT_TRUE((*t)->Commit().ok());
  }
  TestDb db(path);
  EXPECT_EQ(db.One("SELECT group_concat(id || ':' || coalesce(\"na\"\"me\", 'NULL'), ',') FROM "
                   "\"p\"\"q\""),
            "1:Ann,2:NULL");
  EXPECT_EQ(db.One("SELECT type FROM pragma_table_info('p\"q') WHERE name = 'id'"), "TEXT");
  // --create-tables never loads into a table that exists.
  auto again = SqliteTarget::Open(path, {.create_tables = true});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE((*again)->BeginTable("p\"q", {{"id"}}).ok());
}

TEST(SqliteTarget, NothingCommittedOnFailure) {
  ScopedTempDir dir;
  const std::string path = dir / "dest.db";
  {
    TestDb db(path);
    ASSERT_EQ(db.Exec("CREATE TABLE a (id TEXT, extra TEXT DEFAULT 'd');"
                      "CREATE TABLE b (id TEXT UNIQUE); INSERT INTO b VALUES ('dup')"),
              SQLITE_OK);
  }
  FileState before = StateOf(path);
  {
    // A constraint violation in the second table.
    auto t = SqliteTarget::Open(path);
    ASSERT_TRUE(t.ok());
    ASSERT_TRUE((*t)->BeginTable("a", {{"ID"}}).ok());  // names match without case
    ASSERT_TRUE((*t)->Row({"1"}).ok());
    ASSERT_TRUE((*t)->EndTable().ok());
    ASSERT_TRUE((*t)->BeginTable("b", {{"id"}}).ok());
    ASSERT_TRUE((*t)->Row({"new"}).ok());
    Status dup = (*t)->Row({"dup"});
    ASSERT_FALSE(dup.ok());
    EXPECT_NE(dup.error().message().find("UNIQUE"), std::string::npos);
    EXPECT_NE(dup.error().message().find("table b row 2"), std::string::npos);
  }
  {
    // A missing column, and a missing table.
    auto t = SqliteTarget::Open(path);
    ASSERT_TRUE(t.ok());
    Status missing = (*t)->BeginTable("a", {{"id"}, {"nope"}});
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message().find("no column nope"), std::string::npos);
    EXPECT_FALSE((*t)->BeginTable("zzz", {{"id"}}).ok());
  }
  {
    // Loaded, never committed (a crash before COMMIT).
    auto t = SqliteTarget::Open(path);
    ASSERT_TRUE(t.ok());
    ASSERT_TRUE((*t)->BeginTable("a", {{"id"}}).ok());
    ASSERT_TRUE((*t)->Row({"2"}).ok());
  }
  TestDb db(path);
  EXPECT_EQ(db.One("SELECT count(*) FROM a"), "0");
  EXPECT_EQ(db.One("SELECT group_concat(id) FROM b"), "dup");
  EXPECT_EQ(StateOf(path).bytes, before.bytes);
  // Without --create-tables, a database that does not exist is not created.
  EXPECT_FALSE(SqliteTarget::Open(dir / "absent.db").ok());
  EXPECT_FALSE(PathExists(dir / "absent.db"));
}

TEST(SqliteTarget, CreatesTypedColumnsAndChecksExistingTypes) {
  ScopedTempDir dir;
  const std::string path = dir / "dest.db";
  {
    auto t = SqliteTarget::Open(path, {.create_tables = true});
    ASSERT_TRUE(t.ok()) << t.error().message();
    ASSERT_TRUE((*t)->BeginTable("p", {{"id", TargetType::kInteger},
                                       {"born", TargetType::kDate},
                                       {"seen", TargetType::kTimestamp},
                                       {"score", TargetType::kDecimal},
                                       {"code", TargetType::kText},
                                       {"old", TargetType::kUntyped}})
                    .ok());
    ASSERT_TRUE((*t)->Row({"7", "1970-01-02", "2020-01-02 03:04:05", "2.5", "007", "x"}).ok());
    ASSERT_TRUE((*t)->EndTable().ok());
    ASSERT_TRUE((*t)->Commit().ok());
  }
  {
    TestDb db(path);
    EXPECT_EQ(db.One("SELECT group_concat(type, ',') FROM pragma_table_info('p')"),
              "INTEGER,DATE,DATETIME,NUMERIC,TEXT,TEXT");
    // The affinity follows: an integer is stored as one, "007" stays text.
    EXPECT_EQ(db.One("SELECT typeof(id) || ',' || typeof(score) || ',' || code FROM p"),
              "integer,real,007");
    ASSERT_EQ(db.Exec("CREATE TABLE q (n INTEGER, d DATE, t TEXT, r REAL, u)"), SQLITE_OK);
  }
  auto t = SqliteTarget::Open(path);
  ASSERT_TRUE(t.ok());
  Status date_into_int = (*t)->BeginTable("q", {{"n", TargetType::kDate}});
  ASSERT_FALSE(date_into_int.ok());
  EXPECT_NE(date_into_int.error().message().find("column n is declared INTEGER"),
            std::string::npos);
  EXPECT_NE(date_into_int.error().message().find("is date"), std::string::npos);
  EXPECT_FALSE((*t)->BeginTable("q", {{"d", TargetType::kInteger}}).ok());
  EXPECT_FALSE((*t)->BeginTable("q", {{"n", TargetType::kDecimal}}).ok());
  EXPECT_FALSE((*t)->BeginTable("q", {{"d", TargetType::kTimestamp}}).ok());
  // Text and untyped columns hold anything; each type fits its own.
  EXPECT_TRUE((*t)->BeginTable("q", {{"t", TargetType::kDate},
                                     {"u", TargetType::kDecimal},
                                     {"n", TargetType::kInteger},
                                     {"d", TargetType::kDate},
                                     {"r", TargetType::kDecimal}})
                  .ok());
  EXPECT_TRUE((*t)->BeginTable("q", {{"n", TargetType::kText}, {"d", TargetType::kUntyped}}).ok());
}

TEST(TargetTypes, WhatAColumnHolds) {
  EXPECT_TRUE(SqliteColumnHolds("varchar(10)", TargetType::kDate));
  EXPECT_TRUE(SqliteColumnHolds("", TargetType::kInteger));
  EXPECT_TRUE(SqliteColumnHolds("datetime", TargetType::kDate));
  EXPECT_FALSE(SqliteColumnHolds("DATE", TargetType::kTimestamp));
  EXPECT_FALSE(SqliteColumnHolds("BIGINT", TargetType::kDecimal));
  EXPECT_TRUE(SqliteColumnHolds("DECIMAL(10,2)", TargetType::kDecimal));
  EXPECT_TRUE(SqliteColumnHolds("DECIMAL(10,2)", TargetType::kInteger));
  EXPECT_FALSE(SqliteColumnHolds("REAL", TargetType::kDate));
  EXPECT_TRUE(PgColumnHolds("S", "varchar", TargetType::kDate));
  EXPECT_TRUE(PgColumnHolds("N", "int4", TargetType::kInteger));
  EXPECT_FALSE(PgColumnHolds("N", "int8", TargetType::kDecimal));
  EXPECT_TRUE(PgColumnHolds("N", "numeric", TargetType::kDecimal));
  EXPECT_TRUE(PgColumnHolds("D", "timestamptz", TargetType::kDate));
  EXPECT_FALSE(PgColumnHolds("D", "date", TargetType::kTimestamp));
  EXPECT_FALSE(PgColumnHolds("D", "time", TargetType::kDate));
  EXPECT_FALSE(PgColumnHolds("N", "int4", TargetType::kDate));
  EXPECT_FALSE(PgColumnHolds("B", "bool", TargetType::kInteger));
  EXPECT_TRUE(PgColumnHolds("B", "bool", TargetType::kUntyped));
  EXPECT_EQ(PgTypeFor(TargetType::kUntyped), "TEXT");
  EXPECT_EQ(PgTypeFor(TargetType::kInteger), "BIGINT");
}

}  // namespace
}  // namespace cordon::source
