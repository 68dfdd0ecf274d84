// The reports of `cordon scan`: text for people, JSON (docs/scan.md) and
// SARIF 2.1.0 for tools. Each reporter returns text; the caller writes it
// (the CLI to stdout) and shows each file's warnings and errors itself.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "scan/scanner.h"

namespace cordon::scan {

// Findings per kind, indexed by detect::Kind.
using KindCounts = std::array<uint64_t, detect::kKindCount>;

// What the whole scan found, summed over its files.
struct Totals {
  KindCounts counts{};
  KindCounts real{};  // with a watchlist: findings that are real (in production)
  uint64_t findings = 0;
  uint64_t real_findings = 0;
  size_t with_findings = 0;  // files with at least one finding
  size_t scanned = 0;        // files read without error
};
Totals Summarize(const ScanReport& report);

// "3 nir, 1,204 email" (kinds with a count, in kind order, joined by `sep`);
// empty when nothing was found.
std::string CountsText(const KindCounts& counts, std::string_view sep);

// Appends `s` as a JSON string literal. Any byte that does not start a
// well-formed UTF-8 sequence (overlong forms, surrogates, code points past
// U+10FFFF, stray continuation bytes, truncated sequences) becomes U+FFFD:
// file names are arbitrary bytes, the report is always valid JSON.
void AppendJsonString(std::string& out, std::string_view s);

enum class ReportFormat { kText, kJson, kSarif };

// The text report shows this many locations per file; the scanner need not
// keep (and mask) more (ScanOptions::max_findings_per_file).
inline constexpr size_t kTextLocationsShown = 5;

// One report, built as the scan delivers files (in walk order), then closed
// with the whole report: memory does not grow with the tree. Begin, then
// File for each file, then End, each once, in that order; the
// concatenation of what they return is the report. Not thread-safe: one
// reporter per scan, called from the scan's callback (one thread at a time).
class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual std::string Begin() { return {}; }
  virtual std::string File(const FileResult& f) = 0;
  virtual std::string End(const ScanReport& report, const Totals& totals) = 0;
};

// `watched`: the scan checked findings against a watchlist (ScanOptions::
// watch); each finding then says real or valid-not-in-production, and the
// summaries count both. Without it the reports are exactly as before.
std::unique_ptr<Reporter> MakeReporter(ReportFormat format, bool watched = false);

// How a report words a finding's presence: "real", "valid, not in production".
std::string_view PresenceText(Presence p);

}  // namespace cordon::scan
