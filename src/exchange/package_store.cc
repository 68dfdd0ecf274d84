#include "exchange/package_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "core/file.h"
#include "core/strings.h"
#include "core/utc_time.h"
#include "crypto/random.h"
#include "exchange/accounts.h"

namespace cordon::exchange {
namespace {

namespace fs = std::filesystem;

constexpr const char* kColumns =
    "id, order_id, uploader_id, uploaded_at, bytes, delete_by, files, status, recipients, "
    "deletion_seq, deletion_reason, confirmed_by, deleted_at, signer, organisation";

std::string FilesJson(const std::vector<pipeline::ManifestTable>& files) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& f : files) {
    // The column names (never types or data): an order's report compares
    // them with the signed plan. Rows stored before they were kept have none.
    nlohmann::json columns = nlohmann::json::array();
    for (const auto& c : f.columns) columns.push_back(c.name);
    j.push_back({{"name", f.name},
                 {"file", f.file},
                 {"size", f.ciphertext_size},
                 {"sha256", f.ciphertext_sha256},
                 {"columns", columns}});
  }
  return j.dump();
}

// The database is the environment: JSON it holds is parsed without
// exceptions, and what does not fit is an error, not a crash.
Result<PackageInfo> ReadInfo(const Statement& s) {
  PackageInfo p;
  p.id = s.Text(0);
  p.order_id = s.Text(1);
  p.uploader_id = s.Int(2);
  p.uploaded_at = s.Int(3);
  p.bytes = static_cast<uint64_t>(s.Int(4));
  p.delete_by = static_cast<int32_t>(s.Int(5));
  const Error corrupt(ErrorCode::kMalformed, "the packages table holds an unreadable row",
                      "was exchange.db edited by hand?");
  const auto files = nlohmann::json::parse(s.Text(6), nullptr, false);
  if (!files.is_array()) return corrupt;
  for (const auto& f : files) {
    if (!f.is_object() || !f.value("name", nlohmann::json()).is_string() ||
        !f.value("file", nlohmann::json()).is_string() ||
        !f.value("size", nlohmann::json()).is_number_unsigned() ||
        !f.value("sha256", nlohmann::json()).is_string()) {
      return corrupt;
    }
    pipeline::ManifestTable table{f["name"], f["file"], f["size"], f["sha256"], {}};
    if (const auto columns = f.value("columns", nlohmann::json()); !columns.is_null()) {
      if (!columns.is_array()) return corrupt;
      for (const auto& c : columns) {
        if (!c.is_string()) return corrupt;
        table.columns.push_back({c.get<std::string>(), std::nullopt});
      }
    }
    p.files.push_back(std::move(table));
  }
  p.status = s.Text(7);
  const auto recipients = nlohmann::json::parse(s.Text(8), nullptr, false);
  if (!recipients.is_array()) return corrupt;
  for (const auto& r : recipients) {
    if (!r.is_string()) return corrupt;
    p.recipients.push_back(r.get<std::string>());
  }
  if (!s.IsNull(9)) p.deletion_seq = static_cast<uint64_t>(s.Int(9));
  p.deletion_reason = s.Text(10);
  if (!s.IsNull(11)) p.confirmed_by = s.Int(11);
  p.deleted_at = s.Int(12);
  p.signer = s.Text(13);
  p.organisation = s.IsNull(14) ? std::string() : s.Text(14);
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
  // Published directories the database does not know (a crash between
  // rename and insert) are removed. Deletions a crash interrupted are
  // finished by the server (Unfinished()), which can record and certify.
  for (const auto& e : fs::directory_iterator(data_dir + "/packages", ec)) {
    const std::string id = e.path().filename().string();
    auto known = store.Get(id);
    if (!known.ok() && known.error().code() == ErrorCode::kNotFound) fs::remove_all(e.path(), ec);
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
                                   int64_t now, const RetentionPolicy& retention,
                                   const PublishEvent& record) {
  PackageCheck check = CheckPackage(staging, keys);
  std::error_code ec;
  auto refuse = [&](Error e) {
    fs::remove_all(staging, ec);  // refused uploads leave nothing behind
    check.result = std::move(e);
    return check;
  };
  if (!check.result.ok()) return refuse(check.result.error());
  const CheckedPackage& c = *check.result;
  // The exchange's own retention bound, whatever the manifest asks (F16).
  const int32_t today = static_cast<int32_t>(now / 86400);
  if (c.manifest.delete_by < today) {
    return refuse(
        Error(ErrorCode::kRefused,
              "the manifest's delete_by (" + c.manifest.delete_by_text + ") is already past",
              "extract again under a current order"));
  }
  if (c.manifest.delete_by > today + retention.max_days) {
    return refuse(Error(ErrorCode::kRefused,
                        "the manifest's delete_by (" + c.manifest.delete_by_text +
                            ") is more than " + std::to_string(retention.max_days) +
                            " days away: this exchange keeps packages at most that long",
                        "the order's retention_days must fit the exchange's policy"));
  }
  // A package id is used once, ever (F15).
  if (auto existing = Get(c.manifest_sha256); existing.ok()) {
    if (existing->status == "available") {
      return refuse(Error(ErrorCode::kAlreadyExists, "this package is already on the exchange"));
    }
    return refuse(Error(
        ErrorCode::kAlreadyExists,
        "this package was deleted from the exchange on " + FormatUtc(existing->deleted_at) +
            "; it cannot be uploaded again",
        "its deletion certificate: GET /api/v1/packages/" + c.manifest_sha256 + "/certificate"));
  } else if (existing.error().code() != ErrorCode::kNotFound) {
    return refuse(existing.error());
  }
  const std::string target = dir_ + "/packages/" + c.manifest_sha256;
  bool placed = false;
  auto fail = [&](Error e) {
    // Only what this call put in place is removed (F14: never a directory
    // another commit published).
    if (placed) fs::remove_all(target, ec);
    return refuse(std::move(e));
  };
  if (Status s = SyncDirectory(staging); !s.ok()) return fail(s.error());
  // rename(2) onto an existing directory would replace an empty one, and
  // renameat2 is not in every libc's headers: refuse an existing target.
  if (PathExists(target)) {
    return refuse(Error(ErrorCode::kAlreadyExists, "this package is being published already"));
  }
  if (rename(staging.c_str(), target.c_str()) != 0) {
    return refuse(
        Error(ErrorCode::kIo, "publishing the package: " + std::string(std::strerror(errno))));
  }
  placed = true;
  if (Status s = SyncDirectory(dir_ + "/packages"); !s.ok()) return fail(s.error());
  // What is published is what was checked: every file the size the
  // manifest records (no writer can hold a descriptor into an upload being
  // committed: the server refuses a commit while a PUT is in flight).
  for (const auto& t : c.manifest.tables) {
    struct stat st {};
    if (lstat((target + "/" + t.file).c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<uint64_t>(st.st_size) != t.ciphertext_size) {
      return fail(Error(ErrorCode::kRefused, t.file + " changed while it was being published"));
    }
  }
  nlohmann::json recipients = c.manifest.recipients;
  auto tx = Transaction::Begin(db_);
  if (!tx.ok()) return fail(tx.error());
  auto insert = db_.Prepare(
      "INSERT INTO packages(id, order_id, uploader_id, uploaded_at, bytes, delete_by, "
      "files, status, recipients, signer, organisation) VALUES (?, ?, ?, ?, ?, ?, ?, "
      "'available', ?, ?, (SELECT organisation FROM users WHERE id = ?3))");
  if (!insert.ok()) return fail(insert.error());
  Status stored = insert->Bind(1, c.manifest_sha256)
                      .Bind(2, c.manifest.order_id)
                      .Bind(3, uploader_id)
                      .Bind(4, now)
                      .Bind(5, static_cast<int64_t>(c.bytes))
                      .Bind(6, static_cast<int64_t>(c.manifest.delete_by))
                      .Bind(7, FilesJson(c.manifest.tables))
                      .Bind(8, recipients.dump())
                      .Bind(9, sign::KeyIdHex(c.signer))
                      .Run();
  if (!stored.ok()) return fail(stored.error());
  if (auto seq = record(c); !seq.ok()) return fail(seq.error());
  if (Status s = tx->Commit(); !s.ok()) return fail(s.error());
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

Result<std::vector<PackageInfo>> PackageStore::Select(std::string_view where_and_order,
                                                      std::optional<std::string_view> bound) {
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare(std::string("SELECT ") + kColumns + " FROM packages " +
                                      std::string(where_and_order)));
  if (bound) q.Bind(1, *bound);
  std::vector<PackageInfo> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    CORDON_ASSIGN_OR_RETURN(PackageInfo p, ReadInfo(q));
    out.push_back(std::move(p));
  }
}

Result<std::vector<PackageInfo>> PackageStore::List() { return Select("ORDER BY uploaded_at, id"); }

Result<std::vector<PackageInfo>> PackageStore::OfOrder(std::string_view order_id) {
  return Select("WHERE order_id = ? ORDER BY uploaded_at, id", order_id);
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

Result<DeletionRecord> PackageStore::Record(std::string_view id) {
  CORDON_ASSIGN_OR_RETURN(PackageInfo p, Get(id));
  DeletionRecord r;
  r.reason = p.deletion_reason;
  r.confirmed_by = p.confirmed_by;
  r.deleted_at = p.deleted_at;
  r.ledger_seq = p.deletion_seq.value_or(0);
  r.package = std::move(p);
  return r;
}

Result<DeletionRecord> PackageStore::BeginDeletion(std::string_view id, std::string_view reason,
                                                   std::optional<int64_t> confirmed_by, int64_t now,
                                                   const RecordEvent& record) {
  {
    CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    CORDON_ASSIGN_OR_RETURN(PackageInfo p, Get(id));
    if (p.status != "available") return Record(id);  // already on its way: finish, never redo
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
    CORDON_TRY(tx.Commit());
  }
  // The decision is durable first, then its event: a crash in between is
  // finished at the next start, event included (RecordPendingDeletion),
  // so the ledger never says "deleted" of a package the database still
  // serves (review N8). If the ledger refuses the event, the package is
  // available again and nothing was deleted.
  auto seq = record();
  if (!seq.ok()) {
    CORDON_ASSIGN_OR_RETURN(
        Statement undo, db_.Prepare("UPDATE packages SET status = 'available', deletion_reason = "
                                    "NULL, confirmed_by = NULL, deleted_at = NULL WHERE id = ? "
                                    "AND status = 'deleting' AND deletion_seq IS NULL"));
    CORDON_TRY(undo.Bind(1, id).Run());
    return seq.error();
  }
  CORDON_ASSIGN_OR_RETURN(Statement s,
                          db_.Prepare("UPDATE packages SET deletion_seq = ? WHERE id = ?"));
  CORDON_TRY(s.Bind(1, static_cast<int64_t>(*seq)).Bind(2, id).Run());
  return Record(id);
}

Status PackageStore::RecordPendingDeletion(std::string_view id, const RecordEvent& record) {
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(PackageInfo p, Get(id));
  if (p.deletion_seq) return Ok();
  CORDON_ASSIGN_OR_RETURN(uint64_t seq, record());
  CORDON_ASSIGN_OR_RETURN(Statement s,
                          db_.Prepare("UPDATE packages SET deletion_seq = ? WHERE id = ?"));
  CORDON_TRY(s.Bind(1, static_cast<int64_t>(seq)).Bind(2, p.id).Run());
  return tx.Commit();
}

Result<DeletionRecord> PackageStore::FinishDeletion(std::string_view id) {
  CORDON_ASSIGN_OR_RETURN(PackageInfo p, Get(id));
  if (p.status == "available") {
    return Error(ErrorCode::kInternal, "finishing a deletion that never began");
  }
  CORDON_TRY(RemoveFiles(p.id));
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(Statement done,
                          db_.Prepare("UPDATE packages SET status = 'deleted' WHERE id = ?"));
  CORDON_TRY(done.Bind(1, p.id).Run());
  // Its grants end with it (F15).
  CORDON_ASSIGN_OR_RETURN(
      Statement close,
      db_.Prepare("UPDATE grants SET closes_at = MIN(COALESCE(closes_at, ?1), ?1) WHERE "
                  "package = ?2 AND status IN ('requested', 'approved')"));
  CORDON_TRY(close.Bind(1, p.deleted_at).Bind(2, p.id).Run());
  CORDON_TRY(tx.Commit());
  return Record(id);
}

Status PackageStore::StoreCertificate(std::string_view id, std::string_view json,
                                      std::string_view signature) {
  CORDON_ASSIGN_OR_RETURN(
      Statement ins,
      db_.Prepare("INSERT OR REPLACE INTO certificates(package, json, signature) VALUES (?,?,?)"));
  return ins.Bind(1, id).Bind(2, json).Bind(3, signature).Run();
}

Result<std::pair<std::string, std::string>> PackageStore::Certificate(std::string_view id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare("SELECT json, signature FROM certificates WHERE package = ?"));
  q.Bind(1, id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return Error(ErrorCode::kNotFound,
                 "no deletion certificate for this package (not deleted yet?)");
  }
  return std::make_pair(q.Text(0), q.Text(1));
}

Result<std::vector<PackageInfo>> PackageStore::Unfinished() {
  return Select(
      "WHERE status = 'deleting' OR (status = 'deleted' AND id NOT IN (SELECT package FROM "
      "certificates)) ORDER BY id");
}

}  // namespace cordon::exchange
