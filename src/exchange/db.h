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
#include <utility>

#include "core/bytes.h"
#include "core/result.h"

namespace cordon::exchange {

namespace db_internal {
struct Connection;  // the sqlite3 handle and its idle prepared statements
}

// A prepared statement, leased from its connection's cache: it goes back
// there (reset, its bindings cleared) when destroyed, so a request does not
// pay sqlite3_prepare for SQL it ran before (the exchange runs a handful of
// constant statements per request). Thread-safety: a statement belongs to
// its connection's thread.
class Statement {
 public:
  Statement(Statement&& other) noexcept
      : conn_(std::move(other.conn_)),
        stmt_(std::exchange(other.stmt_, nullptr)),
        bind_error_(std::move(other.bind_error_)) {}
  Statement& operator=(Statement&&) = delete;
  ~Statement();
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
  void Reset() { sqlite3_reset(stmt_); }
  int64_t Int(int column) const;
  bool IsNull(int column) const;
  std::string Text(int column) const;
  Bytes Blob(int column) const;

 private:
  friend class Db;
  Statement(std::shared_ptr<db_internal::Connection> conn, sqlite3_stmt* s)
      : conn_(std::move(conn)), stmt_(s) {}
  sqlite3* db() const;
  // Shared: a statement that outlives its Db still has a connection to go
  // back to (it is finalized with it).
  std::shared_ptr<db_internal::Connection> conn_;
  sqlite3_stmt* stmt_;
  Status bind_error_ = Ok();
};

// One SQLite connection (opened SQLITE_OPEN_NOMUTEX): used by one thread at
// a time; each worker opens its own. Its prepared statements are cached.
class Db {
 public:
  static Result<Db> Open(const std::string& path);
  // Moved, never copied: a copy would share one NOMUTEX connection between
  // two owners (the shared_ptr is for the statements that outlive it).
  Db(Db&&) noexcept = default;
  Db& operator=(Db&&) noexcept = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  // The statement for `sql`, from the cache when this connection prepared
  // the same text before and no live Statement holds it.
  Result<Statement> Prepare(std::string_view sql);
  Status Exec(const char* sql);  // constant SQL only (schema, BEGIN/COMMIT)
  int64_t Changes() const;
  int64_t LastInsertId() const;
  Result<int64_t> UserVersion();
  // Statements prepared by this connection so far (tests: the cache works).
  uint64_t prepared_count() const;

 private:
  explicit Db(std::shared_ptr<db_internal::Connection> conn) : conn_(std::move(conn)) {}
  std::shared_ptr<db_internal::Connection> conn_;
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
// 4: organisations, SSH targets, certificates, bastions, remote sessions.
// 5: orders submitted for a DPO's validation, and the dpo role.
// 6: passkeys, WebAuthn challenges, and how each session was opened.
// 7: decisions on grants signed with passkeys.
// 8: passkey revocations approved by two admins.
// 9: packages indexed by the order they name.
// 10: SSH signing keys; grant decisions signed with them.
// 11: decisions in access review campaigns signed (passkey or SSH key).
inline constexpr int kSchemaVersion = 13;

// DIR/exchange.db (DIR made 0700, and forced to 0700 if it exists: it holds
// password hashes and login history) with every table of the exchange
// created or migrated to kSchemaVersion: the one place the schema is
// written down. Files are created 0600 whatever the umask. Migrating to
// schema 3 reads DIR/secrets.key (if there is one) to seal each TOTP
// secret again, bound to its account, in the migration's transaction.
Result<Db> OpenExchangeDb(const std::string& data_dir);

}  // namespace cordon::exchange
