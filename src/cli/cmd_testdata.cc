// `cordon testdata lis-fr`: synthetic legacy exports for tests, demos and
// benchmarks. Every person in them is invented.
#include <chrono>
#include <iostream>
#include <tuple>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/diagnostic.h"
#include "core/encoding.h"
#include "testdata/corpus.h"
#include "testdata/cpr_dk.h"
#include "testdata/lis_fr.h"

namespace cordon::cli {
namespace {

// The generators draw some values in an order the compiler chooses (the
// operands of +), so only the same build repeats a seed exactly.
constexpr const char* kSameSeedSameData =
    "same seed, same data (from the same build: a clang build draws some values in another "
    "order)";
constexpr const char* kSameSeedSameCorpus =
    "same seed, same corpus (from the same build: a clang build draws some values in another "
    "order)";

struct TestdataArgs {
  uint64_t patients = 1000;
  uint64_t seed = 1;
  std::string encoding = "windows-1252";
  std::string separator = ";";
  bool lf = false;
  std::string output;
};

Status Testdata(const TestdataArgs& a) {
  testdata::LisFrOptions o;
  o.patients = a.patients;
  o.seed = a.seed;
  if (a.encoding == "utf8" || a.encoding == "utf-8") {
    o.utf8 = true;
  } else if (a.encoding != "windows-1252" && a.encoding != "cp1252") {
    return Error(ErrorCode::kInvalidArgument, "--encoding must be windows-1252 or utf8");
  }
  std::string sep = a.separator == "tab" ? "\t" : a.separator;
  if (sep.size() != 1 || std::string(";,\t|").find(sep[0]) == std::string::npos) {
    return Error(ErrorCode::kInvalidArgument, "--sep must be one of ; , | tab");
  }
  o.separator = sep[0];
  o.crlf = !a.lf;
  auto start = std::chrono::steady_clock::now();
  CORDON_ASSIGN_OR_RETURN(testdata::LisFrStats s, testdata::WriteLisFr(a.output, o));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char summary[160];
  (void)std::snprintf(summary, sizeof summary, " (%.1f MiB) to %s in %.2f s\n",
                      static_cast<double>(s.bytes) / 1048576.0, a.output.c_str(), secs);
  std::cerr << "cordon: wrote " << Thousands(s.patients) << " patients and " << Thousands(s.results)
            << " results" << summary;
  return Ok();
}

}  // namespace

void RegisterTestdataCommands(CLI::App& app, int* exit_code) {
  CLI::App* td =
      app.add_subcommand("testdata", "Generate synthetic legacy exports (invented people only).");
  td->require_subcommand(1);
  auto a = std::make_shared<TestdataArgs>();
  CLI::App* lis = td->add_subcommand(
      "lis-fr",
      "A French laboratory system export: DIR/patients.csv and DIR/resultats.csv in\n"
      "Windows-1252, ';', CRLF, dd/mm/yyyy, with free-text comments hiding identifiers.\n"
      "  cordon testdata lis-fr --patients 100000 --seed 7 -o export/");
  lis->add_option("--patients", a->patients, "number of patients")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 34));
  lis->add_option("--seed", a->seed, kSameSeedSameData);
  lis->add_option("--encoding", a->encoding, "windows-1252 (default) or utf8");
  lis->add_option("--sep", a->separator, "separator: ; (default) , | or tab");
  lis->add_flag("--lf", a->lf, "LF line ends instead of CRLF");
  lis->add_option("-o,--output", a->output, "directory to write (created)")->required();
  lis->callback([a, exit_code] { *exit_code = Finish(Testdata(*a)); });

  auto dk = std::make_shared<std::tuple<uint64_t, uint64_t, std::string>>(1000, 1, "");
  CLI::App* cpr = td->add_subcommand(
      "cpr-dk",
      "Danish municipal care records: DIR/borgere.csv (CPR, names with æøå, addresses,\n"
      "phones, e-mails) and DIR/besoeg.csv (visits with free-text notes that mention\n"
      "relatives' CPR numbers and phones); UTF-8, ';', CRLF, dd-mm-yyyy.\n"
      "  cordon testdata cpr-dk --people 10000 -o care/");
  cpr->add_option("--people", std::get<0>(*dk), "number of citizens")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 34));
  cpr->add_option("--seed", std::get<1>(*dk), kSameSeedSameData);
  cpr->add_option("-o,--output", std::get<2>(*dk), "directory to write (created)")->required();
  cpr->callback([dk, exit_code] {
    auto stats = testdata::WriteCprDk(std::get<2>(*dk), {std::get<0>(*dk), std::get<1>(*dk)});
    if (stats.ok()) {
      std::cerr << "cordon: wrote " << Thousands(stats->people) << " citizens and "
                << Thousands(stats->visits) << " visits to " << std::get<2>(*dk) << "\n";
    }
    *exit_code = stats.ok() ? kExitOk : Fail(stats.error());
  });

  struct CorpusArgs {
    testdata::CorpusOptions options;
    std::string layout = "sparse";
    std::string output;
  };
  auto c = std::make_shared<CorpusArgs>();
  CLI::App* corpus = td->add_subcommand(
      "corpus",
      "A labelled tree for `cordon scan`: logs, CSV, JSON, Markdown and code with seeded\n"
      "identifiers of every kind and look-alike decoys; DIR/truth.tsv lists the seeded ones.\n"
      "--layout dense: CSV/TSV table exports and logs where every line carries identifiers.\n"
      "  cordon testdata corpus --size-mb 64 -o corpus/ && cordon scan corpus --exclude truth.tsv");
  corpus->add_option("--size-mb", c->options.size_mb, "approximate size (default 4)")
      ->check(CLI::Range(1, 1 << 20));
  corpus->add_option("--seed", c->options.seed, kSameSeedSameCorpus);
  corpus
      ->add_option("--layout", c->layout, "sparse (default: a mixed tree) or dense (tables, logs)")
      ->check(CLI::IsMember({"sparse", "dense"}));
  corpus->add_option("-o,--output", c->output, "directory to create")->required();
  corpus->callback([c, exit_code] {
    c->options.layout =
        c->layout == "dense" ? testdata::CorpusLayout::kDense : testdata::CorpusLayout::kSparse;
    auto stats = testdata::WriteCorpus(c->output, c->options);
    if (stats.ok()) {
      std::cerr << "cordon: wrote " << stats->files << " files, " << stats->bytes / 1048576
                << " MiB, " << stats->identifiers << " identifiers and " << stats->decoys
                << " decoys to " << c->output << "\n";
    }
    *exit_code = stats.ok() ? kExitOk : Fail(stats.error());
  });
}

}  // namespace cordon::cli
