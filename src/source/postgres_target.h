// `open --into postgresql://…`: loads tables into a PostgreSQL database with
// `COPY "t" ("c1", …) FROM STDIN` (text format), every table in one
// transaction: a failure (a constraint, a dropped connection, a kill) leaves
// the database as it was — the server rolls back a transaction whose client
// is gone. Rows go from memory to the server: no file is written.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "source/postgres_conn.h"
#include "source/table_target.h"

namespace cordon::source {

struct PostgresTargetOptions {
  // Creates each table in the first schema of the search_path, columns
  // typed as the package's manifest says (v2: BIGINT, NUMERIC, DATE,
  // TIMESTAMP, else TEXT; a v1 package's columns are all TEXT); refuses a
  // table that exists. Without it, every table must exist with the
  // package's columns, of types that hold them (PgColumnHolds).
  bool create_tables = false;
};

// Tables are found through the search_path by their exact name; a package
// column matches the table's column of the same name, or else the one
// column equal to it ignoring ASCII case (`CREATE TABLE t (nom text)` takes
// the package's NOM). Not thread-safe (one loading thread). Rolls back
// unless committed.
class PostgresTarget final : public TableTarget {
 public:
  // Refuses a URL with a password (postgres_conn.h) before connecting.
  static Result<std::unique_ptr<PostgresTarget>> Open(const std::string& url,
                                                      const PostgresTargetOptions& options = {});
  ~PostgresTarget() override;
  PostgresTarget(const PostgresTarget&) = delete;
  PostgresTarget& operator=(const PostgresTarget&) = delete;

  // The database connected to (for the ledger: its name, nothing else).
  std::string database() const;

  Status BeginTable(const std::string& table, const std::vector<TargetColumn>& columns) override;
  Status Row(const std::vector<std::string_view>& values) override;
  Status EndTable() override;
  Status Commit() override;

 private:
  PostgresTarget() = default;
  Status Flush();
  Status EndCopy(const char* failure);

  PgUrl url_;
  PostgresTargetOptions options_;
  PgConn conn_;
  std::string table_;
  std::string line_;  // rows not yet handed to libpq
  uint64_t row_ = 0;
  bool copying_ = false;
  bool committed_ = false;
};

}  // namespace cordon::source
