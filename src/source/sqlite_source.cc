#include "source/sqlite_source.h"

#include <sys/stat.h>

#include <charconv>
#include <cstdlib>

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
  uint64_t rows_filtered() const override { return total_ > row_ ? total_ - row_ : 0; }
  uint64_t rows_filtered_follow() const override {
    return with_follow_ && where_total_ > row_ ? where_total_ - row_ : 0;
  }
  // With a filter: the table's rows, and those its `where` part keeps.
  void set_total(uint64_t total, uint64_t where_total, bool with_follow) {
    total_ = total, where_total_ = where_total, with_follow_ = with_follow;
  }

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
  uint64_t row_ = 0, total_ = 0, where_total_ = 0;
  bool with_follow_ = false;
};

// Binds `params` to the statement's `?`, in order.
Status BindParams(sqlite3_stmt* stmt, const std::vector<SqlParam>& params,
                  const std::string& what) {
  if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
    return Error(ErrorCode::kInternal, what + ": the filter's parameters do not match");
  }
  for (size_t k = 0; k < params.size(); ++k) {
    const int index = static_cast<int>(k) + 1;
    const SqlParam& p = params[k];
    const int rc = p.is_int ? sqlite3_bind_int64(stmt, index, p.integer)
                            : sqlite3_bind_text64(stmt, index, p.text.data(), p.text.size(),
                                                  SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) return SqliteError(sqlite3_db_handle(stmt), what);
  }
  return Ok();
}

// A parameter as `plan` shows it (never run): 'text' with quotes doubled,
// or the integer.
std::string ShowParam(const SqlParam& p) {
  if (p.is_int) return std::to_string(p.integer);
  std::string out = "'";
  for (char c : p.text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// The GLOB pattern that matches as cordon's LIKE pattern (no '_'): '%' is
// '*', and GLOB's own wildcards are bracketed to stand for themselves.
std::string GlobOf(std::string_view like) {
  std::string out;
  for (char c : like) {
    if (c == '%')
      out += '*';
    else if (c == '*' || c == '?' || c == '[')
      out.append("[").append(1, c).append("]");
    else
      out += c;
  }
  return out;
}

// SQLite's own limit on a LIKE/GLOB pattern is 50,000 bytes.
constexpr size_t kMaxGlobBytes = 20000;

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
  const char* pushdown = std::getenv("CORDON_PUSHDOWN");
  src->pushdown_ = pushdown == nullptr || std::string_view(pushdown) != "off";
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
  {
    // Text compares byte for byte as cordon's only when stored as UTF-8.
    CORDON_ASSIGN_OR_RETURN(SqliteStmt enc, PrepareSqlite(db, "PRAGMA encoding", src->what_));
    if (sqlite3_step(enc.get()) == SQLITE_ROW) {
      const auto* e = reinterpret_cast<const char*>(sqlite3_column_text(enc.get(), 0));
      src->utf8_ = e != nullptr && std::string_view(e) == "UTF-8";
    }
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
    // Any stored type: Value and Unsure say which rows compare as cordon.
    shape.compares.push_back(utf8_ ? TableShape::Compares::kAny : TableShape::Compares::kNo);
  }
  if (rc != SQLITE_DONE) return SqliteError(db_.get(), what_ + ": table " + table.name);
  if (shape.header.empty()) {
    return Error(ErrorCode::kNotFound, what_ + ": table " + table.name + " has no column");
  }
  return shape;
}

std::string SqliteSource::Select(const SourceTable& table, const TableShape& shape,
                                 const std::vector<size_t>& columns,
                                 const std::string& filter) const {
  std::string sql = "SELECT " + SelectList(shape, columns) + " FROM " + QuoteIdentifier(table.name);
  if (!filter.empty()) sql += " WHERE " + filter;
  // Rows in rowid order: the order they were inserted in, whatever index
  // the planner would pick to cover the columns.
  if (HasRowid(table)) sql += " ORDER BY _rowid_";
  return sql;
}

std::string SqliteSource::Statement(const SourceTable& table, const TableShape& shape,
                                    const std::vector<size_t>& columns) const {
  return Select(table, shape, columns, "");
}

std::string SqliteSource::FilteredStatement(const SourceTable& table, const TableShape& shape,
                                            const std::vector<size_t>& columns,
                                            const PushedFilter& filter) const {
  const SqlCondition all = filter.Combined();
  std::string sql = Select(table, shape, columns, all.sql);
  if (all.params.empty()) return sql;
  // The bound values, for the reader of a plan (they are never spliced in).
  std::string shown;
  for (const SqlParam& p : all.params) shown += (shown.empty() ? "" : ", ") + ShowParam(p);
  return sql + " -- parameters: " + shown;
}

Result<std::unique_ptr<RowReader>> SqliteSource::ReadColumns(
    const SourceTable& table, const std::vector<size_t>& columns) const {
  return ReadFiltered(table, columns, PushedFilter{});
}

Result<std::unique_ptr<RowReader>> SqliteSource::ReadFiltered(const SourceTable& table,
                                                              const std::vector<size_t>& columns,
                                                              const PushedFilter& filter) const {
  const std::string what = what_ + ": table " + table.name;
  CORDON_ASSIGN_OR_RETURN(TableShape shape, Shape(table));
  for (size_t i : columns) {
    if (i >= shape.header.size()) {
      return Error(ErrorCode::kRefused, what + " changed during the run (a column is gone)");
    }
  }
  uint64_t total = 0, where_total = 0;
  const bool with_follow = !filter.follow.empty();
  if (!filter.empty()) {
    // The rows a full read would see, and those the `where` part keeps (in
    // the same read transaction), so that the counts of plans and
    // manifests do not depend on what was pushed down.
    const std::string kept = filter.where.empty() ? "1" : filter.where.sql;
    CORDON_ASSIGN_OR_RETURN(SqliteStmt count,
                            PrepareSqlite(db_.get(),
                                          "SELECT count(*), count(CASE WHEN " + kept +
                                              " THEN 1 END) FROM " + QuoteIdentifier(table.name),
                                          what));
    CORDON_TRY(BindParams(count.get(), filter.where.params, what));
    if (sqlite3_step(count.get()) != SQLITE_ROW) return SqliteError(db_.get(), what);
    total = static_cast<uint64_t>(sqlite3_column_int64(count.get(), 0));
    where_total = static_cast<uint64_t>(sqlite3_column_int64(count.get(), 1));
  }
  const SqlCondition all = filter.Combined();
  CORDON_ASSIGN_OR_RETURN(SqliteStmt stmt,
                          PrepareSqlite(db_.get(), Select(table, shape, columns, all.sql), what));
  CORDON_TRY(BindParams(stmt.get(), all.params, what));
  auto reader = std::make_unique<SqliteRowReader>(std::move(stmt), table.name,
                                                  std::move(shape.header), columns);
  if (!filter.empty()) reader->set_total(total, where_total, with_follow);
  return std::unique_ptr<RowReader>(std::move(reader));
}

std::string SqliteSource::Identifier(std::string_view name) const { return QuoteIdentifier(name); }

std::optional<std::string> SqliteSource::TextLiteral(std::string_view text) const {
  (void)text;
  return std::nullopt;  // literals are bound (BindsParameters)
}

std::string SqliteSource::Value(const std::string& column, TableShape::Compares kind) const {
  switch (kind) {
    case TableShape::Compares::kText:
      // An INTEGER's text is its decimal, as cordon renders it; '' is NULL.
      return "(NULLIF(CAST(" + column + " AS TEXT), '') COLLATE BINARY)";
    case TableShape::Compares::kDate:
      // ISO text (Unsure leaves out the rest): compared byte for byte.
      return "((+" + column + ") COLLATE BINARY)";
    default:
      // Unary + drops the column's affinity: an integer compared with an
      // integer parameter, never converted.
      return "(+" + column + ")";
  }
}

std::string SqliteSource::Unsure(const std::string& column, TableShape::Compares kind,
                                 bool like) const {
  switch (kind) {
    case TableShape::Compares::kText: {
      // A REAL renders differently in SQL (100.0) than in cordon (100); a
      // BLOB is refused by cordon when read; GLOB stops at a NUL byte.
      std::string out = "typeof(" + column + ") IN ('real', 'blob')";
      if (like) out += " OR coalesce(instr(CAST(" + column + " AS BLOB), x'00'), 0) > 0";
      return out;
    }
    case TableShape::Compares::kInt:
      // A REAL 10.0 is the integer 10 for cordon, '10' too; 10.5 an error.
      return "typeof(" + column + ") NOT IN ('integer', 'null')";
    case TableShape::Compares::kDate:
      // Sure: NULL, or a real calendar date written YYYY-MM-DD (year 0001
      // on), which compares as text as it does as a date.
      return "NOT (typeof(" + column + ") = 'null' OR (typeof(" + column + ") = 'text' AND " +
             column + " GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND substr(" + column +
             ", 1, 4) <> '0000' AND date(" + column + ") IS +" + column + "))";
    default:
      return "1";
  }
}

std::optional<std::string> SqliteSource::Like(const std::string& value, std::string_view pattern,
                                              std::vector<SqlParam>& params) const {
  // cordon's LIKE is byte-wise and case-sensitive; GLOB is case-sensitive
  // and character-wise, the same on valid UTF-8 without '_'.
  if (!IsValidUtf8(pattern) || pattern.find('\0') != std::string_view::npos) return std::nullopt;
  std::string glob = GlobOf(pattern);
  if (glob.size() > kMaxGlobBytes) return std::nullopt;
  params.push_back({.text = std::move(glob)});
  return "(" + value + " GLOB ?)";
}

std::optional<SqlCondition> SqliteSource::SemiJoin(const SemiJoinSpec& spec) const {
  if (spec.parent == nullptr || spec.fk_compares != TableShape::Compares::kAny ||
      spec.key_compares != TableShape::Compares::kAny)
    return std::nullopt;
  const std::string fk = QuoteIdentifier(spec.fk_column), key = QuoteIdentifier(spec.key_column);
  const std::string parent = QuoteIdentifier(spec.parent->name);
  // Keys as cordon compares them: their text (an INTEGER's decimal), NULL
  // and '' both the empty key. A REAL or a BLOB key (on either side) is
  // left to cordon.
  SqlCondition out;
  out.sql = "(typeof(" + fk + ") IN ('real', 'blob') OR EXISTS (SELECT 1 FROM " + parent +
            " WHERE typeof(" + key + ") IN ('real', 'blob')) OR (COALESCE(CAST(" + fk +
            " AS TEXT), '') COLLATE BINARY) IN (SELECT COALESCE(CAST(" + key +
            " AS TEXT), '') FROM " + parent +
            (spec.parent_filter.empty() ? "" : " WHERE " + spec.parent_filter.sql) + "))";
  out.params = spec.parent_filter.params;
  return out;
}

}  // namespace cordon::source
