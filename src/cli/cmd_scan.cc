// `cordon scan`: personal identifiers left in clear on a disk, masked.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/diagnostic.h"
#include "scan/scanner.h"

namespace cordon::cli {
namespace {

struct ScanArgs {
  std::vector<std::string> paths;
  bool json = false;
  std::string kinds = "nir,cpr,iban,card,email,phone";
  std::vector<std::string> excludes;
  int threads = 2;
  bool fail_on_findings = false;
};

const char* ConfidenceName(detect::Confidence c) {
  return c == detect::Confidence::kHigh ? "high" : "medium";
}

std::string CountsText(const std::array<uint64_t, 6>& counts, std::string_view sep) {
  std::string out;
  for (size_t k = 0; k < 6; ++k) {
    if (counts[k] == 0) continue;
    out += (out.empty() ? "" : std::string(sep)) + Thousands(counts[k]) + " " +
           std::string(detect::KindName(static_cast<detect::Kind>(k)));
  }
  return out;
}

// Prints each file's findings as soon as the scan delivers it (in walk
// order), so memory does not grow with the tree; the JSON document is
// written the same way: findings first, then files and the summary.
int RunScan(const ScanArgs& a) {
  scan::ScanOptions o;
  if (!detect::ParseKinds(a.kinds, o.kinds)) {
    return Fail(Error(ErrorCode::kInvalidArgument,
                      "--kinds: \"" + a.kinds + "\" is not a list of kinds",
                      "use any of nir,cpr,iban,card,email,phone"));
  }
  o.excludes = a.excludes;
  o.threads = a.threads;
  bool first_finding = true;
  if (a.json) std::cout << "{\n  \"version\": 1,\n  \"findings\": [";
  scan::FileCallback print = [&](const scan::FileResult& f) {
    if (a.json) {
      for (const auto& x : f.findings) {
        nlohmann::ordered_json j = {
            {"path", f.path},     {"line", x.line},
            {"column", x.column}, {"kind", detect::KindName(x.kind)},
            {"masked", x.masked}, {"confidence", ConfidenceName(x.confidence)}};
        std::cout << (first_finding ? "\n    " : ",\n    ") << j.dump();
        first_finding = false;
      }
      return;
    }
    if (!f.error.empty()) {
      std::cerr << FormatWarning(f.path + ": " + f.error);
      return;
    }
    if (f.total() == 0) return;
    std::cout << f.path << ": " << CountsText(f.counts, ", ") << "\n";
    for (size_t i = 0; i < f.findings.size() && i < 5; ++i) {
      const auto& x = f.findings[i];
      std::cout << "  " << f.path << ":" << x.line << ":" << x.column << "  "
                << detect::KindName(x.kind) << "  " << x.masked << "\n";
    }
  };
  scan::ScanReport report = scan::Scan(a.paths, o, print);
  std::array<uint64_t, 6> totals{};
  size_t with_findings = 0, scanned = 0;
  for (const auto& f : report.files) {
    for (size_t k = 0; k < 6; ++k) totals[k] += f.counts[k];
    with_findings += f.total() > 0;
    scanned += f.error.empty() && !f.binary;
  }
  uint64_t total = 0;
  for (uint64_t t : totals) total += t;
  if (a.json) {
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    for (const auto& f : report.files) {
      nlohmann::ordered_json counts = nlohmann::ordered_json::object();
      for (size_t k = 0; k < 6; ++k) {
        if (f.counts[k])
          counts[std::string(detect::KindName(static_cast<detect::Kind>(k)))] = f.counts[k];
      }
      nlohmann::ordered_json file = {{"path", f.path}, {"bytes", f.bytes}, {"counts", counts}};
      if (f.binary) file["skipped"] = "binary";
      if (!f.error.empty()) file["error"] = f.error;
      files.push_back(file);
    }
    nlohmann::ordered_json counts;
    for (size_t k = 0; k < 6; ++k)
      counts[std::string(detect::KindName(static_cast<detect::Kind>(k)))] = totals[k];
    nlohmann::ordered_json summary = {{"files", report.files.size()},
                                      {"files_scanned", scanned},
                                      {"files_with_findings", with_findings},
                                      {"bytes", report.bytes},
                                      {"seconds", report.seconds},
                                      {"findings", total},
                                      {"counts", counts},
                                      {"errors", report.errors}};
    std::cout << (first_finding ? "" : "\n  ") << "],\n  \"files\": " << files.dump()
              << ",\n  \"summary\": " << summary.dump() << "\n}\n";
    for (const auto& f : report.files) {
      if (!f.error.empty()) std::cerr << FormatWarning(f.path + ": " + f.error);
    }
  } else {
    char sizes[96];
    (void)std::snprintf(sizes, sizeof sizes, "%.2f GB in %.2f s",
                        static_cast<double>(report.bytes) / 1e9, report.seconds);
    std::string kinds = CountsText(totals, "; ");
    std::cout << Thousands(with_findings) << " files with findings out of "
              << Thousands(report.files.size()) << "; " << sizes << "; "
              << (kinds.empty() ? "nothing found" : kinds) << "\n";
  }
  if (report.errors > 0) return kExitUsage;  // 2: some path could not be read (reported above)
  if (a.fail_on_findings && total > 0) return kExitFailure;
  return kExitOk;
}

}  // namespace

void RegisterScanCommands(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ScanArgs>();
  CLI::App* s = app.add_subcommand(
      "scan",
      "Find personal identifiers left in clear (NIR, CPR, IBAN, card numbers, e-mails,\n"
      "phone numbers) in files and directories; every value shown is masked.\n"
      "Exit 0 scanned, 1 findings with --fail-on-findings, 2 a path could not be read.\n"
      "  cordon scan /srv/ftp --exclude '*.age' --json > report.json");
  s->add_option("PATH", a->paths, "files or directories (symlinks are not followed)")->required();
  s->add_flag("--json", a->json, "one JSON document: findings, files, summary");
  s->add_option("--kinds", a->kinds, "comma-separated subset of nir,cpr,iban,card,email,phone");
  s->add_option("--exclude", a->excludes,
                "skip files or directories matching this glob (repeatable)")
      ->allow_extra_args(false);
  s->add_option("--threads", a->threads, "files scanned in parallel (default 2)")
      ->check(CLI::Range(1, 256));
  s->add_flag("--fail-on-findings", a->fail_on_findings, "exit 1 when anything is found (for CI)");
  s->callback([a, exit_code] { *exit_code = RunScan(*a); });
}

}  // namespace cordon::cli
