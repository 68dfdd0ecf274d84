// An order bound to a SQLite database: the same rows as from the CSV path,
// the order's columns only, declared types standing in for [table.types],
// a named column that is gone refuses the run.
#include <gtest/gtest.h>

#include <map>

#include "core/file.h"
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

struct Outcome {
  order::LoadedOrder loaded;
  Binding binding;
  std::map<std::string, Rows> tables;  // header row first
  Status status = Ok();
};

// Binds `tables` (the order's [[table]] part) to `source` and runs it.
void RunOrder(const std::string& tables, const source::TableSource& source, Outcome& out) {
  out.loaded = order::ParseOrder(kHeader + tables, "order.toml");
  ASSERT_TRUE(out.loaded.problems.empty()) << out.loaded.problems[0].message;
  out.binding = Bind(out.loaded.order, source);
  if (!out.binding.problems.empty()) {
    out.status = Error(ErrorCode::kRefused, out.binding.problems[0].message);
    return;
  }
  SinkFactory sinks = [&](const BoundTable& t) -> Result<std::unique_ptr<RowSink>> {
    return std::unique_ptr<RowSink>(std::make_unique<Collect>(out.tables[t.spec->name]));
  };
  auto stats = Run(out.binding, source, sinks);
  out.status = stats.ok() ? Ok() : Status(stats.error());
}

const char kOrder[] =
    "[[table]]\nname = \"patients\"\nwhere = \"VISITE >= 2017-05-07 AND NOM LIKE '%a%'\"\n"
    "[table.types]\nVISITE = \"date:%d/%m/%Y\"\n"
    "[table.columns]\nID = \"keep\"\nNOM = \"keep\"\nVISITE = \"keep\"\n"
    "[[table]]\nname = \"resultats\"\nfollow = \"ID -> patients.ID\"\n"
    "[table.columns]\nID = \"keep\"\nCODE = \"keep\"\n";

TEST(SqliteRun, SameRowsAsTheCsvPath) {
  ScopedTempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir / "patients.csv",
                              AsBytes(std::string("ID;NOM;VISITE;SECRET\n1;Anna;01/01/2018;s1\n"
                                                  "2;Bob;01/01/2019;s2\n3;Clara;01/01/2016;s3\n"
                                                  "4;Zoë \"a\";31/12/2020;s4\n5;;02/02/2020;\n")))
                  .ok());
  ASSERT_TRUE(WriteFileAtomic(dir / "resultats.csv",
                              AsBytes(std::string("ID;CODE\n1;GLY\n2;GLY\n4;HBA\n3;X\n1;HBA\n")))
                  .ok());
  Exec(dir / "lab.db",
       "CREATE TABLE patients (ID TEXT, NOM TEXT, VISITE TEXT, SECRET TEXT);"
       "INSERT INTO patients VALUES ('1','Anna','01/01/2018','s1'), ('2','Bob','01/01/2019','s2'),"
       " ('3','Clara','01/01/2016','s3'), ('4','Zoë \"a\"','31/12/2020','s4'),"
       " ('5',NULL,'02/02/2020',NULL);"
       "CREATE TABLE resultats (ID TEXT, CODE TEXT);"
       "INSERT INTO resultats VALUES ('1','GLY'),('2','GLY'),('4','HBA'),('3','X'),('1','HBA');");
  auto csv = source::CsvSource::Open(dir.path(), {});
  ASSERT_TRUE(csv.ok());
  auto db = source::SqliteSource::Open(dir / "lab.db");
  ASSERT_TRUE(db.ok());
  Outcome from_csv, from_db;
  RunOrder(kOrder, *csv, from_csv);
  RunOrder(kOrder, **db, from_db);
  ASSERT_TRUE(from_csv.status.ok()) << from_csv.status.error().message();
  ASSERT_TRUE(from_db.status.ok()) << from_db.status.error().message();
  EXPECT_EQ(from_db.tables, from_csv.tables);
  EXPECT_EQ(from_db.tables["patients"], (Rows{{"ID", "NOM", "VISITE"},
                                              {"1", "Anna", "01/01/2018"},
                                              {"4", "Zoë \"a\"", "31/12/2020"}}));
  EXPECT_EQ(from_db.tables["resultats"],
            (Rows{{"ID", "CODE"}, {"1", "GLY"}, {"4", "HBA"}, {"1", "HBA"}}));
  // SECRET is not named: the statement does not read it. The LIKE is
  // pushed down (its pattern bound, never in the SQL), the date in another
  // format than ISO is not; the follow is a semi-join.
  EXPECT_EQ(from_db.binding.tables[0].statement,
            "SELECT \"ID\", \"NOM\", \"VISITE\" FROM \"patients\" WHERE (typeof(\"NOM\") IN "
            "('real', 'blob') OR coalesce(instr(CAST(\"NOM\" AS BLOB), x'00'), 0) > 0 OR "
            "((NULLIF(CAST(\"NOM\" AS TEXT), '') COLLATE BINARY) GLOB ?)) ORDER BY _rowid_ -- "
            "parameters: '*a*'");
  EXPECT_NE(from_db.binding.tables[1].statement.find(
                "IN (SELECT COALESCE(CAST(\"ID\" AS TEXT), '') FROM \"patients\" WHERE"),
            std::string::npos);
  EXPECT_TRUE(from_csv.binding.tables[0].statement.empty());
}

TEST(SqliteRun, ColumnsAddedAreNeverReadAndColumnsGoneRefuse) {
  ScopedTempDir dir;
  const std::string path = dir / "lab.db";
  Exec(path,
       "CREATE TABLE patients (ID TEXT, NOM TEXT, VISITE TEXT);"
       "CREATE TABLE resultats (ID TEXT, CODE TEXT);"
       "INSERT INTO patients VALUES ('1','Anna','01/01/2018')");
  Exec(path, "ALTER TABLE patients ADD COLUMN NIR TEXT; UPDATE patients SET NIR = '1850175123456'");
  {
    auto db = source::SqliteSource::Open(path);
    ASSERT_TRUE(db.ok());
    Outcome out;
    RunOrder(kOrder, **db, out);
    ASSERT_TRUE(out.status.ok()) << out.status.error().message();
    EXPECT_EQ(out.tables["patients"], (Rows{{"ID", "NOM", "VISITE"}, {"1", "Anna", "01/01/2018"}}));
    EXPECT_EQ(out.binding.tables[0].statement.find("NIR"), std::string::npos);
  }
  Exec(path, "ALTER TABLE patients DROP COLUMN NOM");
  auto db = source::SqliteSource::Open(path);
  ASSERT_TRUE(db.ok());
  Outcome out;
  RunOrder(kOrder, **db, out);
  ASSERT_FALSE(out.status.ok());
  EXPECT_NE(out.status.error().message().find("unknown column NOM in patients"), std::string::npos)
      << out.status.error().message();
}

TEST(SqliteRun, ReadsTheIdentifiersRedactionNeedsWithoutLettingThemOut) {
  ScopedTempDir dir;
  ASSERT_TRUE(
      WriteFileAtomic(dir / "notes.csv",
                      AsBytes(std::string("ID;NOM;NOTE\n1;DURAND;appeler Mme DURAND demain\n")))
          .ok());
  Exec(dir / "lab.db",
       "CREATE TABLE notes (ID TEXT, NOM TEXT, NOTE TEXT);"
       "INSERT INTO notes VALUES ('1', 'DURAND', 'appeler Mme DURAND demain')");
  const char order[] =
      "[[table]]\nname = \"notes\"\n[table.columns]\nID = \"keep\"\nNOTE = \"redact\"\n";
  auto csv = source::CsvSource::Open(dir / "notes.csv", {});
  auto db = source::SqliteSource::Open(dir / "lab.db");
  ASSERT_TRUE(csv.ok() && db.ok());
  Outcome from_csv, from_db;
  RunOrder(order, *csv, from_csv);
  RunOrder(order, **db, from_db);
  ASSERT_TRUE(from_db.status.ok()) << from_db.status.error().message();
  EXPECT_EQ(from_db.tables, from_csv.tables);
  ASSERT_EQ(from_db.tables["notes"].size(), 2u);
  EXPECT_EQ(from_db.tables["notes"][1][1].find("DURAND"), std::string::npos);
  // NOM is read (to redact it from the note), and does not leave.
  EXPECT_EQ(from_db.binding.tables[0].statement,
            "SELECT \"ID\", \"NOM\", \"NOTE\" FROM \"notes\" ORDER BY _rowid_");
  EXPECT_EQ(from_db.tables["notes"][0], (std::vector<std::string>{"ID", "NOTE"}));
}

TEST(SqliteRun, DeclaredTypesStandInForTableTypes) {
  EXPECT_EQ(DeclaredType("DATE")->date_format, "%Y-%m-%d");
  EXPECT_EQ(DeclaredType("datetime")->date_format, "%Y-%m-%d %H:%M:%S");
  EXPECT_EQ(DeclaredType("BIGINT")->type, order::ValueType::kInt);
  EXPECT_EQ(DeclaredType("double precision")->type, order::ValueType::kDecimal);
  EXPECT_FALSE(DeclaredType("TEXT").has_value());
  EXPECT_FALSE(DeclaredType("").has_value());
  ScopedTempDir dir;
  const std::string path = dir / "lab.db";
  Exec(path,
       "CREATE TABLE p (ID INTEGER, VISITE DATE, W REAL);"
       "INSERT INTO p VALUES (1,'2018-01-01',1.5), (2,'2016-03-04',70), (10,NULL,NULL)");
  auto db = source::SqliteSource::Open(path);
  ASSERT_TRUE(db.ok());
  // No [table.types]: VISITE is a date and ID an integer because the
  // database says so (as text, '10' < '2').
  Outcome out;
  RunOrder(
      "[[table]]\nname = \"p\"\nfrom = \"p\"\nwhere = \"VISITE >= 2017-05-07 OR ID > 2\"\n"
      "[table.columns]\nID = \"keep\"\nVISITE = \"keep\"\nW = \"keep\"\n",
      **db, out);
  ASSERT_TRUE(out.status.ok()) << out.status.error().message();
  EXPECT_EQ(out.tables["p"],
            (Rows{{"ID", "VISITE", "W"}, {"1", "2018-01-01", "1.5"}, {"10", "", ""}}));
  // The order's own type wins over the declared one.
  Outcome typed;
  RunOrder(
      "[[table]]\nname = \"p\"\nwhere = \"VISITE >= '2017'\"\n[table.types]\nVISITE = \"text\"\n"
      "[table.columns]\nID = \"keep\"\n",
      **db, typed);
  ASSERT_TRUE(typed.status.ok()) << typed.status.error().message();
  EXPECT_EQ(typed.tables["p"], (Rows{{"ID"}, {"1"}}));
}

}  // namespace
}  // namespace cordon::pipeline
