// Files that hold other files: compressed files and archives (libarchive)
// and SQLite databases. Each is scanned as the text it contains, with every
// finding located inside it (`Finding::part`).
#pragma once

#include <string>
#include <string_view>

#include "scan/scanner.h"

namespace cordon::scan {

enum class Container { kNone, kArchive, kSqlite };

// What the first bytes of a file say it is (gzip, bzip2, xz, zstd, zip, tar;
// SQLite 3). `head` should hold the first 512 bytes, or the whole file.
Container Sniff(std::string_view head);

// Scans every regular entry of an archive or compressed file as text.
// Expansion is bounded (options.max_expansion_ratio, a zip bomb stops with a
// warning), encrypted entries are reported as warnings, and archives inside
// archives are opened up to options.max_archive_depth.
void ScanArchiveFd(int fd, uint64_t file_size, FileResult& out, const ScanOptions& options);
void ScanArchiveMemory(std::string_view data, FileResult& out, const ScanOptions& options);

// Scans every text, integer and text-like blob cell of every table, read-only
// and in one read transaction; parts are "table:column:rowid". REAL cells
// holding whole numbers are read as their digits.
void ScanSqliteFile(const std::string& path, FileResult& out, const ScanOptions& options);
// An image in memory: a file of its own, or (in_archive) the archive entry
// named `part` (findings in "part:table:column:rowid", what keeps it from
// being read is a warning and the rest of the archive is still scanned).
void ScanSqliteMemory(std::string_view image, FileResult& out, const ScanOptions& options,
                      bool in_archive = false, const std::string& part = "");

}  // namespace cordon::scan
