// The exchange's sealed copy of each session recording (issue 17: the
// replay page and `cordon remote recording get` fetch it; docs/
// remote-maintenance.md, "Recordings"). The bastion sends the file once
// the session is over; the exchange keeps it only if its chain matches the
// anchors the ledger already holds, and serves it to the people who may see
// the session. It stays sealed to the hospital's recording keys: the
// exchange never holds a readable copy, and a copy off the bastion is one
// that a compromised bastion cannot take back.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>

#include "core/utc_time.h"
#include "recording/verify.h"
#include "serve/api_internal.h"

namespace cordon::serve {

using api_internal::Fail;
using api_internal::HasRole;
using api_internal::json;
using api_internal::Json;
using api_internal::ParseId;
using api_internal::Segments;

namespace {

constexpr const char* kCopiesDir = "/recordings";

std::string CopyName(int64_t session) { return "session-" + std::to_string(session) + ".cast.age"; }

// The session a copy's name names ("session-N.cast.age"), if it is one.
std::optional<int64_t> SessionOfCopyName(std::string_view name) {
  constexpr std::string_view kPrefix = "session-", kSuffix = ".cast.age";
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  name = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  int64_t id = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (ec != std::errc() || end != name.data() + name.size() || id <= 0 || name[0] == '0') {
    return std::nullopt;
  }
  return id;
}

recording::Anchor LastAnchor(const exchange::RemoteSession& s) {
  recording::Anchor a;
  a.chunks = static_cast<uint64_t>(s.chunks);
  a.bytes = static_cast<uint64_t>(s.bytes);
  a.head = s.head;
  a.header_sha256 = s.header_sha256;
  return a;
}

}  // namespace

std::string Api::RecordingCopyPath(int64_t session) const {
  return options_.data_dir + kCopiesDir + "/" + CopyName(session);
}

// PUT /bastion/sessions/{id}/recording: the body streams into an anonymous
// file (O_TMPFILE) in the copies' directory, which gets its name only once
// the whole body is there, durable and checked: an interrupted or refused
// copy leaves nothing, and the name never points at a partial file.
std::variant<Response, BodySink> Api::StartRecordingCopy(const Request& head) {
  auto lease = Acquire();
  if (!lease.ok()) return Fail(lease.error());
  Call call{head, **lease, Now(), std::nullopt, json::object()};
  if (auto refused = AuthenticateMachine(call)) return std::move(*refused);
  const auto seg = Segments(std::string_view(head.path).substr(std::strlen(api_internal::kPrefix)));
  const auto id = seg.size() == 4 ? ParseId(seg[2]) : std::nullopt;
  if (!id) return Fail(400, "a session id is a positive integer");
  exchange::RemoteAccess remote(call.s.db, call.s.accounts, call.s.grants, options_.remote);
  auto session = remote.CopyableRecording(*call.machine, *id, call.now);
  if (!session.ok()) return Fail(session.error());
  // The copy is exactly what the last anchor covers: the whole file of an
  // ended session; for one whose bastion died, the anchored prefix only —
  // bytes after it are unproven, and the exchange keeps nothing it cannot
  // check (attack review 29, F2: an unanchored tail could be anything).
  const auto anchored = static_cast<uint64_t>(session->bytes);
  const uint64_t bound = anchored;
  const std::string length = head.Header("content-length");
  if (!length.empty()) {
    const uint64_t declared =
        length.size() > 15 ? UINT64_MAX : std::strtoull(length.c_str(), nullptr, 10);
    if (declared != anchored) {
      return Fail(400,
                  "session " + std::to_string(*id) + "'s recording is anchored at " +
                      std::to_string(anchored) + " bytes; this body has " + length,
                  "send the first " + std::to_string(anchored) +
                      " bytes of the file the bastion wrote for this session");
    }
  }
  const std::string dir = options_.data_dir + kCopiesDir;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Fail(Error(ErrorCode::kIo, dir + ": " + std::strerror(errno)));
  }
  struct statvfs vfs {};
  if (statvfs(dir.c_str(), &vfs) == 0) {
    const uint64_t free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    if (free_bytes < options_.min_free_bytes + bound) {
      return Fail(507, "the exchange is short of disk space: the recording stays on the bastion",
                  "`cordon bastion sweep` sends it again later");
    }
  }
  const int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(
        Error(ErrorCode::kIo, dir + ": an anonymous file (O_TMPFILE): " + std::strerror(errno)));
  }
  auto file = std::make_shared<UniqueFd>(fd);
  const int writer = ::dup(fd);
  if (writer < 0) return Fail(Error(ErrorCode::kIo, std::string("dup: ") + std::strerror(errno)));
  BodySink sink;
  sink.fd = UniqueFd(writer);
  sink.max_bytes = bound;
  sink.finish = [this, head, file, bound, id = *id](const Status& received,
                                                    uint64_t bytes) -> Response {
    if (!received.ok() || bytes != bound) {
      return Fail(400,
                  "the recording did not arrive whole" +
                      (received.ok() ? " (" + std::to_string(bytes) + " of " +
                                           std::to_string(bound) + " bytes)"
                                     : ": " + received.error().message()),
                  "`cordon bastion sweep` sends it again");
    }
    return KeepRecordingCopy(head, id, file->get(), bytes);
  };
  return sink;
}

Response Api::KeepRecordingCopy(const Request& head, int64_t id, int fd, uint64_t bytes) {
  auto lease = Acquire();
  if (!lease.ok()) return Fail(lease.error());
  Call call{head, **lease, Now(), std::nullopt, json::object()};
  // Again: the machine's token may have been revoked while the body came.
  if (auto refused = AuthenticateMachine(call)) return std::move(*refused);
  exchange::RemoteAccess remote(call.s.db, call.s.accounts, call.s.grants, options_.remote);
  auto session = remote.CopyableRecording(*call.machine, id, call.now);
  if (!session.ok()) return Fail(session.error());
  if (::fsync(fd) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) {
    return Fail(
        Error(ErrorCode::kIo, "the recording's copy: " + std::string(std::strerror(errno))));
  }
  // The ledger's anchors decide: what the bastion sends is kept only if it
  // is the recording the ledger vouches for.
  FdSource in(fd, CopyName(id));
  auto report =
      recording::VerifyRecording(in, {LastAnchor(*session)}, session->ended_at.has_value());
  if (!report.ok()) {
    if (report.error().code() != ErrorCode::kAuthFailed &&
        report.error().code() != ErrorCode::kMalformed &&
        report.error().code() != ErrorCode::kTruncated) {
      return Fail(report.error());
    }
    RecordRefusal(call, "session.recording_copy", "refused",
                  {{"session", id}, {"error", report.error().message()}});
    return Fail(422,
                "that is not the recording session " + std::to_string(id) +
                    " anchored: " + report.error().message(),
                "the exchange keeps only a recording whose chain matches the ledger's anchors");
  }
  // Named now, in one step: linked under a name of its own, then renamed
  // over the copy's name. A file already there is an orphan (a crash after
  // a rename and before its row: the row decides, and there is none) or a
  // concurrent copy of the same, checked bytes (attack review 29, F7).
  const std::string path = RecordingCopyPath(id);
  const std::lock_guard copies(copies_mu_);  // until the row says so (SweepOrphanCopies)
  static std::atomic<uint64_t> serial{0};
  const std::string temp =
      path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(serial.fetch_add(1));
  const std::string proc = "/proc/self/fd/" + std::to_string(fd);
  if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, temp.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    return Fail(Error(ErrorCode::kIo, temp + ": " + std::strerror(errno)));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    return Fail(Error(ErrorCode::kIo, path + ": " + std::strerror(saved)));
  }
  // Unless the exchange's row names it, the file goes: not recorded, not kept.
  const auto drop_unless_recorded = [&] {
    auto now_stored = remote.GetSession(id);
    if (now_stored.ok() && !now_stored->copy_stored_at) ::unlink(path.c_str());
  };
  if (Status synced = SyncDirectory(options_.data_dir + kCopiesDir); !synced.ok()) {
    drop_unless_recorded();
    return Fail(synced.error());
  }
  auto kept = remote.RecordingCopied(*call.machine, id, static_cast<int64_t>(bytes), call.now,
                                     [&]() -> Status {
                                       auto seq = Record(call, "session.recording_copied", "ok",
                                                         {{"session", id},
                                                          {"bytes", bytes},
                                                          {"header_sha256", report->header_sha256},
                                                          {"head", report->last.head},
                                                          {"ended", report->ended}});
                                       if (!seq.ok()) return seq.error();
                                       return Ok();
                                     });
  if (!kept.ok()) {
    drop_unless_recorded();
    if (kept.error().code() == ErrorCode::kIo) return api_internal::Unrecorded();
    return Fail(kept.error());
  }
  return Json(201, {{"session", id},
                    {"bytes", bytes},
                    {"verified", report->Summary()},
                    {"unanchored_bytes", report->unanchored_bytes}});
}

// GET /bastion/recordings/uncopied: what `cordon bastion sweep` sends.
Response Api::BastionUncopiedRecordings(Call& call) {
  exchange::RemoteAccess remote(call.s.db, call.s.accounts, call.s.grants, options_.remote);
  auto list = remote.UncopiedRecordings(*call.machine, call.now);
  if (!list.ok()) return Fail(list.error());
  json out = json::array();
  for (const auto& s : *list) {
    out.push_back({{"session", s.id},
                   {"header_sha256", s.header_sha256},
                   {"bytes", s.bytes},
                   {"ended", s.ended_at.has_value()}});
  }
  return Json(200, {{"recordings", out}});
}

// GET /remote-sessions/{id}/recording: the sealed copy, to whoever may see
// the session (its target's organisation's approvers, auditors, admins);
// the same 404 for a session they may not see as for none. Its reading is
// recorded before the first byte leaves.
Response Api::FetchRecordingCopy(Call& call, int64_t id) {
  exchange::RemoteAccess remote(call.s.db, call.s.accounts, call.s.grants, options_.remote);
  auto session = remote.GetSession(id);
  const auto none = [&] { return Fail(404, "no session " + std::to_string(id)); };
  if (!session.ok()) {
    if (session.error().code() == ErrorCode::kNotFound) return none();
    return Fail(session.error());
  }
  if (!HasRole(call, {exchange::Role::kAuditor, exchange::Role::kAdmin})) {
    auto target = exchange::Targets(call.s.db).Get(session->target);
    if (!target.ok() && target.error().code() != ErrorCode::kNotFound) return Fail(target.error());
    if (!target.ok() || target->organisation != call.who->organisation) return none();
  }
  if (session->copy_deleted_at) {
    return Fail(410, "the exchange deleted its copy of session " + std::to_string(id) +
                         "'s recording on " + FormatUtc(*session->copy_deleted_at) +
                         " (its retention had passed)");
  }
  if (!session->copy_stored_at) {
    return Fail(404, "the exchange holds no copy of session " + std::to_string(id) + "'s recording",
                session->ended_at ? "the bastion sends it at the end of the session or at its next "
                                    "`cordon bastion sweep`; until then, copy it from the bastion"
                                  : "the session is still going on");
  }
  const std::string path = RecordingCopyPath(id);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return Fail(Error(ErrorCode::kIo, path + ": " + std::strerror(errno)));
  Response r;
  r.file = UniqueFd(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<int64_t>(st.st_size) != session->copy_bytes.value_or(-1)) {
    return Fail(Error(ErrorCode::kIo, path + ": not the copy the exchange recorded"));
  }
  r.file_size = static_cast<uint64_t>(st.st_size);
  r.content_type = "application/octet-stream";
  auto seq =
      Record(call, "session.recording_fetched", "ok",
             {{"session", id}, {"bytes", r.file_size}, {"header_sha256", session->header_sha256}});
  if (!seq.ok()) return api_internal::Unrecorded();
  r.headers["Content-Disposition"] = "attachment; filename=\"" + CopyName(id) + "\"";
  return r;
}

// The sweep: copies past their retention are deleted, durably, each with
// its ledger event (the bastion deletes its own file the same day).
void Api::SweepRecordingCopies(Services& s, int64_t now) {
  exchange::RemoteAccess remote(s.db, s.accounts, s.grants, options_.remote);
  SweepOrphanCopies(remote);
  auto expired = remote.ExpiredCopies(now);
  if (!expired.ok()) {
    Log("recording copies: " + expired.error().message());
    return;
  }
  for (const auto& e : *expired) {
    const std::string path = RecordingCopyPath(e.id);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      Log("recording copies: cannot delete " + path + ": " + std::strerror(errno));
      continue;
    }
    if (Status synced = SyncDirectory(options_.data_dir + kCopiesDir); !synced.ok()) {
      Log("recording copies: " + synced.error().message());
      continue;
    }
    Status done = remote.CopyDeleted(e.id, now, [&]() -> Status {
      json event = {{"action", "exchange.session.recording_copy_deleted"},
                    {"outcome", "ok"},
                    {"session", e.id},
                    {"header_sha256", e.header_sha256},
                    {"retention_days", options_.remote.recording_retention_seconds / 86400},
                    {"actor", {{"system", "sweep"}}}};
      auto seq = appender_.Append(std::move(event));
      if (!seq.ok()) return Error(ErrorCode::kIo, seq.error().message());
      return Ok();
    });
    if (!done.ok())
      Log("recording copies: session " + std::to_string(e.id) + ": " + done.error().message());
  }
}

// Files in the copies' directory that no row vouches for: a temporary name
// left by a crash between its link and its rename, or a copy renamed into
// place by an exchange that died before writing its row, for a session no
// bastion sends again. Sealed, but a recording of patients' screens all the
// same: it must not outlive what the exchange knows of. Each is left alone
// while recently changed (a copy being kept is linked, renamed and recorded
// within moments; a link or a rename changes the file's ctime), then
// deleted, with a ledger event.
void Api::SweepOrphanCopies(exchange::RemoteAccess& remote) {
  namespace fs = std::filesystem;
  const std::string dir = options_.data_dir + kCopiesDir;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    if (ec != std::errc::no_such_file_or_directory) {  // else no copy was ever kept
      Log("recording copies: cannot list " + dir + ": " + ec.message());
    }
    return;
  }
  const auto now = static_cast<int64_t>(std::time(nullptr));
  bool deleted = false;
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const std::optional<int64_t> session = SessionOfCopyName(name);
    const bool temporary = name.find(".cast.age.tmp-") != std::string::npos;
    if (!session && !temporary) continue;  // not a name the exchange writes
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const int64_t changed = std::max<int64_t>(st.st_mtime, st.st_ctime);
    if (now - changed < options_.orphan_copy_grace_seconds) continue;
    const std::lock_guard copies(copies_mu_);  // no copy is being kept meanwhile
    if (session) {
      auto row = remote.GetSession(*session);
      if (!row.ok() && row.error().code() != ErrorCode::kNotFound) {
        Log("recording copies: " + row.error().message());
        continue;
      }
      if (row.ok() && row->copy_stored_at && !row->copy_deleted_at) continue;  // vouched for
    }
    if (::unlink(it->path().c_str()) != 0) {
      if (errno != ENOENT)
        Log("recording copies: cannot delete " + name + ": " + std::strerror(errno));
      continue;
    }
    deleted = true;
    json event = {{"action", "exchange.session.recording_orphan_deleted"},
                  {"outcome", "ok"},
                  {"file", name},
                  {"bytes", static_cast<uint64_t>(st.st_size)},
                  {"actor", {{"system", "sweep"}}}};
    if (session) event["session"] = *session;
    if (auto seq = appender_.Append(std::move(event)); !seq.ok()) {
      Log("recording copies: deleted " + name +
          ", but the ledger refused its event: " + seq.error().message());
    }
  }
  if (!deleted) return;
  if (Status synced = SyncDirectory(dir); !synced.ok()) {
    Log("recording copies: " + synced.error().message());
  }
}

}  // namespace cordon::serve
