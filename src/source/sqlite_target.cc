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

Status SqliteTarget::BeginTable(const std::string& table,
                                const std::vector<TargetColumn>& columns) {
  sqlite3* db = db_.get();
  const std::string where = what_ + ": table " + table;
  CORDON_ASSIGN_OR_RETURN(
      SqliteStmt info,
      PrepareSqlite(db, "SELECT name, type FROM pragma_table_info(?1) ORDER BY cid", where));
  sqlite3_bind_text(info.get(), 1, table.data(), static_cast<int>(table.size()), SQLITE_TRANSIENT);
  struct Existing {
    std::string name, type;
  };
  std::vector<Existing> existing;
  int rc;
  while ((rc = sqlite3_step(info.get())) == SQLITE_ROW) {
    const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(info.get(), 0));
    const auto* type = reinterpret_cast<const char*>(sqlite3_column_text(info.get(), 1));
    existing.push_back({name ? name : "", type ? type : ""});
  }
  if (rc != SQLITE_DONE) return SqliteError(db, where);
  std::string list;
  for (const TargetColumn& c : columns)
    list += (list.empty() ? "" : ", ") + QuoteIdentifier(c.name);
  if (options_.create_tables) {
    if (!existing.empty()) {
      return Refused(where + " already exists; --create-tables only creates tables",
                     "load into the existing table without --create-tables, or choose another "
                     "database");
    }
    // Each column's type from the manifest (v2); TEXT for a v1 package.
    std::string defs;
    for (const TargetColumn& c : columns) {
      defs += (defs.empty() ? "" : ", ") + QuoteIdentifier(c.name) + " ";
      defs += SqliteTypeFor(c.type);
    }
    std::string create = "CREATE TABLE " + QuoteIdentifier(table) + " (" + defs + ")";
    CORDON_TRY(ExecSqlite(db, create.c_str(), where));
  } else {
    if (existing.empty()) {
      return Refused(where + " does not exist",
                     "create it first, or pass --create-tables (columns typed as the manifest "
                     "says)");
    }
    for (const TargetColumn& c : columns) {
      // SQLite matches column names without regard to ASCII case.
      auto found = std::find_if(existing.begin(), existing.end(), [&](const Existing& e) {
        return sqlite3_stricmp(e.name.c_str(), c.name.c_str()) == 0;
      });
      if (found == existing.end()) {
        std::string have;
        for (const Existing& e : existing) have += (have.empty() ? "" : ", ") + e.name;
        std::string message = where;
        message += " has no column " + c.name;
        return Refused(std::move(message), "its columns are: " + have);
      }
      if (!SqliteColumnHolds(found->type, c.type)) {
        std::string message = where + ": column " + found->name + " is declared " +
                              (found->type.empty() ? std::string("without a type") : found->type);
        message += "; the package's " + c.name + " is ";
        message += TargetTypeName(c.type);
        return Refused(std::move(message),
                       "load into a column of that type (or TEXT), or change the order's "
                       "[table.types]");
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
