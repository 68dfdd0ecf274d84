// Vendor remote maintenance: targets, grants on them, SSH certificates, the
// bastion's machine calls, the emergency cut-off's resume, and the sweep
// that locks accounts whose break-glass went uncountersigned.
#include <map>

#include "core/encoding.h"
#include "core/strings.h"
#include "core/utc_time.h"
#include "exchange/certificate.h"
#include "exchange/grants.h"
#include "exchange/ssh_ca.h"
#include "ledger/entry.h"
#include "serve/api_internal.h"

namespace cordon::serve {

using api_internal::Bearer;
using api_internal::Fail;
using api_internal::Forbidden;
using api_internal::GrantJson;
using api_internal::HasRole;
using api_internal::Int;
using api_internal::json;
using api_internal::Json;
using api_internal::ParseId;
using api_internal::Role;
using api_internal::Str;
using api_internal::Unrecorded;

namespace {

json TargetJson(const exchange::Target& t) {
  return {{"name", t.name},           {"address", t.address},
          {"principal", t.principal}, {"organisation", t.organisation},
          {"approvals", t.approvals}, {"created_at", FormatUtc(t.created_at)}};
}

// What a failed state change answers: 503 when its event could not be
// recorded (kIo), the error's own status otherwise.
bool IsUnrecorded(const Error& e) { return e.code() == ErrorCode::kIo; }

// "Vendor%20SA" → "Vendor SA" (a path segment; nullopt for a bad escape).
std::optional<std::string> DecodeSegment(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// What a bastion's report of a certificate key id puts in the ledger: the
// id when it is one this exchange writes ("grant-12 account-3 ..."),
// nothing of it otherwise. The bastion's caller chooses the text, and the
// ledger lets a key's id through under "key_id" (ledger/entry.h): a card
// number sent as one would stay there for good (re-attack of 2026-12-03).
std::string RecordableKeyId(const std::string& key_id) {
  return exchange::ParseKeyId(key_id) ? key_id : "[not a key id this exchange writes]";
}

}  // namespace

// ---- targets and grants on them ----

Response Api::ListTargets(Call& call) {
  auto list = exchange::Targets(call.s.db).List();
  if (!list.ok()) return Fail(list.error());
  json out = json::array();
  for (const auto& t : *list) out.push_back(TargetJson(t));
  return Json(200, {{"targets", out}});
}

// Each session with the chain's last anchor (chunks, bytes, head): what the
// replay page checks a recording against before showing it, and what
// `cordon recording verify` checks with the ledger. Newest first.
Response Api::ListRemoteSessions(Call& call) {
  exchange::RemoteAccess remote(call.s.db, call.s.accounts, call.s.grants, options_.remote);
  auto sessions = remote.Sessions(std::nullopt);
  if (!sessions.ok()) return Fail(sessions.error());
  auto targets = exchange::Targets(call.s.db).List();
  if (!targets.ok()) return Fail(targets.error());
  std::map<std::string, std::string, std::less<>> organisation_of;
  for (const auto& t : *targets) organisation_of[t.name] = t.organisation;
  // An approver acts within their organisation: its targets' sessions only.
  const bool everything = HasRole(call, {Role::kAuditor, Role::kAdmin});
  std::map<int64_t, std::string> email_of;
  json out = json::array();
  for (auto s = sessions->rbegin(); s != sessions->rend(); ++s) {
    // A target removed since names no organisation: only auditors and
    // admins see its sessions (never the approvers of "", the exchange's own).
    const auto t = organisation_of.find(s->target);
    const std::optional<std::string> organisation =
        t == organisation_of.end() ? std::nullopt : std::optional<std::string>(t->second);
    if (!everything && organisation != call.who->organisation) continue;
    if (!email_of.contains(s->account_id)) {
      auto a = call.s.accounts.Get(s->account_id);
      if (!a.ok()) return Fail(a.error());
      email_of[s->account_id] = a->email;
    }
    auto utc = [](const std::optional<int64_t>& when) {
      return when ? json(FormatUtc(*when)) : json(nullptr);
    };
    out.push_back({{"id", s->id},
                   {"grant", s->grant_id},
                   {"account", email_of[s->account_id]},
                   {"target", s->target},
                   {"organisation", organisation ? json(*organisation) : json(nullptr)},
                   {"certificate_serial", s->certificate_serial},
                   {"started_at", FormatUtc(s->started_at)},
                   {"ended_at", utc(s->ended_at)},
                   {"end_reason", s->end_reason},
                   {"exit_status", s->exit_status ? json(*s->exit_status) : json(nullptr)},
                   {"chunks", s->chunks},
                   {"bytes", s->bytes},
                   {"head", s->head},
                   {"header_sha256", s->header_sha256},
                   {"last_anchor_at", utc(s->last_anchor_at)},
                   {"recording_deleted_at", utc(s->recording_deleted_at)},
                   // The exchange's sealed copy (GET /remote-sessions/{id}/recording).
                   {"copy_stored_at", utc(s->copy_stored_at)},
                   {"copy_bytes", s->copy_bytes ? json(*s->copy_bytes) : json(nullptr)},
                   {"copy_deleted_at", utc(s->copy_deleted_at)}});
  }
  return Json(200, {{"sessions", out}});
}

Response Api::RequestTargetGrant(Call& call, bool break_glass) {
  if (!HasRole(call, {Role::kOperator})) return Forbidden(*call.who, "operator");
  auto target = Str(call.body, "target");
  auto reason = Str(call.body, "reason");
  auto hours = Int(call.body, "duration_hours");
  if (!target || !reason || !hours || call.body.contains("package") || call.body.contains("role")) {
    return Fail(400,
                "send {\"target\", \"reason\", \"duration_hours\"} (and optionally \"start\": "
                "\"YYYY-MM-DDTHH:MM:SSZ\" and \"ticket\")");
  }
  std::optional<int64_t> start;
  if (auto bad = ReadWindow(call, break_glass, *hours, start)) return std::move(*bad);
  std::optional<std::string> ticket = Str(call.body, "ticket");
  if (call.body.contains("ticket") && !ticket) return Fail(400, "ticket: a string");
  if (ticket) {
    if (Status t = exchange::CheckTicket(*ticket); !t.ok()) return Fail(t.error());
  }
  if (break_glass && (start || ticket)) {
    return Fail(400, "break-glass grants open at once, without start or ticket");
  }
  auto t = exchange::Targets(call.s.db).Get(*target);
  if (!t.ok()) {
    if (t.error().code() == ErrorCode::kNotFound) {
      return Fail(404, "no such target", "GET /api/v1/targets lists them");
    }
    return Fail(t.error());
  }
  // A suspended organisation's accounts ask for nothing.
  auto suspended = exchange::Organisations(call.s.db).Suspended(call.who->organisation);
  if (!suspended.ok()) return Fail(suspended.error());
  const char* action = break_glass ? "grant.break_glass" : "grant.request";
  if (*suspended) {
    RecordRefusal(call, action, "refused",
                  {{"target", *target}, {"error", "organisation suspended"}});
    return Fail(
        403, "your organisation is suspended",
        "once the exchange's admin asks, an approver of a hospital it maintains resumes it");
  }
  exchange::GrantEvent record = [&](int64_t grant) -> Status {
    json ev = {{"grant", grant}, {"target", *target}, {"hours", *hours}};
    if (ticket) ev["ticket"] = *ticket;
    auto seq = Record(call, action, "ok", ev);
    if (!seq.ok()) return seq.error();
    return Ok();
  };
  auto id = break_glass ? call.s.grants.BreakGlassTarget(*call.who, *t, *reason, *hours * 3600,
                                                         call.now, record)
                        : call.s.grants.RequestTarget(*call.who, *t, *reason, start, *hours * 3600,
                                                      ticket, call.now, record);
  if (!id.ok()) {
    if (IsUnrecorded(id.error())) return Unrecorded();
    RecordRefusal(call, action, "refused", {{"target", *target}, {"error", id.error().message()}});
    return Fail(id.error());
  }
  if (break_glass) {
    Alert(AlertKind::kBreakGlass, {{"account", call.who->id},
                                   {"ip", call.request.client_ip},
                                   {"grant", *id},
                                   {"target", *target}});
  }
  auto g = call.s.grants.Get(*id);
  if (!g.ok()) return Fail(g.error());
  return Json(201, GrantJson(*g, call.now));
}

Response Api::ResumeOrganisation(Call& call, const std::string& encoded) {
  const auto decoded = DecodeSegment(encoded);
  if (!decoded || decoded->empty()) return Fail(400, "the organisation's name, percent-encoded");
  const std::string& name = *decoded;
  exchange::RemoteEvent record = [&]() -> Status {
    auto seq = Record(call, "organisation.resume", "ok", {{"organisation", name}});
    if (!seq.ok()) return seq.error();
    return Ok();
  };
  Status st =
      exchange::Organisations(call.s.db).Resume(name, call.who->organisation, call.now, record);
  if (!st.ok()) {
    if (IsUnrecorded(st.error())) return Unrecorded();
    RecordRefusal(call, "organisation.resume", "refused",
                  {{"organisation", name}, {"error", st.error().message()}});
    return Fail(st.error());
  }
  // Every hospital the vendor reaches hears that its vendor is back, and
  // from whom (ListAlerts: the organisation's reaching hospitals).
  Alert(AlertKind::kOrganisationResumed,
        {{"organisation", name}, {"approver", call.who->id}, {"ip", call.request.client_ip}});
  return Json(200, {{"organisation", name}, {"suspended", false}});
}

// A vendor's locked or dormant account comes back only when an approver of
// the hospital says so, with a reason: the ledger holds who, which account,
// what was lifted and why.
Response Api::UnlockAccount(Call& call, const std::string& encoded) {
  if (!HasRole(call, {Role::kApprover})) {
    RecordRefusal(call, "account.unlock", "refused", {{"error", "not an approver"}});
    return Forbidden(*call.who, "approver");
  }
  const auto email = DecodeSegment(encoded);
  if (!email || email->empty()) return Fail(400, "the account's e-mail, percent-encoded");
  auto reason = Str(call.body, "reason");
  if (!reason) return Fail(400, "send {\"reason\": \"why the account comes back\"}");
  if (Status r = exchange::CheckReasonText(*reason); !r.ok()) return Fail(r.error());
  if (ledger::LooksLikePersonalData(*reason)) {
    return Fail(400, "the reason holds a personal identifier",
                "the ledger records it: name the case by a ticket, not by a person's data");
  }
  auto account = call.s.accounts.Find(*email);
  if (!account.ok()) {
    // The same answer whether or not the e-mail has an account: approvers
    // see vendor accounts in the review, not by probing addresses.
    RecordRefusal(call, "account.unlock", "refused", {{"error", "no such account"}});
    return Fail(exchange::NoAccountToReopen());
  }
  json ev = {{"account", account->id},
             {"organisation", account->organisation},
             {"lifted", call.s.accounts.LockOf(*account, call.now)},
             {"reason", *reason}};
  auto lifted = call.s.accounts.UnlockVendor(account->id, *call.who, call.now, [&]() -> Status {
    auto seq = Record(call, "account.unlock", "ok", ev);
    if (!seq.ok()) return seq.error();
    return Ok();
  });
  if (!lifted.ok()) {
    if (IsUnrecorded(lifted.error())) return Unrecorded();
    ev["error"] = lifted.error().message();
    RecordRefusal(call, "account.unlock", "refused", ev);
    return Fail(lifted.error());
  }
  // The hospital's channels hear of every re-opening: whoever holds the
  // exchange's admin could make an approver account to do it (see
  // docs/threat-model.md).
  Alert(AlertKind::kVendorAccountReopened, {{"account", account->id},
                                            {"organisation", account->organisation},
                                            {"approver", call.who->id},
                                            {"ip", call.request.client_ip}});
  return Json(200, {{"account", account->id},
                    {"organisation", account->organisation},
                    {"lifted", *lifted},
                    {"usable", true}});
}

// ---- SSH certificates ----

Response Api::IssueSshCertificate(Call& call, int64_t grant_id) {
  auto key = Str(call.body, "public_key");
  if (!key) return Fail(400, "send {\"public_key\": \"ssh-ed25519 AAAA…\"}");
  auto ca = exchange::LoadOrCreateCa(options_.data_dir, exchange::CaKind::kUser);
  if (!ca.ok()) return Fail(ca.error());
  exchange::RemoteAccess remote(call.s.db, call.s.accounts, call.s.grants, options_.remote);
  auto issued = remote.IssueCertificate(*ca, *call.who, grant_id, *key, call.now,
                                        [&](const exchange::IssuedCertificate& c) -> Status {
                                          // The certificate's facts, never the key itself.
                                          auto seq =
                                              Record(call, "ssh.certificate", "ok",
                                                     {{"grant", c.grant_id},
                                                      {"account", c.account_id},
                                                      {"serial", c.serial},
                                                      {"fingerprint", c.fingerprint},
                                                      {"valid_before", FormatUtc(c.valid_before)}});
                                          if (!seq.ok()) return seq.error();
                                          return Ok();
                                        });
  if (!issued.ok()) {
    if (IsUnrecorded(issued.error())) return Unrecorded();
    RecordRefusal(call, "ssh.certificate", "refused",
                  {{"grant", grant_id}, {"error", issued.error().message()}});
    return Fail(issued.error());
  }
  return Json(201, {{"certificate", issued->line},
                    {"serial", issued->serial},
                    {"key_id", issued->key_id},
                    {"valid_before", FormatUtc(issued->valid_before)},
                    {"bastion", options_.remote.bastion_address}});
}

// ---- the bastion's calls ----

std::optional<Response> Api::AuthenticateMachine(Call& call) {
  const std::string token = Bearer(call.request);
  if (token.empty()) {
    return Fail(401, "a bastion's machine token is needed",
                "send Authorization: Bearer <token from cordon admin bastion add>");
  }
  auto m = exchange::Machines(call.s.db).Authenticate(token, call.now);
  if (!m.ok()) return Fail(m.error());
  call.machine = std::move(*m);
  return std::nullopt;
}

Response Api::RouteMachine(Call& call, Endpoint endpoint, const std::vector<std::string>& p) {
  std::optional<int64_t> id;
  if (!p.empty()) {
    id = ParseId(p[0]);
    if (!id) return Fail(400, "a session id is a positive integer");
  }
  switch (endpoint) {
    case Endpoint::kBastionLogin:
      return BastionLogin(call);
    case Endpoint::kBastionStartSession:
      return BastionStartSession(call);
    case Endpoint::kBastionSessionState:
      return BastionSessionState(call, *id);
    case Endpoint::kBastionAnchor:
      return BastionAnchor(call, *id);
    case Endpoint::kBastionEndSession:
      return BastionEndSession(call, *id);
    case Endpoint::kBastionExpiredRecordings:
      return BastionExpiredRecordings(call);
    case Endpoint::kBastionRecordingDeleted:
      return BastionRecordingDeleted(call, *id);
    case Endpoint::kBastionUncopiedRecordings:
      return BastionUncopiedRecordings(call);
    case Endpoint::kBastionSendRecording:  // streams: BeginStream, never here
      return Fail(404, "no such endpoint");
    default:
      return BastionKrl(call);
  }
}

Response Api::BastionLogin(Call& call) {
  auto user = Str(call.body, "user");
  auto key_id = Str(call.body, "key_id");
  auto serial = Int(call.body, "serial");
  auto fingerprint = Str(call.body, "fingerprint");
  if (!user || !key_id || !serial || !fingerprint) {
    return Fail(400,
                "send {\"user\", \"key_id\", \"serial\", \"fingerprint\"} (sshd's %u %i %s %f)");
  }
  exchange::RemoteAccess remote(call.s.db, call.s.accounts, call.s.grants, options_.remote);
  auto r = remote.Check(*key_id, *serial, *fingerprint, call.now);
  json ev = {{"user", *user}, {"key_id", RecordableKeyId(*key_id)}, {"serial", *serial}};
  if (!r.ok()) {
    if (r.error().code() != ErrorCode::kRefused) return Fail(r.error());
    ev["error"] = r.error().message();
    if (auto k = exchange::ParseKeyId(*key_id)) {
      ev["grant"] = k->grant;
      ev["account"] = k->account;
    }
    // A refusal is answered even when the ledger cannot take its event.
    RecordRefusal(call, "bastion.login", "refused", ev);
    return Json(200, {{"allow", false}, {"reason", r.error().message()}});
  }
  ev["grant"] = r->grant.id;
  ev["account"] = r->account.id;
  ev["target"] = r->target.name;
  // sshd's second question about the same login (its key query, then the
  // signed request, seconds apart): already recorded, answered alike.
  if (auto again = remote.LoggedInWithin(*call.machine, *serial, call.now, 5);
      again.ok() && *again) {
    return Json(200, {{"allow", true},
                      {"principal", options_.remote.bastion_principal},
                      {"valid_before", FormatUtc(*r->grant.closes_at)}});
  }
  // An allowed login is evidence: no event, no login.
  if (auto seq = Record(call, "bastion.login", "ok", ev); !seq.ok()) {
    return Json(200, {{"allow", false}, {"reason", "the exchange cannot record the login now"}});
  }
  // The session that follows must come from this login (and this bastion).
  if (Status noted = remote.NoteLogin(*call.machine, *serial, call.now); !noted.ok()) {
    return Json(200, {{"allow", false}, {"reason", noted.error().message()}});
  }
  return Json(200, {{"allow", true},
                    {"principal", options_.remote.bastion_principal},
                    {"valid_before", FormatUtc(*r->grant.closes_at)}});
}

Response Api::BastionStartSession(Call& call) {
  auto key_id = Str(call.body, "key_id");
  auto serial = Int(call.body, "serial");
  auto client = Str(call.body, "client");
  auto egress = Str(call.body, "egress_public_key");
  auto fingerprint = Str(call.body, "fingerprint");
  if (!key_id || !serial || !client || !egress || !fingerprint) {
    return Fail(400,
                "send {\"key_id\", \"serial\", \"fingerprint\", \"client\", "
                "\"egress_public_key\": \"ssh-ed25519 …\"}");
  }
  auto ca = exchange::LoadOrCreateCa(options_.data_dir, exchange::CaKind::kEgress);
  if (!ca.ok()) return Fail(ca.error());
  exchange::RemoteAccess remote(call.s.db, call.s.accounts, call.s.grants, options_.remote);
  auto started =
      remote.StartSession(*ca, *call.machine, *key_id, *serial, *fingerprint, *client, *egress,
                          call.now, [&](const exchange::StartedSession& s) -> Status {
                            auto seq = Record(call, "session.start", "ok",
                                              {{"session", s.id},
                                               {"grant", s.remote.grant.id},
                                               {"account", s.remote.account.id},
                                               {"target", s.remote.target.name},
                                               {"serial", s.remote.serial},
                                               {"egress_serial", s.egress.serial},
                                               {"client", *client}});
                            if (!seq.ok()) return seq.error();
                            return Ok();
                          });
  if (!started.ok()) {
    if (IsUnrecorded(started.error())) return Unrecorded();
    RecordRefusal(call, "session.start", "refused",
                  {{"key_id", RecordableKeyId(*key_id)},
                   {"serial", *serial},
                   {"error", started.error().message()}});
    return Fail(started.error());
  }
  const auto& s = *started;
  return Json(201, {{"session", s.id},
                    {"grant", s.remote.grant.id},
                    {"account", s.remote.account.id},
                    {"target",
                     {{"name", s.remote.target.name},
                      {"address", s.remote.target.address},
                      {"principal", s.remote.target.principal}}},
                    {"closes_at", FormatUtc(*s.remote.grant.closes_at)},
                    {"recipients", options_.remote.recording_recipients},
                    {"egress_certificate", s.egress.line}});
}

namespace {

json StateJson(const exchange::SessionState& st) {
  return {{"open", st.open}, {"closes_at", FormatUtc(st.closes_at)}, {"reason", st.reason}};
}

// {"chunks", "bytes", "head"} and more, checked; nullopt with `why` set.
std::optional<exchange::SessionReport> ReadReport(const json& body, bool end, std::string& why) {
  exchange::SessionReport r;
  auto chunks = Int(body, "chunks");
  auto bytes = Int(body, "bytes");
  auto head = Str(body, "head");
  if (!chunks || !bytes || !head || *chunks < 0 || *bytes < 0 || !IsHex64(*head)) {
    why = "chunks and bytes (integers >= 0) and head (64 lowercase hex digits)";
    return std::nullopt;
  }
  r.chunks = *chunks;
  r.bytes = *bytes;
  r.head = *head;
  if (!end) {
    auto header = Str(body, "header_sha256");
    if (!header || !IsHex64(*header)) {
      why = "header_sha256: 64 lowercase hex digits";
      return std::nullopt;
    }
    r.header_sha256 = *header;
  } else {
    r.duration_seconds = Int(body, "duration_seconds");
    r.exit_status = Int(body, "exit_status");
    r.reason = Str(body, "reason").value_or("");
    if (!r.duration_seconds || r.reason.empty() || r.reason.size() > 200) {
      why = "duration_seconds (integer), reason (text), exit_status (integer, optional)";
      return std::nullopt;
    }
  }
  return r;
}

}  // namespace

Response Api::BastionSessionState(Call& call, int64_t id) {
  exchange::RemoteAccess remote(call.s.db, call.s.accounts, call.s.grants, options_.remote);
  auto st = remote.State(*call.machine, id, call.now);
  if (!st.ok()) return Fail(st.error());
  return Json(200, StateJson(*st));
}

Response Api::BastionAnchor(Call& call, int64_t id) {
  std::string why;
  auto report = ReadReport(call.body, false, why);
  if (!report)
    return Fail(400, "send {\"chunks\", \"bytes\", \"head\", \"header_sha256\"}: " + why);
  exchange::RemoteAccess remote(call.s.db, call.s.accounts, call.s.grants, options_.remote);
  auto st = remote.Anchor(*call.machine, id, *report, call.now, [&]() -> Status {
    auto seq = Record(call, "session.anchor", "ok",
                      {{"session", id},
                       {"chunks", report->chunks},
                       {"bytes", report->bytes},
                       {"head", report->head},
                       {"header_sha256", report->header_sha256}});
    if (!seq.ok()) return seq.error();
    return Ok();
  });
  if (!st.ok()) {
    if (IsUnrecorded(st.error())) return Unrecorded();
    return Fail(st.error());
  }
  return Json(200, StateJson(*st));
}

Response Api::BastionEndSession(Call& call, int64_t id) {
  std::string why;
  auto report = ReadReport(call.body, true, why);
  if (!report) {
    return Fail(400,
                "send {\"chunks\", \"bytes\", \"head\", \"duration_seconds\", \"reason\", "
                "\"exit_status\"}: " +
                    why);
  }
  exchange::RemoteAccess remote(call.s.db, call.s.accounts, call.s.grants, options_.remote);
  Status st = remote.End(*call.machine, id, *report, call.now, [&]() -> Status {
    json ev = {{"session", id},
               {"chunks", report->chunks},
               {"bytes", report->bytes},
               {"head", report->head},
               {"duration_seconds", *report->duration_seconds},
               {"reason", report->reason}};
    if (report->exit_status) ev["exit_status"] = *report->exit_status;
    auto seq = Record(call, "session.end", "ok", ev);
    if (!seq.ok()) return seq.error();
    return Ok();
  });
  if (!st.ok()) {
    if (IsUnrecorded(st.error())) return Unrecorded();
    return Fail(st.error());
  }
  return Json(200, {{"session", id}, {"ended", true}});
}

Response Api::BastionKrl(Call& call) {
  exchange::RemoteAccess remote(call.s.db, call.s.accounts, call.s.grants, options_.remote);
  auto list = remote.Revoked(call.now);
  if (!list.ok()) return Fail(list.error());
  return Json(200, {{"key_ids", list->key_ids}, {"serials", list->serials}});
}

Response Api::BastionExpiredRecordings(Call& call) {
  exchange::RemoteAccess remote(call.s.db, call.s.accounts, call.s.grants, options_.remote);
  auto list = remote.ExpiredRecordings(*call.machine, call.now);
  if (!list.ok()) return Fail(list.error());
  json out = json::array();
  for (const auto& s : *list) {
    out.push_back({{"session", s.id},
                   {"header_sha256", s.header_sha256},
                   {"bytes", s.bytes},
                   {"started_at", FormatUtc(s.started_at)},
                   {"ended_at", s.ended_at ? json(FormatUtc(*s.ended_at)) : json(nullptr)}});
  }
  return Json(200, {{"recordings", out}});
}

// The bastion deleted a recording past its retention: recorded in the
// ledger, answered with a deletion certificate proven against a checkpoint
// signed now (like a package's).
Response Api::BastionRecordingDeleted(Call& call, int64_t id) {
  auto header = Str(call.body, "header_sha256");
  if (!header || !IsHex64(*header)) {
    return Fail(400, "send {\"header_sha256\"}: the deleted recording's name (64 hex digits)");
  }
  exchange::RemoteAccess remote(call.s.db, call.s.accounts, call.s.grants, options_.remote);
  uint64_t seq = 0;
  auto deleted = remote.RecordingDeleted(*call.machine, id, *header, call.now, [&]() -> Status {
    auto s = Record(call, "session.recording_deleted", "ok",
                    {{"session", id},
                     {"header_sha256", *header},
                     {"retention_days", options_.remote.recording_retention_seconds / 86400}});
    if (!s.ok()) return s.error();
    seq = *s;
    return Ok();
  });
  if (!deleted.ok()) {
    if (IsUnrecorded(deleted.error())) return Unrecorded();
    return Fail(deleted.error());
  }
  exchange::LedgerEvidence ev;
  Status proven = appender_.Exclusive([&](ledger::Ledger& l) -> Status {
    CORDON_ASSIGN_OR_RETURN(ev.checkpoint, l.Checkpoint());
    ev.index = seq;
    ev.tree_size = l.checkpointed_size();
    CORDON_ASSIGN_OR_RETURN(ledger::Hash leaf, l.LeafHashAt(seq));
    ev.leaf_hash = Base64Encode(leaf);
    CORDON_ASSIGN_OR_RETURN(auto proof, l.InclusionProof(seq, ev.tree_size));
    for (const auto& h : proof) ev.proof.push_back(Base64Encode(h));
    return Ok();
  });
  if (!proven.ok()) return Fail(proven.error());
  const auto& s = *deleted;
  exchange::RecordingDeletion d;
  d.session = s.id;
  d.grant = s.grant_id;
  d.account = s.account_id;
  d.target = s.target;
  d.header_sha256 = s.header_sha256;
  d.head = s.head;
  d.chunks = s.chunks;
  d.bytes = s.bytes;
  d.started_at = s.started_at;
  d.ended_at = s.ended_at;
  d.retention_days = options_.remote.recording_retention_seconds / 86400;
  d.deleted_at = call.now;
  auto cert = exchange::MakeRecordingDeletionCertificate(d, ev, certificate_key_);
  if (!cert.ok()) return Fail(cert.error());
  return Json(200, {{"certificate", cert->json},
                    {"signature", cert->signature},
                    {"exchange_key", certificate_public_.Format()}});
}

// ---- periodic work ----

void Api::SweepRemote() {
  auto lease = Acquire();
  if (!lease.ok()) {
    Log("remote sweep: " + lease.error().message());
    return;
  }
  Services& s = **lease;
  const int64_t now = Now();
  // Break-glass on a target not countersigned in time: the account locks.
  auto overdue = s.grants.Uncountersigned(now - options_.grants.countersign_seconds);
  if (!overdue.ok()) {
    Log("remote sweep: break-glass grants: " + overdue.error().message());
  } else {
    for (const auto& g : *overdue) {
      auto a = s.accounts.Get(g.requester_id);
      if (!a.ok()) {
        Log("remote sweep: account " + std::to_string(g.requester_id) + ": " + a.error().message());
        continue;
      }
      // Once per grant (an admin's unlock then holds), recorded before the
      // lock so that a failure retries rather than locks twice.
      if (Status marked = s.grants.MarkOverdueLocked(g.id, now); !marked.ok()) {
        Log("remote sweep: grant " + std::to_string(g.id) + ": " + marked.error().message());
        continue;
      }
      if (!a->locked_reason.empty()) continue;  // locked already (for another grant)
      const std::string reason =
          "break-glass grant " + std::to_string(g.id) + " was not countersigned within " +
          std::to_string(options_.grants.countersign_seconds / 3600) + " hours";
      if (Status st = s.accounts.LockFor(g.requester_id, reason); !st.ok()) {
        Log("remote sweep: locking account " + std::to_string(g.requester_id) + ": " +
            st.error().message());
        continue;
      }
      json event = {{"action", "exchange.account.locked"},
                    {"outcome", "ok"},
                    {"account", g.requester_id},
                    {"grant", g.id},
                    {"reason", "break_glass_not_countersigned"},
                    {"actor", {{"system", "sweep"}}}};
      if (auto seq = appender_.Append(std::move(event)); !seq.ok()) {
        Log("the ledger refused an account lock: " + seq.error().message());
      }
      Alert(AlertKind::kBreakGlassOverdue,
            {{"account", g.requester_id}, {"grant", g.id}, {"target", std::string(g.target())}});
    }
  }
  // Review campaigns past their deadline: every account not kept is
  // disabled; the result is one ledger event per campaign.
  auto closed =
      exchange::Campaigns(s.db).CloseDue(now, [&](const exchange::CampaignResult& r) -> Status {
        json event = {{"action", "exchange.review.campaign.closed"},
                      {"outcome", "ok"},
                      {"campaign", r.campaign},
                      {"organisation", r.organisation},
                      {"kept", r.kept},
                      {"disabled", r.disabled},
                      {"actor", {{"system", "sweep"}}}};
        if (!r.void_reason.empty()) event["void"] = r.void_reason;
        api_internal::WithholdPersonalData(event);
        auto seq = appender_.Append(std::move(event));
        if (!seq.ok()) return Error(ErrorCode::kIo, seq.error().message());
        return Ok();
      });
  if (!closed.ok()) {
    Log("remote sweep: review campaigns: " + closed.error().message());
  } else {
    // A review that decided nothing is not silent: the hospital that
    // opened it (its approver's organisation) and the vendor hear of it.
    for (const auto& r : *closed) {
      if (r.void_reason.empty()) continue;
      Alert(AlertKind::kReviewCampaignVoid, {{"campaign", r.campaign},
                                             {"organisation", r.organisation},
                                             {"approver", r.opened_by},
                                             {"void", r.void_reason}});
    }
  }
  SweepRecordingCopies(s, now);
  // Suspensions an admin made on the command line: their alert, once.
  auto suspended = exchange::Organisations(s.db).TakeUnalertedSuspensions();
  if (!suspended.ok()) {
    Log("remote sweep: suspensions: " + suspended.error().message());
  } else {
    for (const auto& o : *suspended) {
      Alert(AlertKind::kOrganisationSuspended,
            {{"organisation", o.name},
             {"reason", o.suspended_reason},
             {"suspended_at", FormatUtc(o.suspended_at.value_or(now))}});
    }
  }
}

}  // namespace cordon::serve
