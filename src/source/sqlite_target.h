// `open --into sqlite:PATH`: loads tables into a SQLite database with
// prepared INSERTs, all in one transaction (BEGIN IMMEDIATE … COMMIT), so
// that a failure or a kill leaves the database as it was (SQLite's rollback
// journal or WAL undoes an interrupted transaction at the next open).
// Temporary files stay in memory (sqlite_db.h): no row lands outside the
// database file and its journal.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "source/sqlite_db.h"
#include "source/table_target.h"

namespace cordon::source {

struct SqliteTargetOptions {
  // Creates each table (columns typed as the package's manifest says: a
  // v2 manifest's INTEGER, NUMERIC, DATE, DATETIME, else TEXT; a v1
  // package's columns are all TEXT) and the database file if needed;
  // refuses a table that exists. Without it, every table must exist with
  // the package's columns, of types that hold them (SqliteColumnHolds).
  bool create_tables = false;
};

// Not thread-safe (one loading thread). Rolls back unless committed.
class SqliteTarget final : public TableTarget {
 public:
  static Result<std::unique_ptr<SqliteTarget>> Open(const std::string& path,
                                                    const SqliteTargetOptions& options = {});
  ~SqliteTarget() override;
  SqliteTarget(const SqliteTarget&) = delete;
  SqliteTarget& operator=(const SqliteTarget&) = delete;

  Status BeginTable(const std::string& table, const std::vector<TargetColumn>& columns) override;
  Status Row(const std::vector<std::string_view>& values) override;
  Status EndTable() override;
  Status Commit() override;

 private:
  SqliteTarget() = default;

  std::string what_;  // "sqlite:PATH"
  SqliteTargetOptions options_;
  SqliteDb db_;
  SqliteStmt insert_;
  std::string table_;
  uint64_t row_ = 0;
  bool committed_ = false;
};

}  // namespace cordon::source
