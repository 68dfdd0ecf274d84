// SQLite database files: every cell that can hold text, read-only, in one
// read transaction, with the schema distrusted (the file may be hostile).
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/encoding.h"
#include "scan/containers.h"
#include "scan/text_scanner.h"

namespace cordon::scan {
namespace {

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;
struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

std::string Quote(const std::string& name) {
  std::string q = "\"";
  for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// Blobs that do not look like text (a NUL in their first 8 KiB) are scanned
// as binary content: for the checksum-proven kinds only (see text_scanner.h).
bool LooksLikeText(std::string_view v) {
  return std::memchr(v.data(), 0, std::min<size_t>(v.size(), 8192)) == nullptr;
}

// A REAL cell holding a whole number, as its decimal digits ("184127645108946"
// for 1.84127645108946e14: a NIR or phone number kept in a column typed
// REAL); empty for fractions, infinities and NaN, which hold none. Below
// 2^53 every whole number is exact in a double.
std::string_view WholeNumber(double v, char (&buf)[32]) {
  if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) >= 9007199254740992.0) return {};
  const int n = std::snprintf(buf, sizeof buf, "%.0f", v);
  return n > 0 ? std::string_view(buf, static_cast<size_t>(n)) : std::string_view();
}

std::string Join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + ":" + name;
}

// Where a database is: a file of its own, or an entry of an archive (named
// `part`, empty for a compressed database like app.db.gz).
struct Place {
  bool in_archive = false;
  std::string part;
};

// A database that cannot be read: the file's error, or, inside an archive,
// a warning on that entry while the rest of the archive is still scanned.
void Fail(const Place& place, const std::string& why, FileResult& out) {
  if (!place.in_archive) {
    out.error = why;
  } else {
    out.warnings.push_back((place.part.empty() ? "" : place.part + ": ") + why + "; not scanned");
  }
}

constexpr int kMaxCellBytes = 64 << 20;

void Harden(sqlite3* db) {
  // The file decides nothing: no functions from its schema, no writes, no
  // extension loading, and corruption is handled defensively.
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_exec(db, "PRAGMA query_only = 1", nullptr, nullptr, nullptr);
  sqlite3_busy_timeout(db, 2000);
  // No value larger than this is made, whatever the file asks: a cell past
  // it stops its table's scan with a warning.
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, kMaxCellBytes);
}

std::string DbError(sqlite3* db) { return db ? sqlite3_errmsg(db) : "out of memory"; }

// Runs `sql` and calls `row` with each result row; false (and `error`)
// when it cannot be prepared or a step fails.
template <typename Row>
bool EachRow(sqlite3* db, const std::string& sql, std::string& error, Row row) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    error = DbError(db);
    return false;
  }
  StmtPtr stmt(raw);
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) row(stmt.get());
  if (rc != SQLITE_DONE) {
    error = DbError(db);
    return false;
  }
  return true;
}

// Lists the tables to read; false when the schema cannot be read at all.
// Virtual tables are skipped: their data lives in ordinary shadow tables,
// which are read, and reading them could need modules we do not load.
bool ListTables(sqlite3* db, std::vector<std::string>& tables, std::string& error) {
  return EachRow(db,
                 "SELECT name FROM sqlite_master WHERE type = 'table' "
                 "AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL%' ORDER BY rootpage",
                 error, [&](sqlite3_stmt* s) {
                   const auto* name = sqlite3_column_text(s, 0);
                   if (name) tables.emplace_back(reinterpret_cast<const char*>(name));
                 });
}

// The table's stored columns, quoted and comma-separated. VIRTUAL generated
// columns are computed by the file's own expressions on reading
// (zeroblob(1e9) in a database of 8 KiB: gigabytes from nothing) and are
// left out; STORED ones are in the file and are read.
bool StoredColumns(sqlite3* db, const std::string& table, std::string& list, std::string& error) {
  return EachRow(db, "PRAGMA table_xinfo(" + Quote(table) + ")", error, [&](sqlite3_stmt* s) {
    const auto* name = sqlite3_column_text(s, 1);
    // hidden: 1 a virtual table's, 2 a VIRTUAL generated column (computed
    // on reading); 3, a STORED generated column, holds what the file holds.
    const int hidden = sqlite3_column_int(s, 6);
    if (name == nullptr || hidden == 1 || hidden == 2) return;
    if (!list.empty()) list += ", ";
    list += Quote(reinterpret_cast<const char*>(name));
  });
}

// The bytes a database's cells may add up to, against its size (a short
// record takes a column's default: one 1 MiB default over a million old
// rows is a terabyte read from a file of a few MiB).
struct CellBudget {
  uint64_t left = 0;
  uint64_t limit = 0;
  bool exhausted = false;
};

void ScanTable(sqlite3* db, const std::string& table, const std::string& prefix, FileResult& out,
               const ScanOptions& o, CellBudget& budget) {
  std::string list, error;
  if (!StoredColumns(db, table, list, error)) {
    out.warnings.push_back(Join(prefix, table) + ": " + error + "; table not scanned");
    return;
  }
  if (list.empty()) return;  // nothing stored
  sqlite3_stmt* raw = nullptr;
  // Tables WITHOUT ROWID have no rowid: their rows are numbered from 1.
  bool has_rowid =
      sqlite3_prepare_v2(db, ("SELECT _rowid_, " + list + " FROM " + Quote(table)).c_str(), -1,
                         &raw, nullptr) == SQLITE_OK;
  if (!has_rowid &&
      sqlite3_prepare_v2(db, ("SELECT NULL, " + list + " FROM " + Quote(table)).c_str(), -1, &raw,
                         nullptr) != SQLITE_OK) {
    out.warnings.push_back(Join(prefix, table) + ": " + DbError(db) + "; table not scanned");
    return;
  }
  StmtPtr stmt(raw);
  const int columns = sqlite3_column_count(stmt.get());
  int64_t ordinal = 0;
  int rc;
  // A finding's part names its cell: "table:column:rowid".
  auto name_part = [&](int64_t row, int column) {
    const char* name = sqlite3_column_name(stmt.get(), column);
    return Join(prefix, table + ":" + (name ? name : "?") + ":" + std::to_string(row));
  };
  FindingCollector collector(o, out, {});
  collector.ScanCellsWhole(name_part);
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    ++ordinal;
    int64_t rowid = has_rowid ? sqlite3_column_int64(stmt.get(), 0) : ordinal;
    for (int c = 1; c < columns; ++c) {
      int type = sqlite3_column_type(stmt.get(), c);
      std::string_view cell;
      char digits[32];
      if (type == SQLITE_FLOAT) {
        cell = WholeNumber(sqlite3_column_double(stmt.get(), c), digits);
        if (cell.empty()) continue;
      } else if (type == SQLITE_TEXT || type == SQLITE_INTEGER || type == SQLITE_BLOB) {
        // Integers are read as their decimal text: a NIR fits in an INTEGER.
        const void* data = type == SQLITE_BLOB
                               ? sqlite3_column_blob(stmt.get(), c)
                               : static_cast<const void*>(sqlite3_column_text(stmt.get(), c));
        int size = sqlite3_column_bytes(stmt.get(), c);
        if (data == nullptr || size <= 0) continue;
        cell = {static_cast<const char*>(data), static_cast<size_t>(size)};
      } else {
        continue;
      }
      if (cell.size() > budget.left) {
        budget.exhausted = true;
        collector.Flush();
        return;
      }
      budget.left -= cell.size();
      out.bytes += cell.size();
      // The part is named only for cells with findings: most have none (and
      // the real ones of earlier cells that a look-up adds are named already).
      size_t before = out.findings.size();
      collector.StartText(rowid, c);
      if (type == SQLITE_BLOB && !LooksLikeText(cell)) collector.SetBinary();
      collector.Scan(cell);
      if (out.findings.size() > before) {
        const std::string part = name_part(rowid, c);
        for (size_t i = before; i < out.findings.size(); ++i) {
          if (out.findings[i].part.empty()) out.findings[i].part = part;
        }
      }
    }
  }
  collector.Flush();
  if (rc != SQLITE_DONE) {
    out.warnings.push_back(Join(prefix, table) + ": " + DbError(db) + " after " +
                           std::to_string(ordinal) +
                           " rows; the rest of the table was not scanned");
  }
}

void ScanDatabase(sqlite3* db, const Place& place, FileResult& out, const ScanOptions& o) {
  std::vector<std::string> tables;
  std::string error;
  // One read transaction: a consistent snapshot even while others write.
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  if (!ListTables(db, tables, error)) {
    Fail(place, "cannot read the SQLite schema: " + error, out);
    return;
  }
  if (!place.in_archive) out.container = "sqlite";  // inside an archive, the file stays one
  uint64_t pages = 0, page_size = 0;
  EachRow(db, "PRAGMA page_count", error,
          [&](sqlite3_stmt* s) { pages = static_cast<uint64_t>(sqlite3_column_int64(s, 0)); });
  EachRow(db, "PRAGMA page_size", error,
          [&](sqlite3_stmt* s) { page_size = static_cast<uint64_t>(sqlite3_column_int64(s, 0)); });
  const uint64_t size = pages * page_size;
  const uint64_t limit = std::max(o.min_expansion_budget, size * o.max_expansion_ratio);
  CellBudget budget{limit, limit};
  for (const std::string& t : tables) {
    ScanTable(db, t, place.part, out, o, budget);
    if (budget.exhausted) {
      out.warnings.push_back((place.part.empty() ? "" : place.part + ": ") + "cells add up past " +
                             std::to_string(limit >> 20) + " MiB from a " + std::to_string(size) +
                             "-byte database (more than " + std::to_string(o.max_expansion_ratio) +
                             ":1: a default repeated over many rows?); the rest was not scanned");
      break;
    }
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
}

std::string FileUri(const std::string& path, const char* query) {
  std::string uri = "file:";
  uri.append(PercentEncodePath(path)).append(query);
  return uri;
}

DbPtr Open(const std::string& uri, std::string& error) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(uri.c_str(), &raw,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOFOLLOW, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) {
    error = DbError(raw);
    return nullptr;
  }
  Harden(db.get());
  return db;
}

}  // namespace

void ScanSqliteFile(const std::string& path, FileResult& out, const ScanOptions& o) {
  std::string error;
  DbPtr db = Open(FileUri(path, "?mode=ro"), error);
  std::vector<std::string> probe;
  if (db && ListTables(db.get(), probe, error)) {
    ScanDatabase(db.get(), {}, out, o);
    return;
  }
  // A WAL database in a directory we cannot write to cannot be opened
  // normally; read the main file as it is, and say what was left out.
  db = Open(FileUri(path, "?mode=ro&immutable=1"), error);
  if (!db) {
    out.error = "cannot open SQLite file: " + error;
    return;
  }
  ScanDatabase(db.get(), {}, out, o);
  if (out.error.empty()) {
    out.warnings.push_back("opened as immutable (" + error +
                           "): changes still in its -wal file were not scanned");
  }
}

void ScanSqliteMemory(std::string_view image, FileResult& out, const ScanOptions& o,
                      bool in_archive, const std::string& part) {
  const Place place{in_archive, part};
  std::string error;
  DbPtr db = Open("file:scan?mode=memory", error);
  if (!db) {
    Fail(place, error, out);
    return;
  }
  // SQLite reads the image in place (no copy), read-only.
  auto* bytes = reinterpret_cast<unsigned char*>(const_cast<char*>(image.data()));
  if (sqlite3_deserialize(db.get(), "main", bytes, static_cast<sqlite3_int64>(image.size()),
                          static_cast<sqlite3_int64>(image.size()),
                          SQLITE_DESERIALIZE_READONLY) != SQLITE_OK) {
    Fail(place, "cannot load SQLite image: " + DbError(db.get()), out);
    return;
  }
  ScanDatabase(db.get(), place, out, o);
}

}  // namespace cordon::scan
