// A SQLite database as a source of tables (`--source sqlite:PATH`), read
// only, in one read transaction for every table of the run, and only the
// columns asked for: `SELECT "a","b" FROM "t" ORDER BY _rowid_`, never
// `SELECT *`. Values are rendered as the CSV path would see them: integers in
// decimal, reals in their shortest round-trip form, text as UTF-8 (invalid
// UTF-8 is refused), NULL as the empty field; a BLOB is refused, naming
// table, row and column (cordon extracts text, numbers and dates).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "source/sqlite_db.h"
#include "source/table_source.h"

namespace cordon::source {

struct SqliteSourceOptions {
  // `immutable=1`: SQLite takes no lock and trusts that nobody writes the
  // file. Only for a file nobody writes (a copy, a read-only medium): a
  // write during the run gives wrong results or a corruption error.
  bool immutable = false;
};

// Opened `file:PATH?mode=ro` (the connection cannot write, and is also
// `query_only`); BEGIN and a first read at Open start the read transaction
// that every ReadColumns shares, so all tables come from one snapshot; it
// ends when the source is destroyed. In rollback-journal mode a writer waits
// for it (SQLITE_BUSY) while it lasts; in WAL mode it does not.
// Not thread-safe: one thread uses a source and its readers, which must not
// outlive it.
class SqliteSource final : public TableSource {
 public:
  static Result<std::unique_ptr<SqliteSource>> Open(const std::string& path,
                                                    const SqliteSourceOptions& options = {});
  ~SqliteSource() override;
  SqliteSource(const SqliteSource&) = delete;
  SqliteSource& operator=(const SqliteSource&) = delete;

  // The ordinary tables (not sqlite_* nor virtual tables), by name.
  const std::vector<SourceTable>& tables() const override { return tables_; }
  // Columns from `pragma_table_info`, with their declared types.
  Result<TableShape> Shape(const SourceTable& table) const override;
  Result<std::unique_ptr<RowReader>> ReadColumns(const SourceTable& table,
                                                 const std::vector<size_t>& columns) const override;
  std::string Statement(const SourceTable& table, const TableShape& shape,
                        const std::vector<size_t>& columns) const override;

 private:
  SqliteSource() = default;
  bool HasRowid(const SourceTable& table) const;

  std::string what_;  // "sqlite:PATH", for messages
  SqliteDb db_;
  std::vector<SourceTable> tables_;
  std::vector<bool> has_rowid_;  // parallel to tables_
};

}  // namespace cordon::source
