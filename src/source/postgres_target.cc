#include "source/postgres_target.h"

#include <algorithm>

#include "core/strings.h"
#include "source/postgres_copy.h"

namespace cordon::source {
namespace {

constexpr size_t kFlushBytes = 64 * 1024;
constexpr char kRolledBack[] = "nothing was loaded: the whole import is rolled back";

Error Refused(std::string message, std::string hint = {}) {
  return Error(ErrorCode::kRefused, std::move(message), std::move(hint));
}

}  // namespace

Result<std::unique_ptr<PostgresTarget>> PostgresTarget::Open(const std::string& url,
                                                             const PostgresTargetOptions& options) {
  std::unique_ptr<PostgresTarget> t(new PostgresTarget());
  t->options_ = options;
  CORDON_ASSIGN_OR_RETURN(t->url_, ParsePgUrl(url));
  CORDON_ASSIGN_OR_RETURN(t->conn_, ConnectPg(t->url_));
  CORDON_TRY(ExecPg(t->conn_.get(), "BEGIN", t->url_.display));
  return t;
}

PostgresTarget::~PostgresTarget() {
  if (!conn_ || committed_ || Pq().PQstatus(conn_.get()) != CONNECTION_OK) return;
  if (copying_) (void)EndCopy("cordon: import abandoned");
  PgResult r(Pq().PQexec(conn_.get(), "ROLLBACK"));
}

std::string PostgresTarget::database() const {
  const char* db = conn_ ? Pq().PQdb(conn_.get()) : nullptr;
  return db != nullptr ? db : url_.dbname;
}

Status PostgresTarget::BeginTable(const std::string& table,
                                  const std::vector<TargetColumn>& columns) {
  PGconn* conn = conn_.get();
  const std::string where = url_.display + ": table " + table;
  const std::string quoted = PgQuoteIdentifier(table);
  const char* params[] = {quoted.c_str()};
  PgResult r(Pq().PQexecParams(conn,
                               "SELECT a.attname, t.typcategory, t.typname, "
                               "pg_catalog.format_type(a.atttypid, a.atttypmod) "
                               "FROM pg_catalog.pg_attribute a "
                               "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
                               "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 "
                               "AND NOT a.attisdropped ORDER BY a.attnum",
                               1, nullptr, params, nullptr, nullptr, 0));
  if (!r || Pq().PQresultStatus(r.get()) != PGRES_TUPLES_OK) return PgError(conn, r.get(), where);
  struct Existing {
    std::string name, category, typname, type;
  };
  std::vector<Existing> existing(static_cast<size_t>(Pq().PQntuples(r.get())));
  for (size_t i = 0; i < existing.size(); ++i) {
    const int row = static_cast<int>(i);
    existing[i] = {Pq().PQgetvalue(r.get(), row, 0), Pq().PQgetvalue(r.get(), row, 1),
                   Pq().PQgetvalue(r.get(), row, 2), Pq().PQgetvalue(r.get(), row, 3)};
  }
  r.reset();
  std::string list;
  if (options_.create_tables) {
    if (!existing.empty()) {
      return Refused(where + " already exists; --create-tables only creates tables",
                     "load into the existing table without --create-tables, or choose another "
                     "database");
    }
    // Each column's type from the manifest (v2); TEXT for a v1 package.
    std::string defs;
    for (const TargetColumn& c : columns) {
      defs += (defs.empty() ? "" : ", ") + PgQuoteIdentifier(c.name) + " ";
      defs += PgTypeFor(c.type);
      list += (list.empty() ? "" : ", ") + PgQuoteIdentifier(c.name);
    }
    std::string create = "CREATE TABLE " + quoted + " (" + defs + ")";
    CORDON_TRY(ExecPg(conn, create.c_str(), where));
  } else {
    if (existing.empty()) {
      return Refused(where + " does not exist (or this role cannot see it)",
                     "create it first, or pass --create-tables (columns typed as the manifest "
                     "says)");
    }
    for (const TargetColumn& c : columns) {
      const Existing* match = nullptr;
      for (const Existing& e : existing) {
        if (e.name == c.name) match = &e;
      }
      if (match == nullptr) {
        int n = 0;
        for (const Existing& e : existing) {
          if (EqualsIgnoringAsciiCase(e.name, c.name)) {
            match = &e;
            ++n;
          }
        }
        if (n > 1) match = nullptr;
      }
      if (match == nullptr) {
        std::string have;
        for (const Existing& e : existing) have += (have.empty() ? "" : ", ") + e.name;
        std::string message = where;
        message += " has no column " + c.name;
        return Refused(std::move(message), "its columns are: " + have);
      }
      if (!PgColumnHolds(match->category, match->typname, c.type)) {
        std::string message = where + ": column " + match->name + " is " + match->type +
                              "; the package's " + c.name + " is ";
        message += TargetTypeName(c.type);
        return Refused(std::move(message),
                       "load into a column of that type (or text), or change the order's "
                       "[table.types]");
      }
      list += (list.empty() ? "" : ", ") + PgQuoteIdentifier(match->name);
    }
  }
  const std::string copy = "COPY " + quoted + " (" + list + ") FROM STDIN";
  PgResult c(Pq().PQexec(conn, copy.c_str()));
  if (!c || Pq().PQresultStatus(c.get()) != PGRES_COPY_IN) {
    return PgError(conn, c.get(), where, ErrorCode::kRefused).WithHint(kRolledBack);
  }
  copying_ = true;
  table_ = table;
  row_ = 0;
  line_.clear();
  return Ok();
}

Status PostgresTarget::Row(const std::vector<std::string_view>& values) {
  ++row_;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) line_ += '\t';
    AppendCopyTextField(line_, values[i]);
  }
  line_ += '\n';
  if (line_.size() >= kFlushBytes) return Flush();
  return Ok();
}

Status PostgresTarget::Flush() {
  if (line_.empty()) return Ok();
  const int rc = Pq().PQputCopyData(conn_.get(), line_.data(), static_cast<int>(line_.size()));
  // The buffer held rows: clear it whatever happened (no copy lingers).
  std::fill(line_.begin(), line_.end(), '\0');
  line_.clear();
  if (rc != 1) {
    // The server's error if it sent one (EndCopy reads it), else libpq's.
    Status s = EndCopy("cordon: COPY data refused");
    if (!s.ok()) return s;
    return Error(ErrorCode::kIo, url_.display + ": table " + table_ + ": the COPY was refused",
                 kRolledBack);
  }
  return Ok();
}

// Ends the COPY (with `failure`, or normally when null); the server's
// verdict on the rows is the result that follows. A server that refused a
// row midway may have ended the COPY already (libpq then refuses more data
// and the end): its error, read from the results, is the one reported.
Status PostgresTarget::EndCopy(const char* failure) {
  copying_ = false;
  PGconn* conn = conn_.get();
  const std::string where = url_.display + ": table " + table_;
  const bool ended = Pq().PQputCopyEnd(conn, failure) == 1;
  Status status = Ok();
  while (PGresult* raw = Pq().PQgetResult(conn)) {
    PgResult r(raw);
    if (status.ok() && Pq().PQresultStatus(raw) != PGRES_COMMAND_OK) {
      status = PgError(conn, raw, where, ErrorCode::kRefused).WithHint(kRolledBack);
    }
  }
  if (status.ok() && !ended) return PgError(conn, nullptr, where).WithHint(kRolledBack);
  return status;
}

Status PostgresTarget::EndTable() {
  CORDON_TRY(Flush());
  return EndCopy(nullptr);
}

Status PostgresTarget::Commit() {
  PgResult r(Pq().PQexec(conn_.get(), "COMMIT"));
  // A transaction that failed answers COMMIT with ROLLBACK, not an error.
  if (!r || Pq().PQresultStatus(r.get()) != PGRES_COMMAND_OK ||
      std::string_view(Pq().PQcmdStatus(r.get())) != "COMMIT") {
    return PgError(conn_.get(), r.get(), url_.display + ": COMMIT", ErrorCode::kIo)
        .WithHint(kRolledBack);
  }
  committed_ = true;
  return Ok();
}

}  // namespace cordon::source
