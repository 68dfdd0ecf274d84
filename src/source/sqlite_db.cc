#include "source/sqlite_db.h"

#include <filesystem>

namespace cordon::source {

std::string QuoteIdentifier(std::string_view name) {
  std::string q = "\"";
  for (char c : name) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string SqliteFileUri(const std::string& path) {
  std::error_code ec;
  std::string abs = std::filesystem::absolute(path, ec).string();
  if (ec) abs = path;
  static const char kHex[] = "0123456789ABCDEF";
  // "file://" + an absolute path: an empty authority, then the path.
  std::string uri = "file://";
  for (unsigned char c : abs) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '~' || c == '-') {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 15];
    }
  }
  return uri;
}

Error SqliteError(sqlite3* db, const std::string& what, ErrorCode code) {
  return Error(code, what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

Result<SqliteDb> OpenSqlite(const std::string& uri, int flags, const std::string& what) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(uri.c_str(), &raw, flags | SQLITE_OPEN_URI, nullptr);
  SqliteDb db(raw);
  if (rc != SQLITE_OK) return SqliteError(db.get(), "cannot open " + what);
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_busy_timeout(db.get(), 5000);
  // Sorts, statement journals and temporary tables stay in memory: no row
  // of the database is ever written to the temporary directory.
  CORDON_TRY(ExecSqlite(db.get(), "PRAGMA temp_store = MEMORY", what));
  return db;
}

Result<SqliteStmt> PrepareSqlite(sqlite3* db, const std::string& sql, const std::string& what) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) !=
      SQLITE_OK) {
    return SqliteError(db, what);
  }
  return SqliteStmt(raw);
}

Status ExecSqlite(sqlite3* db, const char* sql, const std::string& what) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqliteError(db, what);
  }
  return Ok();
}

}  // namespace cordon::source
