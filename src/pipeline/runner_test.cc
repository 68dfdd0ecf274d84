// Run and TableRun on small tables written in the test, with an in-memory
// sink: what `where`, `follow`, k-anonymity, redaction and threads do to the
// rows that leave.
#include "pipeline/runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "core/file.h"
#include "pseudo/key.h"
#include "testdata/lis_fr.h"

namespace cordon::pipeline {
namespace {
namespace fs = std::filesystem;

const char kHeader[] =
    "[order]\nid = \"T\"\ncontroller = \"Lab\"\nprocessor = \"Vendor\"\npurpose = \"Test\"\n"
    "contract = \"DPA\"\nnot_after = 2030-01-01\nretention_days = 10\n"
    "recipients = [\"age1fh5kqu9qpe3htgpkh0v0ujkyf7dsx5hmxn3n5qfpjunlx3wptd4qsyhmlh\"]\n";

// One table as it reached its sink.
struct SunkTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  bool ended = false;
};

// The in-memory sink: every table's columns and rows, by table name.
class MemorySink final : public RowSink {
 public:
  explicit MemorySink(SunkTable& out) : out_(out) {}
  Status Begin(const std::vector<std::string>& columns) override {
    out_.columns = columns;
    return Ok();
  }
  Status Row(const std::vector<std::string_view>& values) override {
    out_.rows.emplace_back(values.begin(), values.end());
    return Ok();
  }
  Status End() override {
    out_.ended = true;
    return Ok();
  }

 private:
  SunkTable& out_;
};

using Sunk = std::map<std::string, SunkTable>;

SinkFactory MemorySinks(Sunk& sunk) {
  return [&sunk](const BoundTable& t) -> Result<std::unique_ptr<RowSink>> {
    return std::unique_ptr<RowSink>(std::make_unique<MemorySink>(sunk[t.spec->name]));
  };
}

class PipelineRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cordon-runner-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "src");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void WriteTable(const std::string& name, const std::string& csv) {
    ASSERT_TRUE(WriteFileAtomic((dir_ / "src" / (name + ".csv")).string(), AsBytes(csv)).ok());
  }

  // Parses `tables` (the [[table]] part of an order) and binds it to the
  // source; the order and binding stay in the fixture.
  void Load(const std::string& tables, const std::string& order_extra = "") {
    loaded_ = order::ParseOrder(kHeader + order_extra + tables, "order.toml");
    ASSERT_TRUE(loaded_.problems.empty())
        << order::FormatDiagnostic("order.toml", loaded_.problems[0]);
    auto src = source::CsvSource::Open((dir_ / "src").string(), {});
    ASSERT_TRUE(src.ok()) << src.error().message();
    source_.emplace(std::move(*src));
    binding_ = Bind(loaded_.order, *source_);
    ASSERT_TRUE(binding_.problems.empty()) << binding_.problems[0].message;
  }

  Result<std::vector<TableStats>> RunInto(Sunk& sunk, TransformOptions options = {}) {
    return pipeline::Run(binding_, *source_, MemorySinks(sunk), {}, options);
  }

  fs::path dir_;
  order::LoadedOrder loaded_;
  std::optional<source::CsvSource> source_;
  Binding binding_;
};

using Rows = std::vector<std::vector<std::string>>;

TEST_F(PipelineRun, WhereSelectsRowsOnTheirSourceValuesAndCountsTheOthers) {
  WriteTable("patients", "ID;AGE;NOM\n1;30;A\n2;55;B\n3;;C\n4;70;D\n");
  Load(
      "[[table]]\nname = \"patients\"\nwhere = \"AGE >= 50\"\n[table.types]\nAGE = \"int\"\n"
      "[table.columns]\nID = \"keep\"\nAGE = \"keep\"\n");
  Sunk sunk;
  auto stats = RunInto(sunk);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  const SunkTable& p = sunk["patients"];
  EXPECT_EQ(p.columns, (std::vector<std::string>{"ID", "AGE"})) << "NOM is not listed";
  // A NULL age is not >= 50 (three-valued logic): row 3 is left out.
  EXPECT_EQ(p.rows, (Rows{{"2", "55"}, {"4", "70"}}));
  EXPECT_TRUE(p.ended);
  ASSERT_EQ(stats->size(), 1u);
  EXPECT_EQ((*stats)[0].rows_read, 4u);
  EXPECT_EQ((*stats)[0].rows_selected, 2u);
  EXPECT_EQ((*stats)[0].rows_excluded_where, 2u);
  EXPECT_EQ((*stats)[0].rows_excluded_follow, 0u);
}

TEST_F(PipelineRun, FollowKeepsOnlyChildRowsWhoseKeyTheParentSelected) {
  WriteTable("patients", "ID;SEXE\n1;F\n2;M\n3;F\n");
  // Children out of key order (the runner caches the last key looked up),
  // one of an unknown parent, one with an empty key.
  WriteTable("resultats", "ID;CODE\n1;GLY\n2;GLY\n1;HBA\n3;GLY\n9;GLY\n;GLY\n3;HBA\n2;HBA\n");
  Load(
      "[[table]]\nname = \"patients\"\nwhere = \"SEXE = 'F'\"\n[table.columns]\nID = \"keep\"\n"
      "[[table]]\nname = \"resultats\"\nfollow = \"ID -> patients.ID\"\n"
      "[table.columns]\nID = \"keep\"\nCODE = \"keep\"\n");
  Sunk sunk;
  auto stats = RunInto(sunk);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(sunk["patients"].rows, (Rows{{"1"}, {"3"}}));
  EXPECT_EQ(sunk["resultats"].rows, (Rows{{"1", "GLY"}, {"1", "HBA"}, {"3", "GLY"}, {"3", "HBA"}}));
  EXPECT_EQ((*stats)[1].rows_read, 8u);
  EXPECT_EQ((*stats)[1].rows_excluded_follow, 4u);
  EXPECT_EQ((*stats)[1].rows_excluded_where, 0u);
}

TEST_F(PipelineRun, KAnonymitySuppressesRowsOfSmallClassesAsTheyLeaveAndTheirChildren) {
  // Classes on the birth year as it leaves (generalize:year): 1960 has 3
  // rows, 1970 has 2, 1980 has 1.
  WriteTable("patients",
             "ID;NAISSANCE\n1;01/02/1960\n2;03/04/1960\n3;05/06/1960\n4;07/08/1970\n"
             "5;09/10/1970\n6;11/12/1980\n");
  WriteTable("resultats", "ID;CODE\n1;GLY\n4;GLY\n6;GLY\n6;HBA\n");
  Load(
      "[[table]]\nname = \"patients\"\nquasi_identifiers = [\"NAISSANCE\"]\nmin_k = 2\n"
      "on_k_violation = \"suppress\"\n[table.types]\nNAISSANCE = \"date:%d/%m/%Y\"\n"
      "[table.columns]\nID = \"keep\"\nNAISSANCE = \"generalize:year\"\n"
      "[[table]]\nname = \"resultats\"\nfollow = \"ID -> patients.ID\"\n"
      "[table.columns]\nID = \"keep\"\nCODE = \"keep\"\n");
  Sunk sunk;
  auto stats = RunInto(sunk);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(sunk["patients"].rows,
            (Rows{{"1", "1960"}, {"2", "1960"}, {"3", "1960"}, {"4", "1970"}, {"5", "1970"}}));
  const TableStats& s = (*stats)[0];
  EXPECT_EQ(s.classes, 3u);
  EXPECT_EQ(s.k_smallest, 1u);
  EXPECT_EQ(s.rows_below_k, 1u);
  EXPECT_EQ(s.rows_suppressed_k, 1u);
  EXPECT_EQ(s.rows_selected, 5u);
  // Patient 6 was left out, so are the results that follow it.
  EXPECT_EQ(sunk["resultats"].rows, (Rows{{"1", "GLY"}, {"4", "GLY"}}));
  EXPECT_EQ((*stats)[1].rows_excluded_follow, 2u);
}

TEST_F(PipelineRun, KAnonymityRefusesBeforeTheTableHasASinkUnlessOnlyReporting) {
  WriteTable("patients", "ID;CP\n1;76000\n2;76100\n3;75001\n");
  Load(
      "[[table]]\nname = \"patients\"\nquasi_identifiers = [\"CP\"]\nmin_k = 2\n"
      "[table.columns]\nID = \"keep\"\nCP = \"generalize:dept\"\n");
  Sunk sunk;
  auto refused = RunInto(sunk);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRefused);
  EXPECT_NE(refused.error().message().find("1 rows are in groups smaller than min_k = 2 on CP"),
            std::string::npos)
      << refused.error().message();
  EXPECT_NE(refused.error().hint().find("on_k_violation"), std::string::npos);
  EXPECT_TRUE(sunk.empty()) << "no sink was asked for: nothing of the table was written";

  TransformOptions plan;
  plan.report_k_only = true;
  auto reported = RunInto(sunk, plan);
  ASSERT_TRUE(reported.ok()) << reported.error().message();
  EXPECT_EQ((*reported)[0].k_smallest, 1u);
  EXPECT_EQ((*reported)[0].rows_below_k, 1u);
  EXPECT_EQ((*reported)[0].rows_suppressed_k, 0u) << "a plan reports, it does not suppress";
  EXPECT_EQ(sunk["patients"].rows, (Rows{{"1", "76"}, {"2", "76"}, {"3", "75"}}));
}

TEST_F(PipelineRun, RedactRemovesTheParentRowsIdentifiersFromItsChildrenOnly) {
  // NOM does not leave, but it names the patient: the notes of patient 1
  // lose "Durand", those of patient 2 (named Martin) do not, since Durand
  // is not their patient's name.
  WriteTable("patients", "ID;NOM\n1;Durand\n2;Martin\n");
  WriteTable("notes",
             "ID;TEXTE\n1;Mme Durand rappelle demain\n2;Mme Durand rappelle demain\n"
             "2;M. Martin absent\n");
  Load(
      "[[table]]\nname = \"patients\"\n[table.columns]\nID = \"keep\"\n"
      "[[table]]\nname = \"notes\"\nfollow = \"ID -> patients.ID\"\n"
      "[table.columns]\nID = \"keep\"\nTEXTE = \"redact\"\n");
  ASSERT_TRUE(binding_.tables[1].inherits_identifiers);
  Sunk sunk;
  auto stats = RunInto(sunk);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  const Rows& notes = sunk["notes"].rows;
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_EQ(notes[0][1].find("Durand"), std::string::npos) << notes[0][1];
  EXPECT_NE(notes[0][1].find("[NAME]"), std::string::npos) << notes[0][1];
  EXPECT_NE(notes[1][1].find("Durand"), std::string::npos) << notes[1][1];
  EXPECT_EQ(notes[2][1].find("Martin"), std::string::npos) << notes[2][1];
}

TEST_F(PipelineRun, ThreadsDoNotChangeTheOutput) {
  // Enough rows for several batches of transforms per table.
  fs::remove_all(dir_ / "src");
  ASSERT_TRUE(testdata::WriteLisFr((dir_ / "src").string(), {.patients = 6000, .seed = 3}).ok());
  pseudo::PseudonymKey key = pseudo::PseudonymKey::Generate();
  Load(
      "[[table]]\nname = \"patients\"\nsubject = \"NUM_DOSSIER\"\nwhere = \"SEXE = 'F'\"\n"
      "[table.types]\nDATE_NAISSANCE = \"date:%d/%m/%Y\"\n[table.columns]\n"
      "NUM_DOSSIER = \"pseudonym\"\nNIR = \"pseudonym:nir:keep=sex\"\nNOM = "
      "\"synthetic:last_name\"\nPRENOM = \"synthetic:first_name\"\nSEXE = \"keep\"\n"
      "DATE_NAISSANCE = \"shift-date:30\"\nCOMMENTAIRE_P = \"redact\"\n"
      "[[table]]\nname = \"resultats\"\nfollow = \"NUM_DOSSIER -> patients.NUM_DOSSIER\"\n"
      "subject = \"NUM_DOSSIER\"\n[table.types]\nDATE_PRELEVEMENT = \"date:%d/%m/%Y\"\n"
      "[table.columns]\nNUM_DOSSIER = \"pseudonym\"\nDATE_PRELEVEMENT = \"shift-date:30\"\n"
      "CODE_ANALYSE = \"keep\"\nCOMMENTAIRE = \"redact\"\n",
      "pseudonym_key_id = \"" + key.id() + "\"\npseudonym_domain = \"d\"\n");
  auto run = [&](size_t threads) {
    Sunk sunk;
    TransformOptions o{&key, "d", loaded_.order.not_after};
    o.threads = threads;
    auto stats = RunInto(sunk, o);
    EXPECT_TRUE(stats.ok()) << stats.error().message();
    return sunk;
  };
  Sunk one = run(1), four = run(4);
  ASSERT_GT(one["resultats"].rows.size(), 2 * 4096u) << "too few rows to exercise batches";
  EXPECT_EQ(one["patients"].rows, four["patients"].rows);
  EXPECT_EQ(one["resultats"].rows, four["resultats"].rows);
  // And the transforms did run: no source file number leaves.
  EXPECT_EQ(one["patients"].rows[0][0].size(), 16u) << one["patients"].rows[0][0];
}

TEST_F(PipelineRun, ABadRowStopsTheRunNamingFileLineAndColumnButNotTheValue) {
  WriteTable("patients", "ID;NAISSANCE\n1;01/02/1960\n2;31/02/1961\n");
  Load(
      "[[table]]\nname = \"patients\"\n[table.types]\nNAISSANCE = \"date:%d/%m/%Y\"\n"
      "[table.columns]\nID = \"keep\"\nNAISSANCE = \"generalize:year\"\n");
  Sunk sunk;
  auto failed = RunInto(sunk);
  ASSERT_FALSE(failed.ok());
  const std::string& m = failed.error().message();
  EXPECT_NE(m.find("line 3"), std::string::npos) << m;
  EXPECT_NE(m.find("NAISSANCE"), std::string::npos) << m;
  EXPECT_EQ(m.find("31/02/1961"), std::string::npos) << m;
}

TEST_F(PipelineRun, BindingTypesEachColumnsFate) {
  WriteTable("patients", "ID;NIR;NOM\n1;x;y\n");
  Load("[[table]]\nname = \"patients\"\n[table.columns]\nID = \"keep\"\nNOM = \"mask:1\"\n");
  const std::vector<ColumnReport>& c = binding_.tables[0].columns;
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].fate_text(), "keep");
  EXPECT_TRUE(c[1].excluded());
  EXPECT_EQ(c[1].fate_text(), "excluded");
  ASSERT_FALSE(c[2].excluded());
  EXPECT_EQ(c[2].fate->kind, order::FateKind::kMask);
  EXPECT_EQ(c[2].fate_text(), "mask:1");
}

}  // namespace
}  // namespace cordon::pipeline
