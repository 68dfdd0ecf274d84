#include "source/sqlite_source.h"

#include <sys/stat.h>

#include <charconv>

#include "source/text_encoding.h"

namespace cordon::source {
namespace {

// One pass over the selected columns of a table. The statement belongs to
// the source's connection (and its read transaction).
class SqliteRowReader final : public RowReader {
 public:
  SqliteRowReader(SqliteStmt stmt, std::string table, std::vector<std::string> header,
                  const std::vector<size_t>& columns)
      : stmt_(std::move(stmt)), table_(std::move(table)), slot_(header.size(), -1) {
    header_ = std::move(header);
    for (size_t j = 0; j < columns.size(); ++j) slot_[columns[j]] = static_cast<int>(j);
    cells_.resize(columns.size());
    ready_.assign(columns.size(), false);
  }

  Result<bool> Next() override {
    int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_DONE) return false;
    if (rc != SQLITE_ROW) {
      return SqliteError(sqlite3_db_handle(stmt_.get()), Position(row_ + 1));
    }
    ++row_;
    ready_.assign(ready_.size(), false);
    return true;
  }

  Result<std::string_view> Utf8Field(size_t i) override {
    const int j = i < slot_.size() ? slot_[i] : -1;
    if (j < 0) {
      return Error(ErrorCode::kInternal, "table " + table_ + ": column " +
                                             (i < header_.size() ? header_[i] : "?") +
                                             " was not read (not named by the order)");
    }
    if (!ready_[j]) {
      CORDON_TRY(Convert(i, j));
      ready_[j] = true;
    }
    return std::string_view(cells_[j]);
  }

  uint64_t line() const override { return row_; }
  std::string Position(uint64_t line) const override {
    return "table " + table_ + " row " + std::to_string(line);
  }
  uint64_t bytes_consumed() const override { return 0; }

 private:
  // The value as the CSV path would see it, copied (so that every field of
  // the row stays valid at once, whatever SQLite converts).
  Status Convert(size_t i, int j) {
    std::string& out = cells_[j];
    out.clear();
    sqlite3_stmt* s = stmt_.get();
    switch (sqlite3_column_type(s, j)) {
      case SQLITE_NULL:
        return Ok();
      case SQLITE_INTEGER: {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, sqlite3_column_int64(s, j));
        out.assign(buf, r.ptr);
        return Ok();
      }
      case SQLITE_FLOAT: {
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, sqlite3_column_double(s, j));
        out.assign(buf, r.ptr);
        return Ok();
      }
      case SQLITE_TEXT: {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, j));
        std::string_view v(text ? text : "", static_cast<size_t>(sqlite3_column_bytes(s, j)));
        if (!IsValidUtf8(v)) {
          return Error(ErrorCode::kMalformed,
                       Position(row_) + ": column " + header_[i] + " is not valid UTF-8");
        }
        out.assign(v);
        return Ok();
      }
      default:
        return Error(ErrorCode::kUnsupported,
                     Position(row_) + ": column " + header_[i] +
                         " holds a BLOB (binary value); cordon extracts text, numbers and dates",
                     "leave the column out of the order");
    }
  }

  SqliteStmt stmt_;
  std::string table_;
  std::vector<int> slot_;  // header index → result column, -1 when not read
  std::vector<std::string> cells_;
  std::vector<bool> ready_;
  uint64_t row_ = 0;
};

std::string SelectList(const TableShape& shape, const std::vector<size_t>& columns) {
  if (columns.empty()) return "1";
  std::string out;
  for (size_t i : columns) out += (out.empty() ? "" : ", ") + QuoteIdentifier(shape.header[i]);
  return out;
}

}  // namespace

Result<std::unique_ptr<SqliteSource>> SqliteSource::Open(const std::string& path,
                                                         const SqliteSourceOptions& options) {
  std::unique_ptr<SqliteSource> src(new SqliteSource());
  src->what_ = "sqlite:" + path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Error(ErrorCode::kNotFound, "source " + src->what_ + ": no such database file");
  }
  std::string uri = SqliteFileUri(path) + "?mode=ro" + (options.immutable ? "&immutable=1" : "");
  CORDON_ASSIGN_OR_RETURN(src->db_, OpenSqlite(uri, SQLITE_OPEN_READONLY, src->what_));
  sqlite3* db = src->db_.get();
  // A read neither runs the file's triggers nor its views' code.
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, nullptr);
  CORDON_TRY(ExecSqlite(db, "PRAGMA query_only = 1", src->what_));
  // The read transaction: BEGIN, then this first read takes the snapshot
  // (the lock, or the WAL read mark) that every table is read under.
  CORDON_TRY(ExecSqlite(db, "BEGIN", src->what_));
  CORDON_ASSIGN_OR_RETURN(
      SqliteStmt list,
      PrepareSqlite(db,
                    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
                    "'sqlite\\_%' ESCAPE '\\' AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL%' "
                    "ORDER BY name",
                    src->what_));
  int rc;
  while ((rc = sqlite3_step(list.get())) == SQLITE_ROW) {
    const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(list.get(), 0));
    if (name != nullptr) src->tables_.push_back({name, name, 0});
  }
  if (rc != SQLITE_DONE) return SqliteError(db, src->what_);
  if (src->tables_.empty()) {
    return Error(ErrorCode::kNotFound, "source " + src->what_ + " holds no table");
  }
  for (const SourceTable& t : src->tables_) {
    // A table WITHOUT ROWID has no _rowid_ (its rows come in key order).
    sqlite3_stmt* probe = nullptr;
    std::string sql = "SELECT _rowid_ FROM " + QuoteIdentifier(t.name) + " LIMIT 0";
    bool has = sqlite3_prepare_v2(db, sql.c_str(), -1, &probe, nullptr) == SQLITE_OK;
    sqlite3_finalize(probe);
    src->has_rowid_.push_back(has);
  }
  return src;
}

SqliteSource::~SqliteSource() {
  if (db_ && !sqlite3_get_autocommit(db_.get())) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

bool SqliteSource::HasRowid(const SourceTable& table) const {
  for (size_t i = 0; i < tables_.size(); ++i) {
    if (&tables_[i] == &table) return has_rowid_[i];
  }
  return false;
}

Result<TableShape> SqliteSource::Shape(const SourceTable& table) const {
  CORDON_ASSIGN_OR_RETURN(
      SqliteStmt info,
      PrepareSqlite(db_.get(), "SELECT name, type FROM pragma_table_info(?1) ORDER BY cid", what_));
  sqlite3_bind_text(info.get(), 1, table.name.data(), static_cast<int>(table.name.size()),
                    SQLITE_TRANSIENT);
  TableShape shape;
  shape.dialect = "sqlite";
  int rc;
  while ((rc = sqlite3_step(info.get())) == SQLITE_ROW) {
    const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(info.get(), 0));
    const auto* type = reinterpret_cast<const char*>(sqlite3_column_text(info.get(), 1));
    std::string column = name ? name : "";
    if (!IsValidUtf8(column)) {
      return Error(ErrorCode::kMalformed,
                   what_ + ": table " + table.name + " has a column name that is not UTF-8");
    }
    shape.header.push_back(std::move(column));
    shape.declared_types.emplace_back(type ? type : "");
  }
  if (rc != SQLITE_DONE) return SqliteError(db_.get(), what_ + ": table " + table.name);
  if (shape.header.empty()) {
    return Error(ErrorCode::kNotFound, what_ + ": table " + table.name + " has no column");
  }
  return shape;
}

std::string SqliteSource::Statement(const SourceTable& table, const TableShape& shape,
                                    const std::vector<size_t>& columns) const {
  std::string sql = "SELECT " + SelectList(shape, columns) + " FROM " + QuoteIdentifier(table.name);
  // Rows in rowid order: the order they were inserted in, whatever index
  // the planner would pick to cover the columns.
  if (HasRowid(table)) sql += " ORDER BY _rowid_";
  return sql;
}

Result<std::unique_ptr<RowReader>> SqliteSource::ReadColumns(
    const SourceTable& table, const std::vector<size_t>& columns) const {
  CORDON_ASSIGN_OR_RETURN(TableShape shape, Shape(table));
  for (size_t i : columns) {
    if (i >= shape.header.size()) {
      return Error(ErrorCode::kRefused,
                   what_ + ": table " + table.name + " changed during the run (a column is gone)");
    }
  }
  CORDON_ASSIGN_OR_RETURN(
      SqliteStmt stmt,
      PrepareSqlite(db_.get(), Statement(table, shape, columns), what_ + ": table " + table.name));
  return std::unique_ptr<RowReader>(std::make_unique<SqliteRowReader>(
      std::move(stmt), table.name, std::move(shape.header), columns));
}

}  // namespace cordon::source
