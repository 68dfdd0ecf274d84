#include "source/postgres_source.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "source/postgres_copy.h"
#include "source/text_encoding.h"

namespace cordon::source {
namespace {

// One pass: the rows of one `COPY … TO STDOUT`, one libpq buffer at a time.
class PostgresRowReader final : public RowReader {
 public:
  // `binary`: the COPY sends its binary format, of these types (else text).
  PostgresRowReader(PGconn* conn, bool* reading, std::string table, std::string what,
                    std::vector<std::string> header, const std::vector<size_t>& columns,
                    std::optional<std::vector<PgBinaryType>> binary)
      : conn_(conn),
        reading_(reading),
        table_(std::move(table)),
        what_(std::move(what)),
        slot_(header.size(), -1),
        width_(columns.empty() ? 1 : columns.size()) {
    header_ = std::move(header);
    for (size_t j = 0; j < columns.size(); ++j) slot_[columns[j]] = static_cast<int>(j);
    if (binary) binary_.emplace(std::move(*binary));
    fields_.resize(width_);
  }
  ~PostgresRowReader() override {
    if (!done_) Abandon();
    if (counting_ != nullptr) {
      // Abandoned before the count was read: cancel it, leave the
      // connection idle for the next table.
      if (PGcancel* cancel = Pq().PQgetCancel(counting_)) {
        char err[256];
        Pq().PQcancel(cancel, err, sizeof err);
        Pq().PQfreeCancel(cancel);
      }
      while (PGresult* r = Pq().PQgetResult(counting_)) Pq().PQclear(r);
    }
    *reading_ = false;
  }

  Result<bool> Next() override {
    if (done_) return false;
    char* buffer = nullptr;
    int n = 0;
    while ((n = Pq().PQgetCopyData(conn_, &buffer, /*async=*/0)) > 0) {
      // The row's cells point into its buffer (binary text fields): it
      // lives until the next row.
      row_buffer_.reset(buffer);
      const std::string_view message(buffer, static_cast<size_t>(n));
      if (!binary_) {
        if (Status s = ParseCopyTextRow(message, width_, cells_); !s.ok()) {
          return Error(ErrorCode::kMalformed, Position(row_ + 1) + ": " + s.error().message());
        }
        for (size_t j = 0; j < width_; ++j) fields_[j] = cells_[j];
        return Row(static_cast<uint64_t>(n));
      }
      auto got = binary_->Parse(message, fields_);
      if (!got.ok()) {
        return Error(ErrorCode::kMalformed, Position(row_ + 1) + ": " + got.error().message());
      }
      if (*got == CopyBinaryRows::Got::kRow) return Row(static_cast<uint64_t>(n));
      // The header alone, or the trailer: the next message says more (after
      // the trailer, only the end of the COPY may come: Parse refuses a row).
    }
    done_ = true;
    if (n == -1) {
      CORDON_TRY(Finish());
      if (binary_ && !binary_->ended()) {
        return Error(ErrorCode::kMalformed,
                     Position(row_ + 1) + ": the binary COPY ended without its end marker");
      }
      CORDON_TRY(ReadCount());
      return false;
    }
    Error e = PgError(conn_, nullptr, Position(row_ + 1));
    Drain();
    return e;
  }

  // A row parsed into fields_ (`n` bytes on the wire): counted, and its
  // text checked (valid UTF-8 without a byte 0).
  Result<bool> Row(uint64_t n) {
    ++row_;
    bytes_ += n;
    for (size_t j = 0; j < width_; ++j) {
      if (!IsUtf8Text(fields_[j])) {
        size_t i = 0;
        while (i < slot_.size() && slot_[i] != static_cast<int>(j)) ++i;
        return Error(ErrorCode::kMalformed, Position(row_) + ": column " +
                                                (i < header_.size() ? header_[i] : "?") +
                                                " is not valid UTF-8 text");
      }
    }
    return true;
  }

  Result<std::string_view> Utf8Field(size_t i) override {
    const int j = i < slot_.size() ? slot_[i] : -1;
    if (j < 0) {
      return Error(ErrorCode::kInternal, "table " + table_ + ": column " +
                                             (i < header_.size() ? header_[i] : "?") +
                                             " was not read (not named by the order)");
    }
    return fields_[j];
  }

  uint64_t line() const override { return row_; }
  std::string Position(uint64_t line) const override {
    return "table " + table_ + " row " + std::to_string(line);
  }
  uint64_t bytes_consumed() const override { return bytes_; }
  uint64_t rows_filtered() const override { return total_ > row_ ? total_ - row_ : 0; }
  uint64_t rows_filtered_follow() const override {
    return with_follow_ && where_total_ > row_ ? where_total_ - row_ : 0;
  }
  // The table's rows in the snapshot, when a filter leaves some out, and
  // those its `where` part keeps (with a semi-join): known, or being
  // counted on `counting` (read once the COPY has ended).
  void set_total(uint64_t total, uint64_t where_total, bool with_follow) {
    total_ = total, where_total_ = where_total, with_follow_ = with_follow;
  }
  void count_on(PGconn* counting) { counting_ = counting; }

 private:
  // The count the second connection ran meanwhile.
  Status ReadCount() {
    if (counting_ == nullptr) return Ok();
    PGconn* c = counting_;
    counting_ = nullptr;
    Status status = Error(ErrorCode::kIo, what_ + ": table " + table_ + ": no count");
    while (PGresult* raw = Pq().PQgetResult(c)) {
      PgResult r(raw);
      if (Pq().PQresultStatus(raw) == PGRES_TUPLES_OK && Pq().PQntuples(raw) == 1) {
        total_ = std::strtoull(Pq().PQgetvalue(raw, 0, 0), nullptr, 10);
        if (Pq().PQnfields(raw) > 1)
          where_total_ = std::strtoull(Pq().PQgetvalue(raw, 0, 1), nullptr, 10);
        status = Ok();
      } else if (Pq().PQresultStatus(raw) != PGRES_TUPLES_OK) {
        status = PgError(c, raw, what_ + ": table " + table_ + ": counting", ErrorCode::kIo);
      }
    }
    return status;
  }
  // The COPY's final result, then the savepoint released.
  Status Finish() {
    Status status = Ok();
    while (PGresult* raw = Pq().PQgetResult(conn_)) {
      PgResult r(raw);
      if (status.ok() && Pq().PQresultStatus(raw) != PGRES_COMMAND_OK) {
        status = PgError(conn_, raw, what_ + ": table " + table_, ErrorCode::kIo);
      }
    }
    if (!status.ok()) {
      (void)ExecPg(conn_, "ROLLBACK TO SAVEPOINT cordon_copy", what_);
      return status;
    }
    return ExecPg(conn_, "RELEASE SAVEPOINT cordon_copy", what_);
  }
  // Reads what is left of a failed COPY, so the connection is usable again.
  void Drain() {
    char* buffer = nullptr;
    while (Pq().PQgetCopyData(conn_, &buffer, 0) > 0) Pq().PQfreemem(buffer);
    while (PGresult* r = Pq().PQgetResult(conn_)) Pq().PQclear(r);
    // Twice: a cancel that lands late fails the first attempt (and the
    // transaction); rolling back to the savepoint again repairs both.
    if (!ExecPg(conn_, "ROLLBACK TO SAVEPOINT cordon_copy", what_).ok()) {
      (void)ExecPg(conn_, "ROLLBACK TO SAVEPOINT cordon_copy", what_);
    }
  }
  // Dropped before the end (a sample, or an error upstream): the server is
  // asked to cancel rather than send the rest of the table.
  void Abandon() {
    if (PGcancel* cancel = Pq().PQgetCancel(conn_)) {
      char err[256];
      Pq().PQcancel(cancel, err, sizeof err);
      Pq().PQfreeCancel(cancel);
    }
    Drain();
  }

  PGconn* conn_;
  PGconn* counting_ = nullptr;
  bool* reading_;
  std::string table_, what_;
  std::vector<int> slot_;                 // header index → field, -1 when not read
  size_t width_;                          // fields per COPY row
  std::vector<std::string> cells_;        // text format: the unescaped fields
  std::vector<std::string_view> fields_;  // the row's fields, width_ of them
  std::unique_ptr<char, decltype(&::PQfreemem)> row_buffer_{nullptr, Pq().PQfreemem};
  std::optional<CopyBinaryRows> binary_;
  uint64_t row_ = 0, bytes_ = 0, total_ = 0, where_total_ = 0;
  bool done_ = false, with_follow_ = false;
};

// How SQL compares a column of type `typname`, when exactly as cordon
// compares its type (a text byte by byte needs a UTF-8 database).
TableShape::Compares CompareOf(const std::string& typname, bool utf8) {
  using C = TableShape::Compares;
  if (typname == "text" || typname == "varchar") return utf8 ? C::kText : C::kNo;
  if (typname == "int2" || typname == "int4" || typname == "int8") return C::kInt;
  if (typname == "date") return C::kDate;
  return C::kNo;
}

// The types of the columns read when COPY's binary format can carry them
// all (postgres_copy.h PgBinaryTypeOf; "1" is an integer), else nullopt:
// the text format then.
std::optional<std::vector<PgBinaryType>> BinaryTypes(const TableShape& shape,
                                                     const std::vector<size_t>& columns) {
  if (columns.empty()) return std::vector<PgBinaryType>{PgBinaryType::kInt4};
  std::vector<PgBinaryType> out;
  for (size_t i : columns) {
    if (i >= shape.native_types.size()) return std::nullopt;
    std::optional<PgBinaryType> t = PgBinaryTypeOf(shape.native_types[i]);
    if (!t) return std::nullopt;
    out.push_back(*t);
  }
  return out;
}

std::string SelectList(const TableShape& shape, const std::vector<size_t>& columns) {
  if (columns.empty()) return "1";
  std::string out;
  for (size_t i : columns) out += (out.empty() ? "" : ", ") + PgQuoteIdentifier(shape.header[i]);
  return out;
}

}  // namespace

Result<std::unique_ptr<PostgresSource>> PostgresSource::Open(const std::string& url) {
  std::unique_ptr<PostgresSource> src(new PostgresSource());
  CORDON_ASSIGN_OR_RETURN(src->url_, ParsePgUrl(url));
  CORDON_ASSIGN_OR_RETURN(src->conn_, ConnectPg(src->url_));
  PGconn* conn = src->conn_.get();
  const std::string& what = src->url_.display;
  const char* pushdown = std::getenv("CORDON_PUSHDOWN");
  src->pushdown_ = pushdown == nullptr || std::string_view(pushdown) != "off";
  const char* format = std::getenv("CORDON_PG_COPY");
  src->binary_copy_ = format == nullptr || std::string_view(format) != "text";
  const char* encoding = Pq().PQparameterStatus(conn, "server_encoding");
  src->utf8_ = encoding != nullptr && std::string_view(encoding) == "UTF8";
  // The snapshot: taken by the first statement after BEGIN (the catalog
  // query below) and kept for every table until the source is destroyed.
  CORDON_TRY(ExecPg(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", what));
  if (src->pushdown_) {
    // Exported now, outside any savepoint (a subtransaction cannot export):
    // the snapshot a second connection counts filtered tables in. Where the
    // server refuses, the counts run on this connection instead.
    PgResult id(Pq().PQexec(conn, "SELECT pg_catalog.pg_export_snapshot()"));
    if (id && Pq().PQresultStatus(id.get()) == PGRES_TUPLES_OK && Pq().PQntuples(id.get()) == 1) {
      src->snapshot_ = Pq().PQgetvalue(id.get(), 0, 0);
    } else {
      id.reset();
      CORDON_TRY(ExecPg(conn, "ROLLBACK", what));
      CORDON_TRY(ExecPg(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", what));
    }
  }
  PgResult list(Pq().PQexec(conn,
                            "SELECT n.nspname, c.relname, c.oid::text FROM pg_catalog.pg_class c "
                            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
                            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                            "AND n.nspname NOT LIKE 'pg\\_%' "
                            "ORDER BY n.nspname <> 'public', n.nspname, c.relname"));
  if (!list || Pq().PQresultStatus(list.get()) != PGRES_TUPLES_OK) {
    return PgError(conn, list.get(), what + ": listing the tables");
  }
  std::set<std::string> seen;
  for (int r = 0; r < Pq().PQntuples(list.get()); ++r) {
    const std::string schema = Pq().PQgetvalue(list.get(), r, 0);
    const std::string name = Pq().PQgetvalue(list.get(), r, 1);
    std::string shown = name;
    if (schema != "public") shown.insert(0, schema + ".");
    if (!IsValidUtf8(shown)) {
      return Error(ErrorCode::kMalformed, what + ": a table name is not UTF-8");
    }
    if (!seen.insert(shown).second) {
      std::string message = what;
      message += ": two tables are both named " + shown;
      return Error(ErrorCode::kRefused, std::move(message),
                   "rename one: cordon names a table of schema public by its name, another "
                   "as schema.table, so public.\"a.b\" and a.b collide");
    }
    src->tables_.push_back(
        {std::move(shown), PgQuoteIdentifier(schema) + "." + PgQuoteIdentifier(name), 0});
    src->oids_.push_back(Pq().PQgetvalue(list.get(), r, 2));
  }
  if (src->tables_.empty()) {
    return Error(ErrorCode::kNotFound,
                 "source " + what + " holds no table (or none this role sees)");
  }
  return src;
}

PostgresSource::~PostgresSource() {
  if (conn_ && Pq().PQstatus(conn_.get()) == CONNECTION_OK) {
    PgResult r(Pq().PQexec(conn_.get(), "ROLLBACK"));
  }
}

const std::string& PostgresSource::Oid(const SourceTable& table) const {
  for (size_t i = 0; i < tables_.size(); ++i) {
    if (&tables_[i] == &table || tables_[i].name == table.name) return oids_[i];
  }
  static const std::string kNone = "0";
  return kNone;
}

Result<PostgresSource::Columns> PostgresSource::ReadCatalog(const SourceTable& table) const {
  const std::string where = url_.display + ": table " + table.name;
  if (reading_) {
    return Error(ErrorCode::kInternal, where + ": read while another table's COPY is open");
  }
  const char* params[] = {Oid(table).c_str()};
  // The base type of a domain decides (a DATE domain is a date), and only a
  // type of pg_catalog is known by its name: `CREATE TYPE lab.date` or an
  // enum named int4 is nothing cordon knows (text, no pushdown).
  PgResult r(
      Pq().PQexecParams(conn_.get(),
                        "SELECT a.attname, CASE WHEN coalesce(bt.typnamespace, t.typnamespace) = "
                        "'pg_catalog'::regnamespace THEN coalesce(bt.typname, t.typname) "
                        "ELSE '' END "
                        "FROM pg_catalog.pg_attribute a "
                        "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
                        "LEFT JOIN pg_catalog.pg_type bt ON t.typtype = 'd' AND bt.oid = "
                        "t.typbasetype "
                        "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped "
                        "ORDER BY a.attnum",
                        1, nullptr, params, nullptr, nullptr, 0));
  if (!r || Pq().PQresultStatus(r.get()) != PGRES_TUPLES_OK)
    return PgError(conn_.get(), r.get(), where);
  Columns out;
  for (int i = 0; i < Pq().PQntuples(r.get()); ++i) {
    std::string name = Pq().PQgetvalue(r.get(), i, 0);
    if (!IsValidUtf8(name)) {
      return Error(ErrorCode::kMalformed, where + " has a column name that is not UTF-8");
    }
    out.names.push_back(std::move(name));
    out.typnames.emplace_back(Pq().PQgetvalue(r.get(), i, 1));
  }
  if (out.names.empty()) return Error(ErrorCode::kNotFound, where + " has no column");
  return out;
}

Result<TableShape> PostgresSource::Shape(const SourceTable& table) const {
  CORDON_ASSIGN_OR_RETURN(Columns columns, ReadCatalog(table));
  TableShape shape;
  shape.dialect = "postgresql";
  shape.header = std::move(columns.names);
  for (const std::string& t : columns.typnames) {
    shape.declared_types.push_back(PgTypeNotion(t));
    shape.compares.push_back(CompareOf(t, utf8_));
  }
  // For `plan`'s statement: the format ReadFiltered will choose if the
  // types stay as they are (it asks the server again, under the lock).
  shape.native_types = std::move(columns.typnames);
  return shape;
}

Status PostgresSource::CheckNotRewritten(const SourceTable& table, const std::string& where) const {
  // TRUNCATE and the ALTERs that rewrite a table are not MVCC-safe: one
  // committed after the snapshot leaves the snapshot's rows in a file the
  // table no longer uses, and the COPY would read an empty table without an
  // error. The snapshot's pg_class row names the file it saw; the server's
  // current one (pg_relation_filenode, read under the lock the prepared
  // SELECT took) must be the same.
  const char* params[] = {Oid(table).c_str()};
  PgResult r(Pq().PQexecParams(conn_.get(),
                               "SELECT coalesce(pg_catalog.pg_relation_filenode(c.oid), 0) = "
                               "c.relfilenode FROM pg_catalog.pg_class c WHERE c.oid = $1::oid",
                               1, nullptr, params, nullptr, nullptr, 0));
  if (!r || Pq().PQresultStatus(r.get()) != PGRES_TUPLES_OK)
    return PgError(conn_.get(), r.get(), where);
  if (Pq().PQntuples(r.get()) == 1 && std::string_view(Pq().PQgetvalue(r.get(), 0, 0)) == "t")
    return Ok();
  return Error(ErrorCode::kRefused,
               where +
                   " was truncated or rewritten (TRUNCATE, ALTER TABLE … TYPE) after the "
                   "extraction's snapshot was taken: its rows cannot be read consistently",
               "run the extraction again once the change is done");
}

Result<std::vector<std::string>> PostgresSource::ResultTypes(const std::string& select,
                                                             const std::string& where) const {
  // Preparing the SELECT takes the table's ACCESS SHARE lock, held to the
  // end of the transaction: a type changed by a concurrent ALTER (which
  // waits for that lock) cannot differ between this answer and the COPY.
  // Types are known by OID (a built-in type's OID is fixed), never by name.
  PGconn* conn = conn_.get();
  PgResult prepared(Pq().PQprepare(conn, "", select.c_str(), 0, nullptr));
  if (!prepared || Pq().PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
    const char* state =
        prepared ? Pq().PQresultErrorField(prepared.get(), PG_DIAG_SQLSTATE) : nullptr;
    const bool gone = state != nullptr && std::string_view(state) == "42703";
    return PgError(conn, prepared.get(), where, gone ? ErrorCode::kRefused : ErrorCode::kIo);
  }
  PgResult described(Pq().PQdescribePrepared(conn, ""));
  if (!described || Pq().PQresultStatus(described.get()) != PGRES_COMMAND_OK) {
    return PgError(conn, described.get(), where);
  }
  std::vector<std::string> out(static_cast<size_t>(std::max(0, Pq().PQnfields(described.get()))));
  for (size_t j = 0; j < out.size(); ++j) {
    out[j] = PgBuiltinTypeName(Pq().PQftype(described.get(), static_cast<int>(j)));
  }
  return out;
}

PGconn* PostgresSource::CountConnection() const {
  if (count_conn_tried_) return count_conn_.get();
  count_conn_tried_ = true;
  if (snapshot_.empty()) return nullptr;
  auto second = ConnectPg(url_);
  if (!second.ok()) return nullptr;
  const std::string& snapshot = snapshot_;
  char* quoted = Pq().PQescapeLiteral(second->get(), snapshot.data(), snapshot.size());
  if (quoted == nullptr) return nullptr;
  const std::string begin =
      "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION "
      "SNAPSHOT " +
      std::string(quoted);
  Pq().PQfreemem(quoted);
  if (!ExecPg(second->get(), begin.c_str(), url_.display).ok()) return nullptr;
  count_conn_ = std::move(*second);
  return count_conn_.get();
}

std::string PostgresSource::Identifier(std::string_view name) const {
  return PgQuoteIdentifier(std::string(name));
}

std::optional<std::string> PostgresSource::TextLiteral(std::string_view text) const {
  // PostgreSQL text holds no NUL: such a literal equals no value, and
  // stays in cordon.
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  // libpq's quoting for this connection's encoding and settings (quotes
  // doubled; with a backslash, the E'' form with backslashes doubled).
  char* quoted = Pq().PQescapeLiteral(conn_.get(), text.data(), text.size());
  if (quoted == nullptr) return std::nullopt;
  std::string out(quoted);
  Pq().PQfreemem(quoted);
  return out;
}

std::optional<SqlCondition> PostgresSource::SemiJoin(const SemiJoinSpec& spec) const {
  using C = TableShape::Compares;
  // Keys compare as cordon compares them (their COPY text, byte for byte)
  // only between two columns of one kind: text and varchar on a UTF-8
  // database (COLLATE "C", bytes), integers, dates.
  if (spec.parent == nullptr || spec.fk_compares != spec.key_compares ||
      spec.fk_compares == C::kNo || spec.fk_compares == C::kAny ||
      !spec.parent_filter.params.empty())
    return std::nullopt;
  const bool text = spec.fk_compares == C::kText;
  const std::string fk = PgQuoteIdentifier(spec.fk_column);
  const std::string key = PgQuoteIdentifier(spec.key_column);
  const std::string where = spec.parent_filter.empty() ? "" : " WHERE " + spec.parent_filter.sql;
  // An empty key (NULL, or '' in text) is the empty field for cordon, equal
  // to a parent's empty key: such child rows all pass, and cordon decides.
  // (So the parent's filter is written once: a chain of follows grows
  // linearly, and `fk IN` keeps the child's index usable.)
  const std::string empty =
      text ? "(" + fk + " IS NULL OR octet_length(" + fk + ") = 0)" : "(" + fk + " IS NULL)";
  SqlCondition out;
  out.sql = "(" + fk + (text ? " COLLATE \"C\"" : "") + " IN (SELECT " + key + " FROM " +
            spec.parent->path + where + ") OR " + empty + ")";
  return out;
}

std::string PostgresSource::FilteredStatement(const SourceTable& table, const TableShape& shape,
                                              const std::vector<size_t>& columns,
                                              const PushedFilter& filter) const {
  if (filter.empty()) return Statement(table, shape, columns);
  return "COPY (SELECT " + SelectList(shape, columns) + " FROM " + table.path + " WHERE " +
         filter.Combined().sql + ")" + CopyTo(shape, columns);
}

std::string PostgresSource::Statement(const SourceTable& table, const TableShape& shape,
                                      const std::vector<size_t>& columns) const {
  return "COPY (SELECT " + SelectList(shape, columns) + " FROM " + table.path + ")" +
         CopyTo(shape, columns);
}

std::string PostgresSource::CopyTo(const TableShape& shape,
                                   const std::vector<size_t>& columns) const {
  return binary_copy_ && BinaryTypes(shape, columns) ? " TO STDOUT (FORMAT binary)" : " TO STDOUT";
}

Result<std::unique_ptr<RowReader>> PostgresSource::ReadColumns(
    const SourceTable& table, const std::vector<size_t>& columns) const {
  return ReadFiltered(table, columns, PushedFilter{});
}

Result<std::unique_ptr<RowReader>> PostgresSource::ReadFiltered(const SourceTable& table,
                                                                const std::vector<size_t>& columns,
                                                                const PushedFilter& filter) const {
  const std::string where = url_.display + ": table " + table.name;
  CORDON_ASSIGN_OR_RETURN(Columns catalog, ReadCatalog(table));
  for (size_t i : columns) {
    if (i >= catalog.names.size()) {
      return Error(ErrorCode::kRefused, where + " changed during the run (a column is gone)");
    }
    if (PgTypeIsBinary(catalog.typnames[i])) {
      return Error(ErrorCode::kUnsupported,
                   where + ": column " + catalog.names[i] +
                       " is bytea (binary); cordon extracts text, numbers and dates",
                   "leave the column out of the order");
    }
  }
  TableShape shape{catalog.names, {}, "postgresql", {}, {}};
  PGconn* conn = conn_.get();
  uint64_t total = 0, where_total = 0;
  PGconn* counting = nullptr;
  const bool with_follow = !filter.follow.empty();
  if (!filter.empty()) {
    // The rows a full read would see (same snapshot), so that the counts
    // of plans and manifests do not depend on what was pushed down:
    // counted by a second server process while this one streams the COPY,
    // else here first. With a semi-join, also those the `where` keeps: the
    // semi-join's rows left out are the difference.
    std::string count = "SELECT count(*)";
    if (with_follow) {
      count += ", count(*)";
      if (!filter.where.empty()) count += " FILTER (WHERE " + filter.where.sql + ")";
    }
    count += " FROM " + table.path;
    counting = CountConnection();
    if (counting != nullptr && Pq().PQsendQuery(counting, count.c_str()) != 1) counting = nullptr;
    if (counting == nullptr) {
      PgResult c(Pq().PQexec(conn, count.c_str()));
      if (!c || Pq().PQresultStatus(c.get()) != PGRES_TUPLES_OK)
        return PgError(conn, c.get(), where);
      total = std::strtoull(Pq().PQgetvalue(c.get(), 0, 0), nullptr, 10);
      if (with_follow) where_total = std::strtoull(Pq().PQgetvalue(c.get(), 0, 1), nullptr, 10);
    }
  }
  // Reads the count's result however this ends.
  auto drop_count = [&] {
    if (counting == nullptr) return;
    while (PGresult* r = Pq().PQgetResult(counting)) Pq().PQclear(r);
  };
  // Each COPY runs under a savepoint: a COPY cancelled midway (a reader
  // dropped early) rolls back to it, and the transaction — its snapshot —
  // goes on.
  if (Status s = ExecPg(conn, "SAVEPOINT cordon_copy", where); !s.ok()) {
    drop_count();
    return s.error();
  }
  // The types the COPY will send, as the server sees them now (the format
  // is chosen from them): per column read, in the header's places.
  auto types = ResultTypes("SELECT " + SelectList(shape, columns) + " FROM " + table.path, where);
  if (!types.ok() || types->size() != std::max<size_t>(columns.size(), 1)) {
    Error e = types.ok() ? Error(ErrorCode::kInternal, where + ": unexpected result columns")
                         : types.error();
    (void)ExecPg(conn, "ROLLBACK TO SAVEPOINT cordon_copy", where);
    drop_count();
    return e;
  }
  if (Status s = CheckNotRewritten(table, where); !s.ok()) {
    (void)ExecPg(conn, "ROLLBACK TO SAVEPOINT cordon_copy", where);
    drop_count();
    return s.error();
  }
  shape.native_types.assign(shape.header.size(), "");
  for (size_t j = 0; j < columns.size(); ++j) shape.native_types[columns[j]] = (*types)[j];
  const std::string sql = FilteredStatement(table, shape, columns, filter);
  PgResult r(Pq().PQexec(conn, sql.c_str()));
  if (!r || Pq().PQresultStatus(r.get()) != PGRES_COPY_OUT) {
    // 42703: a column the order names is gone (dropped since the plan).
    const char* state = r ? Pq().PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
    const bool gone = state != nullptr && std::string_view(state) == "42703";
    Error e = PgError(conn, r.get(), where, gone ? ErrorCode::kRefused : ErrorCode::kIo);
    r.reset();
    (void)ExecPg(conn, "ROLLBACK TO SAVEPOINT cordon_copy", where);
    drop_count();
    return e;
  }
  r.reset();
  reading_ = true;
  std::optional<std::vector<PgBinaryType>> binary;
  if (binary_copy_) binary = BinaryTypes(shape, columns);
  auto reader =
      std::make_unique<PostgresRowReader>(conn, &reading_, table.name, url_.display,
                                          std::move(shape.header), columns, std::move(binary));
  reader->set_total(total, where_total, with_follow);
  reader->count_on(counting);
  return std::unique_ptr<RowReader>(std::move(reader));
}

}  // namespace cordon::source
