// The peer of `cordon ledger append` in bench/ledger_vs_sqlite.sh: SQLite in
// WAL mode with synchronous=FULL (every commit durable) inserting the same
// JSON events, one prepared statement, one transaction per batch.
// usage: sqlite_append DB EVENTS.jsonl BATCH
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

void Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite: %s: %s\n", sql, err ? err : "?");
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: sqlite_append DB EVENTS.jsonl BATCH\n");
    return 2;
  }
  const long batch = std::atol(argv[3]);
  sqlite3* db = nullptr;
  if (sqlite3_open(argv[1], &db) != SQLITE_OK) return 1;
  Exec(db, "PRAGMA journal_mode=WAL");
  Exec(db, "PRAGMA synchronous=FULL");
  Exec(db, "CREATE TABLE IF NOT EXISTS events(seq INTEGER PRIMARY KEY, entry TEXT NOT NULL)");
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v2(db, "INSERT INTO events(entry) VALUES (?)", -1, &insert, nullptr) !=
      SQLITE_OK) {
    return 1;
  }
  std::ifstream in(argv[2]);
  std::string line;
  long n = 0;
  Exec(db, "BEGIN");
  while (std::getline(in, line)) {
    sqlite3_bind_text(insert, 1, line.data(), static_cast<int>(line.size()), SQLITE_STATIC);
    if (sqlite3_step(insert) != SQLITE_DONE) return 1;
    sqlite3_reset(insert);
    if (++n % batch == 0) {
      Exec(db, "COMMIT");
      Exec(db, "BEGIN");
    }
  }
  Exec(db, "COMMIT");
  sqlite3_finalize(insert);
  sqlite3_close(db);
  std::printf("%ld\n", n);
  return 0;
}
