#include "exchange/package_store.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "core/file.h"
#include "crypto/random.h"
#include "exchange/accounts.h"

namespace cordon::exchange {
namespace {

namespace fs = std::filesystem;

constexpr const char* kColumns =
    "id, order_id, uploader_id, uploaded_at, bytes, delete_by, files, status";

bool IsHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string FilesJson(const std::vector<pipeline::ManifestTable>& files) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& f : files) {
    j.push_back({{"name", f.name},
                 {"file", f.file},
                 {"size", f.ciphertext_size},
                 {"sha256", f.ciphertext_sha256}});
  }
  return j.dump();
}

PackageInfo ReadInfo(const Statement& s) {
  PackageInfo p;
  p.id = s.Text(0);
  p.order_id = s.Text(1);
  p.uploader_id = s.Int(2);
  p.uploaded_at = s.Int(3);
  p.bytes = static_cast<uint64_t>(s.Int(4));
  p.delete_by = static_cast<int32_t>(s.Int(5));
  for (const auto& f : nlohmann::json::parse(s.Text(6))) {
    p.files.push_back({f["name"], f["file"], f["size"], f["sha256"]});
  }
  p.status = s.Text(7);
  return p;
}

}  // namespace

Result<PackageStore> PackageStore::Open(const std::string& data_dir, Recover recover) {
  CORDON_ASSIGN_OR_RETURN(Db db, OpenExchangeDb(data_dir));
  for (const char* sub : {"/packages", "/staging"}) {
    const std::string d = data_dir + sub;
    if (mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) {
      return Error(ErrorCode::kIo, d + ": " + std::strerror(errno));
    }
  }
  if (recover == Recover::kNo) return PackageStore(data_dir, std::move(db));
  // Uploads a crash cut short: never visible, removed now (with their rows).
  CORDON_TRY(db.Exec("DELETE FROM uploads"));
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(data_dir + "/staging", ec))
    fs::remove_all(e.path(), ec);
  PackageStore store(data_dir, std::move(db));
  // Deletions a crash interrupted are finished; published directories the
  // database does not know (a crash between rename and insert) are removed.
  CORDON_ASSIGN_OR_RETURN(auto all, store.List());
  for (const auto& p : all) {
    if (p.status == "deleting") {
      CORDON_TRY(store.RemoveFiles(p.id));
      CORDON_ASSIGN_OR_RETURN(
          Statement u, store.db_.Prepare("UPDATE packages SET status = 'deleted' WHERE id = ?"));
      CORDON_TRY(u.Bind(1, p.id).Run());
    }
  }
  for (const auto& e : fs::directory_iterator(data_dir + "/packages", ec)) {
    const std::string id = e.path().filename().string();
    auto known = store.Get(id);
    if (!known.ok() || known->status == "deleted") fs::remove_all(e.path(), ec);
  }
  return store;
}

Result<std::string> PackageStore::NewStaging() {
  Bytes r(16);
  crypto::RandomBytes(r);
  const std::string d = dir_ + "/staging/" + HexEncode(r);
  if (mkdir(d.c_str(), 0700) != 0) return Error(ErrorCode::kIo, d + ": " + std::strerror(errno));
  return d;
}

PackageCheck PackageStore::Publish(const std::string& staging,
                                   const std::vector<sign::PublicKey>& keys, int64_t uploader_id,
                                   int64_t now) {
  PackageCheck check = CheckPackage(staging, keys);
  std::error_code ec;
  if (!check.result.ok()) {
    fs::remove_all(staging, ec);  // refused uploads leave nothing behind
    return check;
  }
  const CheckedPackage& c = *check.result;
  if (auto existing = Get(c.manifest_sha256); existing.ok() && existing->status == "available") {
    fs::remove_all(staging, ec);
    check.result = Error(ErrorCode::kAlreadyExists, "this package is already on the exchange");
    return check;
  }
  const std::string target = dir_ + "/packages/" + c.manifest_sha256;
  fs::remove_all(target, ec);  // the files of an earlier, deleted upload of the same package
  auto fail = [&](Error e) {
    fs::remove_all(staging, ec);
    fs::remove_all(target, ec);
    check.result = std::move(e);
    return check;
  };
  if (Status s = SyncDirectory(staging); !s.ok()) return fail(s.error());
  if (rename(staging.c_str(), target.c_str()) != 0) {
    return fail(
        Error(ErrorCode::kIo, "publishing the package: " + std::string(std::strerror(errno))));
  }
  if (Status s = SyncDirectory(dir_ + "/packages"); !s.ok()) return fail(s.error());
  auto insert = db_.Prepare(
      "INSERT OR REPLACE INTO packages(id, order_id, uploader_id, uploaded_at, bytes, delete_by, "
      "files, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'available')");
  if (!insert.ok()) return fail(insert.error());
  Status stored = insert->Bind(1, c.manifest_sha256)
                      .Bind(2, c.manifest.order_id)
                      .Bind(3, uploader_id)
                      .Bind(4, now)
                      .Bind(5, static_cast<int64_t>(c.bytes))
                      .Bind(6, static_cast<int64_t>(c.manifest.delete_by))
                      .Bind(7, FilesJson(c.manifest.tables))
                      .Run();
  if (!stored.ok()) return fail(stored.error());
  return check;
}

Result<PackageInfo> PackageStore::Get(std::string_view id) {
  if (!IsHex64(id)) return Error(ErrorCode::kNotFound, "no such package");
  CORDON_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare(std::string("SELECT ") + kColumns + " FROM packages WHERE id = ?"));
  q.Bind(1, id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return Error(ErrorCode::kNotFound, "no such package");
  return ReadInfo(q);
}

Result<std::vector<PackageInfo>> PackageStore::List() {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string("SELECT ") + kColumns +
                                                   " FROM packages ORDER BY uploaded_at, id"));
  std::vector<PackageInfo> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(ReadInfo(q));
  }
}

Result<std::string> PackageStore::FilePath(std::string_view id, std::string_view file) {
  CORDON_ASSIGN_OR_RETURN(PackageInfo p, Get(id));
  if (p.status != "available") return Error(ErrorCode::kNotFound, "this package was deleted");
  const bool listed =
      file == "manifest.json" || file == "manifest.json.minisig" ||
      std::any_of(p.files.begin(), p.files.end(), [&](const auto& f) { return f.file == file; });
  if (!listed) return Error(ErrorCode::kNotFound, "no such file in this package");
  return dir_ + "/packages/" + p.id + "/" + std::string(file);
}

Status PackageStore::RemoveFiles(const std::string& id) {
  std::error_code ec;
  fs::remove_all(dir_ + "/packages/" + id, ec);
  if (ec) return Error(ErrorCode::kIo, "deleting package files: " + ec.message());
  return SyncDirectory(dir_ + "/packages");
}

Result<DeletionRecord> PackageStore::Delete(std::string_view id, std::string_view reason,
                                            std::optional<int64_t> confirmed_by, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(PackageInfo p, Get(id));
  if (p.status == "deleted") return Error(ErrorCode::kNotFound, "this package was already deleted");
  // Mark first, then remove, then record: a crash in between is finished at
  // the next start, never left half-done.
  CORDON_ASSIGN_OR_RETURN(
      Statement mark, db_.Prepare("UPDATE packages SET status = 'deleting', deletion_reason = ?, "
                                  "confirmed_by = ?, deleted_at = ? WHERE id = ?"));
  mark.Bind(1, reason);
  if (confirmed_by) {
    mark.Bind(2, *confirmed_by);
  } else {
    mark.BindNull(2);
  }
  CORDON_TRY(mark.Bind(3, now).Bind(4, p.id).Run());
  CORDON_TRY(RemoveFiles(p.id));
  CORDON_ASSIGN_OR_RETURN(Statement done,
                          db_.Prepare("UPDATE packages SET status = 'deleted' WHERE id = ?"));
  CORDON_TRY(done.Bind(1, p.id).Run());
  p.status = "deleted";
  return DeletionRecord{p, std::string(reason), confirmed_by, now};
}

Result<std::vector<DeletionRecord>> PackageStore::DeleteExpired(int64_t now) {
  const int64_t today = now / 86400;
  CORDON_ASSIGN_OR_RETURN(auto all, List());
  std::vector<DeletionRecord> out;
  for (const auto& p : all) {
    if (p.status == "available" && p.delete_by < today) {
      CORDON_ASSIGN_OR_RETURN(DeletionRecord r, Delete(p.id, "retention", std::nullopt, now));
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace cordon::exchange
