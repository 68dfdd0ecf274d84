// Where the pipeline reads rows from: a source of named tables, each read in
// passes by a RowReader. Two sources exist: CSV files (csv_source.h) and a
// SQLite database (sqlite_source.h); a PostgreSQL source fits the same
// interface (a header from the catalog, a reader over `COPY (SELECT …)`).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cordon::source {

// One table of a source.
struct SourceTable {
  std::string name;   // what an order's `from` names: the file stem, or the table
  std::string path;   // CSV: the file; databases: the table name
  uint64_t size = 0;  // bytes when known (CSV), for progress; 0 when unknown
};

// What a table looks like before any row is read.
struct TableShape {
  std::vector<std::string> header;  // column names, UTF-8, unique
  // Per column, the type the source declares ("DATE", "INTEGER"…, as
  // written), or empty: CSV declares none. The order's [table.types] wins.
  std::vector<std::string> declared_types;
  std::string dialect;  // for reports: "windows-1252, ';'" or "sqlite"
  // Per column, how the database compares it in SQL when that is exactly
  // how cordon compares text, integers or ISO dates (a `where` is pushed
  // down only on those); kAny: as whichever of those the column's cordon
  // type is, rows it cannot vouch for left to cordon (SqlQuoting::Unsure,
  // SQLite); empty when the source takes no filter (CSV).
  enum class Compares { kNo, kText, kInt, kDate, kAny };
  std::vector<Compares> compares;
  // Per column, the database's own type name (PostgreSQL's pg_type.typname
  // of its base type), for a source that reads some types differently;
  // empty when the source has none to tell.
  std::vector<std::string> native_types;
};

// A value bound to a statement's `?` parameter.
struct SqlParam {
  bool is_int = false;
  int64_t integer = 0;
  std::string text;
};

// An SQL condition. With a source that binds parameters (SQLite), its `?`
// take `params` in the order they appear in `sql`; a PostgreSQL condition
// has its literals quoted in (COPY takes no parameters) and no params.
struct SqlCondition {
  std::string sql;  // empty: none
  std::vector<SqlParam> params;
  bool empty() const { return sql.empty(); }
};

// What a database leaves out of a table's rows before cordon sees them.
// Every row left out is one cordon would have left out: cordon still
// evaluates the whole `where` and `follow` on the rows it gets.
struct PushedFilter {
  // The exact part of the `where` (order/predicate.h ToSql): a row it
  // leaves out counts as excluded by `where`.
  SqlCondition where;
  // A semi-join against the followed table (SqlQuoting::SemiJoin), only
  // with the whole `where` pushed: a row `where` keeps and this leaves out
  // counts as excluded by `follow`.
  SqlCondition follow;
  bool empty() const { return where.empty() && follow.empty(); }
  // Both, ANDed, with their parameters in order.
  SqlCondition Combined() const;
};

// What a `follow` semi-join needs: the child's column holding the parent's
// key, the parent table and its key column, and the parent's own pushed
// filter (its rows that may be selected; empty: every row).
struct SemiJoinSpec {
  std::string fk_column;
  TableShape::Compares fk_compares = TableShape::Compares::kNo;
  const SourceTable* parent = nullptr;
  std::string key_column;
  TableShape::Compares key_compares = TableShape::Compares::kNo;
  SqlCondition parent_filter;
};

// How a database source writes what a filter pushed into its statement
// holds. The defaults are PostgreSQL's forms (order/predicate.h).
class SqlQuoting {
 public:
  virtual ~SqlQuoting() = default;
  virtual std::string Identifier(std::string_view name) const = 0;
  // A string literal, or nullopt when it cannot be written exactly (NUL).
  virtual std::optional<std::string> TextLiteral(std::string_view text) const = 0;

  // True: literals are bound parameters (`?`), never written into the SQL,
  // and Value, Unsure and Like below give the dialect's forms.
  virtual bool BindsParameters() const { return false; }
  // The SQL value of the quoted column `column` compared as `kind`
  // (kText, kInt, kDate): NULL exactly where cordon reads NULL, equal to
  // cordon's value on the rows Unsure leaves out.
  virtual std::string Value(const std::string& column, TableShape::Compares kind) const {
    (void)kind;
    return column;
  }
  // A condition true on the rows whose Value may not be cordon's (empty:
  // none); `like`: the column is also matched by Like.
  virtual std::string Unsure(const std::string& column, TableShape::Compares kind,
                             bool like) const {
    (void)column, (void)kind, (void)like;
    return {};
  }
  // `value` LIKE `pattern` (no '_', no escape character) exactly as cordon
  // matches, the pattern appended to `params`; nullopt when not exact.
  virtual std::optional<std::string> Like(const std::string& value, std::string_view pattern,
                                          std::vector<SqlParam>& params) const {
    (void)value, (void)pattern, (void)params;
    return std::nullopt;
  }
  // A condition on the child's rows true on every row whose `fk` equals,
  // as cordon compares keys (their text, an empty field equal to an empty
  // field), the key of a parent row the parent's filter keeps; nullopt when
  // the columns cannot be compared so. It may keep more rows (cordon's
  // `follow` decides), never fewer.
  virtual std::optional<SqlCondition> SemiJoin(const SemiJoinSpec& spec) const {
    (void)spec;
    return std::nullopt;
  }
};

// One pass over a table's rows. Not thread-safe: one reader, one thread.
class RowReader {
 public:
  virtual ~RowReader() = default;
  const std::vector<std::string>& header() const { return header_; }
  // Advances to the next row; false at the end. Fails naming the position.
  virtual Result<bool> Next() = 0;
  // Field `i` (a header index) of the current row as UTF-8, valid until the
  // next Next(); an empty field is NULL. A reader opened for some columns
  // only fails on the others (a bug in the caller, never a silent value).
  virtual Result<std::string_view> Utf8Field(size_t i) = 0;
  // The current row's position: a CSV file's physical line (the header is
  // line 1), a database row's number (from 1).
  virtual uint64_t line() const = 0;
  // Where row `line` is, for messages: "lab.csv line 12", "table X row 12".
  virtual std::string Position(uint64_t line) const = 0;
  // Bytes read so far, for progress (0 when unknown).
  virtual uint64_t bytes_consumed() const = 0;
  // Once Next() returned false: rows of the table the source itself left
  // out (a filter pushed into its statement), so that counts stay those of
  // a full read. 0 without a filter.
  virtual uint64_t rows_filtered() const { return 0; }
  // Of those, the rows the filter's `follow` part left out (its `where`
  // kept them). 0 without one.
  virtual uint64_t rows_filtered_follow() const { return 0; }

 protected:
  std::vector<std::string> header_;
};

// A source of tables. Implementations say whether they are thread-safe; the
// pipeline uses one from one thread.
class TableSource {
 public:
  virtual ~TableSource() = default;
  virtual const std::vector<SourceTable>& tables() const = 0;
  const SourceTable* Find(std::string_view name) const;
  // The table's columns and declared types (no row data is read).
  virtual Result<TableShape> Shape(const SourceTable& table) const = 0;
  // Opens a pass over the table that reads only `columns` (header indices,
  // ascending): a database is asked for those columns and no other. A CSV
  // file is read whole (it cannot be read otherwise) and the others ignored.
  virtual Result<std::unique_ptr<RowReader>> ReadColumns(
      const SourceTable& table, const std::vector<size_t>& columns) const = 0;
  // The statement ReadColumns runs (shown by `plan`), or empty (CSV).
  virtual std::string Statement(const SourceTable& table, const TableShape& shape,
                                const std::vector<size_t>& columns) const = 0;

  // Filters pushed down: the quoting to build one with, or null when the
  // source takes none.
  virtual const SqlQuoting* Quoting() const { return nullptr; }
  // ReadColumns with `filter` (built with Quoting(), or empty) added to the
  // statement as its WHERE; the reader's rows_filtered() counts the rows it
  // left out.
  virtual Result<std::unique_ptr<RowReader>> ReadFiltered(const SourceTable& table,
                                                          const std::vector<size_t>& columns,
                                                          const PushedFilter& filter) const;
  // The statement ReadFiltered runs, for `plan`.
  virtual std::string FilteredStatement(const SourceTable& table, const TableShape& shape,
                                        const std::vector<size_t>& columns,
                                        const PushedFilter& filter) const {
    (void)filter;
    return Statement(table, shape, columns);
  }
};

}  // namespace cordon::source
