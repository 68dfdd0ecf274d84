// A thin RAII layer over SQLite for the exchange's state: one connection in
// WAL mode with foreign keys on, and prepared statements with bound
// parameters only (no SQL is ever built from input: MOVEit was breached by
// SQL injection).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"

namespace cordon::exchange {

// Thread-safety: a statement belongs to its connection's thread.
class Statement {
 public:
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, ByteView blob);
  Statement& BindNull(int index);
  // Steps once: true with a row to read, false when done.
  Result<bool> Step();
  // Steps to the end (for INSERT/UPDATE/DELETE).
  Status Run();
  // Ends a read early, releasing its snapshot: a connection that still holds
  // one cannot then write if another connection wrote meanwhile (SQLite
  // answers "database is locked" at once instead of waiting).
  void Reset() { sqlite3_reset(stmt_.get()); }
  int64_t Int(int column) const;
  bool IsNull(int column) const;
  std::string Text(int column) const;
  Bytes Blob(int column) const;

 private:
  friend class Db;
  struct Finalize {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  Statement(sqlite3* db, sqlite3_stmt* s) : db_(db), stmt_(s) {}
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
  Status bind_error_ = Ok();
};

// One SQLite connection (opened SQLITE_OPEN_NOMUTEX): used by one thread at
// a time; each worker opens its own.
class Db {
 public:
  static Result<Db> Open(const std::string& path);
  Result<Statement> Prepare(std::string_view sql);
  Status Exec(const char* sql);  // constant SQL only (schema, BEGIN/COMMIT)
  int64_t Changes() const { return sqlite3_changes64(db_.get()); }
  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_.get()); }
  Result<int64_t> UserVersion();

 private:
  struct Close {
    void operator()(sqlite3* d) const { sqlite3_close_v2(d); }
  };
  std::unique_ptr<sqlite3, Close> db_;
};

// One write transaction (BEGIN IMMEDIATE: the write lock is taken at once,
// so two writers never both read-then-write). Rolled back on destruction
// unless Commit() succeeded: an early return or an error path can never
// leave a half-done change behind.
class Transaction {
 public:
  static Result<Transaction> Begin(Db& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_;
};

// The schema's version (PRAGMA user_version) after OpenExchangeDb.
// 3: TOTP secrets are sealed bound to their account (exchange/totp_secrets.h).
inline constexpr int kSchemaVersion = 3;

// DIR/exchange.db (DIR made 0700, and forced to 0700 if it exists: it holds
// password hashes and login history) with every table of the exchange
// created or migrated to kSchemaVersion: the one place the schema is
// written down. Files are created 0600 whatever the umask. Migrating to
// schema 3 reads DIR/secrets.key (if there is one) to seal each TOTP
// secret again, bound to its account, in the migration's transaction.
Result<Db> OpenExchangeDb(const std::string& data_dir);

}  // namespace cordon::exchange
