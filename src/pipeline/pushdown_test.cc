// Pushdown into SQLite, differentially: every order runs with the `where`
// and `follow` pushed into the statement and with CORDON_PUSHDOWN=off, on a
// database whose values SQLite's dynamic typing makes treacherous (an
// integer 10 next to the text '10' and the real 10.0, a column declared
// COLLATE NOCASE, dates written 2017-5-7, NULL next to '', quotes, '%', '*',
// '[' and non-ASCII text); the rows and every count must be the same.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <map>

#include "pipeline/runner.h"
#include "source/sqlite_source.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::pipeline {
namespace {

using test_support::ScopedTempDir;
using Rows = std::vector<std::vector<std::string>>;

const char kHeader[] =
    "[order]\nid = \"T\"\ncontroller = \"Lab\"\nprocessor = \"Vendor\"\npurpose = \"Test\"\n"
    "contract = \"DPA\"\nnot_after = 2030-01-01\nretention_days = 10\n"
    "recipients = [\"age1fh5kqu9qpe3htgpkh0v0ujkyf7dsx5hmxn3n5qfpjunlx3wptd4qsyhmlh\"]\n";

class Collect final : public RowSink {
 public:
  explicit Collect(Rows& rows) : rows_(rows) {}
  Status Begin(const std::vector<std::string>& columns) override {
    rows_.emplace_back(columns.begin(), columns.end());
    return Ok();
  }
  Status Row(const std::vector<std::string_view>& values) override {
    rows_.emplace_back(values.begin(), values.end());
    return Ok();
  }
  Status End() override { return Ok(); }

 private:
  Rows& rows_;
};

void Exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

// What a run gives: the rows per table, the counts, the statements, or the
// error.
struct Outcome {
  std::map<std::string, Rows> tables;
  std::vector<std::string> counts;  // per table: read/selected/where/follow
  std::vector<std::string> statements;
  std::string error;
};

Outcome RunWith(bool pushdown, const std::string& db_path, const std::string& tables) {
  if (pushdown) {
    ::unsetenv("CORDON_PUSHDOWN");
  } else {
    ::setenv("CORDON_PUSHDOWN", "off", 1);
  }
  Outcome out;
  auto db = source::SqliteSource::Open(db_path);
  ::unsetenv("CORDON_PUSHDOWN");
  if (!db.ok()) {
    out.error = db.error().message();
    return out;
  }
  auto loaded = order::ParseOrder(kHeader + tables, "order.toml");
  if (!loaded.problems.empty()) {
    out.error = "order: " + loaded.problems[0].message;
    return out;
  }
  Binding binding = Bind(loaded.order, **db);
  if (!binding.problems.empty()) {
    out.error = "bind: " + binding.problems[0].message;
    return out;
  }
  for (const BoundTable& t : binding.tables) out.statements.push_back(t.statement);
  SinkFactory sinks = [&](const BoundTable& t) -> Result<std::unique_ptr<RowSink>> {
    return std::unique_ptr<RowSink>(std::make_unique<Collect>(out.tables[t.spec->name]));
  };
  auto stats = Run(binding, **db, sinks);
  if (!stats.ok()) {
    out.error = stats.error().message();
    return out;
  }
  for (const TableStats& s : *stats) {
    out.counts.push_back(
        s.name + " " + std::to_string(s.rows_read) + "/" + std::to_string(s.rows_selected) + "/" +
        std::to_string(s.rows_excluded_where) + "/" + std::to_string(s.rows_excluded_follow));
  }
  return out;
}

// p: the parent; c follows p by PID; g follows c by V. Untyped columns keep
// what was inserted (integer, real, text), and the order types them.
constexpr char kSchema[] =
    "CREATE TABLE p (ID, NOM TEXT COLLATE NOCASE, T, N, D, R REAL);"
    "INSERT INTO p VALUES"
    " (1, 'anna', 10, 10, '2017-05-07', 1.5),"
    " ('2', 'Anna', '10', '10', '2017-5-7', 2),"
    " (3.0, 'ANNA', 10.0, 10.0, '2016-12-31', NULL),"
    " ('', '', '010', -5, NULL, 0.1),"
    " (NULL, NULL, '', NULL, '', 1e300),"
    " ('x''y', 'O''Brien', 'abc', '', '2020-02-29', -0.0),"
    " ('É', 'Zoë', NULL, 7, '0001-01-01', 3),"
    " ('5', 'zoe', '09', 9223372036854775807, '9999-12-31', 4),"
    " ('6', '%_*?[]', 'a\"b', -9223372036854775808, '2017-05-08', 5),"
    " ('7', 'a\"b', 'x', 11, '2017-05-06', 6),"
    " ('8', 'Ann', 'Ann', 12, '2018-01-01', 7),"
    " ('9', 'Änna', 'é', 13, '2019-06-30', 8);"
    "CREATE TABLE c (PID, V TEXT, W INTEGER);"
    "INSERT INTO c VALUES"
    " (1, 'v1', 1), ('1', 'v2', 2), (1.0, 'v3', 3), ('2', 'v4', 4), (2, 'v5', 5),"
    " ('', 'v6', 6), (NULL, 'v7', 7), (3, 'v8', 8), ('3', 'v9', 9), ('3.0', 'v10', 10),"
    " ('x''y', 'v11', 11), ('É', 'v12', 12), ('none', 'v13', 13), ('5', '', 14),"
    " ('6', NULL, 15), ('7', 'v1', 16), ('8', 'v2', 17), ('9', 'v4', NULL);"
    "CREATE TABLE g (V, X);"
    "INSERT INTO g VALUES ('v1', 1), ('v2', 2), ('v4', 3), ('', 4), (NULL, 5), ('v13', 6),"
    " ('v9', 7), ('V1', 8);";

std::string Tables(const std::string& where, const std::string& child_where = "") {
  std::string out =
      "[[table]]\nname = \"p\"\nfrom = \"p\"\n" +
      (where.empty() ? std::string() : "where = \"\"\"" + where + "\"\"\"\n") +
      "[table.types]\nT = \"text\"\nN = \"int\"\nD = \"date:%Y-%m-%d\"\n"
      "[table.columns]\nID = \"keep\"\nNOM = \"keep\"\nT = \"keep\"\nN = \"keep\"\n"
      "D = \"keep\"\nR = \"keep\"\n"
      "[[table]]\nname = \"c\"\nfrom = \"c\"\nfollow = \"PID -> p.ID\"\n" +
      (child_where.empty() ? std::string() : "where = \"\"\"" + child_where + "\"\"\"\n") +
      "[table.columns]\nPID = \"keep\"\nV = \"keep\"\nW = \"keep\"\n"
      "[[table]]\nname = \"g\"\nfrom = \"g\"\nfollow = \"V -> c.V\"\n"
      "[table.columns]\nV = \"keep\"\nX = \"keep\"\n";
  return out;
}

TEST(SqlitePushdown, SameRowsAndCountsWithAndWithout) {
  ScopedTempDir dir;
  const std::string path = dir / "lab.db";
  Exec(path, kSchema);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},
      {"NOM = 'anna'", ""},
      {"NOM <> 'anna'", ""},
      {"NOM < 'a'", ""},
      {"NOM >= 'Zo'", ""},
      {"NOM IN ('Anna', 'Zoë', 'O''Brien')", ""},
      {"NOM IS NULL", ""},
      {"NOM IS NOT NULL", ""},
      {"NOM = ''", ""},
      {"NOM LIKE 'A%'", ""},
      {"NOM LIKE '%n%a'", ""},
      {"NOM LIKE '%[%'", ""},
      {"NOM LIKE '%*%'", ""},
      {"NOM LIKE '%?%'", ""},
      {"NOM LIKE 'Ann'", ""},
      {"NOM LIKE '_nna'", ""},
      {"NOT NOM LIKE '%a%'", ""},
      {"NOM LIKE '%ë'", ""},
      {"NOM = 'a\"b' OR NOM = '%_*?[]'", ""},
      {"T = '10'", ""},
      {"T > '09'", ""},
      {"T <> '10'", ""},
      {"T IS NULL", ""},
      {"T IN ('10', 'é', 'Ann')", ""},
      {"N = 10", ""},
      {"N >= 0 AND N < 11", ""},
      {"N IN (10, -5, 9223372036854775807)", ""},
      {"NOT N = 10", ""},
      {"N > -9223372036854775808", ""},
      {"N IS NULL", ""},
      {"D >= 2017-05-07", ""},
      {"D < 2017-01-01 OR NOM = 'Zoë'", ""},
      {"D IS NULL", ""},
      {"D IN (2017-05-07, 2020-02-29)", ""},
      {"NOT (D > 2017-05-07 AND N < 12)", ""},
      {"ID = '2'", ""},
      {"ID IN ('1', 'x''y', 'É')", ""},
      {"ID IS NOT NULL AND NOM LIKE '%n%'", ""},
      {"R > 1.0", ""},  // decimals stay in cordon
      {"NOM = 'anna' OR R > 1.0", ""},
      {"N > 5", "W > 3"},
      {"N > 5", "V LIKE 'v1%'"},
      {"NOM IS NOT NULL", "PID IS NULL OR W >= 10"},
      {"N > 5 AND R > 1.0", "W IN (1, 2, 3, 16)"},
  };
  int pushed = 0, joined = 0;
  for (const auto& [where, child_where] : cases) {
    SCOPED_TRACE("where: " + where + " / child: " + child_where);
    const std::string tables = Tables(where, child_where);
    Outcome on = RunWith(true, path, tables), off = RunWith(false, path, tables);
    EXPECT_EQ(on.error, off.error);
    EXPECT_EQ(on.tables, off.tables);
    EXPECT_EQ(on.counts, off.counts);
    ASSERT_EQ(on.statements.size(), 3u);
    for (const std::string& s : off.statements) EXPECT_EQ(s.find("WHERE"), std::string::npos);
    pushed += on.statements[0].find("WHERE") != std::string::npos;
    joined += on.statements[1].find(" IN (SELECT") != std::string::npos;
  }
  // The comparisons above were pushed, not merely left in cordon.
  EXPECT_GE(pushed, 36);
  EXPECT_GE(joined, 30);
}

// An integer column with a text or real among its values, a date column
// with an integer: those rows are left to cordon, which stops the run on
// the value that is not a date — with pushdown too.
TEST(SqlitePushdown, ValuesInDoubtReachCordon) {
  ScopedTempDir dir;
  const std::string path = dir / "lab.db";
  Exec(path,
       "CREATE TABLE p (ID, D DATE);"
       "INSERT INTO p VALUES (1, '2018-01-01'), (2, 20170101), (3, '2016-01-01');"
       "CREATE TABLE c (PID, V);"
       "INSERT INTO c VALUES (1, 'a');");
  const std::string tables =
      "[[table]]\nname = \"p\"\nfrom = \"p\"\nwhere = \"D < 2017-01-01\"\n"
      "[table.columns]\nID = \"keep\"\nD = \"keep\"\n"
      "[[table]]\nname = \"c\"\nfrom = \"c\"\nfollow = \"PID -> p.ID\"\n"
      "[table.columns]\nPID = \"keep\"\nV = \"keep\"\n";
  Outcome on = RunWith(true, path, tables), off = RunWith(false, path, tables);
  // The same error; its row is counted among the rows the database
  // returned (row 1 of the filtered statement, row 2 of the table).
  EXPECT_EQ(off.error, "table p row 2: column D: \"20170101\" is not a date in format %Y-%m-%d");
  EXPECT_EQ(on.error, "table p row 1: column D: \"20170101\" is not a date in format %Y-%m-%d");
}

// Names and values an attacker would choose: quotes in table and column
// names, SQL in literals. They are quoted identifiers and bound values: the
// rows are those cordon selects, and the database is left as it was.
TEST(SqlitePushdown, NamesAndValuesDoNotInject) {
  ScopedTempDir dir;
  const std::string path = dir / "lab.db";
  Exec(path,
       "CREATE TABLE \"p\"\"; DROP TABLE c; --\" (\"I'd\", \"n\"\"o); --\", \"o'k; --\");"
       "INSERT INTO \"p\"\"; DROP TABLE c; --\" VALUES"
       " ('1', 'a', 'x''); DROP TABLE c; --'), ('2', 'b', 'y'), ('3', NULL, ''' OR 1=1 --');"
       "CREATE TABLE c (PID, V);"
       "INSERT INTO c VALUES ('1', 'a'), ('2', 'b'), ('3', 'c');");
  const std::string head =
      "[[table]]\nname = \"p\"\nfrom = 'p\"; DROP TABLE c; --'\n"
      "[table.columns]\n\"I'd\" = \"keep\"\n'n\"o); --' = \"keep\"\n\"o'k; --\" = \"keep\"\n";
  const std::string child =
      "[[table]]\nname = \"c\"\nfrom = \"c\"\nfollow = \"PID -> p.I'd\"\n"
      "[table.columns]\nPID = \"keep\"\nV = \"keep\"\n";
  for (const std::string where :
       {"\"o'k; --\" = 'x''); DROP TABLE c; --'", "\"o'k; --\" <> 'y'",
        "\"o'k; --\" = ''' OR 1=1 --' OR \"I'd\" = '2'", "\"o'k; --\" LIKE '%--%'"}) {
    SCOPED_TRACE(where);
    const std::string tables = head.substr(0, head.find("[table.columns]")) + "where = \"\"\"" +
                               where + "\"\"\"\n" + head.substr(head.find("[table.columns]")) +
                               child;
    Outcome on = RunWith(true, path, tables), off = RunWith(false, path, tables);
    EXPECT_EQ(on.error, "");
    EXPECT_EQ(on.tables, off.tables);
    EXPECT_EQ(on.counts, off.counts);
    ASSERT_EQ(on.statements.size(), 2u);
    EXPECT_NE(on.statements[0].find("WHERE"), std::string::npos);
    EXPECT_NE(on.statements[1].find("IN (SELECT"), std::string::npos);
    // No value is written into the SQL: only `?` (the values are shown after it).
    const std::string sql = on.statements[0].substr(0, on.statements[0].find(" -- parameters:"));
    EXPECT_EQ(sql.find("DROP TABLE c; --'"), std::string::npos);
    EXPECT_EQ(sql.find("1=1"), std::string::npos);
  }
  Outcome still = RunWith(
      true, path, "[[table]]\nname = \"c\"\nfrom = \"c\"\n[table.columns]\nPID = \"keep\"\n");
  EXPECT_EQ(still.error, "");
  EXPECT_EQ(still.tables["c"].size(), 4u);  // the header and the 3 rows
}

}  // namespace
}  // namespace cordon::pipeline
