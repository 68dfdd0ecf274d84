// What the PostgreSQL source and target share: RAII handles over libpq, the
// URL check (no password in it: it would show in `ps` and in shell
// histories), the connection with cordon's session settings, and server
// errors turned into messages that hold no row value.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "source/libpq_loader.h"

namespace cordon::source {

struct PgFinish {
  void operator()(PGconn* c) const { Pq().PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, PgFinish>;
struct PgClear {
  void operator()(PGresult* r) const { Pq().PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgClear>;

// A postgresql:// (or postgres://) URL, checked before any connection.
struct PgUrl {
  std::string url;      // as given: handed to libpq, never printed
  std::string display;  // scheme://host[:port]/dbname: no user, no parameters
  std::string dbname;   // the database the URL names, or empty (libpq's default)
};

// Parses `url` with libpq's own parser, loading libpq first (its
// LoadLibPq() error when it is not installed). kRefused when it holds a password
// (in the user part or as ?password=, or an sslpassword): the message never
// repeats the URL, and the hint names PGPASSFILE, a service file or the
// environment. kInvalidArgument when libpq cannot parse it (its message
// is not repeated either: it may quote the URL).
Result<PgUrl> ParsePgUrl(std::string_view url);

// Connects (LoadLibPq()'s error when libpq is missing), with client_encoding UTF8 and
// application_name cordon, then sets what makes values and row order the same on every run:
// DateStyle ISO, TimeZone UTC, extra_float_digits 1 (shortest round-trip floats), no synchronized
// or parallel scans (rows in the table's physical order).
Result<PgConn> ConnectPg(const PgUrl& url);

// Runs `sql` (no rows expected); the error names `what`.
Status ExecPg(PGconn* conn, const char* sql, const std::string& what);

// The error of a failed result (or of the connection when `result` is
// null), with `what` before it: the server's primary message and SQLSTATE,
// cut before any quoted value (`invalid input syntax for type date: "…"`
// keeps what precedes ': "'), never its DETAIL nor CONTEXT, which quote
// rows. A COPY's row number is kept ("line 12").
Error PgError(PGconn* conn, const PGresult* result, const std::string& what,
              ErrorCode code = ErrorCode::kIo);

// The primary message cut before its first ': "' (a quoted value).
std::string PgMessageWithoutValues(std::string_view message);

}  // namespace cordon::source
