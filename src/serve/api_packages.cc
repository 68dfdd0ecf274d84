// Packages: listing, uploads (streamed, checked, published at once),
// downloads (recorded before the first byte), confirmation and retention
// (deletion with a signed certificate).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "core/encoding.h"
#include "core/utc_time.h"
#include "crypto/random.h"
#include "exchange/certificate.h"
#include "pipeline/manifest.h"
#include "serve/api_internal.h"

namespace cordon::serve {

using namespace api_internal;
namespace fs = std::filesystem;

// ---- packages ----

Response Api::Packages(Call& call) {
  auto all = call.s.store.List();
  if (!all.ok()) return Fail(all.error());
  json out = json::array();
  for (const auto& p : *all) {
    if (p.status == "available" || call.request.query.count("all")) out.push_back(PackageJson(p));
  }
  return Json(200, {{"packages", out}});
}

Response Api::Package(Call& call, const std::string& id) {
  if (!IsHex64(id)) return Fail(404, "no such package");
  auto p = call.s.store.Get(id);
  if (!p.ok()) return Fail(404, "no such package");
  Record(call, "package.read", "ok", {{"package", id}});
  return Json(200, PackageJson(*p));
}

Response Api::NewUpload(Call& call) {
  if (!HasRole(call, {Role::kOperator})) return Forbidden(*call.who, "operator");
  auto staging = call.s.store.NewStaging();
  if (!staging.ok()) return Fail(staging.error());
  Bytes r(16);
  crypto::RandomBytes(r);
  const std::string id = HexEncode(r);
  auto ins = call.s.db.Prepare(
      "INSERT INTO uploads(id, uploader_id, staging, created_at) VALUES (?, ?, ?, ?)");
  if (!ins.ok()) return Fail(ins.error());
  if (Status st = ins->Bind(1, id).Bind(2, call.who->id).Bind(3, *staging).Bind(4, call.now).Run();
      !st.ok()) {
    return Fail(st.error());
  }
  Record(call, "upload.start", "ok", {{"upload", id}});
  return Json(201, {{"upload", id},
                    {"next", "PUT each file to /api/v1/uploads/" + id +
                                 "/files/<name>, then POST /api/v1/uploads/" + id + "/commit"}});
}

namespace {

struct UploadRow {
  int64_t uploader_id = 0;
  std::string staging;
};

Result<UploadRow> FindUpload(exchange::Db& db, const std::string& id) {
  CORDON_ASSIGN_OR_RETURN(exchange::Statement q,
                          db.Prepare("SELECT uploader_id, staging FROM uploads WHERE id = ?"));
  q.Bind(1, id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return Error(ErrorCode::kNotFound,
                 "no such upload (finished, abandoned, or the exchange "
                 "restarted during it)",
                 "start again with POST /api/v1/uploads");
  }
  return UploadRow{q.Int(0), q.Text(1)};
}

Status DropUpload(exchange::Db& db, const std::string& id, const std::string& staging) {
  std::error_code ec;
  fs::remove_all(staging, ec);
  CORDON_ASSIGN_OR_RETURN(exchange::Statement d, db.Prepare("DELETE FROM uploads WHERE id = ?"));
  return d.Bind(1, id).Run();
}

}  // namespace

std::variant<Response, BodySink> Api::BeginStream(const Request& head) {
  auto lease = Acquire();
  if (!lease.ok()) return Fail(lease.error());
  Call call{head, **lease, Now(), std::nullopt, json::object()};
  if (auto refused = Authenticate(call)) return std::move(*refused);
  if (!HasRole(call, {Role::kOperator})) return Forbidden(*call.who, "operator");
  const auto seg = Segments(std::string_view(head.path).substr(std::strlen(kPrefix)));
  const std::string id = seg[1], name = seg[3];
  auto up = FindUpload(call.s.db, id);
  if (!up.ok() || up->uploader_id != call.who->id) return Fail(404, "no such upload");
  if (!pipeline::SafeFileName(name) || name.size() > 200) {
    return Fail(400, "\"" + name.substr(0, 64) + "\" is not a file name a package can hold",
                "letters, digits, '.', '-', '_' only");
  }
  const std::string path = up->staging + "/" + name;
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Fail(409, name + " was already uploaded");
    return Fail(Error(ErrorCode::kIo, path + ": " + std::strerror(errno)));
  }
  Record(call, "upload.file", "started", {{"upload", id}});
  BodySink sink;
  sink.fd = UniqueFd(fd);
  sink.max_bytes = options_.max_file_bytes;
  sink.finish = [path, name](Status received, uint64_t bytes) {
    if (!received.ok()) {
      std::remove(path.c_str());  // a partial file never stays
      return Fail(received.error());
    }
    return Json(201, {{"file", name}, {"bytes", bytes}});
  };
  return sink;
}

Response Api::CommitUpload(Call& call, const std::string& id) {
  if (!HasRole(call, {Role::kOperator})) return Forbidden(*call.who, "operator");
  auto up = FindUpload(call.s.db, id);
  if (!up.ok() || up->uploader_id != call.who->id) return Fail(404, "no such upload");
  // The processor keys registered with `cordon admin processor-key add`.
  std::vector<sign::PublicKey> keys;
  auto q = call.s.db.Prepare("SELECT public_key FROM processor_keys");
  if (!q.ok()) return Fail(q.error());
  while (true) {
    auto row = q->Step();
    if (!row.ok()) return Fail(row.error());
    if (!*row) break;
    if (auto k = sign::PublicKey::Parse(q->Text(0)); k.ok()) keys.push_back(*k);
  }
  if (keys.empty()) {
    (void)DropUpload(call.s.db, id, up->staging);
    return Fail(403, "no processor key is registered, so no package can be accepted",
                "the exchange's admin runs: cordon admin processor-key add --data DIR KEY.pub");
  }
  exchange::PackageCheck check = call.s.store.Publish(up->staging, keys, call.who->id, call.now);
  (void)DropUpload(call.s.db, id, up->staging);  // published (renamed away) or refused
  if (!check.result.ok()) {
    Record(call, "upload.commit", "refused",
           {{"upload", id}, {"error", check.result.error().message()}});
    if (check.plaintext_suspected) {
      Alert("plaintext_upload", {{"account", call.who->id},
                                 {"ip", call.request.client_ip},
                                 {"upload", id},
                                 {"refused", check.result.error().message()}});
    }
    Response r = Fail(check.result.error());
    if (r.status == 400 || r.status == 403) r.status = 422;
    return r;
  }
  const auto& c = *check.result;
  Record(call, "upload.commit", "ok",
         {{"package", c.manifest_sha256},
          {"order_id", c.manifest.order_id},
          {"bytes", c.bytes},
          {"signer", sign::KeyIdHex(c.signer)}});
  auto info = call.s.store.Get(c.manifest_sha256);
  if (!info.ok()) return Fail(info.error());
  return Json(201, PackageJson(*info));
}

Response Api::AbandonUpload(Call& call, const std::string& id) {
  if (!HasRole(call, {Role::kOperator})) return Forbidden(*call.who, "operator");
  auto up = FindUpload(call.s.db, id);
  if (!up.ok() || up->uploader_id != call.who->id) return Fail(404, "no such upload");
  if (Status st = DropUpload(call.s.db, id, up->staging); !st.ok()) return Fail(st.error());
  Record(call, "upload.abandon", "ok", {{"upload", id}});
  return Json(200, {{"status", "abandoned"}});
}

Response Api::Download(Call& call, const std::string& id, const std::string& file) {
  if (!HasRole(call, {Role::kRecipient})) return Forbidden(*call.who, "recipient");
  if (!IsHex64(id)) return Fail(404, "no such package");
  auto grant = call.s.grants.ActiveFor(*call.who, id, call.now);
  if (!grant.ok()) return Fail(grant.error());
  if (!*grant) {
    Record(call, "download", "refused", {{"package", id}, {"error", "no open grant"}});
    return Fail(403, "you have no open grant for this package",
                "request one: POST /api/v1/grants {package, reason, duration_hours}");
  }
  auto path = call.s.store.FilePath(id, file);
  if (!path.ok()) return Fail(404, "no such file in this package");
  const int fd = open(path->c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Fail(404, "no such file in this package");
  Response r;
  r.file = UniqueFd(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) return Fail(Error(ErrorCode::kIo, *path + ": fstat"));
  r.file_size = static_cast<uint64_t>(st.st_size);
  r.content_type = "application/octet-stream";
  // Data leaves only once its leaving is recorded.
  if (!Record(call, "download", "ok",
              {{"package", id}, {"grant", (*grant)->id}, {"bytes", r.file_size}})) {
    return Fail(503, "the exchange cannot record this download right now; try again later");
  }
  auto ins =
      call.s.db.Prepare("INSERT INTO downloads(user_id, package, at, bytes) VALUES (?,?,?,?)");
  if (ins.ok()) {
    (void)ins->Bind(1, call.who->id)
        .Bind(2, id)
        .Bind(3, call.now)
        .Bind(4, static_cast<int64_t>(r.file_size))
        .Run();
  }
  // A volume alert at most once an hour per account.
  auto sum = call.s.db.Prepare(
      "SELECT COALESCE(SUM(bytes), 0) FROM downloads WHERE user_id = ? AND at > ?");
  if (sum.ok() && StepRow(sum->Bind(1, call.who->id).Bind(2, call.now - 3600)) &&
      static_cast<uint64_t>(sum->Int(0)) > options_.download_alert_bytes) {
    const int64_t volume = sum->Int(0);
    sum->Reset();
    auto last = call.s.db.Prepare(
        "INSERT INTO alert_state(kind, subject, last_at) VALUES ('download_volume', ?1, ?2) "
        "ON CONFLICT(kind, subject) DO UPDATE SET last_at = ?2 WHERE last_at <= ?2 - 3600");
    if (last.ok() && last->Bind(1, std::to_string(call.who->id)).Bind(2, call.now).Run().ok() &&
        call.s.db.Changes() == 1) {
      Alert("download_volume", {{"account", call.who->id},
                                {"ip", call.request.client_ip},
                                {"bytes_last_hour", volume},
                                {"threshold", options_.download_alert_bytes}});
    }
  }
  r.headers["Content-Disposition"] = "attachment; filename=\"" + file + "\"";
  return r;
}

Result<json> Api::DeleteWithCertificate(Services& s, const std::string& id, std::string_view reason,
                                        std::optional<int64_t> confirmed_by, const Call* call) {
  CORDON_ASSIGN_OR_RETURN(exchange::DeletionRecord rec,
                          s.store.Delete(id, reason, confirmed_by, Now()));
  json event = {{"action", "exchange.package.deleted"},
                {"outcome", "ok"},
                {"package", id},
                {"order", {{"id", rec.package.order_id}}},
                {"reason", reason},
                {"deleted_at", FormatUtc(rec.deleted_at)}};
  if (call) {
    event["actor"] = {{"ip", call->request.client_ip},
                      {"account", call->who->id},
                      {"role", exchange::RoleName(call->who->role)}};
  }
  CORDON_ASSIGN_OR_RETURN(uint64_t seq, appender_.Append(std::move(event)));
  // The certificate carries the deletion's place in the ledger, proven
  // against a checkpoint signed right now.
  exchange::LedgerEvidence ev;
  CORDON_TRY(appender_.Exclusive([&](ledger::Ledger& l) -> Status {
    CORDON_ASSIGN_OR_RETURN(ev.checkpoint, l.Checkpoint());
    ev.index = seq;
    ev.tree_size = l.checkpointed_size();
    CORDON_ASSIGN_OR_RETURN(ledger::Hash leaf, l.LeafHashAt(seq));
    ev.leaf_hash = Base64Encode(leaf);
    CORDON_ASSIGN_OR_RETURN(auto proof, l.InclusionProof(seq, ev.tree_size));
    for (const auto& h : proof) ev.proof.push_back(Base64Encode(h));
    return Ok();
  }));
  CORDON_ASSIGN_OR_RETURN(exchange::Certificate cert,
                          exchange::MakeDeletionCertificate(rec, ev, certificate_key_));
  CORDON_ASSIGN_OR_RETURN(
      exchange::Statement ins,
      s.db.Prepare("INSERT OR REPLACE INTO certificates(package, json, signature) VALUES (?,?,?)"));
  CORDON_TRY(ins.Bind(1, id).Bind(2, cert.json).Bind(3, cert.signature).Run());
  return json{{"certificate", cert.json},
              {"signature", cert.signature},
              {"exchange_key", certificate_public_.Format()}};
}

Response Api::Confirm(Call& call, const std::string& id) {
  if (!HasRole(call, {Role::kRecipient})) return Forbidden(*call.who, "recipient");
  if (!IsHex64(id)) return Fail(404, "no such package");
  auto grant = call.s.grants.ActiveFor(*call.who, id, call.now);
  if (!grant.ok()) return Fail(grant.error());
  if (!*grant) {
    Record(call, "confirm", "refused", {{"package", id}, {"error", "no open grant"}});
    return Fail(403, "only a recipient with an open grant for this package can confirm it");
  }
  auto cert = DeleteWithCertificate(call.s, id, "confirmed", call.who->id, &call);
  if (!cert.ok()) {
    Record(call, "confirm", "failed", {{"package", id}, {"error", cert.error().message()}});
    return Fail(cert.error());
  }
  return Json(200, *cert);
}

Response Api::GetCertificate(Call& call, const std::string& id) {
  if (!HasRole(call, {Role::kApprover, Role::kAuditor, Role::kAdmin, Role::kRecipient})) {
    return Forbidden(*call.who, "approver, auditor, admin or recipient");
  }
  if (!IsHex64(id)) return Fail(404, "no such certificate");
  auto q = call.s.db.Prepare("SELECT json, signature FROM certificates WHERE package = ?");
  if (!q.ok()) return Fail(q.error());
  q->Bind(1, id);
  auto row = q->Step();
  if (!row.ok()) return Fail(row.error());
  if (!*row) return Fail(404, "no deletion certificate for this package (not deleted yet?)");
  Record(call, "certificate.read", "ok", {{"package", id}});
  return Json(200, {{"certificate", q->Text(0)},
                    {"signature", q->Text(1)},
                    {"exchange_key", certificate_public_.Format()}});
}

// ---- retention ----

// ---- periodic work ----

void Api::SweepRetention() {
  auto lease = Acquire();
  if (!lease.ok()) {
    std::cerr << "cordon serve: retention sweep: " << lease.error().message() << "\n";
    return;
  }
  Services& s = **lease;
  const int64_t now = Now();
  auto all = s.store.List();
  if (all.ok()) {
    for (const auto& p : *all) {
      // The deadline is the end of the manifest's delete_by day.
      if (p.status != "available" || now < (static_cast<int64_t>(p.delete_by) + 1) * 86400)
        continue;
      auto cert = DeleteWithCertificate(s, p.id, "retention", std::nullopt, nullptr);
      if (!cert.ok()) {
        std::cerr << "cordon serve: deleting expired package " << p.id << ": "
                  << cert.error().message() << "\n";
      }
    }
  }
  // Uploads never committed within their lifetime are dropped.
  auto q = s.db.Prepare("SELECT id, staging FROM uploads WHERE created_at <= ?");
  if (q.ok()) {
    q->Bind(1, now - options_.upload_lifetime_seconds);
    std::vector<std::pair<std::string, std::string>> stale;
    while (StepRow(*q)) stale.emplace_back(q->Text(0), q->Text(1));
    for (const auto& [id, staging] : stale) (void)DropUpload(s.db, id, staging);
  }
}

}  // namespace cordon::serve
