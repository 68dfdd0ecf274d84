// What `--source` and `open --into` name: a CSV file or directory (a plain
// path), or a database URL. `sqlite:PATH` is a SQLite database file;
// `postgresql://…` / `postgres://…` a PostgreSQL database (libpq's URI).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "source/csv_reader.h"
#include "source/sqlite_source.h"
#include "source/table_source.h"

namespace cordon::source {

struct SourceSpec {
  enum class Kind { kCsv, kSqlite, kPostgresql } kind = Kind::kCsv;
  std::string location;  // the CSV path, the SQLite file, or the PostgreSQL URL
};

// Parses a spec. kInvalidArgument on an empty one, `sqlite:` without a
// path, or a word before ':' that looks like an unknown scheme
// ("mysql://…": only sqlite: and postgresql:// are known); a path with a
// ':' elsewhere ("./a:b.csv", "C:…" is not a POSIX path) stays a path.
Result<SourceSpec> ParseSourceSpec(std::string_view text);

// For messages and the ledger: "sqlite:lab.db" → "lab.db" (the file name,
// without its directory), a PostgreSQL URL → its database name only (or
// "postgresql" when it names none), a CSV path as given.
std::string SpecDisplayName(const SourceSpec& spec);

struct SourceOptions {
  CsvOptions csv;
  SqliteSourceOptions sqlite;
};

// Opens the source a spec names.
Result<std::unique_ptr<TableSource>> OpenTableSource(const SourceSpec& spec,
                                                     const SourceOptions& options);

}  // namespace cordon::source
