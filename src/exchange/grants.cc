#include "exchange/grants.h"

#include "exchange/grant_decisions.h"

namespace cordon::exchange {
namespace {

constexpr const char* kColumns =
    "id, requester_id, package, reason, status, requested_at, start_at, duration, approver_id, "
    "opens_at, closes_at, break_glass, reviewed_by, ticket";

std::optional<int64_t> OptInt(const Statement& s, int c) {
  return s.IsNull(c) ? std::nullopt : std::optional<int64_t>(s.Int(c));
}

Grant ReadGrant(const Statement& s) {
  Grant g;
  g.id = s.Int(0);
  g.requester_id = s.Int(1);
  g.package = s.Text(2);
  g.reason = s.Text(3);
  g.status = s.Text(4);
  g.requested_at = s.Int(5);
  g.start_at = OptInt(s, 6);
  g.duration = s.Int(7);
  g.approver_id = OptInt(s, 8);
  g.opens_at = OptInt(s, 9);
  g.closes_at = OptInt(s, 10);
  g.break_glass = s.Int(11) != 0;
  g.reviewed_by = OptInt(s, 12);
  if (!s.IsNull(13)) g.ticket = s.Text(13);
  return g;
}

Error Refused(std::string m, std::string hint = {}) {
  return Error(ErrorCode::kRefused, std::move(m), std::move(hint));
}

Status CheckReason(std::string_view reason, int64_t duration, int64_t max) {
  CORDON_TRY(CheckReasonText(reason));
  if (duration <= 0 || duration > max) {
    return Refused("a grant lasts at most " + std::to_string(max / 3600) + " hours");
  }
  return Ok();
}

Status CheckRequest(std::string_view package, std::string_view reason, int64_t duration,
                    int64_t max) {
  if (package.size() != 64) return Error(ErrorCode::kInvalidArgument, "no such package");
  return CheckReason(reason, duration, max);
}

}  // namespace

Status CheckReasonText(std::string_view reason) {
  if (reason.size() < 10) {
    return Error(ErrorCode::kInvalidArgument, "say why (a reason of 10 characters or more)",
                 "the approver and the periodic access review read it");
  }
  if (reason.size() > 1000) {
    return Error(ErrorCode::kInvalidArgument, "a reason is at most 1000 characters");
  }
  // Read by people on terminals and pages: valid UTF-8 and no control
  // characters, C0 or C1 (an escape sequence in a reason could rewrite an
  // approver's screen), no line or paragraph separator, no invisible format
  // character (a bidirectional override could make it read otherwise).
  auto refuse = [] {
    return Error(ErrorCode::kInvalidArgument,
                 "a reason is one line of plain text: no control or invisible formatting "
                 "characters, no line breaks, valid UTF-8");
  };
  for (size_t i = 0; i < reason.size();) {
    const auto b = static_cast<unsigned char>(reason[i]);
    uint32_t cp = 0;
    size_t len = 0;
    if (b < 0x80) {
      cp = b, len = 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
      cp = b & 0x1Fu, len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      cp = b & 0x0Fu, len = 3;
    } else if (b >= 0xF0 && b <= 0xF4) {
      cp = b & 0x07u, len = 4;
    } else {
      return refuse();
    }
    if (i + len > reason.size()) return refuse();
    for (size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(reason[i + k]);
      if ((c & 0xC0u) != 0x80) return refuse();
      cp = (cp << 6) | (c & 0x3Fu);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    const bool invalid = overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF);
    const bool control = cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
    const bool format = (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
                        (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF ||
                        (cp >= 0xFFF9 && cp <= 0xFFFB) || cp == 0x00AD || cp == 0x061C;
    if (invalid || control || format) return refuse();
    i += len;
  }
  return Ok();
}

Status CheckTicket(std::string_view ticket) {
  bool ok = !ticket.empty() && ticket.size() <= 64;
  for (char c : ticket) ok = ok && c > 0x20 && c < 0x7F && c != '"' && c != '\\';
  if (!ok) {
    return Error(ErrorCode::kInvalidArgument,
                 "ticket: 1 to 64 printable ASCII characters, without spaces, quotes or "
                 "backslashes",
                 "e.g. CHG-2027-0117 or PO/4521");
  }
  return Ok();
}

Status Grants::LoadApprovals(Grant& g) {
  g.approvals.clear();
  if (g.target().empty()) return Ok();
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare("SELECT approver_id FROM grant_approvals WHERE grant_id = ? ORDER BY at, rowid"));
  q.Bind(1, g.id);
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Ok();
    g.approvals.push_back(q.Int(0));
  }
}

Status RefuseWideRole(std::string_view organisation, Role role) {
  if (role == Role::kAuditor && !organisation.empty()) {
    return Refused(
        "the auditor role reads the whole exchange: an organisation's account never holds it "
        "for a while, and no organisation's approver gives it",
        "the exchange's admin creates an auditor account of no organisation");
  }
  return Ok();
}

Result<std::string> Grants::SubjectOrganisation(const Grant& g) {
  std::string sql;
  std::string key;
  if (!g.target().empty()) {
    sql = "SELECT organisation FROM targets WHERE name = ?";
    key = std::string(g.target());
  } else if (g.package.substr(0, kRoleGrantPrefix.size()) == kRoleGrantPrefix) {
    sql = "SELECT organisation FROM users WHERE id = ?";
  } else {
    sql = "SELECT organisation FROM packages WHERE id = ?";
    key = g.package;
  }
  CORDON_ASSIGN_OR_RETURN(Statement q, db_.Prepare(sql));
  if (key.empty()) {
    q.Bind(1, g.requester_id);
  } else {
    q.Bind(1, key);
  }
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    // A target removed since: nobody decides on a grant for nothing.
    if (!g.target().empty()) {
      return Error(ErrorCode::kNotFound, "the target " + std::string(g.target()) + " is gone");
    }
    return std::string();
  }
  return q.Text(0);
}

Status Grants::RefuseOwn(const Account& approver, const Grant& g) {
  if (g.requester_id == approver.id) {
    return Refused("nobody decides on their own request", "another approver must decide");
  }
  CORDON_ASSIGN_OR_RETURN(Statement who, db_.Prepare("SELECT name FROM users WHERE id = ?"));
  who.Bind(1, g.requester_id);
  CORDON_ASSIGN_OR_RETURN(bool found, who.Step());
  if (found && SameName(who.Text(0), approver.name)) {
    return Refused(
        "the requester has your name: one person never decides on their own "
        "request, even from another account",
        "another approver must decide");
  }
  return Ok();
}

Status Grants::MayDecide(const Account& approver, const Grant& g) {
  CORDON_ASSIGN_OR_RETURN(std::string org, SubjectOrganisation(g));
  if (org != approver.organisation) {
    auto name = [](const std::string& o) {
      return o.empty() ? std::string("the exchange's own organisation") : "\"" + o + "\"";
    };
    return Refused("grant " + std::to_string(g.id) + " is on a subject of " + name(org) +
                       "; you approve for " + name(approver.organisation),
                   "an approver of " + name(org) + " decides");
  }
  return Ok();
}

Status Grants::Recorded(const GrantEvent& record, int64_t grant_id) {
  return record ? record(grant_id) : Status(Ok());
}

Result<Grants> Grants::Open(const std::string& data_dir, GrantPolicy policy) {
  CORDON_ASSIGN_OR_RETURN(Db db, OpenExchangeDb(data_dir));
  return Grants(std::move(db), policy);
}

Result<int64_t> Grants::Request(const Account& requester, std::string_view package,
                                std::string_view reason, std::optional<int64_t> start_at,
                                int64_t duration, int64_t now, const GrantEvent& record) {
  if (package.substr(0, kRoleGrantPrefix.size()) == kRoleGrantPrefix) {
    auto role = ParseRole(package.substr(kRoleGrantPrefix.size()));
    if (!role.ok()) return role.error();
    if (*role == Role::kApprover || *role == Role::kAdmin || *role == Role::kDpo) {
      return Refused("the " + std::string(RoleName(*role)) + " role is never granted for a while",
                     "an admin gives it with a named account of its own");
    }
    if (*role == requester.role) return Refused("you already hold this role");
    CORDON_TRY(RefuseWideRole(requester.organisation, *role));
    CORDON_TRY(CheckReason(reason, duration, policy_.max_duration_seconds));
  } else {
    CORDON_TRY(CheckRequest(package, reason, duration, policy_.max_duration_seconds));
  }
  if (start_at && *start_at < now) start_at.reset();  // a start in the past means now
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("INSERT INTO grants(requester_id, package, reason, status, "
                  "requested_at, start_at, duration) VALUES (?, ?, ?, 'requested', ?, ?, ?)"));
  s.Bind(1, requester.id).Bind(2, package).Bind(3, reason).Bind(4, now);
  if (start_at.has_value()) {
    s.Bind(5, start_at.value_or(now));
  } else {
    s.BindNull(5);
  }
  CORDON_TRY(s.Bind(6, duration).Run());
  const int64_t id = db_.LastInsertId();
  CORDON_TRY(Recorded(record, id));
  CORDON_TRY(tx.Commit());
  return id;
}

Status Grants::Decide(const Account& approver, int64_t grant_id, bool approve, int64_t now,
                      const GrantEvent& record) {
  if (approver.role != Role::kApprover) return Refused("only an approver decides on grants");
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(Grant g, Get(grant_id));
  CORDON_TRY(RefuseOwn(approver, g));
  if (g.status != "requested")
    return Refused("grant " + std::to_string(grant_id) + " is already " + g.status);
  CORDON_TRY(MayDecide(approver, g));
  // A request made before the rule: MayDecide put the requester in the
  // approver's organisation.
  if (approve && g.package.starts_with(kRoleGrantPrefix)) {
    auto role = ParseRole(std::string_view(g.package).substr(kRoleGrantPrefix.size()));
    if (role.ok()) CORDON_TRY(RefuseWideRole(approver.organisation, *role));
  }
  // N of M on a target: each approval is kept (and recorded); the grant
  // opens with the N-th distinct one.
  int needed = 1;
  if (!g.target().empty()) {
    CORDON_ASSIGN_OR_RETURN(Target t, Targets(db_).Get(g.target()));
    needed = t.approvals;
  }
  if (approve && needed > 1) {
    for (int64_t earlier : g.approvals) {
      if (earlier == approver.id) {
        return Refused("you approved grant " + std::to_string(grant_id) + " already",
                       "it needs " + std::to_string(needed) + " different approvers");
      }
      CORDON_ASSIGN_OR_RETURN(Account other, [&]() -> Result<Account> {
        CORDON_ASSIGN_OR_RETURN(Statement who, db_.Prepare("SELECT name FROM users WHERE id = ?"));
        who.Bind(1, earlier);
        CORDON_TRY(who.Step());
        Account a;
        a.name = who.Text(0);
        return a;
      }());
      if (SameName(other.name, approver.name)) {
        return Refused("an approver with your name approved grant " + std::to_string(grant_id) +
                           " already: one person counts once",
                       "it needs " + std::to_string(needed) + " different approvers");
      }
    }
  }
  if (!g.target().empty() && approve) {
    CORDON_ASSIGN_OR_RETURN(Statement a,
                            db_.Prepare("INSERT INTO grant_approvals(grant_id, approver_id, at) "
                                        "VALUES (?, ?, ?)"));
    CORDON_TRY(a.Bind(1, grant_id).Bind(2, approver.id).Bind(3, now).Run());
    if (static_cast<int>(g.approvals.size()) + 1 < needed) {
      // Not yet: the grant stays requested, the approval is evidence.
      CORDON_ASSIGN_OR_RETURN(
          Statement u, db_.Prepare("UPDATE grants SET approver_id = ? WHERE id = ? AND status = "
                                   "'requested'"));
      CORDON_TRY(u.Bind(1, approver.id).Bind(2, grant_id).Run());
      if (db_.Changes() != 1)
        return Refused("grant " + std::to_string(grant_id) + " was decided meanwhile");
      CORDON_TRY(Recorded(record, grant_id));
      return tx.Commit();
    }
  }
  CORDON_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("UPDATE grants SET status = ?, approver_id = ?, decided_at = ?, "
                  "opens_at = ?, closes_at = ? WHERE id = ? AND status = 'requested'"));
  s.Bind(1, approve ? "approved" : "denied").Bind(2, approver.id).Bind(3, now);
  if (approve) {
    // The window starts now, or at the later start asked for: never earlier.
    const int64_t opens = g.start_at && *g.start_at > now ? *g.start_at : now;
    s.Bind(4, opens).Bind(5, opens + g.duration);
  } else {
    s.BindNull(4).BindNull(5);
  }
  CORDON_TRY(s.Bind(6, grant_id).Run());
  if (db_.Changes() != 1)
    return Refused("grant " + std::to_string(grant_id) + " was decided meanwhile");
  CORDON_TRY(Recorded(record, grant_id));
  return tx.Commit();
}

Status Grants::Approve(const Account& a, int64_t id, int64_t now, const GrantEvent& record) {
  return Decide(a, id, true, now, record);
}
Status Grants::Deny(const Account& a, int64_t id, int64_t now, const GrantEvent& record) {
  return Decide(a, id, false, now, record);
}

Status Grants::Revoke(const Account& approver, int64_t grant_id, int64_t now,
                      const GrantEvent& record) {
  if (approver.role != Role::kApprover) return Refused("only an approver revokes grants");
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(Grant g, Get(grant_id));  // unknown: kNotFound
  // Revoking one's own grant is still a decision on one's own request.
  CORDON_TRY(RefuseOwn(approver, g));
  CORDON_TRY(MayDecide(approver, g));
  CORDON_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("UPDATE grants SET status = 'revoked', closes_at = MIN(COALESCE("
                  "closes_at, ?), ?), decided_at = ? WHERE id = ? AND status = 'approved'"));
  CORDON_TRY(s.Bind(1, now).Bind(2, now).Bind(3, now).Bind(4, grant_id).Run());
  // A request not yet decided is denied, not revoked: one verb per
  // decision, so that a signature over one proves nothing about the other.
  if (db_.Changes() != 1) {
    return Refused("grant " + std::to_string(grant_id) + " is " + g.status + ", not approved",
                   g.status == "requested" ? "deny it instead" : "");
  }
  CORDON_TRY(Recorded(record, grant_id));
  return tx.Commit();
}

// A break-glass grant, self-approved and open from now: one row and its
// event in one transaction (a package's or a target's alike).
Result<int64_t> Grants::InsertBreakGlass(const Account& requester, std::string_view subject,
                                         std::string_view reason, int64_t duration, int64_t now,
                                         const GrantEvent& record) {
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare(
          "INSERT INTO grants(requester_id, package, reason, status, requested_at, duration, "
          "approver_id, decided_at, opens_at, closes_at, break_glass) "
          "VALUES (?, ?, ?, 'approved', ?, ?, ?, ?, ?, ?, 1)"));
  CORDON_TRY(s.Bind(1, requester.id)
                 .Bind(2, subject)
                 .Bind(3, reason)
                 .Bind(4, now)
                 .Bind(5, duration)
                 .Bind(6, requester.id)
                 .Bind(7, now)
                 .Bind(8, now)
                 .Bind(9, now + duration)
                 .Run());
  const int64_t id = db_.LastInsertId();
  CORDON_TRY(Recorded(record, id));
  CORDON_TRY(tx.Commit());
  return id;
}

Result<int64_t> Grants::BreakGlass(const Account& requester, std::string_view package,
                                   std::string_view reason, int64_t duration, int64_t now,
                                   const GrantEvent& record) {
  CORDON_TRY(CheckRequest(package, reason, duration, policy_.max_break_glass_seconds));
  return InsertBreakGlass(requester, package, reason, duration, now, record);
}

Status Grants::Review(const Account& approver, int64_t grant_id, int64_t now,
                      const GrantEvent& record) {
  if (approver.role != Role::kApprover) return Refused("only an approver reviews break-glass use");
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(Grant g, Get(grant_id));
  if (!g.break_glass)
    return Refused("grant " + std::to_string(grant_id) + " is not a break-glass grant");
  CORDON_TRY(RefuseOwn(approver, g));  // nor from a namesake's account
  CORDON_TRY(MayDecide(approver, g));
  CORDON_ASSIGN_OR_RETURN(
      Statement s, db_.Prepare("UPDATE grants SET reviewed_by = ?, reviewed_at = ? WHERE id = ? "
                               "AND reviewed_by IS NULL"));
  CORDON_TRY(s.Bind(1, approver.id).Bind(2, now).Bind(3, grant_id).Run());
  if (db_.Changes() != 1)
    return Refused("grant " + std::to_string(grant_id) + " was already reviewed");
  CORDON_TRY(Recorded(record, grant_id));
  return tx.Commit();
}

Result<std::optional<Grant>> Grants::ActiveFor(const Account& account, std::string_view package,
                                               int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare(std::string("SELECT ") + kColumns +
                                      " FROM grants WHERE requester_id = ? AND package = ? AND "
                                      "status = 'approved' AND opens_at <= ? AND closes_at > ? "
                                      "ORDER BY closes_at DESC LIMIT 1"));
  q.Bind(1, account.id).Bind(2, package).Bind(3, now).Bind(4, now);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return std::optional<Grant>();
  return std::optional<Grant>(ReadGrant(q));
}

Result<std::vector<Role>> Grants::ActiveRoles(const Account& account, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare("SELECT DISTINCT package FROM grants WHERE requester_id = ? AND "
                               "package LIKE 'role:%' AND status = 'approved' AND opens_at <= ? "
                               "AND closes_at > ?"));
  q.Bind(1, account.id).Bind(2, now).Bind(3, now);
  std::vector<Role> roles;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return roles;
    auto role = ParseRole(std::string_view(q.Text(0)).substr(kRoleGrantPrefix.size()));
    // One approved before the rule confers nothing.
    if (role.ok() && RefuseWideRole(account.organisation, *role).ok()) roles.push_back(*role);
  }
}

Result<Grant> Grants::Get(int64_t grant_id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare(std::string("SELECT ") + kColumns + " FROM grants WHERE id = ?"));
  q.Bind(1, grant_id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return Error(ErrorCode::kNotFound, "no grant " + std::to_string(grant_id));
  Grant g = ReadGrant(q);
  q.Reset();
  CORDON_TRY(LoadApprovals(g));
  return g;
}

Result<std::vector<Grant>> Grants::List(std::optional<int64_t> requester_id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare(std::string("SELECT ") + kColumns +
                               " FROM grants WHERE ?1 IS NULL OR requester_id = ?1 ORDER BY id"));
  if (requester_id) {
    q.Bind(1, *requester_id);
  } else {
    q.BindNull(1);
  }
  std::vector<Grant> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(ReadGrant(q));
  }
  for (Grant& g : out) CORDON_TRY(LoadApprovals(g));
  return out;
}

Result<std::vector<Grant>> Grants::Uncountersigned(int64_t deadline) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare(std::string("SELECT ") + kColumns +
                               " FROM grants WHERE break_glass = 1 AND reviewed_by IS NULL AND "
                               "package LIKE 'target:%' AND requested_at <= ? AND "
                               "overdue_locked_at IS NULL ORDER BY id"));
  q.Bind(1, deadline);
  std::vector<Grant> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(ReadGrant(q));
  }
}

Status Grants::MarkOverdueLocked(int64_t grant_id, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Statement u,
                          db_.Prepare("UPDATE grants SET overdue_locked_at = ? WHERE id = ? AND "
                                      "overdue_locked_at IS NULL"));
  return u.Bind(1, now).Bind(2, grant_id).Run();
}

Result<int64_t> Grants::RequestTarget(const Account& requester, const Target& target,
                                      std::string_view reason, std::optional<int64_t> start_at,
                                      int64_t duration, std::optional<std::string> ticket,
                                      int64_t now, const GrantEvent& record) {
  if (requester.role != Role::kOperator) {
    return Refused("only an operator requests access to a target",
                   "the vendor's engineer asks; the target's approvers decide");
  }
  if (ticket) CORDON_TRY(CheckTicket(*ticket));
  CORDON_TRY(CheckReason(reason, duration, policy_.max_duration_seconds));
  if (start_at && *start_at < now) start_at.reset();
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("INSERT INTO grants(requester_id, package, reason, status, requested_at, "
                  "start_at, duration, ticket) VALUES (?, ?, ?, 'requested', ?, ?, ?, ?)"));
  s.Bind(1, requester.id)
      .Bind(2, std::string(kTargetGrantPrefix) + target.name)
      .Bind(3, reason)
      .Bind(4, now);
  if (start_at.has_value()) {
    s.Bind(5, start_at.value_or(now));
  } else {
    s.BindNull(5);
  }
  s.Bind(6, duration);
  if (ticket) {
    s.Bind(7, *ticket);
  } else {
    s.BindNull(7);
  }
  CORDON_TRY(s.Run());
  const int64_t id = db_.LastInsertId();
  CORDON_TRY(Recorded(record, id));
  CORDON_TRY(tx.Commit());
  return id;
}

Result<int64_t> Grants::BreakGlassTarget(const Account& requester, const Target& target,
                                         std::string_view reason, int64_t duration, int64_t now,
                                         const GrantEvent& record) {
  if (!requester.on_call) {
    return Refused("only an account flagged on-call breaks the glass on a target",
                   "request a grant (POST /grants with \"target\"), or ask an admin for the "
                   "on-call flag");
  }
  CORDON_TRY(CheckReason(reason, duration, policy_.max_break_glass_seconds));
  return InsertBreakGlass(requester, std::string(kTargetGrantPrefix) + target.name, reason,
                          duration, now, record);
}

}  // namespace cordon::exchange

namespace cordon::exchange {

Status Grants::AddSignature(const GrantSignature& s) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare("INSERT OR IGNORE INTO grant_signatures(grant_id, signer_id, "
                               "passkey_id, ssh_key_id, decision, signed_at, document, sshsig) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  q.Bind(1, s.grant_id).Bind(2, s.signer_id);
  if (s.passkey_id)
    q.Bind(3, *s.passkey_id);
  else
    q.BindNull(3);
  if (s.ssh_key_id)
    q.Bind(4, *s.ssh_key_id);
  else
    q.BindNull(4);
  q.Bind(5, s.decision).Bind(6, s.signed_at).Bind(7, AsBytes(s.document)).Bind(8, s.sshsig);
  CORDON_TRY(q.Run());
  if (db_.Changes() != 1) {
    return Refused("you signed this decision on grant " + std::to_string(s.grant_id) + " already");
  }
  return Ok();
}

Result<std::vector<GrantSignature>> Grants::Signatures(int64_t grant_id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare("SELECT signer_id, passkey_id, ssh_key_id, decision, signed_at, "
                               "document, sshsig FROM grant_signatures WHERE grant_id = ? "
                               "ORDER BY id"));
  q.Bind(1, grant_id);
  std::vector<GrantSignature> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    GrantSignature s;
    s.grant_id = grant_id;
    s.signer_id = q.Int(0);
    if (!q.IsNull(1)) s.passkey_id = q.Int(1);
    if (!q.IsNull(2)) s.ssh_key_id = q.Int(2);
    s.decision = q.Text(3);
    s.signed_at = q.Int(4);
    const Bytes document = q.Blob(5);
    s.document.assign(document.begin(), document.end());
    s.sshsig = q.Text(6);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace cordon::exchange
