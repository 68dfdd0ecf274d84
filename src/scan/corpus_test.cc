// Recall and precision of `cordon scan` on a generated, labelled corpus:
// every seeded identifier must be found (recall 100 %), and at least 99.5 %
// of the reports must be seeded identifiers, per kind.
#include "testdata/corpus.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "scan/scanner.h"

namespace cordon::scan {
namespace {

// truth.tsv: one (path, line, column, kind) row per seeded identifier, and
// how many of each kind were seeded.
using TruthRow = std::tuple<std::string, uint64_t, uint64_t, std::string>;
struct Truth {
  std::set<TruthRow> rows;
  std::map<std::string, size_t> seeded;
};

Truth ReadTruth(const std::filesystem::path& dir) {
  Truth t;
  std::ifstream tsv(dir / "truth.tsv");
  std::string row;
  std::getline(tsv, row);  // header
  while (std::getline(tsv, row)) {
    std::istringstream f(row);
    std::string path, line, column, kind;
    std::getline(f, path, '\t');
    std::getline(f, line, '\t');
    std::getline(f, column, '\t');
    std::getline(f, kind, '\t');
    t.rows.insert({(dir / path).string(), std::stoull(line), std::stoull(column), kind});
    ++t.seeded[kind];
  }
  return t;
}

TEST(Corpus, RecallIsCompleteAndPrecisionHigh) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("cordon-corpus-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto stats = testdata::WriteCorpus(dir.string(), {.size_mb = 6, .seed = 42});
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  ASSERT_GT(stats->identifiers, 1000u);
  ASSERT_GT(stats->decoys, 300u);

  auto [truth, seeded] = ReadTruth(dir);
  ScanOptions options;
  options.excludes = {"truth.tsv"};
  options.max_findings_per_file = 1 << 20;
  ScanReport report = Scan({dir.string()}, options);
  std::map<std::string, size_t> found, correct;
  std::set<std::tuple<std::string, uint64_t, uint64_t, std::string>> seen;
  // Every kind of file the corpus holds was read by its own reader.
  size_t gzip_found = 0, zip_found = 0, nested_found = 0, sqlite_found = 0, binary_files = 0;
  for (const auto& file : report.files) {
    binary_files += file.binary;
    for (const auto& x : file.findings) {
      std::string where = file.Location(x);
      gzip_found += where.ends_with(".log.gz");
      zip_found += where.find(".zip:") != std::string::npos;
      nested_found += where.ends_with(".zip:logs/app.log.gz");
      sqlite_found += where.find(".sqlite:records:") != std::string::npos;
    }
  }
  EXPECT_GT(gzip_found, 100u);
  EXPECT_GT(zip_found, 100u);
  EXPECT_GT(nested_found, 10u);
  EXPECT_GT(sqlite_found, 100u);
  EXPECT_GT(binary_files, 0u);
  for (const auto& file : report.files) {
    EXPECT_TRUE(file.error.empty()) << file.path << ": " << file.error;
    EXPECT_TRUE(file.warnings.empty()) << file.path << ": " << file.warnings.front();
    for (const auto& x : file.findings) {
      std::string kind(detect::KindName(x.kind));
      auto key = std::make_tuple(file.Location(x), x.line, x.column, kind);
      ++found[kind];
      if (truth.count(key)) {
        ++correct[kind];
        seen.insert(key);
      } else if (found[kind] - correct[kind] <= 3) {
        ADD_FAILURE() << "not seeded: " << file.Location(x) << ":" << x.line << ":" << x.column
                      << " " << kind << " " << x.masked;
      }
    }
  }
  for (const auto& t : truth) {
    if (!seen.count(t)) {
      ADD_FAILURE() << "missed: " << std::get<0>(t) << ":" << std::get<1>(t) << ":"
                    << std::get<2>(t) << " " << std::get<3>(t);
      break;
    }
  }
  for (const auto& [kind, n] : seeded) {
    double recall = static_cast<double>(correct[kind]) / static_cast<double>(n);
    double precision =
        found[kind] ? static_cast<double>(correct[kind]) / static_cast<double>(found[kind]) : 1.0;
    std::cout << kind << ": " << n << " seeded, recall " << recall * 100 << " %, precision "
              << precision * 100 << " %\n";
    EXPECT_EQ(correct[kind], n) << kind;
    EXPECT_GE(precision, 0.995) << kind;
  }
  fs::remove_all(dir);
}

TEST(Corpus, DenseLayoutHasIdentifiersOnEveryLineAndAllAreFound) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("cordon-dense-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto stats = testdata::WriteCorpus(
      dir.string(), {.size_mb = 3, .seed = 42, .layout = testdata::CorpusLayout::kDense});
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  ASSERT_GT(stats->decoys, 1000u);
  auto [truth, seeded] = ReadTruth(dir);
  std::set<std::pair<std::string, uint64_t>> lines_with_identifiers;
  for (const auto& [path, line, column, kind] : truth) lines_with_identifiers.insert({path, line});
  EXPECT_EQ(seeded.size(), detect::kKindCount) << "every kind is seeded";
  // Every line but the CSV/TSV headers carries an identifier.
  size_t lines = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().filename() == "truth.tsv") continue;
    std::ifstream in(entry.path());
    std::string text;
    for (bool header = entry.path().extension() != ".log"; std::getline(in, text); header = false) {
      lines += !header;
    }
  }
  EXPECT_EQ(lines_with_identifiers.size(), lines);

  ScanOptions options;
  options.excludes = {"truth.tsv"};
  options.max_findings_per_file = 1 << 20;
  ScanReport report = Scan({dir.string()}, options);
  size_t found = 0, correct = 0;
  for (const auto& file : report.files) {
    EXPECT_TRUE(file.error.empty()) << file.path << ": " << file.error;
    for (const auto& x : file.findings) {
      ++found;
      if (truth.count(
              {file.Location(x), x.line, x.column, std::string(detect::KindName(x.kind))})) {
        ++correct;
      } else if (found - correct <= 3) {
        ADD_FAILURE() << "not seeded: " << file.Location(x) << ":" << x.line << ":" << x.column
                      << " " << detect::KindName(x.kind) << " " << x.masked;
      }
    }
  }
  EXPECT_EQ(correct, truth.size()) << "recall";
  EXPECT_EQ(found, correct) << "precision";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cordon::scan
