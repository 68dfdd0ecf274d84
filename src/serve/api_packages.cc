// Packages: listing, uploads (streamed, checked, published at once),
// downloads (recorded before the first byte), confirmation and retention
// (deletion with a signed certificate).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/encoding.h"
#include "core/utc_time.h"
#include "crypto/random.h"
#include "exchange/alert_state.h"
#include "exchange/certificate.h"
#include "exchange/downloads.h"
#include "exchange/orders.h"
#include "exchange/processor_keys.h"
#include "exchange/uploads.h"
#include "pipeline/manifest.h"
#include "serve/api_internal.h"

namespace cordon::serve {

using api_internal::Fail;
using api_internal::Forbidden;
using api_internal::HasRole;
using api_internal::json;
using api_internal::Json;
using api_internal::kPrefix;
using api_internal::PackageJson;
using api_internal::Role;
using api_internal::Segments;
using api_internal::Unrecorded;
using api_internal::WithholdPersonalData;
namespace fs = std::filesystem;

// ---- packages ----

Result<bool> Api::BoundToRecipient(const Call& call, const exchange::PackageInfo& p) {
  CORDON_ASSIGN_OR_RETURN(std::vector<std::string> mine, call.s.accounts.Recipients(call.who->id));
  for (const auto& r : p.recipients) {
    if (std::find(mine.begin(), mine.end(), r) != mine.end()) return true;
  }
  return false;
}

Result<bool> Api::MaySee(const Call& call, const exchange::PackageInfo& p) {
  if (HasRole(call, {Role::kAuditor, Role::kAdmin})) return true;
  // An approver: the packages of their organisation (whose grants they
  // decide), not every organisation's.
  if (HasRole(call, {Role::kApprover}) && p.organisation == call.who->organisation) return true;
  if (HasRole(call, {Role::kOperator}) && p.uploader_id == call.who->id) return true;
  if (HasRole(call, {Role::kRecipient})) return BoundToRecipient(call, p);
  return false;
}

namespace {

// "?all=1" / "?all=true" mean all; absent, "0" or "false" do not.
bool QueryFlag(const Request& r, const char* name) {
  auto it = r.query.find(name);
  return it != r.query.end() && (it->second == "1" || it->second == "true");
}

}  // namespace

Response Api::Packages(Call& call) {
  auto all = call.s.store.List();
  if (!all.ok()) return Fail(all.error());
  const bool everything = QueryFlag(call.request, "all");
  json out = json::array();
  for (const auto& p : *all) {
    if (p.status != "available" && !everything) continue;
    auto visible = MaySee(call, p);
    if (!visible.ok()) return Fail(visible.error());
    if (*visible) out.push_back(PackageJson(p));
  }
  return Json(200, {{"packages", out}});
}

Response Api::Package(Call& call, const std::string& id) {
  if (!IsHex64(id)) return Fail(400, "a package id is 64 lowercase hex digits");
  auto p = call.s.store.Get(id);
  if (!p.ok() && p.error().code() != ErrorCode::kNotFound) return Fail(p.error());
  auto visible = p.ok() ? MaySee(call, *p) : Result<bool>(false);
  if (!visible.ok()) return Fail(visible.error());
  if (!*visible) return Fail(404, "no such package");
  // The order named here, as Record would look it up (one query fewer).
  if (auto seq =
          Record(call, "package.read", "ok", {{"package", id}, {"order", {{"id", p->order_id}}}});
      !seq.ok()) {
    return Unrecorded();
  }
  json j = PackageJson(*p);
  // The person who signed its manifest, as the exchange registered the key.
  auto signer = exchange::ProcessorKeys(call.s.db).Find(p->signer);
  if (!signer.ok()) return Fail(signer.error());
  j["signed_by"] = {
      {"key_id", p->signer},
      {"person", *signer && !(*signer)->person.empty() ? json((*signer)->person) : json(nullptr)}};
  return Json(200, j);
}

Response Api::NewUpload(Call& call) {
  if (!HasRole(call, {Role::kOperator})) return Forbidden(*call.who, "operator");
  auto staging = call.s.store.NewStaging();
  if (!staging.ok()) return Fail(staging.error());
  Bytes r(16);
  crypto::RandomBytes(r);
  const std::string id = HexEncode(r);
  exchange::Uploads uploads(call.s.db);
  if (Status st = uploads.Create({id, call.who->id, *staging, call.now}); !st.ok()) {
    std::error_code ec;
    fs::remove_all(*staging, ec);
    return Fail(st.error());
  }
  if (auto seq = Record(call, "upload.start", "ok", {{"upload", id}}); !seq.ok()) {
    std::error_code ec;
    fs::remove_all(*staging, ec);
    // A row left behind is dropped by the stale-upload sweep; said, not hidden.
    if (Status dropped = uploads.Delete(id); !dropped.ok()) {
      Log("dropping an unrecorded upload's row: " + dropped.error().message());
    }
    return Unrecorded();
  }
  return Json(201, {{"upload", id},
                    {"next", "PUT each file to /api/v1/uploads/" + id +
                                 "/files/<name>, then POST /api/v1/uploads/" + id + "/commit"}});
}

namespace {

Status DropUpload(exchange::Db& db, const std::string& id, const std::string& staging) {
  std::error_code ec;
  fs::remove_all(staging, ec);
  return exchange::Uploads(db).Delete(id);
}

// The bytes an operator's uncommitted uploads hold on disk (files being
// received included), and how many files this upload holds. A database
// error is an error (the caller refuses the upload), never "nothing staged".
Result<std::pair<uint64_t, int>> StagedBytes(exchange::Db& db, int64_t operator_id,
                                             const std::string& upload_staging) {
  uint64_t total = 0;
  int files_here = 0;
  CORDON_ASSIGN_OR_RETURN(std::vector<exchange::StagedUpload> mine,
                          exchange::Uploads(db).ListByUploader(operator_id));
  for (const auto& upload : mine) {
    const std::string& dir = upload.staging;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::error_code sec;
      const auto size = e.file_size(sec);
      if (!sec) total += size;
      if (dir == upload_staging) ++files_here;
    }
  }
  return std::pair<uint64_t, int>{total, files_here};
}

}  // namespace

// A PUT in flight, for as long as its body sink lives: its upload cannot
// be committed meanwhile (F4), and its bytes count against its operator's
// quota and the disk's floor (F9).
class Api::PutGuard {
 public:
  PutGuard(Api& api, std::string upload, int64_t operator_id, uint64_t reserved)
      : api_(api), upload_(std::move(upload)), operator_(operator_id), reserved_(reserved) {}
  ~PutGuard() {
    std::lock_guard lock(api_.uploads_mu_);
    auto it = api_.uploads_.find(upload_);
    if (it != api_.uploads_.end() && --it->second.in_flight == 0 && !it->second.committing) {
      api_.uploads_.erase(it);
    }
    api_.reserved_bytes_[operator_] -= reserved_;
    if (api_.reserved_bytes_[operator_] == 0) api_.reserved_bytes_.erase(operator_);
    api_.reserved_total_ -= reserved_;
  }
  PutGuard(const PutGuard&) = delete;
  PutGuard& operator=(const PutGuard&) = delete;

 private:
  Api& api_;
  std::string upload_;
  int64_t operator_;
  uint64_t reserved_;
};

std::variant<Response, BodySink> Api::BeginStream(const Request& head) {
  const bool recording = head.path.rfind(std::string(kPrefix) + "bastion/", 0) == 0;
  auto started = recording               ? StartRecordingCopy(head)
                 : head.method == "POST" ? StartOrderSubmission(head)
                                         : StartUpload(head);
  if (auto* refused = std::get_if<Response>(&started)) return Logged(std::move(*refused));
  auto& sink = std::get<BodySink>(started);
  sink.finish = [this, finish = std::move(sink.finish)](Status received, uint64_t bytes) {
    return Logged(finish(std::move(received), bytes));
  };
  return started;
}

std::variant<Response, BodySink> Api::StartUpload(const Request& head) {
  auto lease = Acquire();
  if (!lease.ok()) return Fail(lease.error());
  Call call{head, **lease, Now(), std::nullopt, json::object()};
  if (auto refused = Authenticate(call)) return std::move(*refused);
  if (!HasRole(call, {Role::kOperator})) return Forbidden(*call.who, "operator");
  const auto seg = Segments(std::string_view(head.path).substr(std::strlen(kPrefix)));
  if (seg.size() != 4) return Fail(404, "no such endpoint");
  const std::string& id = seg[1];
  const std::string& name = seg[3];
  auto up = exchange::Uploads(call.s.db).Get(id);
  if (!up.ok() && up.error().code() != ErrorCode::kNotFound) return Fail(up.error());
  if (!up.ok() || up->uploader_id != call.who->id) return Fail(404, "no such upload");
  if (!pipeline::SafeFileName(name) || name.size() > 200) {
    return Fail(400, "\"" + name.substr(0, 64) + "\" is not a file name a package can hold",
                "letters, digits, '.', '-', '_' only");
  }
  // Room for this file: the operator's quota of uncommitted bytes, and the
  // disk's floor below which the database and the ledger keep their room.
  auto staged_now = StagedBytes(call.s.db, call.who->id, up->staging);
  if (!staged_now.ok()) return Fail(staged_now.error());  // unknown: refused, not "empty"
  auto [staged, files] = *staged_now;
  if (files >= options_.max_files_per_upload) {
    return Fail(
        413, "an upload holds at most " + std::to_string(options_.max_files_per_upload) + " files");
  }
  struct statvfs vfs {};
  uint64_t free_bytes = 0;
  if (statvfs(options_.data_dir.c_str(), &vfs) == 0) {
    free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  }
  const std::string length_header = head.Header("content-length");
  std::optional<uint64_t> length;
  if (!length_header.empty()) length = std::strtoull(length_header.c_str(), nullptr, 10);
  uint64_t reserve = 0;
  {
    std::lock_guard lock(uploads_mu_);
    auto& state = uploads_[id];
    if (state.committing) {
      if (state.in_flight == 0) uploads_.erase(id);
      return Fail(409, "this upload is being committed: no file can be added to it");
    }
    const uint64_t mine = reserved_bytes_[call.who->id];
    const uint64_t used = staged + mine;
    const uint64_t quota_left =
        used >= options_.max_staged_bytes ? 0 : options_.max_staged_bytes - used;
    const uint64_t floor = options_.min_free_bytes + reserved_total_;
    const uint64_t disk_left = free_bytes > floor ? free_bytes - floor : 0;
    reserve = std::min({options_.max_file_bytes, quota_left, disk_left});
    auto refuse = [&](int status, std::string message, std::string hint) {
      if (state.in_flight == 0) uploads_.erase(id);
      return Fail(status, std::move(message), std::move(hint));
    };
    if (disk_left == 0 || (length && *length > disk_left && *length <= quota_left)) {
      return refuse(507, "the exchange is short of disk space: uploads are refused for now",
                    "its operator has been alerted; try again later");
    }
    if (quota_left == 0 || (length && *length > quota_left)) {
      return refuse(507,
                    "your uncommitted uploads would hold more than " +
                        std::to_string(options_.max_staged_bytes >> 20) + " MiB",
                    "commit or abandon (DELETE /api/v1/uploads/ID) an upload first");
    }
    if (length) reserve = std::min(reserve, *length);
    ++state.in_flight;
    reserved_bytes_[call.who->id] += reserve;
    reserved_total_ += reserve;
  }
  auto guard = std::make_shared<PutGuard>(*this, id, call.who->id, reserve);
  if (free_bytes > 0 && free_bytes <= options_.min_free_bytes + reserve) {
    Alert(AlertKind::kDiskSpaceLow,
          {{"free_bytes", free_bytes}, {"floor", options_.min_free_bytes}});
  }
  // Received under a temporary name that no package file can have; renamed
  // only once it is whole, so a commit never sees a file half-written.
  const std::string path = up->staging + "/" + name;
  const std::string partial = up->staging + "/." + name + ".part";
  if (PathExists(path)) return Fail(409, name + " was already uploaded");
  const int fd = open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Fail(409, name + " is being uploaded already");
    return Fail(Error(ErrorCode::kIo, partial + ": " + std::strerror(errno)));
  }
  UniqueFd file(fd);
  if (auto seq = Record(call, "upload.file", "started", {{"upload", id}}); !seq.ok()) {
    (void)std::remove(partial.c_str());
    return Unrecorded();
  }
  BodySink sink;
  sink.fd = std::move(file);
  sink.max_bytes = reserve;
  sink.finish = [path, partial, name, guard](const Status& received, uint64_t bytes) {
    if (!received.ok()) {
      (void)std::remove(partial.c_str());  // a partial file never stays
      if (received.error().code() == ErrorCode::kLimitExceeded) {
        return Fail(413, "the file is larger than this upload may still hold",
                    "an operator's uncommitted uploads and each file are bounded");
      }
      return Fail(400, "the body did not arrive whole: " + received.error().message());
    }
    // link(2) never replaces: a file of the same name that arrived
    // meanwhile keeps its place and this one is refused.
    if (link(partial.c_str(), path.c_str()) != 0) {
      const int e = errno;
      (void)std::remove(partial.c_str());
      if (e == EEXIST) return Fail(409, name + " was already uploaded");
      return Fail(Error(ErrorCode::kIo, path + ": " + std::strerror(e)));
    }
    (void)std::remove(partial.c_str());
    return Json(201, {{"file", name}, {"bytes", bytes}});
  };
  return sink;
}

Response Api::CommitUpload(Call& call, const std::string& id) {
  if (!HasRole(call, {Role::kOperator})) return Forbidden(*call.who, "operator");
  auto up = exchange::Uploads(call.s.db).Get(id);
  if (!up.ok() && up.error().code() != ErrorCode::kNotFound) return Fail(up.error());
  if (!up.ok() || up->uploader_id != call.who->id) return Fail(404, "no such upload");
  // One commit at a time per upload, and none while a file is still being
  // received (F4, F14).
  {
    std::lock_guard lock(uploads_mu_);
    auto& state = uploads_[id];
    if (state.in_flight > 0 || state.committing) {
      return Fail(409,
                  state.committing ? "this upload is being committed already"
                                   : "a file of this upload is still being received",
                  "wait for every PUT to finish, then commit once");
    }
    state.committing = true;
  }
  struct Release {
    Api& api;
    const std::string& id;
    ~Release() {
      std::lock_guard lock(api.uploads_mu_);
      api.uploads_.erase(id);
    }
  } release{*this, id};
  // The processor keys registered with `cordon admin processor-key add`.
  std::vector<sign::PublicKey> keys;
  auto registered = exchange::ProcessorKeys(call.s.db).List();
  if (!registered.ok()) return Fail(registered.error());
  for (const auto& k : *registered) {
    if (auto parsed = sign::PublicKey::Parse(k.public_key); parsed.ok()) keys.push_back(*parsed);
  }
  if (keys.empty()) {
    (void)DropUpload(call.s.db, id, up->staging);
    return Fail(403, "no processor key is registered, so no package can be accepted",
                "the exchange's admin runs: cordon admin processor-key add --data DIR KEY.pub");
  }
  bool unrecorded = false;
  // Runs once the package is in place and before it is visible: the event
  // is in the ledger, or the package is not published.
  exchange::PublishEvent record = [&](const exchange::CheckedPackage& c) -> Result<uint64_t> {
    // A package naming an order submitted here belongs to that order's
    // vendor: another's would enter the order's report as one of its own.
    auto named = exchange::Orders(call.s.db).Get(c.manifest.order_id, std::nullopt);
    if (named.ok() && !exchange::SameVendor(*named, call.who->id, call.who->organisation)) {
      return Error(ErrorCode::kRefused,
                   "order " + c.manifest.order_id + " was submitted to the exchange by another " +
                       (named->submitter_organisation.empty() ? "account" : "organisation"),
                   "a package names the order it was extracted for: your own");
    }
    if (!named.ok() && named.error().code() != ErrorCode::kNotFound) return named.error();
    auto seq = Record(call, "upload.commit", "ok",
                      {{"upload", id},
                       {"package", c.manifest_sha256},
                       {"order", {{"id", c.manifest.order_id}}},
                       {"bytes", c.bytes},
                       {"signer", sign::KeyIdHex(c.signer)}});
    unrecorded = !seq.ok();
    return seq;
  };
  exchange::PackageCheck check =
      call.s.store.Publish(up->staging, keys, call.who->id, call.now, options_.retention, record);
  if (Status dropped = DropUpload(call.s.db, id, up->staging); !dropped.ok()) {
    Log("dropping a committed upload's row: " + dropped.error().message());
  }
  if (!check.result.ok()) {
    if (unrecorded) return Unrecorded();
    RecordRefusal(call, "upload.commit", "refused",
                  {{"upload", id}, {"error", check.result.error().message()}});
    if (check.plaintext_suspected) {
      Alert(AlertKind::kPlaintextUpload, {{"account", call.who->id},
                                          {"ip", call.request.client_ip},
                                          {"upload", id},
                                          {"refused", check.result.error().message()}});
    }
    Response r = Fail(check.result.error());
    if (r.status == 400 || r.status == 403) {
      r.status = 422;
      r.body = Fail(check.result.error()).body;
    }
    return r;
  }
  const auto& c = *check.result;
  auto info = call.s.store.Get(c.manifest_sha256);
  if (!info.ok()) return Fail(info.error());
  return Json(201, PackageJson(*info));
}

Response Api::AbandonUpload(Call& call, const std::string& id) {
  if (!HasRole(call, {Role::kOperator})) return Forbidden(*call.who, "operator");
  auto up = exchange::Uploads(call.s.db).Get(id);
  if (!up.ok() && up.error().code() != ErrorCode::kNotFound) return Fail(up.error());
  if (!up.ok() || up->uploader_id != call.who->id) return Fail(404, "no such upload");
  {
    std::lock_guard lock(uploads_mu_);
    if (auto it = uploads_.find(id); it != uploads_.end()) {
      return Fail(409, it->second.committing ? "this upload is being committed"
                                             : "a file of this upload is still being received");
    }
  }
  if (auto seq = Record(call, "upload.abandon", "ok", {{"upload", id}}); !seq.ok()) {
    return Unrecorded();
  }
  if (Status st = DropUpload(call.s.db, id, up->staging); !st.ok()) return Fail(st.error());
  return Json(200, {{"status", "abandoned"}});
}

// The grant that opens a package to the caller now, or the answer that
// refuses: the one authorization check of downloads and confirmations.
std::variant<exchange::Grant, Response> Api::RequireOpenGrant(Call& call, const std::string& id,
                                                              std::string_view action) {
  if (!HasRole(call, {Role::kRecipient})) return Forbidden(*call.who, "recipient");
  if (!IsHex64(id)) return Fail(400, "a package id is 64 lowercase hex digits");
  auto p = call.s.store.Get(id);
  if (!p.ok() && p.error().code() != ErrorCode::kNotFound) return Fail(p.error());
  auto bound = p.ok() ? BoundToRecipient(call, *p) : Result<bool>(false);
  if (!bound.ok()) return Fail(bound.error());
  if (!*bound) {
    RecordRefusal(call, action, "refused",
                  {{"package", id}, {"error", "not sealed to a recipient of this account"}});
    return Fail(404, "no such package");
  }
  auto grant = call.s.grants.ActiveFor(*call.who, id, call.now);
  if (!grant.ok()) return Fail(grant.error());
  if (!*grant) {
    RecordRefusal(call, action, "refused", {{"package", id}, {"error", "no open grant"}});
    return Fail(403, "you have no open grant for this package",
                "request one: POST /api/v1/grants {package, reason, duration_hours}");
  }
  return **grant;
}

Result<std::optional<uint64_t>> Api::CountDownload(Call& call, const std::string& id,
                                                   uint64_t bytes) {
  CORDON_TRY(exchange::Downloads(call.s.db).Record(call.who->id, id, call.now, bytes));
  CORDON_ASSIGN_OR_RETURN(
      uint64_t volume, exchange::Downloads(call.s.db).VolumeSince(call.who->id, call.now - 3600));
  if (volume <= options_.download_alert_bytes) return std::optional<uint64_t>();
  // A volume alert at most once an hour per account.
  CORDON_ASSIGN_OR_RETURN(bool due, exchange::AlertState(call.s.db).TryRaise(
                                        AlertKindName(AlertKind::kDownloadVolume),
                                        std::to_string(call.who->id), call.now, 3600));
  return due ? std::optional<uint64_t>(volume) : std::optional<uint64_t>();
}

Response Api::Download(Call& call, const std::string& id, const std::string& file) {
  auto granted = RequireOpenGrant(call, id, "download");
  if (auto* refused = std::get_if<Response>(&granted)) return std::move(*refused);
  const auto& grant = std::get<exchange::Grant>(granted);
  auto path = call.s.store.FilePath(id, file);
  if (!path.ok()) return Fail(404, "no such file in this package");
  // O_NONBLOCK: a FIFO put in a file's place must not hang a worker in open().
  const int fd = open(path->c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return Fail(404, "no such file in this package");
  Response r;
  r.file = UniqueFd(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) return Fail(Error(ErrorCode::kIo, *path + ": fstat"));
  // Only a regular file is served (and counted, and recorded as downloaded):
  // a directory or device put in its place is the exchange's failure.
  if (!S_ISREG(st.st_mode)) return Fail(Error(ErrorCode::kIo, *path + ": not a regular file"));
  r.file_size = static_cast<uint64_t>(st.st_size);
  r.content_type = "application/octet-stream";
  // The download-volume alert watches the downloads table: a download it
  // cannot count (or check) is refused, logged and alerted, never served
  // unwatched. Counted before the ledger event, so a refusal leaves no
  // "download ok" behind; a count whose download then fails errs on the
  // safe side (the volume looks larger).
  auto alert_due = CountDownload(call, id, r.file_size);
  if (!alert_due.ok()) {
    Log("download volume monitoring failed: " + alert_due.error().message());
    Alert(AlertKind::kMonitoringFailed, {{"watch", "download_volume"}, {"account", call.who->id}});
    RecordRefusal(
        call, "download", "failed",
        {{"package", id}, {"grant", grant.id}, {"error", "the download could not be counted"}});
    return Fail(503, "the exchange cannot count this download right now, so it is not served",
                "try again later; its operator has been alerted");
  }
  // Data leaves only once its leaving is recorded.
  auto seq = Record(call, "download", "ok",
                    {{"package", id}, {"grant", grant.id}, {"bytes", r.file_size}});
  if (*alert_due) {
    Alert(AlertKind::kDownloadVolume, {{"account", call.who->id},
                                       {"ip", call.request.client_ip},
                                       {"bytes_last_hour", alert_due->value()},
                                       {"threshold", options_.download_alert_bytes}});
  }
  if (!seq.ok()) return Unrecorded();
  r.headers["Content-Disposition"] = "attachment; filename=\"" + file + "\"";
  return r;
}

namespace {

// A test hook (tests/exchange_hardening.py): with CORDON_TEST_PAUSE=<step>
// in the server's environment, a deletion stops at that step for a minute
// after writing DIR/paused-at-<step>, so a test can kill the process there.
// Without the variable it does nothing.
void PauseForTest(const std::string& data_dir, const char* step) {
  const char* want = std::getenv("CORDON_TEST_PAUSE");
  if (want == nullptr || std::strcmp(want, step) != 0) return;
  (void)WriteFileAtomic(data_dir + "/paused-at-" + step, AsBytes(std::string(step)), 0600);
  std::this_thread::sleep_for(std::chrono::seconds(60));
}

}  // namespace

Result<json> Api::DeleteWithCertificate(Services& s, const std::string& id, std::string_view reason,
                                        std::optional<int64_t> confirmed_by, const Call* call) {
  const int64_t now = Now();
  exchange::RecordEvent record = [&]() -> Result<uint64_t> {
    CORDON_ASSIGN_OR_RETURN(exchange::PackageInfo p, s.store.Get(id));
    json event = {
        {"action", "exchange.package.deleted"}, {"outcome", "ok"},  {"package", id},
        {"order", {{"id", p.order_id}}},        {"reason", reason}, {"deleted_at", FormatUtc(now)}};
    if (call) {
      event["actor"] = {{"ip", call->request.client_ip},
                        {"account", call->who->id},
                        {"role", exchange::RoleName(call->who->role)}};
    }
    WithholdPersonalData(event);
    return appender_.Append(std::move(event));
  };
  CORDON_ASSIGN_OR_RETURN(exchange::DeletionRecord begun,
                          s.store.BeginDeletion(id, reason, confirmed_by, now, record));
  (void)begun;
  PauseForTest(options_.data_dir, "deletion.recorded");
  return FinishDeletion(s, id);
}

Result<json> Api::FinishDeletion(Services& s, const std::string& id) {
  CORDON_TRY(RecordPendingDeletion(s, id));
  CORDON_ASSIGN_OR_RETURN(exchange::DeletionRecord rec, s.store.FinishDeletion(id));
  PauseForTest(options_.data_dir, "deletion.files_removed");
  // The certificate carries the deletion's place in the ledger, proven
  // against a checkpoint signed right now.
  exchange::LedgerEvidence ev;
  CORDON_TRY(appender_.Exclusive([&](ledger::Ledger& l) -> Status {
    CORDON_ASSIGN_OR_RETURN(ev.checkpoint, l.Checkpoint());
    ev.index = rec.ledger_seq;
    ev.tree_size = l.checkpointed_size();
    CORDON_ASSIGN_OR_RETURN(ledger::Hash leaf, l.LeafHashAt(rec.ledger_seq));
    ev.leaf_hash = Base64Encode(leaf);
    CORDON_ASSIGN_OR_RETURN(auto proof, l.InclusionProof(rec.ledger_seq, ev.tree_size));
    for (const auto& h : proof) ev.proof.push_back(Base64Encode(h));
    return Ok();
  }));
  CORDON_ASSIGN_OR_RETURN(exchange::Certificate cert,
                          exchange::MakeDeletionCertificate(rec, ev, certificate_key_));
  CORDON_TRY(s.store.StoreCertificate(id, cert.json, cert.signature));
  return json{{"certificate", cert.json},
              {"signature", cert.signature},
              {"exchange_key", certificate_public_.Format()}};
}

// A deletion whose event a crash (or a concurrent confirm) left unwritten:
// recorded now, marked as recovered.
Status Api::RecordPendingDeletion(Services& s, const std::string& id) {
  CORDON_ASSIGN_OR_RETURN(exchange::PackageInfo p, s.store.Get(id));
  if (p.deletion_seq) return Ok();
  return s.store.RecordPendingDeletion(id, [&]() -> Result<uint64_t> {
    json event = {{"action", "exchange.package.deleted"},
                  {"outcome", "ok"},
                  {"package", p.id},
                  {"order", {{"id", p.order_id}}},
                  {"reason", p.deletion_reason},
                  {"deleted_at", FormatUtc(p.deleted_at)},
                  {"recovered", true}};
    WithholdPersonalData(event);
    return appender_.Append(std::move(event));
  });
}

Status Api::RecoverDeletions() {
  CORDON_ASSIGN_OR_RETURN(Lease lease, Acquire());
  Services& s = *lease;
  CORDON_ASSIGN_OR_RETURN(auto unfinished, s.store.Unfinished());
  for (const auto& p : unfinished) {
    auto done = FinishDeletion(s, p.id);
    if (!done.ok()) return done.error().WithContext("finishing the deletion of " + p.id);
    Log("finished the deletion of " + p.id + " that a restart interrupted");
  }
  return Ok();
}

Response Api::Confirm(Call& call, const std::string& id) {
  auto granted = RequireOpenGrant(call, id, "confirm");
  if (auto* refused = std::get_if<Response>(&granted)) return std::move(*refused);
  const auto& grant = std::get<exchange::Grant>(granted);
  // Deleting cannot be undone: it takes a grant another person approved,
  // never an emergency one (F5).
  if (grant.break_glass) {
    RecordRefusal(call, "confirm", "refused",
                  {{"package", id}, {"error", "a break-glass grant cannot confirm"}});
    return Fail(403, "a break-glass grant reads a package, it never confirms (deletes) it",
                "request a grant an approver approves, then confirm");
  }
  auto cert = DeleteWithCertificate(call.s, id, "confirmed", call.who->id, &call);
  if (!cert.ok()) {
    if (cert.error().code() == ErrorCode::kIo) return Unrecorded();
    RecordRefusal(call, "confirm", "failed", {{"package", id}, {"error", cert.error().message()}});
    return Fail(cert.error());
  }
  return Json(200, *cert);
}

Response Api::GetCertificate(Call& call, const std::string& id) {
  if (!HasRole(call, {Role::kApprover, Role::kAuditor, Role::kAdmin, Role::kRecipient})) {
    return Forbidden(*call.who, "approver, auditor, admin or recipient");
  }
  if (!IsHex64(id)) return Fail(400, "a package id is 64 lowercase hex digits");
  auto p = call.s.store.Get(id);
  if (!p.ok() && p.error().code() != ErrorCode::kNotFound) return Fail(p.error());
  auto visible = p.ok() ? MaySee(call, *p) : Result<bool>(false);
  if (!visible.ok()) return Fail(visible.error());
  if (!*visible) return Fail(404, "no deletion certificate for this package");
  auto cert = call.s.store.Certificate(id);
  if (!cert.ok()) return Fail(cert.error());
  if (auto seq = Record(call, "certificate.read", "ok", {{"package", id}}); !seq.ok()) {
    return Unrecorded();
  }
  return Json(200, {{"certificate", cert->first},
                    {"signature", cert->second},
                    {"exchange_key", certificate_public_.Format()}});
}

// ---- retention ----

// ---- periodic work ----

void Api::SweepRetention() {
  auto lease = Acquire();
  if (!lease.ok()) {
    Log("retention sweep: " + lease.error().message());
    return;
  }
  Services& s = **lease;
  const int64_t now = Now();
  auto all = s.store.List();
  if (!all.ok()) Log("retention sweep: listing the packages: " + all.error().message());
  if (all.ok()) {
    for (const auto& p : *all) {
      // The deadline is the end of the manifest's delete_by day.
      if (p.status != "available" || now < (static_cast<int64_t>(p.delete_by) + 1) * 86400)
        continue;
      auto cert = DeleteWithCertificate(s, p.id, "retention", std::nullopt, nullptr);
      if (!cert.ok()) {
        Log("deleting expired package " + p.id + ": " + cert.error().message());
      }
    }
  }
  // Uploads never committed within their lifetime are dropped.
  Status swept = [&]() -> Status {
    CORDON_ASSIGN_OR_RETURN(
        std::vector<exchange::StagedUpload> stale,
        exchange::Uploads(s.db).CreatedBy(now - options_.upload_lifetime_seconds));
    for (const auto& upload : stale) {
      {
        std::lock_guard lock(uploads_mu_);
        if (uploads_.count(upload.id)) continue;  // a PUT or commit under way: next sweep
      }
      CORDON_TRY(DropUpload(s.db, upload.id, upload.staging));
    }
    return Ok();
  }();
  if (!swept.ok()) Log("dropping stale uploads: " + swept.error().message());
  SweepRemote();
}

}  // namespace cordon::serve
