// `cordon trace`'s findings put together (docs/trace.md): which packages a
// leaked file (or one person's identifier) came from, what the ledger
// committed about each — the extraction, its order, controller, processor
// and recipients, then the exchange's upload, downloads, confirmation and
// deletion — and the GDPR Art. 33 notification drafted from those facts.
//
// The provenance files are trusted only as far as the ledger vouches for
// them: a file is matched when its SHA-256 is the one an extraction event
// committed; any other file (altered, unknown, made under another trace
// key, unreadable) is reported and never matched. Reading only: nothing
// here appends to a ledger or writes a file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ledger/ledger.h"
#include "pipeline/trace_match.h"

namespace cordon::ledger {

// One successful `extract` event that committed a provenance file.
struct Extraction {
  uint64_t seq = 0;
  std::string time;  // UTC, as recorded
  std::string order_id, controller, processor;
  std::string pseudonym_scope;  // "recipients", or empty (shared by domain)
  std::string by;               // who ran it, as the ledger names them
  std::vector<std::string> recipients;
  std::string package_sha256;  // of manifest.json: the package's id, on the exchange too
  std::string provenance_sha256, provenance_delete_by, delete_by;
  std::string trace_key_id;
  uint64_t rows = 0;  // rows written, every table
  std::vector<std::string> tables;
};

// Every successful extract event of `ledger` that committed a provenance
// file, in ledger order. Entries that are not JSON objects are skipped.
Result<std::vector<Extraction>> ReadExtractions(const Ledger& ledger);

// What happened to a package after its extraction, from a ledger.
struct PackageEvent {
  std::string time;
  std::string what;  // "uploaded", "downloaded", "opened", "confirmed", "deleted", …
  std::string who;
  std::string detail;
};
using PackageEvents = std::map<std::string, std::vector<PackageEvent>>;  // by package id

// Adds to `out` the events of `ledger` about packages (a local `open`; the
// exchange's upload, downloads, confirmation, deletion), by package id.
Status CollectPackageEvents(const Ledger& ledger, PackageEvents& out);

struct TracedPackage {
  Extraction extraction;
  std::string provenance_path;
  pipeline::PackageMatch match;
  // NIR/CPR values it held that no package of another set of recipients
  // held, in an order with per-recipient pseudonyms: each names it.
  uint64_t recipient_pseudonyms = 0;
  bool named = false;
  std::vector<PackageEvent> events;
};

struct ProvenanceProblem {
  std::string path;
  std::string problem;
};

struct TraceReport {
  uint64_t leak_rows = 0;
  std::string leak_shape;  // "CSV (separator ';')", "text lines"
  // Every package holding something of the leak: the named ones first, then
  // by rows held.
  std::vector<TracedPackage> packages;
  std::vector<ProvenanceProblem> problems;  // files reported, not matched
  uint64_t searched = 0;                    // provenance files matched against
  // Extractions whose provenance file was not among those given: the leak
  // was not compared with them.
  std::vector<Extraction> not_searched;
  // Kinds of the strong leaked values some package held ("nir" → 12).
  std::map<std::string, uint64_t> kinds;

  bool any_named() const;
};

// The provenance files among `paths`: a file as is, a directory's files
// ending in ".provenance" (not recursing), sorted. A path that does not
// exist is kNotFound.
Result<std::vector<std::string>> ProvenanceFiles(const std::vector<std::string>& paths);

struct TraceOptions {
  uint64_t min_rows = 3;     // a package is named from this many rows
  std::string trace_key_id;  // the key the leak was digested under
  size_t max_file_bytes = size_t{8} << 30;
  // List packages that held only weak values (names): for --subject, where
  // the one value is the question; a leak's common names are noise.
  bool weak_values = false;
};

// Matches `leak` against every file of `files` the ledger vouches for (see
// above), names packages, and attaches `events`.
Result<TraceReport> TraceLeak(pipeline::LeakIndex& leak, const std::vector<Extraction>& extractions,
                              const std::vector<std::string>& files, const PackageEvents& events,
                              const TraceOptions& options);

// Facts only the person drafting knows; empty ones become placeholders.
struct NotificationFacts {
  std::string now;        // UTC time of the trace
  std::string leak_name;  // how the leaked file is referred to (its SHA-256, say)
};

// The GDPR Art. 33 notification draft, in Markdown: French, then English.
// Names no data subject and no value: counts, kinds, parties, times.
std::string RenderNotification(const TraceReport& report, const NotificationFacts& facts);

}  // namespace cordon::ledger
