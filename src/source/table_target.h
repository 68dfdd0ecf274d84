// Where `cordon open --into` loads a package's tables: a database, every
// table in one transaction, so that a failure (a constraint, a full disk, a
// kill) leaves it as it was. SQLite is sqlite_target.h; a PostgreSQL target
// fits the same calls (BeginTable → `COPY t (cols) FROM STDIN`, Row → a
// COPY line, Commit → COMMIT).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cordon::source {

// What a package's column holds, as far as a database cares (manifest v2
// says it; a v1 package does not, and its columns are kUntyped).
enum class TargetType { kUntyped, kText, kInteger, kDecimal, kDate, kTimestamp };

// The SQL type --create-tables declares for `type` ("TEXT" for kUntyped).
std::string_view PgTypeFor(TargetType type);
std::string_view SqliteTypeFor(TargetType type);

// "integer", "date"…, for messages.
std::string_view TargetTypeName(TargetType type);

// Whether an existing column can hold the package's `type` without a
// silent change of meaning: a text column holds anything; a date goes into
// a date (or timestamp) column, an integer into a numeric one, a decimal
// into a non-integer numeric one. SQLite by its declared type (affinity
// rules), PostgreSQL by pg_type's typcategory and typname.
bool SqliteColumnHolds(std::string_view declared, TargetType type);
bool PgColumnHolds(std::string_view typcategory, std::string_view typname, TargetType type);

struct TargetColumn {
  std::string name;
  TargetType type = TargetType::kUntyped;
};

// Not thread-safe: one thread loads. Destroyed before Commit, it rolls back.
class TableTarget {
 public:
  virtual ~TableTarget() = default;
  // Starts loading `table`; `columns` are the package's, matched by name
  // (kRefused naming a column the table lacks, or one whose type cannot
  // hold the package's: a date into an integer column). Created tables
  // (--create-tables) get each column's type (TEXT when untyped).
  virtual Status BeginTable(const std::string& table, const std::vector<TargetColumn>& columns) = 0;
  // One row, parallel to the columns; an empty value is NULL (the CSV
  // path's convention). Typed values are written as the database reads
  // them (dates ISO 8601, decimals with '.'): the caller converts. Fails
  // naming the table and row (a constraint, a value that is not the type).
  virtual Status Row(const std::vector<std::string_view>& values) = 0;
  virtual Status EndTable() = 0;
  // Makes every table loaded visible at once.
  virtual Status Commit() = 0;
};

}  // namespace cordon::source
