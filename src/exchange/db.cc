#include "exchange/db.h"

namespace cordon::exchange {
namespace {

Error DbError(sqlite3* db, std::string_view what) {
  return Error(ErrorCode::kIo, std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace

Result<Db> Db::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db;
  db.db_.reset(raw);
  if (rc != SQLITE_OK) return DbError(raw, path);
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_extended_result_codes(raw, 1);
  CORDON_TRY(db.Exec("PRAGMA journal_mode=WAL"));
  CORDON_TRY(db.Exec("PRAGMA synchronous=FULL"));
  CORDON_TRY(db.Exec("PRAGMA foreign_keys=ON"));
  return db;
}

Status Db::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "?";
    sqlite3_free(err);
    return Error(ErrorCode::kIo, "database: " + message);
  }
  return Ok();
}

Result<Statement> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &s, nullptr) !=
      SQLITE_OK) {
    return DbError(db_.get(), "database: preparing a statement");
  }
  return Statement(db_.get(), s);
}

Statement& Statement::Bind(int i, int64_t v) {
  if (sqlite3_bind_int64(stmt_.get(), i, v) != SQLITE_OK) bind_error_ = DbError(db_, "bind");
  return *this;
}
Statement& Statement::Bind(int i, std::string_view t) {
  if (sqlite3_bind_text(stmt_.get(), i, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    bind_error_ = DbError(db_, "bind");
  }
  return *this;
}
Statement& Statement::Bind(int i, ByteView b) {
  if (sqlite3_bind_blob(stmt_.get(), i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    bind_error_ = DbError(db_, "bind");
  }
  return *this;
}
Statement& Statement::BindNull(int i) {
  if (sqlite3_bind_null(stmt_.get(), i) != SQLITE_OK) bind_error_ = DbError(db_, "bind");
  return *this;
}

Result<bool> Statement::Step() {
  CORDON_TRY(bind_error_);
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    return Error(ErrorCode::kAlreadyExists, std::string("database: ") + sqlite3_errmsg(db_));
  }
  return DbError(db_, "database");
}

Status Statement::Run() {
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Ok();
  }
}

int64_t Statement::Int(int c) const { return sqlite3_column_int64(stmt_.get(), c); }
bool Statement::IsNull(int c) const { return sqlite3_column_type(stmt_.get(), c) == SQLITE_NULL; }
std::string Statement::Text(int c) const {
  const auto* p = sqlite3_column_text(stmt_.get(), c);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), c)))
           : std::string();
}
Bytes Statement::Blob(int c) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_.get(), c));
  return p ? Bytes(p, p + sqlite3_column_bytes(stmt_.get(), c)) : Bytes();
}

}  // namespace cordon::exchange
