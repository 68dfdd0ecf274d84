#include "scan/containers.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>

#include "core/file.h"
#include "testdata/containers.h"

namespace cordon::scan {
namespace {

namespace fs = std::filesystem;
const std::string kLine = "NIR 1 84 12 76 451 089 46 mail jean.dupont@orange.fr\n";

std::vector<std::string> Where(const FileResult& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) {
    out.push_back(r.Location(f) + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) +
                  " " + std::string(detect::KindName(f.kind)));
  }
  return out;
}

class Containers : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cordon-containers-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  // Scans as the CLI does, then names the file by its short name.
  FileResult ScanPath(const std::string& name, const ScanOptions& o = {}) {
    FileResult r;
    r.path = Path(name);
    ScanFile(r, o);
    r.path = name;
    return r;
  }
  fs::path dir_;
};

TEST(Sniff, RecognizesContainersByTheirFirstBytes) {
  using namespace std::string_view_literals;
  EXPECT_EQ(Sniff("\x1f\x8b\x08"sv), Container::kArchive);
  EXPECT_EQ(Sniff("PK\x03\x04"sv), Container::kArchive);
  EXPECT_EQ(Sniff("BZh91AY"sv), Container::kArchive);
  EXPECT_EQ(Sniff("SQLite format 3\0"sv), Container::kSqlite);
  EXPECT_EQ(Sniff("SQLite format 3"sv), Container::kNone) << "truncated magic";
  EXPECT_EQ(Sniff("PK is a name"sv), Container::kNone);
  EXPECT_EQ(Sniff(""sv), Container::kNone);
}

TEST_F(Containers, GzipZipAndNestedArchivesAreScannedWithEntryNames) {
  ASSERT_TRUE(testdata::WriteGzip(Path("app.log.gz"), "ok\n" + kLine).ok());
  auto gz = testdata::GzipBytes(kLine);
  ASSERT_TRUE(gz.ok());
  ASSERT_TRUE(
      testdata::WriteZip(Path("x.zip"), {{"d/a.txt", kLine}, {"logs/old.log.gz", *gz}}).ok());
  ASSERT_TRUE(testdata::WriteZip(Path("inner.zip"), {{"deep.txt", kLine}}).ok());
  auto inner = ReadFileLimited(Path("inner.zip"), 1 << 20);
  ASSERT_TRUE(inner.ok());
  ASSERT_TRUE(
      testdata::WriteZip(Path("outer.zip"), {{"inner.zip", std::string(AsChars(*inner))}}).ok());

  FileResult r = ScanPath("app.log.gz");
  EXPECT_EQ(r.container, "archive");
  EXPECT_EQ(Where(r), (std::vector<std::string>{"app.log.gz:2:5 nir", "app.log.gz:2:32 email"}));

  r = ScanPath("x.zip");
  EXPECT_EQ(Where(r), (std::vector<std::string>{"x.zip:d/a.txt:1:5 nir", "x.zip:d/a.txt:1:32 email",
                                                "x.zip:logs/old.log.gz:1:5 nir",
                                                "x.zip:logs/old.log.gz:1:32 email"}));
  EXPECT_TRUE(r.warnings.empty());

  r = ScanPath("outer.zip");
  EXPECT_EQ(Where(r), (std::vector<std::string>{"outer.zip:inner.zip:deep.txt:1:5 nir",
                                                "outer.zip:inner.zip:deep.txt:1:32 email"}));
  ScanOptions shallow;
  shallow.max_archive_depth = 1;
  EXPECT_TRUE(ScanPath("outer.zip", shallow).findings.empty())
      << "past the depth limit an inner archive is not opened";
}

TEST_F(Containers, ZipBombStopsAtTheBudgetWithAWarning) {
  // 40 MiB of text compress to ~40 KiB; the NIR at the very end is beyond
  // the budget and must not be reached.
  std::string big(40u << 20, 'x');
  big += "\n" + kLine;
  ASSERT_TRUE(testdata::WriteGzip(Path("bomb.gz"), big).ok());
  ScanOptions o;
  o.min_expansion_budget = 4u << 20;
  o.max_expansion_ratio = 10;
  FileResult r = ScanPath("bomb.gz", o);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("zip bomb"), std::string::npos) << r.warnings[0];
  EXPECT_LE(r.bytes, uint64_t{4} << 20);
  EXPECT_EQ(r.total(), 0u);
  EXPECT_TRUE(r.error.empty());
  // With the default budget (64 MiB) the same file is read to its end.
  EXPECT_EQ(ScanPath("bomb.gz").total(), 2u);
}

TEST_F(Containers, TruncatedAndEncryptedArchivesWarnAndKeepWhatWasRead) {
  std::string log;
  for (int i = 0; i < 20000; ++i) log += kLine;
  auto gz = testdata::GzipBytes(log);
  ASSERT_TRUE(gz.ok());
  ASSERT_TRUE(WriteFileAtomic(Path("cut.gz"), AsBytes(gz->substr(0, gz->size() / 2))).ok());
  FileResult r = ScanPath("cut.gz");
  EXPECT_FALSE(r.warnings.empty());
  EXPECT_GT(r.total(), 100u) << "what was read before the cut is reported";
  EXPECT_LT(r.total(), 40000u);

  // An encrypted zip entry (traditional PKWARE encryption).
  std::string bytes;
  {
    archive* a = archive_write_new();
    archive_write_set_format_zip(a);
    ASSERT_EQ(archive_write_set_options(a, "zip:encryption=traditional"), ARCHIVE_OK);
    archive_write_set_passphrase(a, "pw");
    archive_write_open(
        a, &bytes, nullptr,
        [](archive*, void* out, const void* d, size_t n) -> la_ssize_t {
          static_cast<std::string*>(out)->append(static_cast<const char*>(d), n);
          return static_cast<la_ssize_t>(n);
        },
        nullptr);
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, "secret.txt");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_size(e, static_cast<la_int64_t>(kLine.size()));
    archive_write_header(a, e);
    archive_write_data(a, kLine.data(), kLine.size());
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
  }
  ASSERT_TRUE(WriteFileAtomic(Path("enc.zip"), AsBytes(bytes)).ok());
  r = ScanPath("enc.zip");
  EXPECT_EQ(r.total(), 0u);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "secret.txt: encrypted, not scanned");
}

TEST_F(Containers, SqliteEveryCellOfEveryTable) {
  const std::string db = Path("p.sqlite");
  ASSERT_TRUE(testdata::WriteSqlite(
                  db,
                  "CREATE TABLE patients(id INTEGER PRIMARY KEY, nir INTEGER, note TEXT, doc BLOB);"
                  "CREATE TABLE \"we\"\"ird\"(k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;"
                  "CREATE VIEW v AS SELECT note FROM patients;"
                  "CREATE VIRTUAL TABLE notes USING fts5(body);"
                  "INSERT INTO notes VALUES ('call 06 12 34 56 78');"
                  "INSERT INTO \"we\"\"ird\" VALUES ('b', 'x@orange.fr'), ('a', 'none');",
                  "INSERT INTO patients VALUES (?, ?, ?, NULL)",
                  {{int64_t{7}, int64_t{184127645108946},
                    std::string("IBAN FR14 2004 1010 0505 0001 3M02 606")},
                   {int64_t{9}, int64_t{12}, std::string("rien")}})
                  .ok());
  FileResult r = ScanPath("p.sqlite");
  EXPECT_EQ(r.container, "sqlite");
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  std::vector<std::string> where = Where(r);
  std::sort(where.begin(), where.end());
  // The FTS5 text is found in its shadow table, once; the view adds nothing.
  EXPECT_EQ(where, (std::vector<std::string>{
                       "p.sqlite:notes_content:c0:1:1:6 phone", "p.sqlite:patients:nir:7:1:1 nir",
                       "p.sqlite:patients:note:7:1:6 iban", "p.sqlite:we\"ird:v:2:1:1 email"}));

  // The same image read from memory (the fuzz target's path) finds the same.
  auto image = ReadFileLimited(db, 1 << 20);
  ASSERT_TRUE(image.ok());
  FileResult m;
  m.path = "p.sqlite";
  ScanSqliteMemory(std::string_view(AsChars(*image)), m, {});
  EXPECT_EQ(m.total(), r.total());
}

TEST_F(Containers, RealCellsHoldingWholeNumbersAreReadAsDigits) {
  // A NIR kept in a numeric column typed REAL reads back as 1.84127645108946e+14
  // through SQLite's text conversion: it must be scanned as its digits.
  ASSERT_TRUE(testdata::WriteSqlite(Path("r.sqlite"),
                                    "CREATE TABLE m(id INTEGER PRIMARY KEY, v REAL);"
                                    "INSERT INTO m VALUES (1, 184127645108946.0), (2, 0.5),"
                                    " (3, 1e300), (4, -184127645108946.0), (5, 33612345678.0);",
                                    "", {})
                  .ok());
  FileResult r = ScanPath("r.sqlite");
  std::vector<std::string> where = Where(r);
  std::sort(where.begin(), where.end());
  // Fractions and numbers past 2^53 (not exact) are not read as digits.
  EXPECT_EQ(where, (std::vector<std::string>{"r.sqlite:m:v:1:1:1 nir", "r.sqlite:m:v:4:1:2 nir"}));
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(Containers, GeneratedColumnsAreNotRead) {
  // A database of a few KiB whose generated column makes 100 MB per row
  // (the attack review's bomb): only stored values are read.
  ASSERT_TRUE(
      testdata::WriteSqlite(Path("g.sqlite"),
                            "CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER,"
                            " big BLOB AS (zeroblob(n)) VIRTUAL, note TEXT);"
                            "INSERT INTO t(id, n, note) VALUES (1, 100000000, 'x@orange.fr'),"
                            " (2, 100000000, 'rien');",
                            "", {})
          .ok());
  FileResult r = ScanPath("g.sqlite");
  EXPECT_LT(r.bytes, 1u << 20);
  EXPECT_EQ(Where(r), (std::vector<std::string>{"g.sqlite:t:note:1:1:1 email"}));
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(Containers, StoredGeneratedColumnsAreReadAndDefaultsAreBounded) {
  // A STORED generated column holds what the file holds: read (a crafted
  // schema must not hide NIRs). A 1 MiB default taken by 200 old rows (a
  // 1 MiB file) would be 200 MiB of cells: the scan stops at the budget.
  ASSERT_TRUE(testdata::WriteSqlite(Path("s.sqlite"),
                                    "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT,"
                                    " b TEXT AS (a || '46') STORED);"
                                    "INSERT INTO t(id, a) VALUES (1, '1841276451089');",
                                    "", {})
                  .ok());
  FileResult r = ScanPath("s.sqlite");
  EXPECT_EQ(Where(r), (std::vector<std::string>{"s.sqlite:t:b:1:1:1 nir"}));
  std::string rows = "CREATE TABLE d(id INTEGER PRIMARY KEY);";
  for (int i = 1; i <= 200; ++i) rows += "INSERT INTO d VALUES (" + std::to_string(i) + ");";
  rows += "ALTER TABLE d ADD COLUMN big TEXT DEFAULT '" + std::string(1 << 20, 'x') + "';";
  ASSERT_TRUE(testdata::WriteSqlite(Path("d.sqlite"), rows, "", {}).ok());
  ScanOptions o;
  o.min_expansion_budget = 16 << 20;
  o.max_expansion_ratio = 10;  // the file is 1 MiB: its default alone
  FileResult d = ScanPath("d.sqlite", o);
  EXPECT_LE(d.bytes, uint64_t{16} << 20);
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_NE(d.warnings[0].find("the rest was not scanned"), std::string::npos) << d.warnings[0];
}

TEST_F(Containers, SqliteInsideZipAndGzipIsReadTableByTable) {
  const std::string db = Path("in.sqlite");
  ASSERT_TRUE(testdata::WriteSqlite(
                  db,
                  "CREATE TABLE patients(id INTEGER PRIMARY KEY, nir INTEGER,"
                  " tel TEXT, w REAL);",
                  "INSERT INTO patients VALUES (?, ?, ?, 184127645108946.0)",
                  {{int64_t{3}, int64_t{184127645108946}, std::string("jean.dupont@orange.fr")}})
                  .ok());
  auto image = ReadFileLimited(db, 1 << 20);
  ASSERT_TRUE(image.ok());
  const std::string bytes(AsChars(*image));
  ASSERT_TRUE(
      testdata::WriteZip(Path("dump.zip"), {{"lis/prod.db", bytes}, {"a.txt", kLine}}).ok());
  FileResult z = ScanPath("dump.zip");
  EXPECT_EQ(z.container, "archive");
  EXPECT_TRUE(z.error.empty()) << z.error;
  std::vector<std::string> where = Where(z);
  std::sort(where.begin(), where.end());
  // Before, the INTEGER and REAL NIRs were lost: the database's pages were
  // scanned as raw bytes.
  EXPECT_EQ(where, (std::vector<std::string>{"dump.zip:a.txt:1:32 email", "dump.zip:a.txt:1:5 nir",
                                             "dump.zip:lis/prod.db:patients:nir:3:1:1 nir",
                                             "dump.zip:lis/prod.db:patients:tel:3:1:1 email",
                                             "dump.zip:lis/prod.db:patients:w:3:1:1 nir"}));

  // A compressed database (prod.db.gz): one nameless entry, its tables name
  // the findings.
  ASSERT_TRUE(testdata::WriteGzip(Path("prod.db.gz"), bytes).ok());
  FileResult g = ScanPath("prod.db.gz");
  EXPECT_EQ(g.container, "archive");
  where = Where(g);
  std::sort(where.begin(), where.end());
  EXPECT_EQ(where, (std::vector<std::string>{"prod.db.gz:patients:nir:3:1:1 nir",
                                             "prod.db.gz:patients:tel:3:1:1 email",
                                             "prod.db.gz:patients:w:3:1:1 nir"}));

  // A damaged database inside an archive is a warning on its entry; the
  // other entries are still scanned and the file is no error.
  std::string damaged = bytes.substr(0, 100) + std::string(4096, '\x5a');
  ASSERT_TRUE(testdata::WriteZip(Path("bad.zip"), {{"bad.db", damaged}, {"b.txt", kLine}}).ok());
  FileResult b = ScanPath("bad.zip");
  EXPECT_TRUE(b.error.empty()) << b.error;
  ASSERT_FALSE(b.warnings.empty());
  EXPECT_EQ(b.warnings.front().rfind("bad.db: ", 0), 0u) << b.warnings.front();
  EXPECT_EQ(b.total(), 2u);
}

TEST_F(Containers, DamagedSqliteIsAnErrorOrWarningNeverACrash) {
  const std::string db = Path("d.sqlite");
  std::vector<std::vector<testdata::Cell>> rows;
  for (int64_t i = 0; i < 2000; ++i) rows.push_back({i, std::string(200, 'x') + " a@orange.fr"});
  ASSERT_TRUE(testdata::WriteSqlite(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);",
                                    "INSERT INTO t VALUES (?, ?)", rows)
                  .ok());
  auto image = ReadFileLimited(db, 8 << 20);
  ASSERT_TRUE(image.ok());
  std::string bytes(AsChars(*image));
  for (size_t at : {size_t{100}, size_t{5000}, bytes.size() / 2}) {
    std::string damaged = bytes;
    for (size_t k = at; k < at + 64 && k < damaged.size(); ++k)
      damaged[k] = static_cast<char>(k * 7);
    FileResult r;
    ScanSqliteMemory(damaged, r, {});
    EXPECT_TRUE(!r.error.empty() || !r.warnings.empty() || r.total() == 2000u) << at;
  }
  FileResult cut;
  ScanSqliteMemory(std::string_view(bytes).substr(0, bytes.size() / 3), cut, {});
  EXPECT_TRUE(!cut.error.empty() || !cut.warnings.empty());
}

}  // namespace
}  // namespace cordon::scan
