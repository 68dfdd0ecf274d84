#include "testdata/containers.h"

#include <sqlite3.h>

#include <cstdio>
#include <memory>

#include "core/file.h"
#include "testdata/libarchive_writer.h"

namespace cordon::testdata {
namespace {

struct WriterFree {
  void operator()(archive* a) const { La().archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { La().archive_entry_free(e); }
};

la_ssize_t Append(archive*, void* out, const void* data, size_t size) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
  return static_cast<la_ssize_t>(size);
}

Result<std::string> Archive(const std::string& path, bool zip,
                            const std::vector<std::pair<std::string, std::string>>& entries) {
  CORDON_TRY(LoadLibArchiveWrite());
  std::unique_ptr<archive, WriterFree> a(La().archive_write_new());
  std::string bytes;
  if (zip) {
    La().archive_write_set_format_zip(a.get());
  } else {
    La().archive_write_add_filter_gzip(a.get());
    La().archive_write_set_format_raw(a.get());
  }
  La().archive_write_set_bytes_in_last_block(a.get(), 1);
  if (La().archive_write_open(a.get(), &bytes, nullptr, Append, nullptr) != ARCHIVE_OK) {
    return Error(ErrorCode::kIo, path + ": " + La().archive_error_string(a.get()));
  }
  for (const auto& [name, content] : entries) {
    std::unique_ptr<archive_entry, EntryFree> e(La().archive_entry_new());
    La().archive_entry_set_pathname(e.get(), name.c_str());
    La().archive_entry_set_filetype(e.get(), AE_IFREG);
    La().archive_entry_set_perm(e.get(), 0644);
    La().archive_entry_set_size(e.get(), static_cast<la_int64_t>(content.size()));
    La().archive_entry_set_mtime(e.get(), 1700000000, 0);
    if (La().archive_write_header(a.get(), e.get()) != ARCHIVE_OK ||
        La().archive_write_data(a.get(), content.data(), content.size()) < 0) {
      return Error(ErrorCode::kIo, path + ": " + La().archive_error_string(a.get()));
    }
  }
  if (La().archive_write_close(a.get()) != ARCHIVE_OK) {
    return Error(ErrorCode::kIo, path + ": " + La().archive_error_string(a.get()));
  }
  return bytes;
}

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

}  // namespace

Result<std::string> GzipBytes(std::string_view content) {
  return Archive("gzip", false, {{"data", std::string(content)}});
}

Status WriteGzip(const std::string& path, std::string_view content) {
  CORDON_ASSIGN_OR_RETURN(std::string bytes,
                          Archive(path, false, {{"data", std::string(content)}}));
  return WriteFileAtomic(path, AsBytes(bytes));
}

Status WriteZip(const std::string& path,
                const std::vector<std::pair<std::string, std::string>>& entries) {
  CORDON_ASSIGN_OR_RETURN(std::string bytes, Archive(path, true, entries));
  return WriteFileAtomic(path, AsBytes(bytes));
}

Status WriteSqlite(const std::string& path, const std::string& schema, const std::string& insert,
                   const std::vector<std::vector<Cell>>& rows) {
  // Built aside and renamed: a half-written database is never left behind.
  const std::string partial = path + ".partial";
  (void)std::remove(partial.c_str());  // usually there is none
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(partial.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, DbClose> db(raw);
  auto fail = [&] { return Error(ErrorCode::kIo, path + ": " + sqlite3_errmsg(db.get())); };
  if (rc != SQLITE_OK) return fail();
  if (sqlite3_exec(db.get(), ("BEGIN;" + schema).c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail();
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db.get(), insert.c_str(), -1, &s, nullptr) != SQLITE_OK) return fail();
  std::unique_ptr<sqlite3_stmt, StmtFinalize> stmt(s);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      int at = static_cast<int>(i) + 1;
      if (const auto* n = std::get_if<int64_t>(&row[i])) {
        sqlite3_bind_int64(s, at, *n);
      } else {
        const auto& t = std::get<std::string>(row[i]);
        sqlite3_bind_text(s, at, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
      }
    }
    if (sqlite3_step(s) != SQLITE_DONE) return fail();
    sqlite3_reset(s);
  }
  if (sqlite3_exec(db.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return fail();
  stmt.reset();
  db.reset();
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    return Error(ErrorCode::kIo, "cannot rename " + partial + " to " + path);
  }
  return Ok();
}

}  // namespace cordon::testdata
