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
//
// A `where` is pushed down as a WHERE with bound parameters (`?`, never
// literals in the SQL) where it is exactly cordon's: each column compared
// as its cordon type (Value: text as its UTF-8 bytes, BINARY collation
// whatever the column declares, an INTEGER as its decimal; integers; ISO
// dates as text), the rows SQLite's dynamic typing leaves in doubt (a REAL,
// a BLOB, a date not written YYYY-MM-DD) passed to cordon (Unsure); a
// `follow` as a semi-join. Only on a UTF-8 database; CORDON_PUSHDOWN=off
// in the environment turns it off.
class SqliteSource final : public TableSource, private SqlQuoting {
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
  const SqlQuoting* Quoting() const override { return pushdown_ ? this : nullptr; }
  // With a filter, the table's rows are first counted in the same read
  // transaction (`rows_read` does not depend on pushdown).
  Result<std::unique_ptr<RowReader>> ReadFiltered(const SourceTable& table,
                                                  const std::vector<size_t>& columns,
                                                  const PushedFilter& filter) const override;
  // The statement, then its bound values after `-- parameters:` (shown,
  // never spliced into what runs).
  std::string FilteredStatement(const SourceTable& table, const TableShape& shape,
                                const std::vector<size_t>& columns,
                                const PushedFilter& filter) const override;

 private:
  SqliteSource() = default;
  std::string Select(const SourceTable& table, const TableShape& shape,
                     const std::vector<size_t>& columns, const std::string& filter) const;
  // SqlQuoting, SQLite's forms.
  std::string Identifier(std::string_view name) const override;
  std::optional<std::string> TextLiteral(std::string_view text) const override;
  bool BindsParameters() const override { return true; }
  std::string Value(const std::string& column, TableShape::Compares kind) const override;
  std::string Unsure(const std::string& column, TableShape::Compares kind,
                     bool like) const override;
  std::optional<std::string> Like(const std::string& value, std::string_view pattern,
                                  std::vector<SqlParam>& params) const override;
  std::optional<SqlCondition> SemiJoin(const SemiJoinSpec& spec) const override;
  bool HasRowid(const SourceTable& table) const;

  std::string what_;  // "sqlite:PATH", for messages
  SqliteDb db_;
  std::vector<SourceTable> tables_;
  std::vector<bool> has_rowid_;  // parallel to tables_
  bool pushdown_ = true;
  bool utf8_ = false;  // PRAGMA encoding is UTF-8
};

}  // namespace cordon::source
