#include "source/sqlite_target.h"

#include <sys/stat.h>

#include <algorithm>

namespace cordon::source {
namespace {

Error Refused(std::string message, std::string hint = {}) {
  return Error(ErrorCode::kRefused, std::move(message), std::move(hint));
}

}  // namespace

Result<std::unique_ptr<SqliteTarget>> SqliteTarget::Open(const std::string& path,
                                                         const SqliteTargetOptions& options) {
  std::unique_ptr<SqliteTarget> t(new SqliteTarget());
  t->what_ = "sqlite:" + path;
  t->options_ = options;
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (!exists && !options.create_tables) {
    return Error(ErrorCode::kNotFound, t->what_ + ": no such database file",
                 "--create-tables creates it with the package's tables");
  }
  if (exists && !S_ISREG(st.st_mode)) {
    return Error(ErrorCode::kInvalidArgument, t->what_ + " is not a file");
  }
  int flags = SQLITE_OPEN_READWRITE | (options.create_tables ? SQLITE_OPEN_CREATE : 0);
  CORDON_ASSIGN_OR_RETURN(t->db_, OpenSqlite(SqliteFileUri(path), flags, t->what_));
  // The write lock now, before any row is decrypted: a busy database fails
  // early, and nothing else writes between the checks and the inserts.
  CORDON_TRY(ExecSqlite(t->db_.get(), "BEGIN IMMEDIATE", t->what_));
  return t;
}

SqliteTarget::~SqliteTarget() {
  insert_.reset();
  if (db_ && !committed_ && !sqlite3_get_autocommit(db_.get())) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Status SqliteTarget::BeginTable(const std::string& table, const std::vector<std::string>& columns) {
  sqlite3* db = db_.get();
  const std::string where = what_ + ": table " + table;
  CORDON_ASSIGN_OR_RETURN(
      SqliteStmt info,
      PrepareSqlite(db, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", where));
  sqlite3_bind_text(info.get(), 1, table.data(), static_cast<int>(table.size()), SQLITE_TRANSIENT);
  std::vector<std::string> existing;
  int rc;
  while ((rc = sqlite3_step(info.get())) == SQLITE_ROW) {
    const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(info.get(), 0));
    existing.emplace_back(name ? name : "");
  }
  if (rc != SQLITE_DONE) return SqliteError(db, where);
  std::string list;
  for (const std::string& c : columns) list += (list.empty() ? "" : ", ") + QuoteIdentifier(c);
  if (options_.create_tables) {
    if (!existing.empty()) {
      return Refused(where + " already exists; --create-tables only creates tables",
                     "load into the existing table without --create-tables, or choose another "
                     "database");
    }
    // Manifest v1 has no column types: every column is TEXT (a later
    // manifest carries them).
    std::string defs;
    for (const std::string& c : columns)
      defs += (defs.empty() ? "" : ", ") + QuoteIdentifier(c) + " TEXT";
    std::string create = "CREATE TABLE " + QuoteIdentifier(table) + " (" + defs + ")";
    CORDON_TRY(ExecSqlite(db, create.c_str(), where));
  } else {
    if (existing.empty()) {
      return Refused(where + " does not exist",
                     "create it first, or pass --create-tables (columns as TEXT)");
    }
    for (const std::string& c : columns) {
      // SQLite matches column names without regard to ASCII case.
      bool found = std::any_of(existing.begin(), existing.end(), [&](const std::string& e) {
        return sqlite3_stricmp(e.c_str(), c.c_str()) == 0;
      });
      if (!found) {
        std::string have;
        for (const std::string& e : existing) have += (have.empty() ? "" : ", ") + e;
        std::string message = where;
        message += " has no column " + c;
        return Refused(std::move(message), "its columns are: " + have);
      }
    }
  }
  std::string params;
  for (size_t i = 0; i < columns.size(); ++i) params += i == 0 ? "?" : ", ?";
  CORDON_ASSIGN_OR_RETURN(insert_, PrepareSqlite(db,
                                                 "INSERT INTO " + QuoteIdentifier(table) + " (" +
                                                     list + ") VALUES (" + params + ")",
                                                 where));
  table_ = table;
  row_ = 0;
  return Ok();
}

Status SqliteTarget::Row(const std::vector<std::string_view>& values) {
  sqlite3_stmt* s = insert_.get();
  ++row_;
  for (size_t i = 0; i < values.size(); ++i) {
    const int p = static_cast<int>(i + 1);
    int rc = values[i].empty()
                 ? sqlite3_bind_null(s, p)
                 : sqlite3_bind_text(s, p, values[i].data(), static_cast<int>(values[i].size()),
                                     SQLITE_STATIC);
    if (rc != SQLITE_OK) return SqliteError(db_.get(), what_ + ": table " + table_);
  }
  if (sqlite3_step(s) != SQLITE_DONE) {
    Error e = SqliteError(db_.get(), what_ + ": table " + table_ + " row " + std::to_string(row_),
                          ErrorCode::kRefused);
    sqlite3_reset(s);
    return e.WithHint("nothing was loaded: the whole import is rolled back");
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return Ok();
}

Status SqliteTarget::EndTable() {
  insert_.reset();
  return Ok();
}

Status SqliteTarget::Commit() {
  insert_.reset();
  CORDON_TRY(ExecSqlite(db_.get(), "COMMIT", what_));
  committed_ = true;
  return Ok();
}

}  // namespace cordon::source
