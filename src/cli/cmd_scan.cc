// `cordon scan`: personal identifiers left in clear on a disk, masked.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/key_files.h"
#include "cli/ledger_io.h"
#include "core/diagnostic.h"
#include "scan/report.h"
#include "scan/scanner.h"
#include "scan/watchlist.h"

namespace cordon::cli {
namespace {

struct ScanArgs {
  LedgerArgs ledger;
  std::vector<std::string> paths;
  bool json = false;
  bool sarif = false;
  std::string kinds = "nir,cpr,iban,card,email,phone";
  std::vector<std::string> excludes;
  int threads = 2;
  uint64_t max_expansion = 100;
  bool fail_on_findings = false;
  std::vector<std::string> watchlists;
  std::string watch_key;
  bool fail_on_real = false;
};

// The watchlists merged, checked against the key: a list made with another
// key is refused (exit 3) instead of silently matching nothing.
Result<scan::WatchChecker> LoadWatch(const ScanArgs& a) {
  CORDON_ASSIGN_OR_RETURN(scan::WatchKey key, LoadWatchKey(a.watch_key));
  std::vector<scan::Watchlist> lists;
  for (const std::string& path : a.watchlists) {
    CORDON_ASSIGN_OR_RETURN(scan::Watchlist list, LoadWatchlist(path));
    if (Status s = scan::CheckWatchKey(list, key); !s.ok()) {
      return s.error().WithContext(path + " (--watch-key " + a.watch_key + ")");
    }
    lists.push_back(std::move(list));
  }
  CORDON_ASSIGN_OR_RETURN(scan::Watchlist merged, scan::Watchlist::Merge(std::move(lists)));
  return scan::WatchChecker::Create(std::move(key), std::move(merged));
}

void WarnAbout(const scan::FileResult& f) {
  if (!f.error.empty()) std::cerr << FormatWarning(f.path + ": " + f.error);
  for (const auto& w : f.warnings) std::cerr << FormatWarning(f.path + ": " + w);
}

int RunScan(const ScanArgs& a, nlohmann::json& event) {
  scan::ScanOptions o;
  if (!detect::ParseKinds(a.kinds, o.kinds)) {
    return Fail(Error(ErrorCode::kInvalidArgument,
                      "--kinds: \"" + a.kinds + "\" is not a list of kinds",
                      "use any of nir,cpr,iban,card,email,phone"));
  }
  if (a.json && a.sarif) {
    return Fail(Error(ErrorCode::kInvalidArgument, "--json and --sarif exclude each other",
                      "pick one report format"));
  }
  if (a.watchlists.empty() != a.watch_key.empty()) {
    return Fail(Error(ErrorCode::kInvalidArgument, "--watchlist and --watch-key go together",
                      "give the production watchlist(s) and the watch key they were built with"));
  }
  if (a.fail_on_real && a.watchlists.empty()) {
    return Fail(Error(ErrorCode::kInvalidArgument, "--fail-on-real needs --watchlist",
                      "give the production watchlist and its --watch-key"));
  }
  std::optional<scan::WatchChecker> watch;
  if (!a.watchlists.empty()) {
    auto loaded = LoadWatch(a);
    if (!loaded.ok()) {
      // A watchlist that cannot be used is an argument that cannot be read
      // (2), so a CI gate never mistakes it for "real identifiers found" (1);
      // a key that is not the watchlist's is a refusal (3).
      Fail(loaded.error());
      return loaded.error().code() == ErrorCode::kNoMatch ? kExitVerification : kExitUsage;
    }
    watch.emplace(std::move(*loaded));
    o.watch = &*watch;
  }
  o.excludes = a.excludes;
  o.threads = a.threads;
  o.max_expansion_ratio = a.max_expansion;
  scan::ReportFormat format = a.json    ? scan::ReportFormat::kJson
                              : a.sarif ? scan::ReportFormat::kSarif
                                        : scan::ReportFormat::kText;
  // The text report lists the first locations of each file: the scanner
  // need not keep (and mask) more than that; counts still cover everything.
  if (format == scan::ReportFormat::kText) o.max_findings_per_file = scan::kTextLocationsShown;
  // Text shows each file's warnings beside its lines; JSON and SARIF hold
  // them in the document, and repeat them on stderr once it is complete.
  const bool warn_as_we_go = format == scan::ReportFormat::kText;
  std::unique_ptr<scan::Reporter> reporter = scan::MakeReporter(format, watch.has_value());
  std::cout << reporter->Begin();
  scan::ScanReport report = scan::Scan(a.paths, o, [&](const scan::FileResult& f) {
    if (warn_as_we_go) WarnAbout(f);
    std::cout << reporter->File(f);
  });
  scan::Totals totals = scan::Summarize(report);
  std::cout << reporter->End(report, totals);
  if (!warn_as_we_go) {
    for (const auto& f : report.files) WarnAbout(f);
  }
  // Counts only: where identifiers were found is in the report, not the ledger.
  nlohmann::json kinds = nlohmann::json::object();
  for (size_t k = 0; k < totals.counts.size(); ++k) {
    if (totals.counts[k] > 0) {
      kinds[std::string(detect::KindName(static_cast<detect::Kind>(k)))] = totals.counts[k];
    }
  }
  event["scan"] = {{"paths", a.paths.size()},
                   {"files", totals.scanned},
                   {"bytes", report.bytes},
                   {"findings", totals.findings},
                   {"files_with_findings", totals.with_findings},
                   {"by_kind", kinds},
                   {"unreadable", report.errors}};
  if (watch) {
    event["scan"]["watchlist"] = {{"key_id", watch->list().key_id()},
                                  {"digests", watch->list().size()},
                                  {"real", totals.real_findings},
                                  {"not_in_production", totals.findings - totals.real_findings}};
  }
  if (report.errors > 0) return kExitUsage;  // 2: some path could not be read (reported above)
  if (a.fail_on_findings && totals.findings > 0) return kExitFailure;
  if (a.fail_on_real && totals.real_findings > 0) return kExitFailure;
  return kExitOk;
}

}  // namespace

void RegisterScanCommands(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ScanArgs>();
  CLI::App* s = app.add_subcommand(
      "scan",
      "Find personal identifiers left in clear (NIR, CPR, IBAN, card numbers, e-mails,\n"
      "phone numbers) in files and directories, inside gzip/zip/tar archives and SQLite\n"
      "databases too; every value shown is masked.\n"
      "With --watchlist, each finding is real (in the production watchlist) or valid,\n"
      "not in production (a pseudonym): docs/watchlist.md.\n"
      "Exit 0 scanned, 1 findings with --fail-on-findings (real ones with --fail-on-real),\n"
      "2 a path, watchlist or key could not be read, 3 the watch key is not the watchlist's.\n"
      "  cordon scan /srv/ftp --exclude '*.age' --json > report.json\n"
      "  cordon scan . --sarif --fail-on-findings > cordon.sarif   # in CI\n"
      "  cordon scan /srv/test --watchlist prod.watchlist --watch-key watch.key --fail-on-real");
  s->add_option("PATH", a->paths, "files or directories (symlinks are not followed)")->required();
  s->add_flag("--json", a->json, "one JSON document: findings, files, summary");
  s->add_flag("--sarif", a->sarif, "SARIF 2.1.0 for code-scanning tools");
  s->add_option("--kinds", a->kinds, "comma-separated subset of nir,cpr,iban,card,email,phone");
  s->add_option("--exclude", a->excludes,
                "skip files or directories matching this glob (repeatable)")
      ->allow_extra_args(false);
  s->add_option("--threads", a->threads, "files scanned in parallel (default 2)")
      ->check(CLI::Range(1, 256));
  s->add_option("--max-expansion", a->max_expansion,
                "stop expanding an archive past this ratio to its size (default 100; at least "
                "64 MiB are always read)")
      ->check(CLI::Range(1, 100000));
  s->add_flag("--fail-on-findings", a->fail_on_findings, "exit 1 when anything is found (for CI)");
  s->add_option("--watchlist", a->watchlists,
                "production watchlist (cordon watchlist build); repeatable, all made with one key")
      ->allow_extra_args(false);
  s->add_option("--watch-key", a->watch_key, "the watch key the watchlists were built with");
  s->add_flag("--fail-on-real", a->fail_on_real,
              "exit 1 when a finding is real (in the watchlist): a CI gate for test servers");
  AddLedgerOption(s, a->ledger);
  s->callback([a, exit_code] {
    int code = kExitOk;
    Status recorded = Recorded(a->ledger, "scan", [&](nlohmann::json& ev) {
      code = RunScan(*a, ev);
      return Ok();
    });
    *exit_code = recorded.ok() ? code : Fail(recorded.error());
  });
}

}  // namespace cordon::cli
