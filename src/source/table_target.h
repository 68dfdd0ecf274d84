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

// Not thread-safe: one thread loads. Destroyed before Commit, it rolls back.
class TableTarget {
 public:
  virtual ~TableTarget() = default;
  // Starts loading `table`; `columns` are the package's, matched by name
  // (kRefused naming a column the table lacks).
  virtual Status BeginTable(const std::string& table, const std::vector<std::string>& columns) = 0;
  // One row, parallel to the columns; an empty value is NULL (the CSV
  // path's convention). Fails naming the table and row (a constraint…).
  virtual Status Row(const std::vector<std::string_view>& values) = 0;
  virtual Status EndTable() = 0;
  // Makes every table loaded visible at once.
  virtual Status Commit() = 0;
};

}  // namespace cordon::source
