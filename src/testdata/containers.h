// Writes the containers a scan corpus holds — gzip files, zip archives,
// SQLite databases — so that tests exercise the same readers as real disks.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.h"

namespace cordon::testdata {

Result<std::string> GzipBytes(std::string_view content);
Status WriteGzip(const std::string& path, std::string_view content);

// Entries are (name inside the archive, content), deflated.
Status WriteZip(const std::string& path,
                const std::vector<std::pair<std::string, std::string>>& entries);

using Cell = std::variant<int64_t, std::string>;
// Creates the database with `schema` (SQL) and inserts each row with `insert`
// (one '?' per cell), in one transaction.
Status WriteSqlite(const std::string& path, const std::string& schema, const std::string& insert,
                   const std::vector<std::vector<Cell>>& rows);

}  // namespace cordon::testdata
