// Access on request: nobody reads a package without a grant — asked for by
// one person, with a reason and a duration, approved by a *different*
// person with the approver role. A grant opens and closes by itself: its
// window starts at approval (a slow approver never eats into it) or at the
// future start the requester named (the night of a migration). Break-glass:
// a self-approved emergency grant that opens at once, raises an alert, and
// stays "to be reviewed" until an approver reviews it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "exchange/accounts.h"
#include "exchange/db.h"
#include "exchange/targets.h"

namespace cordon::exchange {

struct GrantSignature;  // exchange/grant_decisions.h

struct GrantPolicy {
  int64_t max_duration_seconds = 24 * 3600;
  int64_t max_break_glass_seconds = 4 * 3600;
  // A break-glass grant on a target must be countersigned (reviewed) by an
  // approver of the target's organisation within this, or the account that
  // broke the glass is locked (Api's periodic sweep).
  int64_t countersign_seconds = 24 * 3600;
};

// A reason people read (a grant's, an unlock's): 10 to 1000 characters, one
// line, no control characters. kInvalidArgument saying which rule.
Status CheckReasonText(std::string_view reason);

// A ticket or order reference on a target grant: 1 to 64 printable ASCII
// characters, no space, quote or backslash (it ends the SSH certificate's
// key id, "order=<ticket>", which sshd logs in quotes).
Status CheckTicket(std::string_view ticket);

// A grant is on one package, or on a role (just-in-time elevation: an
// operator who needs the recipient role for one support case); a role
// grant is written "role:<name>" where a package id would be.
inline constexpr std::string_view kRoleGrantPrefix = "role:";

// kRefused when an account of `organisation` would hold `role` by a grant
// while the role reads beyond its organisation: the auditor's (everything
// on the exchange) is held by an account of no organisation only — else a
// vendor's approver could make its engineer a reader of every hospital.
Status RefuseWideRole(std::string_view organisation, Role role);

struct Grant {
  int64_t id = 0;
  int64_t requester_id = 0;
  std::string package;  // the package's manifest SHA-256, or "role:<name>"
  std::string reason;
  std::string status;  // "requested", "approved", "denied", "revoked"
  int64_t requested_at = 0;
  std::optional<int64_t> start_at;  // a future start the requester asked for
  int64_t duration = 0;
  std::optional<int64_t> approver_id;
  std::optional<int64_t> opens_at, closes_at;
  bool break_glass = false;
  std::optional<int64_t> reviewed_by;
  std::optional<std::string> ticket;  // target grants: a ticket or order reference
  // Target grants: who approved so far (N of M: the grant opens with the
  // target's approvals-th), in order.
  std::vector<int64_t> approvals;

  // The target's name for a "target:<name>" grant, else "".
  std::string_view target() const {
    return std::string_view(package).substr(0, kTargetGrantPrefix.size()) == kTargetGrantPrefix
               ? std::string_view(package).substr(kTargetGrantPrefix.size())
               : std::string_view();
  }

  bool OpenAt(int64_t now) const {
    return status == "approved" && opens_at && closes_at && *opens_at <= now && now < *closes_at;
  }
};

// Appends the ledger event of a grant decision inside the transaction that
// makes it: if the event cannot be recorded, the decision is rolled back.
using GrantEvent = std::function<Status(int64_t grant_id)>;

// Grants of access to a package or a role, and their decisions.
// Thread-safety: one connection to the store; one thread at a time (each
// server worker opens its own). Decisions are transactions, so instances
// sharing a data directory never both decide one grant.
class Grants {
 public:
  // Opens the grants table in DIR/exchange.db (next to the accounts).
  static Result<Grants> Open(const std::string& data_dir, GrantPolicy policy = {});

  // `package` is a package id, or "role:operator|recipient|auditor" for a
  // role the requester does not hold (never approver or admin: no one
  // elevates themselves into deciding on grants or managing accounts).
  Result<int64_t> Request(const Account& requester, std::string_view package,
                          std::string_view reason, std::optional<int64_t> start_at,
                          int64_t duration, int64_t now, const GrantEvent& record = {});
  // A grant on an SSH target ("target:<name>"), by an operator, with an
  // optional ticket or order reference. It opens once `target.approvals`
  // distinct approvers of the target's organisation approved.
  Result<int64_t> RequestTarget(const Account& requester, const Target& target,
                                std::string_view reason, std::optional<int64_t> start_at,
                                int64_t duration, std::optional<std::string> ticket, int64_t now,
                                const GrantEvent& record = {});
  // Break-glass on a target: only for an account flagged on-call; opens at
  // once; the caller raises the alert; must be reviewed (countersigned)
  // within policy.countersign_seconds.
  Result<int64_t> BreakGlassTarget(const Account& requester, const Target& target,
                                   std::string_view reason, int64_t duration, int64_t now,
                                   const GrantEvent& record = {});

  // kRefused unless `approver` has the approver role, is of the subject's
  // organisation (the target's, the package's; for a role grant the
  // requester's), is not the requester nor an account of the same name, and
  // the grant is still requested. On a target needing N approvals, each
  // approval is recorded (and `record` called) and the grant stays
  // "requested" until the N-th distinct one: the window opens then.
  Status Approve(const Account& approver, int64_t grant_id, int64_t now,
                 const GrantEvent& record = {});
  Status Deny(const Account& approver, int64_t grant_id, int64_t now,
              const GrantEvent& record = {});
  Status Revoke(const Account& approver, int64_t grant_id, int64_t now,
                const GrantEvent& record = {});
  // Opens at once; the caller raises the alert. Read-only: a break-glass
  // grant never confirms (deletes) a package.
  Result<int64_t> BreakGlass(const Account& requester, std::string_view package,
                             std::string_view reason, int64_t duration, int64_t now,
                             const GrantEvent& record = {});
  // An approver (not the one who broke the glass) attests the emergency.
  Status Review(const Account& approver, int64_t grant_id, int64_t now,
                const GrantEvent& record = {});

  // The roles `account` holds now through open role grants.
  Result<std::vector<Role>> ActiveRoles(const Account& account, int64_t now);
  // The grant that lets `account` read `package` now, if any.
  Result<std::optional<Grant>> ActiveFor(const Account& account, std::string_view package,
                                         int64_t now);
  Result<Grant> Get(int64_t grant_id);
  // The organisation a grant's subject belongs to: the target's, the
  // package's (its uploader's at upload), or, for a role grant, the
  // requester's. An approver decides only within it.
  Result<std::string> SubjectOrganisation(const Grant& g);
  // Break-glass grants on targets requested at or before `deadline`, still
  // not countersigned, whose requester the sweep has not locked for them yet.
  Result<std::vector<Grant>> Uncountersigned(int64_t deadline);
  // The sweep locked the requester for this grant: never again for it (an
  // admin's unlock holds).
  Status MarkOverdueLocked(int64_t grant_id, int64_t now);
  // Keeps an approver's signed decision (exchange/grant_decisions.h). Called
  // from a decision's GrantEvent, it joins that decision's transaction: no
  // signed decision without its decision, and the reverse. kRefused when
  // the signer signed this decision on this grant already.
  Status AddSignature(const GrantSignature& s);
  // The signed decisions on a grant, oldest first.
  Result<std::vector<GrantSignature>> Signatures(int64_t grant_id);
  // kRefused unless `approver` may decide on `g`: the grant's subject
  // belongs to the approver's organisation.
  Status MayDecide(const Account& approver, const Grant& g);
  // kRefused when `g` is the approver's own request, or that of an account
  // of the same name (SameName): one person never decides on their own
  // request — approve, deny, revoke or countersign.
  Status RefuseOwn(const Account& approver, const Grant& g);
  // Every grant (for the access review), or one person's.
  Result<std::vector<Grant>> List(std::optional<int64_t> requester_id = std::nullopt);

 private:
  Grants(Db db, GrantPolicy policy) : db_(std::move(db)), policy_(policy) {}
  Status Decide(const Account& approver, int64_t grant_id, bool approve, int64_t now,
                const GrantEvent& record);
  Status Recorded(const GrantEvent& record, int64_t grant_id);
  Result<int64_t> InsertBreakGlass(const Account& requester, std::string_view subject,
                                   std::string_view reason, int64_t duration, int64_t now,
                                   const GrantEvent& record);
  Status LoadApprovals(Grant& g);
  Db db_;
  GrantPolicy policy_;
};

}  // namespace cordon::exchange
