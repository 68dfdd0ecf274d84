#include "source/postgres_conn.h"

#include <cstring>

namespace cordon::source {
namespace {

struct PgOptionsFree {
  void operator()(PQconninfoOption* o) const { Pq().PQconninfoFree(o); }
};

constexpr char kPasswordHint[] =
    "keep the password out of the URL (it shows in `ps` and in shell histories): put it in "
    "~/.pgpass or the file PGPASSFILE names, in a service file (PGSERVICEFILE, "
    "postgresql://…?service=NAME), or in the environment (PGPASSWORD); or use a client "
    "certificate (sslcert, sslkey) or peer authentication";

}  // namespace

Result<PgUrl> ParsePgUrl(std::string_view text) {
  PgUrl out;
  out.url = std::string(text);
  const bool scheme =
      out.url.rfind("postgresql://", 0) == 0 || out.url.rfind("postgres://", 0) == 0;
  if (!scheme) {
    return Error(ErrorCode::kInvalidArgument, "not a postgresql:// URL",
                 "write postgresql://HOST[:PORT]/DATABASE[?sslmode=verify-full]");
  }
  CORDON_TRY(LoadLibPq());
  char* err = nullptr;
  std::unique_ptr<PQconninfoOption, PgOptionsFree> options(
      Pq().PQconninfoParse(out.url.c_str(), &err));
  if (options == nullptr) {
    if (err != nullptr) Pq().PQfreemem(err);
    return Error(ErrorCode::kInvalidArgument, "the postgresql:// URL does not parse",
                 "write postgresql://HOST[:PORT]/DATABASE[?PARAM=VALUE&…] (libpq's URI form)");
  }
  std::string host, port;
  for (PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string_view key = o->keyword;
    if (key == "password" || key == "sslpassword") {
      return Error(ErrorCode::kRefused,
                   "the postgresql:// URL holds a password: refused (the URL is not repeated)",
                   kPasswordHint);
    }
    if (key == "dbname") out.dbname = o->val;
    if (key == "host") host = o->val;
    if (key == "hostaddr" && host.empty()) host = o->val;
    if (key == "port") port = o->val;
  }
  // A socket directory is shown percent-encoded, as libpq's URIs write it.
  std::string shown_host;
  for (char c : host) shown_host += c == '/' ? std::string("%2F") : std::string(1, c);
  out.display = out.url.substr(0, out.url.find("://") + 3) + shown_host;
  if (!port.empty()) out.display += ":" + port;
  out.display += "/" + out.dbname;
  return out;
}

Result<PgConn> ConnectPg(const PgUrl& url) {
  CORDON_TRY(LoadLibPq());
  // The URL first, then cordon's settings: later keywords win.
  const char* keys[] = {"dbname", "client_encoding", "application_name", nullptr};
  const char* values[] = {url.url.c_str(), "UTF8", "cordon", nullptr};
  PgConn conn(Pq().PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (conn == nullptr) return Error(ErrorCode::kInternal, url.display + ": out of memory");
  if (Pq().PQstatus(conn.get()) != CONNECTION_OK) {
    std::string message = Pq().PQerrorMessage(conn.get());
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    if (message.find("certificate") != std::string::npos ||
        message.find("SSL") != std::string::npos) {
      return Error(ErrorCode::kIo, url.display + ": cannot connect over TLS: " + message,
                   "sslrootcert must name the CA that signed the server's certificate, and "
                   "with sslmode=verify-full the certificate must name the URL's host");
    }
    return Error(ErrorCode::kIo, url.display + ": cannot connect: " + message,
                 "check the URL, the server, and that the password is in ~/.pgpass, PGPASSFILE, "
                 "a service file or PGPASSWORD");
  }
  CORDON_TRY(ExecPg(conn.get(),
                    "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
                    "SET TimeZone = 'UTC'; SET extra_float_digits = 1; "
                    "SET synchronize_seqscans = off; SET max_parallel_workers_per_gather = 0",
                    url.display));
  return conn;
}

Status ExecPg(PGconn* conn, const char* sql, const std::string& what) {
  PgResult r(Pq().PQexec(conn, sql));
  const ExecStatusType s = r ? Pq().PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return PgError(conn, r.get(), what);
  return Ok();
}

std::string PgMessageWithoutValues(std::string_view message) {
  size_t cut = message.find(": \"");
  if (cut != std::string_view::npos) message = message.substr(0, cut);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
    message.remove_suffix(1);
  return std::string(message);
}

Error PgError(PGconn* conn, const PGresult* result, const std::string& what, ErrorCode code) {
  const char* primary = result ? Pq().PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message;
  if (primary != nullptr) {
    message = PgMessageWithoutValues(primary);
    const char* state = Pq().PQresultErrorField(result, PG_DIAG_SQLSTATE);
    if (state != nullptr) message += std::string(" (SQLSTATE ") + state + ")";
    // "COPY t, line 12[, column c]: …": the row number, not the row.
    const char* context = Pq().PQresultErrorField(result, PG_DIAG_CONTEXT);
    if (context != nullptr && std::strncmp(context, "COPY ", 5) == 0) {
      std::string_view c = context;
      size_t at = c.find(", line ");
      if (at != std::string_view::npos) {
        size_t end = at + 7;
        while (end < c.size() && c[end] >= '0' && c[end] <= '9') ++end;
        message += " at row " + std::string(c.substr(at + 7, end - at - 7));
      }
    }
  } else {
    // A client-side failure (the connection dropped…): libpq's own text.
    message = PgMessageWithoutValues(conn ? Pq().PQerrorMessage(conn) : "no connection");
  }
  return Error(code, what + ": " + message);
}

}  // namespace cordon::source
