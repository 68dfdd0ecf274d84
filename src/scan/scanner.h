// `cordon scan`: walks files and directories and reports the personal
// identifiers found in clear, masked. Plain files only for now (archives and
// SQLite files come next); binary files are skipped.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "detect/matcher.h"

namespace cordon::scan {

struct ScanOptions {
  detect::KindSet kinds = detect::kAllKinds;
  std::vector<std::string> excludes;  // fnmatch globs, on the file name and the path
  int threads = 2;
  int max_depth = 64;
  size_t max_findings_per_file = 100000;  // counts go on; stored findings stop
};

struct Finding {
  uint64_t line = 0;    // 1-based
  uint64_t column = 0;  // 1-based, in bytes
  detect::Kind kind = detect::Kind::kNir;
  detect::Confidence confidence = detect::Confidence::kNone;
  std::string masked;
};

struct FileResult {
  std::string path;  // as reached from the command-line argument
  uint64_t bytes = 0;
  bool binary = false;  // skipped
  std::string error;    // unreadable: reported, the scan goes on
  std::array<uint64_t, 6> counts{};
  std::vector<Finding> findings;
  uint64_t total() const;
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

// Scans one buffer (for tests and fuzzing).
FileResult ScanBuffer(std::string path, std::string_view data, const ScanOptions& options);

}  // namespace cordon::scan
