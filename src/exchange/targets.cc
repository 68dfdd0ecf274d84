#include "exchange/targets.h"

#include <map>

namespace cordon::exchange {
namespace {

bool NameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

Status CheckWord(std::string_view what, std::string_view v, size_t max) {
  bool ok = !v.empty() && v.size() <= max && v[0] != '-';
  for (char c : v) ok = ok && NameChar(c);
  if (!ok) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + " \"" + std::string(v) +
                                                  "\": 1 to " + std::to_string(max) +
                                                  " letters, digits, '.', '_' or '-' (not first)");
  }
  return Ok();
}

// HOST:PORT, [IPv6]:PORT: what `ssh -p PORT HOST` is given.
Status CheckAddress(std::string_view a) {
  const size_t colon = a.rfind(':');
  auto bad = [&] {
    return Error(ErrorCode::kInvalidArgument, "address \"" + std::string(a) + "\": write HOST:PORT",
                 "e.g. pacs01.chu.example:22, 10.1.2.3:22 or [2001:db8::7]:22");
  };
  if (colon == std::string_view::npos || colon == 0 || a.size() > 255) return bad();
  std::string_view host = a.substr(0, colon), port = a.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad();
    host = host.substr(1, host.size() - 2);
  }
  if (port.empty() || port.size() > 5) return bad();
  int p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return bad();
    p = p * 10 + (c - '0');
  }
  if (p < 1 || p > 65535) return bad();
  for (char c : host) {
    if (!NameChar(c) && c != ':') return bad();
  }
  if (host.front() == '-') return bad();
  return Ok();
}

Target ReadTarget(const Statement& q) {
  Target t;
  t.id = q.Int(0);
  t.name = q.Text(1);
  t.address = q.Text(2);
  t.principal = q.Text(3);
  t.organisation = q.Text(4);
  t.approvals = static_cast<int>(q.Int(5));
  t.created_at = q.Int(6);
  return t;
}

constexpr const char* kTargetColumns =
    "id, name, address, principal, organisation, approvals, created_at";

std::optional<int64_t> OptInt(const Statement& s, int c) {
  return s.IsNull(c) ? std::nullopt : std::optional<int64_t>(s.Int(c));
}

}  // namespace

Status CheckTargetName(std::string_view name) { return CheckWord("target name", name, 64); }

Result<Target> Targets::Add(const Target& t, int64_t now) {
  CORDON_TRY(CheckTargetName(t.name));
  CORDON_TRY(CheckAddress(t.address));
  CORDON_TRY(CheckWord("principal", t.principal, 32));
  if (t.approvals < 1 || t.approvals > 10) {
    return Error(ErrorCode::kInvalidArgument, "approvals: from 1 to 10");
  }
  // A removed target's name is not given again: its grants and recorded
  // sessions keep naming it, and who sees them follows the target's
  // organisation — a new owner of the name would read the old one's history.
  CORDON_ASSIGN_OR_RETURN(Statement used,
                          db_.Prepare("SELECT (SELECT count(*) FROM grants WHERE package = ?1) + "
                                      "(SELECT count(*) FROM remote_sessions WHERE target = ?2) + "
                                      "(SELECT count(*) FROM targets WHERE name = ?2)"));
  used.Bind(1, std::string(kTargetGrantPrefix) + t.name).Bind(2, t.name);
  CORDON_TRY(used.Step());
  const int64_t history = used.Int(0);
  used.Reset();
  if (history > 0) {
    return Error(ErrorCode::kAlreadyExists,
                 "target " + t.name + " exists, or existed and has grants or sessions on record",
                 "a target's name is never reused: choose another (e.g. " + t.name + "-2)");
  }
  CORDON_ASSIGN_OR_RETURN(Statement s,
                          db_.Prepare("INSERT INTO targets(name, address, principal, organisation, "
                                      "approvals, created_at) VALUES (?, ?, ?, ?, ?, ?)"));
  Status st = s.Bind(1, t.name)
                  .Bind(2, t.address)
                  .Bind(3, t.principal)
                  .Bind(4, t.organisation)
                  .Bind(5, static_cast<int64_t>(t.approvals))
                  .Bind(6, now)
                  .Run();
  if (!st.ok() && st.error().code() == ErrorCode::kAlreadyExists) {
    return Error(ErrorCode::kAlreadyExists, "a target named " + t.name + " exists already");
  }
  CORDON_TRY(st);
  return Get(t.name);
}

Result<Target> Targets::Get(std::string_view name) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string("SELECT ") + kTargetColumns +
                                                   " FROM targets WHERE name = ?"));
  q.Bind(1, name);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return Error(ErrorCode::kNotFound, "no target named " + std::string(name));
  return ReadTarget(q);
}

Result<std::vector<Target>> Targets::List() {
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string("SELECT ") + kTargetColumns +
                                                   " FROM targets ORDER BY name"));
  std::vector<Target> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(ReadTarget(q));
  }
}

Status Targets::Remove(std::string_view name, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  if (auto t = Get(name); !t.ok()) return t.error();
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare("SELECT count(*) FROM grants WHERE package = ? AND (status = 'requested' OR "
                  "(status = 'approved' AND closes_at > ?))"));
  q.Bind(1, std::string(kTargetGrantPrefix) + std::string(name)).Bind(2, now);
  CORDON_TRY(q.Step());
  const int64_t open = q.Int(0);
  q.Reset();
  if (open > 0) {
    return Error(ErrorCode::kRefused,
                 "target " + std::string(name) + " has " + std::to_string(open) +
                     " requested or open grant(s)",
                 "an approver revokes them first");
  }
  CORDON_ASSIGN_OR_RETURN(Statement d, db_.Prepare("DELETE FROM targets WHERE name = ?"));
  CORDON_TRY(d.Bind(1, name).Run());
  return tx.Commit();
}

Result<bool> VendorReaches(Db& db, std::string_view vendor, std::string_view hospital) {
  if (vendor.empty() || hospital.empty() || vendor == hospital) return false;
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db.Prepare("SELECT 1 FROM grants g JOIN users u ON u.id = g.requester_id "
                                     "JOIN targets t ON g.package = ? || t.name "
                                     "WHERE u.organisation = ? AND t.organisation = ? LIMIT 1"));
  q.Bind(1, kTargetGrantPrefix).Bind(2, vendor).Bind(3, hospital);
  return q.Step();
}

Result<std::vector<std::string>> VendorsReaching(Db& db, std::string_view hospital) {
  std::vector<std::string> out;
  if (hospital.empty()) return out;
  CORDON_ASSIGN_OR_RETURN(
      Statement q, db.Prepare("SELECT DISTINCT u.organisation FROM grants g JOIN users u ON u.id = "
                              "g.requester_id JOIN targets t ON g.package = ? || t.name WHERE "
                              "t.organisation = ? AND u.organisation NOT IN ('', ?) ORDER BY 1"));
  q.Bind(1, kTargetGrantPrefix).Bind(2, hospital).Bind(3, hospital);
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(q.Text(0));
  }
  return out;
}

// ---- organisations ----

Result<Suspension> Organisations::Suspend(std::string_view name, std::string_view reason,
                                          int64_t now,
                                          const std::function<Status(const Suspension&)>& record) {
  if (name.empty()) {
    return Error(ErrorCode::kInvalidArgument, "name the organisation to suspend",
                 "the organisation of the vendor's accounts (cordon admin user list)");
  }
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(auto known, Get(name));
  if (known && known->suspended()) {
    return Error(ErrorCode::kRefused,
                 "organisation " + std::string(name) + " is suspended already");
  }
  Suspension out;
  {
    CORDON_ASSIGN_OR_RETURN(Statement q,
                            db_.Prepare("SELECT id FROM users WHERE organisation = ? ORDER BY id"));
    q.Bind(1, name);
    while (true) {
      CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      out.accounts.push_back(q.Int(0));
    }
  }
  {
    CORDON_ASSIGN_OR_RETURN(
        Statement q,
        db_.Prepare("SELECT grants.id FROM grants JOIN users ON users.id = grants.requester_id "
                    "WHERE users.organisation = ? AND (grants.status = 'requested' OR "
                    "(grants.status = 'approved' AND grants.closes_at > ?)) ORDER BY grants.id"));
    q.Bind(1, name).Bind(2, now);
    while (true) {
      CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      out.revoked_grants.push_back(q.Int(0));
    }
  }
  for (int64_t id : out.revoked_grants) {
    CORDON_ASSIGN_OR_RETURN(
        Statement u,
        db_.Prepare(
            "UPDATE grants SET status = 'revoked', closes_at = MIN(COALESCE(closes_at, ?1), "
            "?1), decided_at = ?1 WHERE id = ?2"));
    CORDON_TRY(u.Bind(1, now).Bind(2, id).Run());
  }
  CORDON_ASSIGN_OR_RETURN(
      Statement u,
      db_.Prepare("INSERT INTO organisations(name, suspended_at, suspended_reason, "
                  "resume_requested_at, suspension_alerted) VALUES (?1, ?2, ?3, NULL, 0) "
                  "ON CONFLICT(name) DO UPDATE SET suspended_at = ?2, suspended_reason = ?3, "
                  "resume_requested_at = NULL, suspension_alerted = 0"));
  CORDON_TRY(u.Bind(1, name).Bind(2, now).Bind(3, reason).Run());
  if (record) CORDON_TRY(record(out));
  CORDON_TRY(tx.Commit());
  return out;
}

Status Organisations::RequestResume(std::string_view name, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Statement u, db_.Prepare("UPDATE organisations SET resume_requested_at "
                                                   "= ? WHERE name = ? AND suspended_at IS NOT "
                                                   "NULL"));
  CORDON_TRY(u.Bind(1, now).Bind(2, name).Run());
  if (db_.Changes() != 1) {
    return Error(ErrorCode::kRefused, "organisation " + std::string(name) + " is not suspended");
  }
  return Ok();
}

Status Organisations::Resume(std::string_view name, std::string_view approver_organisation,
                             int64_t now, const std::function<Status()>& record) {
  (void)now;
  if (approver_organisation == name) {
    return Error(
        ErrorCode::kRefused, "an organisation never lifts its own suspension",
        "an approver of a hospital the vendor maintains decides, once the exchange's admin asks");
  }
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  // Only a hospital the vendor reaches lifts its suspension, and only once
  // the exchange's admin asked (RequestResume): the emergency cut-off does
  // not end at the word of any approver of any other organisation (attack
  // review of 2026-12-05). To others the suspension is not there.
  CORDON_ASSIGN_OR_RETURN(bool reached, VendorReaches(db_, name, approver_organisation));
  CORDON_ASSIGN_OR_RETURN(std::optional<Organisation> o, Get(name));
  if (!reached || !o || !o->suspended()) {
    return Error(ErrorCode::kNotFound,
                 "organisation " + std::string(name) + " is not suspended, or not your vendor",
                 "an approver of a hospital whose targets the vendor's accounts requested decides");
  }
  if (!o->resume_requested_at) {
    return Error(
        ErrorCode::kRefused,
        "the exchange's admin has not asked for " + std::string(name) + "'s suspension to end",
        "the admin runs `cordon admin organisation resume \"" + std::string(name) +
            "\"` once the vendor's incident is closed; then you decide");
  }
  CORDON_ASSIGN_OR_RETURN(
      Statement u, db_.Prepare("UPDATE organisations SET suspended_at = NULL, suspended_reason = "
                               "'', resume_requested_at = NULL WHERE name = ? AND suspended_at IS "
                               "NOT NULL"));
  CORDON_TRY(u.Bind(1, name).Run());
  if (db_.Changes() != 1) {
    return Error(ErrorCode::kNotFound, "organisation " + std::string(name) + " is not suspended");
  }
  if (record) CORDON_TRY(record());
  return tx.Commit();
}

Result<std::optional<Organisation>> Organisations::Get(std::string_view name) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare("SELECT name, suspended_at, suspended_reason, resume_requested_at "
                               "FROM organisations WHERE name = ?"));
  q.Bind(1, name);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return std::optional<Organisation>();
  return std::optional<Organisation>(
      Organisation{q.Text(0), OptInt(q, 1), q.Text(2), OptInt(q, 3)});
}

Result<bool> Organisations::Suspended(std::string_view name) {
  if (name.empty()) return false;
  CORDON_ASSIGN_OR_RETURN(auto o, Get(name));
  return o && o->suspended();
}

Result<std::vector<Organisation>> Organisations::List() {
  std::map<std::string, Organisation> all;
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare("SELECT organisation FROM users WHERE organisation <> '' UNION SELECT "
                  "organisation FROM targets WHERE organisation <> '' UNION SELECT name FROM "
                  "organisations"));
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    all[q.Text(0)].name = q.Text(0);
  }
  std::vector<Organisation> out;
  for (auto& [name, o] : all) {
    CORDON_ASSIGN_OR_RETURN(auto stored, Get(name));
    out.push_back(stored ? *stored : o);
  }
  return out;
}

Result<std::vector<Organisation>> Organisations::TakeUnalertedSuspensions() {
  std::vector<Organisation> out;
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  {
    CORDON_ASSIGN_OR_RETURN(
        Statement q, db_.Prepare("SELECT name, suspended_at, suspended_reason, resume_requested_at "
                                 "FROM organisations WHERE suspended_at IS NOT NULL AND "
                                 "suspension_alerted = 0 ORDER BY name"));
    while (true) {
      CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      out.push_back(Organisation{q.Text(0), OptInt(q, 1), q.Text(2), OptInt(q, 3)});
    }
  }
  CORDON_ASSIGN_OR_RETURN(Statement u,
                          db_.Prepare("UPDATE organisations SET suspension_alerted = 1 WHERE "
                                      "suspended_at IS NOT NULL AND suspension_alerted = 0"));
  CORDON_TRY(u.Run());
  CORDON_TRY(tx.Commit());
  return out;
}

}  // namespace cordon::exchange
