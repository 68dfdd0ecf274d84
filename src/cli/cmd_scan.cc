// `cordon scan`: personal identifiers left in clear on a disk, masked.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/ledger_io.h"
#include "core/diagnostic.h"
#include "core/encoding.h"
#include "scan/scanner.h"

namespace cordon::cli {
namespace {

using Json = nlohmann::ordered_json;
using Counts = std::array<uint64_t, 6>;

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
};

const char* ConfidenceName(detect::Confidence c) {
  return c == detect::Confidence::kHigh ? "high" : "medium";
}

std::string KindName(size_t k) {
  return std::string(detect::KindName(static_cast<detect::Kind>(k)));
}

std::string CountsText(const Counts& counts, std::string_view sep) {
  std::string out;
  for (size_t k = 0; k < counts.size(); ++k) {
    if (counts[k] == 0) continue;
    out += (out.empty() ? "" : std::string(sep)) + Thousands(counts[k]) + " " + KindName(k);
  }
  return out;
}

struct Totals {
  Counts counts{};
  uint64_t findings = 0;
  size_t with_findings = 0;
  size_t scanned = 0;
};

Totals Summarize(const scan::ScanReport& report) {
  Totals t;
  for (const auto& f : report.files) {
    for (size_t k = 0; k < t.counts.size(); ++k) t.counts[k] += f.counts[k];
    t.findings += f.total();
    t.with_findings += f.total() > 0;
    t.scanned += f.error.empty();
  }
  return t;
}

// File names are arbitrary bytes: invalid UTF-8 becomes U+FFFD instead of an
// exception in the middle of a report.
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// A JSON string, fast (reports can hold millions of findings), with the
// same replacement of invalid UTF-8.
void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      char esc[8];
      (void)std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
      bool valid = n > 0 && i + n <= s.size();
      for (size_t k = 1; valid && k < n; ++k) valid = (s[i + k] & 0xC0) == 0x80;
      if (valid) {
        out.append(s.substr(i, n));
        i += n;
      } else {
        out += "\uFFFD";
        ++i;
      }
    }
  }
  out += '"';
}

void WarnAbout(const scan::FileResult& f) {
  if (!f.error.empty()) std::cerr << FormatWarning(f.path + ": " + f.error);
  for (const auto& w : f.warnings) std::cerr << FormatWarning(f.path + ": " + w);
}

// Each report format receives files as the scan delivers them (in walk
// order), then the whole report once: memory does not grow with the tree.
class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void Begin() {}
  virtual void File(const scan::FileResult& f) = 0;
  virtual void End(const scan::ScanReport& report, const Totals& totals) = 0;
};

class TextReporter : public Reporter {
 public:
  static constexpr size_t kLocationsShown = 5;
  void File(const scan::FileResult& f) override {
    WarnAbout(f);
    if (f.total() == 0) return;
    std::cout << f.path << ": " << CountsText(f.counts, ", ")
              << (f.binary ? " (in binary content)" : "") << "\n";
    for (size_t i = 0; i < f.findings.size() && i < kLocationsShown; ++i) {
      const auto& x = f.findings[i];
      std::cout << "  " << f.Location(x) << ":" << x.line << ":" << x.column << "  "
                << detect::KindName(x.kind) << "  " << x.masked
                << (x.binary ? "  (binary content)" : "") << "\n";
    }
  }
  void End(const scan::ScanReport& report, const Totals& t) override {
    // "2.4 GB in 1.9 s", "310 KB in 0.01 s": units a person reads at a glance.
    auto b = static_cast<double>(report.bytes);
    const char* unit = b >= 1e9 ? "GB" : b >= 1e6 ? "MB" : b >= 1e3 ? "KB" : "B";
    double scaled = b / (b >= 1e9 ? 1e9 : b >= 1e6 ? 1e6 : b >= 1e3 ? 1e3 : 1);
    char sizes[96];
    (void)std::snprintf(sizes, sizeof sizes, "%.*f %s in %.2f s", scaled < 10 && b >= 1e3 ? 1 : 0,
                        scaled, unit, report.seconds);
    std::string kinds = CountsText(t.counts, "; ");
    std::cout << Thousands(t.with_findings) << (t.with_findings == 1 ? " file" : " files")
              << " with findings out of " << Thousands(report.files.size()) << "; " << sizes << "; "
              << (kinds.empty() ? "nothing found" : kinds) << "\n";
  }
};

class JsonReporter : public Reporter {
 public:
  void Begin() override { std::cout << "{\n  \"version\": 1,\n  \"findings\": ["; }
  void File(const scan::FileResult& f) override {
    std::string out;
    for (const auto& x : f.findings) {
      out += first_ ? "\n    {\"path\":" : ",\n    {\"path\":";
      AppendJsonString(out, f.Location(x));
      out += ",\"line\":" + std::to_string(x.line) + ",\"column\":" + std::to_string(x.column) +
             ",\"kind\":\"" + std::string(detect::KindName(x.kind)) + "\",\"masked\":";
      AppendJsonString(out, x.masked);
      out += ",\"confidence\":\"" + std::string(ConfidenceName(x.confidence)) + "\"";
      out += x.binary ? ",\"content\":\"binary\"}" : "}";
      first_ = false;
    }
    std::cout << out;
  }
  void End(const scan::ScanReport& report, const Totals& t) override {
    Json files = Json::array();
    for (const auto& f : report.files) {
      Json counts = Json::object();
      for (size_t k = 0; k < f.counts.size(); ++k) {
        if (f.counts[k]) counts[KindName(k)] = f.counts[k];
      }
      Json file = {{"path", f.path}, {"bytes", f.bytes}, {"counts", counts}};
      if (!f.container.empty()) file["container"] = f.container;
      if (f.binary) file["content"] = "binary";  // scanned for checksum-proven kinds only
      if (!f.error.empty()) file["error"] = f.error;
      if (!f.warnings.empty()) file["warnings"] = f.warnings;
      files.push_back(file);
    }
    Json counts;
    for (size_t k = 0; k < t.counts.size(); ++k) counts[KindName(k)] = t.counts[k];
    Json summary = {{"files", report.files.size()},
                    {"files_scanned", t.scanned},
                    {"files_with_findings", t.with_findings},
                    {"bytes", report.bytes},
                    {"seconds", report.seconds},
                    {"findings", t.findings},
                    {"counts", counts},
                    {"errors", report.errors}};
    std::cout << (first_ ? "" : "\n  ") << "],\n  \"files\": " << Dump(files)
              << ",\n  \"summary\": " << Dump(summary) << "\n}\n";
    for (const auto& f : report.files) WarnAbout(f);
  }

 private:
  bool first_ = true;
};

// SARIF 2.1.0, for code-scanning tools: one rule per kind, one result per
// finding. Inside archives and databases the region is the entry's or the
// cell's, so the location is named in the message and as a logical location.
class SarifReporter : public Reporter {
 public:
  void Begin() override {
    static const char* kTitles[] = {"French social security number (NIR)",
                                    "Danish CPR number",
                                    "IBAN",
                                    "payment card number",
                                    "e-mail address",
                                    "phone number"};
    Json rules = Json::array();
    for (size_t k = 0; k < 6; ++k) {
      std::string title = kTitles[k];
      rules.push_back(
          {{"id", "cordon/" + KindName(k)},
           {"name", KindName(k)},
           {"shortDescription", {{"text", title + " in clear"}}},
           {"help",
            {{"text", title + " found in clear. Delete the file, or transform the column with an "
                              "order (pseudonym, redact) before the data leaves its system."}}},
           {"defaultConfiguration", {{"level", "error"}}}});
    }
    Json driver = {{"name", "cordon"}, {"version", "0.1.0"}, {"rules", rules}};
    std::string head = Dump(Json{{"tool", {{"driver", driver}}}});
    head.pop_back();  // the run object stays open: results stream in
    std::cout << "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
                 "\"version\":\"2.1.0\",\"runs\":[\n"
              << head << ",\"columnKind\":\"unicodeCodePoints\",\"results\":[";
  }
  void File(const scan::FileResult& f) override {
    for (const auto& x : f.findings) {
      auto k = static_cast<size_t>(x.kind);
      std::string where =
          f.Location(x) + ":" + std::to_string(x.line) + ":" + std::to_string(x.column);
      Json region = {{"startLine", x.line}, {"startColumn", x.char_column}};
      Json physical = {{"artifactLocation", {{"uri", Uri(f.path)}}}};
      if (x.part.empty()) {
        region["byteOffset"] = x.offset;
        region["byteLength"] = x.length;
        physical["region"] = region;
      }
      Json result = {{"ruleId", "cordon/" + KindName(k)},
                     {"ruleIndex", k},
                     {"level", "error"},
                     {"message",
                      {{"text", KindName(k) + " in clear" + (x.binary ? " in binary content" : "") +
                                    " at " + where + ": " + x.masked}}},
                     {"locations", Json::array({{{"physicalLocation", physical}}})},
                     {"properties", {{"confidence", ConfidenceName(x.confidence)}}}};
      if (x.binary) result["properties"]["content"] = "binary";
      if (!x.part.empty()) {
        result["locations"][0]["logicalLocations"] =
            Json::array({{{"fullyQualifiedName", x.part}, {"kind", "member"}}});
      }
      std::cout << (first_ ? "\n" : ",\n") << Dump(result);
      first_ = false;
    }
  }
  void End(const scan::ScanReport& report, const Totals&) override {
    Json notes = Json::array();
    for (const auto& f : report.files) {
      auto add = [&](const std::string& text, const char* level) {
        notes.push_back(
            {{"level", level},
             {"message", {{"text", text}}},
             {"locations", Json::array({{{"physicalLocation",
                                          {{"artifactLocation", {{"uri", Uri(f.path)}}}}}}})}});
      };
      if (!f.error.empty()) add(f.error, "error");
      for (const auto& w : f.warnings) add(w, "warning");
    }
    Json invocation = {{"executionSuccessful", report.errors == 0},
                       {"toolExecutionNotifications", notes}};
    std::cout << "\n],\"invocations\":" << Dump(Json::array({invocation})) << "}\n]}\n";
    for (const auto& f : report.files) WarnAbout(f);
  }

 private:
  // A relative URI reference for the path (percent-encoded), file:// when absolute.
  static std::string Uri(const std::string& path) {
    std::string uri = path.starts_with('/') ? "file://" : "";
    return uri.append(PercentEncodePath(path));
  }
  bool first_ = true;
};

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
  o.excludes = a.excludes;
  o.threads = a.threads;
  o.max_expansion_ratio = a.max_expansion;
  std::unique_ptr<Reporter> reporter;
  // The text report lists the first locations of each file: the scanner
  // need not keep (and mask) more than that; counts still cover everything.
  if (!a.json && !a.sarif) o.max_findings_per_file = TextReporter::kLocationsShown;
  if (a.json) {
    reporter = std::make_unique<JsonReporter>();
  } else if (a.sarif) {
    reporter = std::make_unique<SarifReporter>();
  } else {
    reporter = std::make_unique<TextReporter>();
  }
  reporter->Begin();
  scan::ScanReport report =
      scan::Scan(a.paths, o, [&](const scan::FileResult& f) { reporter->File(f); });
  Totals totals = Summarize(report);
  reporter->End(report, totals);
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
  if (report.errors > 0) return kExitUsage;  // 2: some path could not be read (reported above)
  if (a.fail_on_findings && totals.findings > 0) return kExitFailure;
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
      "Exit 0 scanned, 1 findings with --fail-on-findings, 2 a path could not be read.\n"
      "  cordon scan /srv/ftp --exclude '*.age' --json > report.json\n"
      "  cordon scan . --sarif --fail-on-findings > cordon.sarif   # in CI");
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
