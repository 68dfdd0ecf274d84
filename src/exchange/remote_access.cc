#include "exchange/remote_access.h"

#include <algorithm>
#include <charconv>

#include "core/encoding.h"
#include "core/strings.h"
#include "core/utc_time.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "ssh/certificate.h"
#include "ssh/public_key.h"

namespace cordon::exchange {
namespace {

Error Refused(std::string m, std::string hint = {}) {
  return Error(ErrorCode::kRefused, std::move(m), std::move(hint));
}

std::optional<int64_t> PositiveInt(std::string_view s) {
  if (s.empty() || s.size() > 18 || s[0] < '1' || s[0] > '9') return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

Bytes TokenHash(std::string_view token) {
  auto h = crypto::Sha256::Hash(AsBytes(token));
  return Bytes(h.begin(), h.end());
}

std::optional<int64_t> OptInt(const Statement& s, int c) {
  return s.IsNull(c) ? std::nullopt : std::optional<int64_t>(s.Int(c));
}

constexpr const char* kSessionColumns =
    "id, grant_id, account_id, target, client, certificate_serial, egress_serial, started_at, "
    "ended_at, last_anchor_at, exit_status, COALESCE(end_reason, ''), head, chunks, bytes, "
    "header_sha256, recording_deleted_at, copy_stored_at, copy_bytes, copy_deleted_at";

RemoteSession ReadSession(const Statement& q) {
  RemoteSession s;
  s.id = q.Int(0);
  s.grant_id = q.Int(1);
  s.account_id = q.Int(2);
  s.target = q.Text(3);
  s.client = q.Text(4);
  s.certificate_serial = q.Int(5);
  s.egress_serial = OptInt(q, 6);
  s.started_at = q.Int(7);
  s.ended_at = OptInt(q, 8);
  s.last_anchor_at = OptInt(q, 9);
  s.exit_status = OptInt(q, 10);
  s.end_reason = q.Text(11);
  s.head = q.Text(12);
  s.chunks = q.Int(13);
  s.bytes = q.Int(14);
  s.header_sha256 = q.Text(15);
  s.recording_deleted_at = OptInt(q, 16);
  s.copy_stored_at = OptInt(q, 17);
  s.copy_bytes = OptInt(q, 18);
  s.copy_deleted_at = OptInt(q, 19);
  return s;
}

// A use of the account, on the connection whose transaction is open (a
// write on another connection would wait for this one's lock).
Status MarkUsed(Db& db, int64_t account_id, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(
      Statement u, db.Prepare("UPDATE users SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) "
                              "WHERE id = ?"));
  return u.Bind(1, now).Bind(2, account_id).Run();
}

}  // namespace

std::optional<KeyId> ParseKeyId(std::string_view text) {
  KeyId id;
  auto take = [&](std::string_view prefix) -> std::optional<int64_t> {
    if (text.substr(0, prefix.size()) != prefix) return std::nullopt;
    text.remove_prefix(prefix.size());
    const size_t end = text.find(' ');
    auto v = PositiveInt(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end);
    return v;
  };
  auto grant = take("grant-");
  if (!grant || text.substr(0, 1) != " ") return std::nullopt;
  text.remove_prefix(1);
  auto account = take("account-");
  if (!account) return std::nullopt;
  id.grant = *grant;
  id.account = *account;
  if (text.empty()) return id;
  constexpr std::string_view kOrder = " order=";
  if (text.substr(0, kOrder.size()) != kOrder) return std::nullopt;
  text.remove_prefix(kOrder.size());
  if (!CheckTicket(text).ok()) return std::nullopt;
  id.order = std::string(text);
  return id;
}

std::string FormatKeyId(const KeyId& id) {
  std::string out = "grant-" + std::to_string(id.grant) + " account-" + std::to_string(id.account);
  if (id.order) out += " order=" + *id.order;
  return out;
}

// ---- machines ----

Result<std::string> Machines::Add(std::string_view name, int64_t now) {
  CORDON_TRY(CheckTargetName(name));  // the same shape: bastion01
  Bytes raw(32);
  crypto::RandomBytes(raw);
  std::string token = HexEncode(raw);
  CORDON_ASSIGN_OR_RETURN(Statement s,
                          db_.Prepare("INSERT INTO machines(name, kind, token_hash, created_at) "
                                      "VALUES (?, 'bastion', ?, ?)"));
  Status st = s.Bind(1, name).Bind(2, TokenHash(token)).Bind(3, now).Run();
  if (!st.ok() && st.error().code() == ErrorCode::kAlreadyExists) {
    return Error(ErrorCode::kAlreadyExists, "a machine named " + std::string(name) + " exists",
                 "remove it first (cordon admin bastion remove) to issue a new token");
  }
  CORDON_TRY(st);
  return token;
}

Result<std::vector<Machine>> Machines::List() {
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare("SELECT id, name, kind, created_at, last_seen_at FROM machines ORDER BY name"));
  std::vector<Machine> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(Machine{q.Int(0), q.Text(1), q.Text(2), q.Int(3), OptInt(q, 4)});
  }
}

Status Machines::Remove(std::string_view name) {
  CORDON_ASSIGN_OR_RETURN(Statement d, db_.Prepare("DELETE FROM machines WHERE name = ?"));
  CORDON_TRY(d.Bind(1, name).Run());
  if (db_.Changes() != 1)
    return Error(ErrorCode::kNotFound, "no machine named " + std::string(name));
  return Ok();
}

Result<Machine> Machines::Authenticate(std::string_view token, int64_t now) {
  auto refused = [] {
    return Error(ErrorCode::kAuthFailed, "not a machine credential of this exchange",
                 "cordon admin bastion add makes one");
  };
  if (!IsHex64(token)) return refused();
  CORDON_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare("SELECT id, name, kind, created_at, last_seen_at FROM machines "
                               "WHERE token_hash = ?"));
  q.Bind(1, TokenHash(token));
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return refused();
  Machine m{q.Int(0), q.Text(1), q.Text(2), q.Int(3), OptInt(q, 4)};
  q.Reset();
  if (m.last_seen_at != now) {
    CORDON_ASSIGN_OR_RETURN(Statement u,
                            db_.Prepare("UPDATE machines SET last_seen_at = ? WHERE id = ?"));
    CORDON_TRY(u.Bind(1, now).Bind(2, m.id).Run());
  }
  return m;
}

// ---- certificates ----

Result<int64_t> RemoteAccess::NewSerial(int64_t grant_id, int64_t account_id,
                                        std::string_view fingerprint, std::string_view key_id,
                                        int64_t valid_after, int64_t valid_before, int64_t now,
                                        std::string_view kind) {
  CORDON_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("INSERT INTO ssh_certificates(grant_id, account_id, fingerprint, key_id, "
                  "valid_after, valid_before, issued_at, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  CORDON_TRY(s.Bind(1, grant_id)
                 .Bind(2, account_id)
                 .Bind(3, fingerprint)
                 .Bind(4, key_id)
                 .Bind(5, valid_after)
                 .Bind(6, valid_before)
                 .Bind(7, now)
                 .Bind(8, kind)
                 .Run());
  return db_.LastInsertId();
}

Result<RemoteGrant> RemoteAccess::CheckGrant(int64_t grant_id, int64_t account_id, int64_t now) {
  RemoteGrant out;
  auto g = grants_.Get(grant_id);
  if (!g.ok()) {
    if (g.error().code() == ErrorCode::kNotFound) return Refused("no such grant");
    return g.error();
  }
  out.grant = std::move(*g);
  if (out.grant.requester_id != account_id) return Refused("the grant is not this account's");
  if (out.grant.target().empty()) return Refused("the grant is not for an SSH target");
  if (out.grant.status != "approved") {
    return Refused(
        "grant " + std::to_string(grant_id) + " is " + out.grant.status + ", not approved",
        out.grant.status == "requested" ? "approvers of the target's organisation approve it first"
                                        : "");
  }
  if (!out.grant.OpenAt(now)) {
    return Refused(out.grant.opens_at && now < *out.grant.opens_at
                       ? "the grant's window has not opened yet"
                       : "the grant's window has ended");
  }
  auto t = Targets(db_).Get(out.grant.target());
  if (!t.ok()) {
    if (t.error().code() == ErrorCode::kNotFound) return Refused("the target was removed");
    return t.error();
  }
  out.target = std::move(*t);
  CORDON_ASSIGN_OR_RETURN(out.account, accounts_.Get(account_id));
  CORDON_TRY(accounts_.MayUseRemotely(out.account, now));
  CORDON_ASSIGN_OR_RETURN(bool suspended, Organisations(db_).Suspended(out.account.organisation));
  if (suspended) {
    return Refused(
        "the organisation " + out.account.organisation + " is suspended",
        "once the exchange's admin asks, an approver of a hospital it maintains resumes it");
  }
  return out;
}

Result<IssuedCertificate> RemoteAccess::IssueCertificate(
    const ssh::CaKey& ca, const Account& who, int64_t grant_id, std::string_view public_key_line,
    int64_t now, const std::function<Status(const IssuedCertificate&)>& record) {
  auto key = ssh::ParsePublicKeyLine(public_key_line);
  if (!key.ok()) {
    return Error(ErrorCode::kInvalidArgument, "public_key: " + key.error().message(),
                 "send the line of ~/.ssh/id_ed25519.pub (ssh-keygen -t ed25519 makes one)");
  }
  {
    auto g = grants_.Get(grant_id);
    if (!g.ok()) return g.error();
    // Someone else's grant is, to this caller, not there.
    if (g->requester_id != who.id)
      return Error(ErrorCode::kNotFound, "no grant " + std::to_string(grant_id) + " of yours");
  }
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(RemoteGrant r, CheckGrant(grant_id, who.id, now));
  IssuedCertificate c;
  c.grant_id = grant_id;
  c.account_id = who.id;
  c.fingerprint = ssh::Fingerprint(*key);
  c.key_id = FormatKeyId({grant_id, who.id, r.grant.ticket});
  c.valid_after = now - 60;  // a bastion whose clock is a little behind
  c.valid_before = std::min(*r.grant.closes_at, now + policy_.max_certificate_seconds);
  CORDON_ASSIGN_OR_RETURN(c.serial, NewSerial(grant_id, who.id, c.fingerprint, c.key_id,
                                              c.valid_after, c.valid_before, now, "user"));
  ssh::CertificateSpec spec;
  spec.public_key = *key;
  spec.serial = static_cast<uint64_t>(c.serial);
  spec.key_id = c.key_id;
  spec.principals = {policy_.bastion_principal};
  spec.valid_after = static_cast<uint64_t>(c.valid_after);
  spec.valid_before = static_cast<uint64_t>(c.valid_before);
  if (!r.account.allowed_ips.empty()) spec.source_address = r.account.allowed_ips;
  spec.extensions = {"permit-pty"};  // no forwarding of any kind, no user rc
  CORDON_ASSIGN_OR_RETURN(std::string blob, ssh::SignUserCertificate(ca, spec));
  c.line = ssh::CertificateLine(blob, "grant-" + std::to_string(grant_id));
  CORDON_TRY(MarkUsed(db_, who.id, now));
  if (record) CORDON_TRY(record(c));
  CORDON_TRY(tx.Commit());
  return c;
}

Result<RemoteGrant> RemoteAccess::Check(std::string_view key_id, int64_t serial,
                                        std::optional<std::string_view> fingerprint, int64_t now) {
  auto id = ParseKeyId(key_id);
  if (!id) return Refused("the key id is not one this exchange writes");
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare("SELECT fingerprint, revoked_at, valid_after, valid_before FROM ssh_certificates "
                  "WHERE serial = ? AND kind = 'user' AND grant_id = ? AND account_id = ? AND "
                  "key_id = ?"));
  q.Bind(1, serial).Bind(2, id->grant).Bind(3, id->account).Bind(4, key_id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return Refused("the certificate's serial is not one this exchange issued for it");
  const std::string issued_fp = q.Text(0);
  const bool revoked = !q.IsNull(1);
  const int64_t after = q.Int(2), before = q.Int(3);
  q.Reset();
  if (fingerprint && *fingerprint != issued_fp) {
    return Refused("the certificate was issued for another key");
  }
  if (revoked) return Refused("the certificate was revoked");
  if (now < after || now >= before) return Refused("the certificate is not valid now");
  CORDON_ASSIGN_OR_RETURN(RemoteGrant r, CheckGrant(id->grant, id->account, now));
  r.serial = serial;
  return r;
}

// ---- sessions ----

// A recording only grows: an anchor (or the end) that goes back, or names
// another recording, would make the real one unverifiable (attack review
// F2: a forged anchor poisoned a recording's proof). Refused.
Status RemoteAccess::CheckProgress(int64_t session_id, const SessionReport& r) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare("SELECT chunks, bytes, header_sha256 FROM "
                                                   "remote_sessions WHERE id = ?"));
  q.Bind(1, session_id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return Error(ErrorCode::kNotFound, "no session " + std::to_string(session_id));
  const int64_t chunks = q.Int(0), bytes = q.Int(1);
  const std::string header = q.Text(2);
  q.Reset();
  if (r.chunks < chunks || r.bytes < bytes) {
    return Refused("the recording of session " + std::to_string(session_id) +
                   " cannot shrink (anchored at " + std::to_string(chunks) + " chunks, " +
                   std::to_string(bytes) + " bytes)");
  }
  if (!header.empty() && !r.header_sha256.empty() && r.header_sha256 != header) {
    return Refused("session " + std::to_string(session_id) + " anchors another recording");
  }
  return Ok();
}

Status RemoteAccess::NoteLogin(const Machine& bastion, int64_t serial, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Statement u,
                          db_.Prepare("UPDATE ssh_certificates SET last_login_at = ?, "
                                      "last_login_machine = ? WHERE serial = ? AND kind = 'user'"));
  CORDON_TRY(u.Bind(1, now).Bind(2, bastion.id).Bind(3, serial).Run());
  if (db_.Changes() != 1) return Refused("no such certificate");
  return Ok();
}

Result<bool> RemoteAccess::LoggedInWithin(const Machine& bastion, int64_t serial, int64_t now,
                                          int64_t seconds) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare("SELECT last_login_at, last_login_machine FROM "
                                                   "ssh_certificates WHERE serial = ? AND kind = "
                                                   "'user'"));
  q.Bind(1, serial);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  return found && !q.IsNull(0) && now - q.Int(0) <= seconds && now >= q.Int(0) &&
         OptInt(q, 1) == bastion.id;
}

// How long after its login a session may start (sshd runs the forced
// command right after authentication: seconds, not minutes).
constexpr int64_t kLoginToSessionSeconds = 120;

Result<StartedSession> RemoteAccess::StartSession(
    const ssh::CaKey& egress_ca, const Machine& bastion, std::string_view key_id, int64_t serial,
    std::string_view fingerprint, std::string_view client, std::string_view egress_key_line,
    int64_t now, const std::function<Status(const StartedSession&)>& record) {
  if (policy_.recording_recipients.empty()) {
    return Refused("no recording recipients are configured: sessions are recorded or not held",
                   "set [remote] recording_recipients in the exchange's configuration");
  }
  // Egress certificates name the bastion's address: without it, one would
  // work from anywhere its holder copies it to.
  if (policy_.bastion_source_address.empty()) {
    return Refused("no bastion address is configured: egress certificates must name it",
                   "set [remote] bastion_source_address (the bastion's address as the targets "
                   "see it, e.g. \"10.1.0.5/32\")");
  }
  auto key = ssh::ParsePublicKeyLine(egress_key_line);
  if (!key.ok()) {
    return Error(ErrorCode::kInvalidArgument, "egress_public_key: " + key.error().message());
  }
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  StartedSession out;
  CORDON_ASSIGN_OR_RETURN(out.remote, Check(key_id, serial, fingerprint, now));
  {
    // Only right after this bastion let the certificate in: the machine
    // token alone (stolen, or a compromised bastion process) starts nothing
    // for a certificate nobody just logged in with.
    CORDON_ASSIGN_OR_RETURN(Statement q,
                            db_.Prepare("SELECT last_login_at, last_login_machine FROM "
                                        "ssh_certificates WHERE serial = ? AND kind = 'user'"));
    q.Bind(1, serial);
    CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
    const bool fresh = found && !q.IsNull(0) && now - q.Int(0) <= kLoginToSessionSeconds &&
                       OptInt(q, 1) == bastion.id;
    q.Reset();
    if (!fresh) {
      return Refused("no login with this certificate through this bastion in the last " +
                     std::to_string(kLoginToSessionSeconds) + " seconds");
    }
  }
  {
    CORDON_ASSIGN_OR_RETURN(
        Statement s,
        db_.Prepare("INSERT INTO remote_sessions(grant_id, account_id, target, machine_id, "
                    "certificate_serial, client, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    CORDON_TRY(s.Bind(1, out.remote.grant.id)
                   .Bind(2, out.remote.account.id)
                   .Bind(3, out.remote.target.name)
                   .Bind(4, bastion.id)
                   .Bind(5, serial)
                   .Bind(6, client)
                   .Bind(7, now)
                   .Run());
    out.id = db_.LastInsertId();
  }
  IssuedCertificate& e = out.egress;
  e.grant_id = out.remote.grant.id;
  e.account_id = out.remote.account.id;
  e.fingerprint = ssh::Fingerprint(*key);
  e.key_id = "session-" + std::to_string(out.id) + " grant-" + std::to_string(e.grant_id);
  e.valid_after = now - 30;
  e.valid_before = now + policy_.egress_seconds;
  CORDON_ASSIGN_OR_RETURN(e.serial, NewSerial(e.grant_id, e.account_id, e.fingerprint, e.key_id,
                                              e.valid_after, e.valid_before, now, "egress"));
  ssh::CertificateSpec spec;
  spec.public_key = *key;
  spec.serial = static_cast<uint64_t>(e.serial);
  spec.key_id = e.key_id;
  spec.principals = {out.remote.target.principal};
  spec.valid_after = static_cast<uint64_t>(e.valid_after);
  spec.valid_before = static_cast<uint64_t>(e.valid_before);
  if (!policy_.bastion_source_address.empty()) spec.source_address = policy_.bastion_source_address;
  spec.extensions = {"permit-pty"};
  CORDON_ASSIGN_OR_RETURN(std::string blob, ssh::SignUserCertificate(egress_ca, spec));
  e.line = ssh::CertificateLine(blob, e.key_id);
  {
    CORDON_ASSIGN_OR_RETURN(
        Statement u, db_.Prepare("UPDATE remote_sessions SET egress_serial = ? WHERE id = ?"));
    CORDON_TRY(u.Bind(1, e.serial).Bind(2, out.id).Run());
  }
  CORDON_TRY(MarkUsed(db_, out.remote.account.id, now));
  if (record) CORDON_TRY(record(out));
  CORDON_TRY(tx.Commit());
  return out;
}

Result<RemoteSession> RemoteAccess::GetSession(int64_t session_id) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string("SELECT ") + kSessionColumns +
                                                   " FROM remote_sessions WHERE id = ?"));
  q.Bind(1, session_id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return Error(ErrorCode::kNotFound, "no session " + std::to_string(session_id));
  return ReadSession(q);
}

Result<std::vector<RemoteSession>> RemoteAccess::ExpiredRecordings(const Machine& bastion,
                                                                   int64_t now) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare(std::string("SELECT ") + kSessionColumns +
                  " FROM remote_sessions WHERE machine_id = ?1 AND recording_deleted_at IS NULL "
                  "AND header_sha256 <> '' AND COALESCE(ended_at, started_at) + ?2 <= ?3 "
                  "ORDER BY id"));
  q.Bind(1, bastion.id).Bind(2, policy_.recording_retention_seconds).Bind(3, now);
  std::vector<RemoteSession> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(ReadSession(q));
  }
}

Result<RemoteSession> RemoteAccess::RecordingDeleted(const Machine& bastion, int64_t session_id,
                                                     std::string_view header_sha256, int64_t now,
                                                     const RemoteEvent& record) {
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(Statement m,
                          db_.Prepare("SELECT machine_id FROM remote_sessions WHERE id = ?"));
  m.Bind(1, session_id);
  CORDON_ASSIGN_OR_RETURN(bool found, m.Step());
  if (!found || OptInt(m, 0) != bastion.id) {
    return Error(ErrorCode::kNotFound,
                 "no session " + std::to_string(session_id) + " started by this bastion");
  }
  CORDON_ASSIGN_OR_RETURN(RemoteSession s, GetSession(session_id));
  if (s.recording_deleted_at) {
    return Error(ErrorCode::kAlreadyExists,
                 "the recording of session " + std::to_string(session_id) + " was deleted already");
  }
  if (s.header_sha256.empty() || s.header_sha256 != header_sha256) {
    return Error(ErrorCode::kRefused,
                 "that is not the recording session " + std::to_string(session_id) + " anchored");
  }
  const int64_t kept_until =
      s.ended_at.value_or(s.started_at) + policy_.recording_retention_seconds;
  if (now < kept_until) {
    return Error(ErrorCode::kRefused,
                 "the recording of session " + std::to_string(session_id) + " is kept until " +
                     FormatUtc(kept_until),
                 "recordings are deleted only once their retention has passed");
  }
  CORDON_ASSIGN_OR_RETURN(Statement u, db_.Prepare("UPDATE remote_sessions SET "
                                                   "recording_deleted_at = ? WHERE id = ?"));
  CORDON_TRY(u.Bind(1, now).Bind(2, session_id).Run());
  if (record) CORDON_TRY(record());
  CORDON_TRY(tx.Commit());
  s.recording_deleted_at = now;
  return s;
}

namespace {

// The conditions of CopyableRecording as SQL over remote_sessions (?2 the
// retention, ?3 now, ?4 the silence): one text for the list and the check.
constexpr const char* kCopyable =
    "header_sha256 <> '' AND recording_deleted_at IS NULL AND copy_stored_at IS NULL "
    "AND COALESCE(ended_at, started_at) + ?2 > ?3 "
    "AND (ended_at IS NOT NULL OR COALESCE(last_anchor_at, started_at) + ?4 <= ?3)";

}  // namespace

Result<RemoteSession> RemoteAccess::CopyableRecording(const Machine& bastion, int64_t session_id,
                                                      int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Statement m,
                          db_.Prepare("SELECT machine_id FROM remote_sessions WHERE id = ?"));
  m.Bind(1, session_id);
  CORDON_ASSIGN_OR_RETURN(bool found, m.Step());
  const std::string name = "session " + std::to_string(session_id);
  if (!found || OptInt(m, 0) != bastion.id) {
    return Error(ErrorCode::kNotFound, "no " + name + " started by this bastion");
  }
  CORDON_ASSIGN_OR_RETURN(RemoteSession s, GetSession(session_id));
  if (s.recording_deleted_at || s.copy_deleted_at) {
    return Error(ErrorCode::kRefused, "the recording of " + name + " was deleted");
  }
  if (s.copy_stored_at) {
    return Error(ErrorCode::kAlreadyExists, "the exchange holds the recording of " + name);
  }
  if (s.header_sha256.empty()) {
    return Error(ErrorCode::kRefused, name + " was never anchored: there is no recording to keep");
  }
  if (s.ended_at.value_or(s.started_at) + policy_.recording_retention_seconds <= now) {
    return Error(ErrorCode::kRefused, "the retention of " + name + "'s recording has passed");
  }
  if (!s.ended_at && s.last_anchor_at.value_or(s.started_at) + kSilentSessionSeconds > now) {
    return Error(ErrorCode::kRefused, name + " is still going on",
                 "its recording is sent once it has ended");
  }
  return s;
}

Result<std::vector<RemoteSession>> RemoteAccess::UncopiedRecordings(const Machine& bastion,
                                                                    int64_t now) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare(std::string("SELECT ") + kSessionColumns +
                  " FROM remote_sessions WHERE machine_id = ?1 AND " + kCopyable + " ORDER BY id"));
  q.Bind(1, bastion.id)
      .Bind(2, policy_.recording_retention_seconds)
      .Bind(3, now)
      .Bind(4, kSilentSessionSeconds);
  std::vector<RemoteSession> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(ReadSession(q));
  }
}

Result<RemoteSession> RemoteAccess::RecordingCopied(const Machine& bastion, int64_t session_id,
                                                    int64_t bytes, int64_t now,
                                                    const RemoteEvent& record) {
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(RemoteSession s, CopyableRecording(bastion, session_id, now));
  CORDON_ASSIGN_OR_RETURN(
      Statement u,
      db_.Prepare("UPDATE remote_sessions SET copy_stored_at = ?, copy_bytes = ? WHERE id = ?"));
  CORDON_TRY(u.Bind(1, now).Bind(2, bytes).Bind(3, session_id).Run());
  if (record) CORDON_TRY(record());
  CORDON_TRY(tx.Commit());
  s.copy_stored_at = now;
  s.copy_bytes = bytes;
  return s;
}

Result<std::vector<RemoteSession>> RemoteAccess::ExpiredCopies(int64_t now) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare(std::string("SELECT ") + kSessionColumns +
                  " FROM remote_sessions WHERE copy_stored_at IS NOT NULL AND copy_deleted_at "
                  "IS NULL AND COALESCE(ended_at, started_at) + ?1 <= ?2 ORDER BY id"));
  q.Bind(1, policy_.recording_retention_seconds).Bind(2, now);
  std::vector<RemoteSession> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(ReadSession(q));
  }
}

Status RemoteAccess::CopyDeleted(int64_t session_id, int64_t now, const RemoteEvent& record) {
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(Statement u, db_.Prepare("UPDATE remote_sessions SET copy_deleted_at = ? "
                                                   "WHERE id = ? AND copy_stored_at IS NOT NULL "
                                                   "AND copy_deleted_at IS NULL"));
  CORDON_TRY(u.Bind(1, now).Bind(2, session_id).Run());
  if (db_.Changes() != 1) {
    return Error(ErrorCode::kAlreadyExists, "the exchange's copy of session " +
                                                std::to_string(session_id) +
                                                "'s recording was deleted already");
  }
  if (record) CORDON_TRY(record());
  return tx.Commit();
}

Result<std::vector<RemoteSession>> RemoteAccess::Sessions(std::optional<int64_t> account_id) {
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare(std::string("SELECT ") + kSessionColumns +
                                      " FROM remote_sessions WHERE ?1 IS NULL OR account_id = ?1 "
                                      "ORDER BY id"));
  if (account_id) {
    q.Bind(1, *account_id);
  } else {
    q.BindNull(1);
  }
  std::vector<RemoteSession> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(ReadSession(q));
  }
}

Result<SessionState> RemoteAccess::State(const Machine& bastion, int64_t session_id, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare("SELECT machine_id FROM remote_sessions WHERE id = ?"));
  q.Bind(1, session_id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found || q.Int(0) != bastion.id) {
    return Error(ErrorCode::kNotFound,
                 "no session " + std::to_string(session_id) + " started by this bastion");
  }
  q.Reset();
  CORDON_ASSIGN_OR_RETURN(RemoteSession s, GetSession(session_id));
  SessionState st;
  CORDON_ASSIGN_OR_RETURN(Grant g, grants_.Get(s.grant_id));
  st.closes_at = g.closes_at.value_or(now);
  if (s.ended_at) {
    st.reason = "the session ended";
    return st;
  }
  // Its bastion fell silent and the recording was copied as it stood: the
  // session is over, and nothing may be added to what the copy proves
  // (attack review 29, F1).
  if (s.copy_stored_at) {
    st.reason = "the session is over: its recording was copied";
    return st;
  }
  auto r = CheckGrant(s.grant_id, s.account_id, now);
  if (!r.ok()) {
    if (r.error().code() != ErrorCode::kRefused) return r.error();
    st.reason = r.error().message();
    return st;
  }
  st.open = true;
  return st;
}

Result<SessionState> RemoteAccess::Anchor(const Machine& bastion, int64_t session_id,
                                          const SessionReport& r, int64_t now,
                                          const RemoteEvent& record) {
  CORDON_ASSIGN_OR_RETURN(SessionState st, State(bastion, session_id, now));
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_TRY(CheckProgress(session_id, r));
  CORDON_ASSIGN_OR_RETURN(
      Statement u,
      db_.Prepare("UPDATE remote_sessions SET chunks = ?, bytes = ?, head = ?, header_sha256 = "
                  "CASE WHEN ? = '' THEN header_sha256 ELSE ? END, last_anchor_at = ? WHERE id = "
                  "? AND ended_at IS NULL AND copy_stored_at IS NULL"));
  CORDON_TRY(u.Bind(1, r.chunks)
                 .Bind(2, r.bytes)
                 .Bind(3, r.head)
                 .Bind(4, r.header_sha256)
                 .Bind(5, r.header_sha256)
                 .Bind(6, now)
                 .Bind(7, session_id)
                 .Run());
  if (db_.Changes() != 1) return Refused("session " + std::to_string(session_id) + " has ended");
  if (record) CORDON_TRY(record());
  CORDON_TRY(tx.Commit());
  return st;
}

Status RemoteAccess::End(const Machine& bastion, int64_t session_id, const SessionReport& r,
                         int64_t now, const RemoteEvent& record) {
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_TRY(CheckProgress(session_id, r));
  CORDON_ASSIGN_OR_RETURN(
      Statement u,
      db_.Prepare("UPDATE remote_sessions SET chunks = ?, bytes = ?, head = ?, ended_at = ?, "
                  "end_reason = ?, exit_status = ? WHERE id = ? AND machine_id = ? AND ended_at "
                  "IS NULL AND copy_stored_at IS NULL"));
  u.Bind(1, r.chunks).Bind(2, r.bytes).Bind(3, r.head).Bind(4, now).Bind(5, r.reason);
  if (r.exit_status) {
    u.Bind(6, *r.exit_status);
  } else {
    u.BindNull(6);
  }
  CORDON_TRY(u.Bind(7, session_id).Bind(8, bastion.id).Run());
  if (db_.Changes() != 1) {
    auto s = GetSession(session_id);
    if (s.ok() && s->ended_at) {
      return Error(ErrorCode::kAlreadyExists,
                   "session " + std::to_string(session_id) + " has ended already");
    }
    if (s.ok() && s->copy_stored_at) {
      return Refused("session " + std::to_string(session_id) +
                     " is over: its recording was copied as it stood");
    }
    return Error(ErrorCode::kNotFound,
                 "no session " + std::to_string(session_id) + " started by this bastion");
  }
  if (record) CORDON_TRY(record());
  return tx.Commit();
}

Result<RevocationList> RemoteAccess::Revoked(int64_t now) {
  // A certificate is dead once its grant is no longer open (revoked,
  // denied, or past its window), it was revoked itself, or its account can
  // no longer be used (disabled, locked, expired, its organisation
  // suspended); listed until it expires (after that sshd refuses it anyway).
  // Dormancy is left to the principals command (it needs the policy's
  // clock arithmetic): the KRL is the second line, not the first.
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare("SELECT c.serial, c.key_id FROM ssh_certificates c JOIN grants g ON g.id = "
                  "c.grant_id JOIN users u ON u.id = c.account_id LEFT JOIN organisations o ON "
                  "o.name = u.organisation WHERE c.kind = 'user' AND c.valid_before > ?1 AND "
                  "(c.revoked_at IS NOT NULL OR g.status <> 'approved' OR g.closes_at <= ?1 OR "
                  "u.status <> 'active' OR u.hard_locked <> 0 OR u.locked_reason <> '' OR "
                  "u.expires_at <= ?1 OR o.suspended_at IS NOT NULL) ORDER BY c.serial"));
  q.Bind(1, now);
  RevocationList out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.serials.push_back(q.Int(0));
    out.key_ids.push_back(q.Text(1));
  }
  std::sort(out.key_ids.begin(), out.key_ids.end());
  out.key_ids.erase(std::unique(out.key_ids.begin(), out.key_ids.end()), out.key_ids.end());
  return out;
}

}  // namespace cordon::exchange
