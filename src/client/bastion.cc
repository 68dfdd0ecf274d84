#include "client/bastion.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "client/answer.h"
#include "core/file.h"

namespace cordon::client {
namespace {

using nlohmann::json;

SessionState StateFrom(const json& j) {
  return {BoolField(j, "open"), TimeField(j, "closes_at"), TextField(j, "reason")};
}

json AnchorJson(const AnchorPoint& p) {
  return {{"chunks", p.chunks},
          {"bytes", p.bytes},
          {"head", p.head},
          {"header_sha256", p.header_sha256}};
}

}  // namespace

Result<LoginDecision> CheckLogin(Connection& connection, const LoginQuestion& q) {
  // sshd's %s is decimal text; the exchange's serials are positive int64.
  int64_t serial = 0;
  const auto [end, ec] =
      std::from_chars(q.serial.data(), q.serial.data() + q.serial.size(), serial);
  if (ec != std::errc() || end != q.serial.data() + q.serial.size() || serial <= 0) {
    return LoginDecision{false, "", 0, "serial \"" + q.serial + "\" is not one cordon issues"};
  }
  const json body = {
      {"user", q.user}, {"key_id", q.key_id}, {"serial", serial}, {"fingerprint", q.fingerprint}};
  CORDON_ASSIGN_OR_RETURN(json j,
                          connection.Call("POST", "/api/v1/bastion/login", {200}, body.dump()));
  LoginDecision d;
  d.allow = BoolField(j, "allow");
  d.principal = TextField(j, "principal");
  d.valid_before = TimeField(j, "valid_before");
  d.reason = TextField(j, "reason");
  if (d.allow && d.principal.empty()) {
    return Error(ErrorCode::kMalformed, "the exchange allowed a login without naming a principal");
  }
  return d;
}

Result<SessionStart> StartSession(Connection& connection, const std::string& key_id,
                                  uint64_t serial, const std::string& fingerprint,
                                  const std::string& client_ip,
                                  const std::string& egress_public_key_line) {
  const json body = {{"key_id", key_id},
                     {"serial", static_cast<int64_t>(serial)},
                     {"fingerprint", fingerprint},
                     {"client", client_ip},
                     {"egress_public_key", egress_public_key_line}};
  CORDON_ASSIGN_OR_RETURN(json j,
                          connection.Call("POST", "/api/v1/bastion/sessions", {201}, body.dump()));
  SessionStart s;
  s.session = IntField(j, "session");
  s.grant = IntField(j, "grant");
  s.account = IntField(j, "account");
  const json& t = ObjectField(j, "target");
  s.target = {TextField(t, "name"), TextField(t, "address"), TextField(t, "principal")};
  s.closes_at = TimeField(j, "closes_at");
  for (const json& r : ArrayField(j, "recipients")) {
    if (r.is_string()) s.recipients.push_back(r.get<std::string>());
  }
  s.egress_certificate = TextField(j, "egress_certificate");
  if (s.session <= 0 || s.target.address.empty() || s.egress_certificate.empty() ||
      s.closes_at <= 0) {
    return Error(ErrorCode::kMalformed,
                 "the exchange started a session without its id, target, end or certificate");
  }
  if (s.recipients.empty()) {
    return Error(ErrorCode::kRefused, "no recording recipients: sessions are always recorded",
                 "set [remote] recording_recipients in the exchange's configuration");
  }
  return s;
}

Result<SessionState> PollSession(Connection& connection, int64_t session) {
  CORDON_ASSIGN_OR_RETURN(
      json j, connection.Call("GET", "/api/v1/bastion/sessions/" + std::to_string(session), {200}));
  return StateFrom(j);
}

Result<SessionState> AnchorSession(Connection& connection, int64_t session,
                                   const AnchorPoint& point) {
  CORDON_ASSIGN_OR_RETURN(
      json j,
      connection.Call("POST", "/api/v1/bastion/sessions/" + std::to_string(session) + "/anchor",
                      {200}, AnchorJson(point).dump()));
  return StateFrom(j);
}

Status EndSession(Connection& connection, int64_t session, const SessionEnd& end) {
  json body = AnchorJson(end.last);
  body["duration_seconds"] = end.duration_seconds;
  body["reason"] = end.reason;
  body["exit_status"] = end.exit_status;
  CORDON_TRY(connection.Call("POST", "/api/v1/bastion/sessions/" + std::to_string(session) + "/end",
                             {200}, body.dump()));
  return Ok();
}

Result<RevokedList> FetchRevoked(Connection& connection) {
  CORDON_ASSIGN_OR_RETURN(json j, connection.Call("GET", "/api/v1/bastion/krl", {200}));
  RevokedList r;
  for (const json& k : ArrayField(j, "key_ids")) {
    if (k.is_string()) r.key_ids.push_back(k.get<std::string>());
  }
  for (const json& s : ArrayField(j, "serials")) {
    if (s.is_number_unsigned()) r.serials.push_back(s.get<uint64_t>());
  }
  return r;
}

Result<std::vector<ExpiredRecording>> FetchExpiredRecordings(Connection& connection) {
  CORDON_ASSIGN_OR_RETURN(json j,
                          connection.Call("GET", "/api/v1/bastion/recordings/expired", {200}));
  std::vector<ExpiredRecording> out;
  for (const json& r : ArrayField(j, "recordings")) {
    ExpiredRecording e{IntField(r, "session"), TextField(r, "header_sha256"), IntField(r, "bytes")};
    if (e.session > 0 && e.header_sha256.size() == 64) out.push_back(std::move(e));
  }
  return out;
}

Result<RecordingDeletionCertificate> ReportRecordingDeleted(Connection& connection, int64_t session,
                                                            const std::string& header_sha256) {
  CORDON_ASSIGN_OR_RETURN(
      json j,
      connection.Call("POST",
                      "/api/v1/bastion/sessions/" + std::to_string(session) + "/recording-deleted",
                      {200}, json{{"header_sha256", header_sha256}}.dump()));
  RecordingDeletionCertificate c{TextField(j, "certificate"), TextField(j, "signature")};
  if (c.json.empty() || c.signature.empty()) {
    return Error(ErrorCode::kMalformed, "the exchange answered without a deletion certificate");
  }
  return c;
}

Result<std::vector<UncopiedRecording>> FetchUncopiedRecordings(Connection& connection) {
  CORDON_ASSIGN_OR_RETURN(json j,
                          connection.Call("GET", "/api/v1/bastion/recordings/uncopied", {200}));
  std::vector<UncopiedRecording> out;
  for (const json& r : ArrayField(j, "recordings")) {
    UncopiedRecording u{IntField(r, "session"), TextField(r, "header_sha256"), IntField(r, "bytes"),
                        BoolField(r, "ended")};
    if (u.session > 0 && u.header_sha256.size() == 64) out.push_back(std::move(u));
  }
  return out;
}

Status SendRecording(Connection& connection, int64_t session, const std::string& path,
                     uint64_t bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) return ErrnoError(path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoError(path);
  if (!S_ISREG(st.st_mode)) return Error(ErrorCode::kInvalidArgument, path + ": not a file");
  if (static_cast<uint64_t>(st.st_size) < bytes) {
    return Error(ErrorCode::kInvalidArgument, path + " holds " + std::to_string(st.st_size) +
                                                  " bytes, fewer than the " +
                                                  std::to_string(bytes) + " the exchange anchored");
  }
  CORDON_TRY(
      ExpectJson(connection.http().SendFile(
                     "PUT", "/api/v1/bastion/sessions/" + std::to_string(session) + "/recording",
                     connection.Auth(), fd.get(), bytes),
                 {201}));
  return Ok();
}

}  // namespace cordon::client
