// `cordon scan`: walks files and directories and reports the personal
// identifiers found in clear, masked. Text files are read in large buffers;
// gzip/bzip2/xz/zstd files, zip and tar archives are opened (libarchive), and
// so are SQLite database files (every text and integer cell). Binary files
// (a NUL in the first 8 KiB) are scanned for the identifiers a checksum
// proves (NIR, CPR mod 11, IBAN, cards), as found in their printable runs.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "detect/matcher.h"
#include "scan/watchlist.h"

namespace cordon::scan {

struct ScanOptions {
  detect::KindSet kinds = detect::kAllKinds;
  std::vector<std::string> excludes;  // fnmatch globs, on the file name and the path
  int threads = 2;
  int max_depth = 64;
  size_t max_findings_per_file = 100000;  // counts go on; stored findings stop
  // Archives: expansion stops (with a warning) past this many bytes per byte
  // of the archive file, or past `min_expansion_budget` if that is larger.
  uint64_t max_expansion_ratio = 100;
  uint64_t min_expansion_budget = uint64_t{64} << 20;
  int max_archive_depth = 3;  // an archive inside an archive inside an archive
  // With a watchlist, every finding is looked up: real (its digest is in
  // the production watchlist) or valid but not in production (a pseudonym,
  // a synthetic value). Not owned; must outlive the scan.
  const WatchChecker* watch = nullptr;
};

// What a watchlist says of a finding (ScanOptions::watch).
enum class Presence : uint8_t {
  kUnchecked,        // no watchlist was given
  kReal,             // in the production watchlist: a real person's identifier
  kNotInProduction,  // valid, but not in production: a pseudonym or synthetic value
};

struct Finding {
  // Inside a container: the archive entry ("dir/app.log", nested entries
  // joined by ':') or the SQLite cell ("table:column:rowid"); empty otherwise.
  std::string part;
  uint64_t line = 0;         // 1-based
  uint64_t column = 0;       // 1-based, in bytes
  uint64_t char_column = 0;  // 1-based, in Unicode code points (for SARIF)
  uint64_t offset = 0;       // 0-based byte offset in the file or part
  uint64_t length = 0;       // in bytes
  detect::Kind kind = detect::Kind::kNir;
  detect::Confidence confidence = detect::Confidence::kNone;
  std::string masked;
  bool binary = false;  // found in binary content (see FileResult::binary)
  Presence presence = Presence::kUnchecked;
};

struct FileResult {
  std::string path;                   // as reached from the command-line argument
  uint64_t bytes = 0;                 // bytes of text scanned (expanded, for containers)
  bool binary = false;                // binary content: checksum-proven kinds only
  std::string container;              // "", "archive" or "sqlite"
  std::string error;                  // unreadable: reported, the scan goes on
  std::vector<std::string> warnings;  // scanned, but not entirely (zip bomb, file changed…)
  std::array<uint64_t, detect::kKindCount> counts{};
  // With a watchlist: how many of `counts` are real (in production).
  std::array<uint64_t, detect::kKindCount> real{};
  std::vector<Finding> findings;
  // Real findings kept past max_findings_per_file (a watchlist's real ones
  // are kept up to that many again: they must not hide behind pseudonyms).
  size_t real_kept_past_cap = 0;
  uint64_t total() const;
  // "path" or "path:part": where a finding is, as reports print it.
  std::string Location(const Finding& f) const;
};

struct ScanReport {
  std::vector<FileResult> files;  // in walk order (findings dropped when streamed)
  uint64_t bytes = 0;
  double seconds = 0;
  int errors = 0;
};

// Called once per file, in walk order, as soon as the file and every file
// before it are done; the file's findings are released afterwards, so memory
// stays bounded whatever the tree's size. Called from one thread at a time.
using FileCallback = std::function<void(const FileResult&)>;

// Scans `paths`. With `on_file`, results stream out and the report keeps
// only per-file counts; without it, the report keeps every finding.
ScanReport Scan(const std::vector<std::string>& paths, const ScanOptions& options,
                const FileCallback& on_file = {});

// Scans one file (plain, archive or SQLite); `result.path` names it.
void ScanFile(FileResult& result, const ScanOptions& options);

// Scans one buffer of text (for tests and fuzzing).
FileResult ScanBuffer(std::string path, std::string_view data, const ScanOptions& options);

}  // namespace cordon::scan
