// What the SQLite source and the SQLite target share: the RAII handles, the
// quoting of identifiers, the file: URI of a path, and the hardening every
// connection gets (a database file decides nothing: no functions from its
// schema, no triggers or views run by a read, no extensions, temporary files
// in memory so that no row is ever spilled to the temporary directory).
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cordon::source {

struct SqliteClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqliteDb = std::unique_ptr<sqlite3, SqliteClose>;
struct SqliteFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using SqliteStmt = std::unique_ptr<sqlite3_stmt, SqliteFinalize>;

// "name" with every '"' doubled: an identifier, whatever it holds.
std::string QuoteIdentifier(std::string_view name);

// file:///ABSOLUTE/PATH with every byte but [A-Za-z0-9/._~-] percent-encoded,
// so that '?', '#' or '%' in a file name cannot add URI parameters.
std::string SqliteFileUri(const std::string& path);

// Opens `uri` with `flags` (SQLITE_OPEN_URI is added) and hardens the
// connection. `what` names the database in errors ("sqlite:lab.db").
Result<SqliteDb> OpenSqlite(const std::string& uri, int flags, const std::string& what);

// Prepares `sql`; the error names `what` and SQLite's message.
Result<SqliteStmt> PrepareSqlite(sqlite3* db, const std::string& sql, const std::string& what);

// Runs `sql` (no rows expected).
Status ExecSqlite(sqlite3* db, const char* sql, const std::string& what);

// SQLite's message for the last error on `db`, with `what` before it.
Error SqliteError(sqlite3* db, const std::string& what, ErrorCode code = ErrorCode::kIo);

}  // namespace cordon::source
