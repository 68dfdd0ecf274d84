// The systems vendors maintain over SSH (targets: a PACS, a LIS server),
// registered by an admin with the organisation that owns them and how many
// approvals a grant on them needs; and the organisations themselves, which
// an admin can suspend in one act (the emergency cut-off: a vendor was
// attacked) and only an approver of another organisation can resume.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "exchange/db.h"

namespace cordon::exchange {

struct Target {
  int64_t id = 0;
  std::string name;       // [a-z0-9._-], 1..64: "pacs01"
  std::string address;    // HOST:PORT the bastion connects to
  std::string principal;  // the login name on the target (its AuthorizedPrincipalsFile)
  std::string organisation;
  int approvals = 1;  // distinct approvals a grant on it needs (N of M)
  int64_t created_at = 0;
};

// A grant on a target is written "target:<name>" where a package id would be.
inline constexpr std::string_view kTargetGrantPrefix = "target:";

// kInvalidArgument naming the rule a target's name, address or principal breaks.
Status CheckTargetName(std::string_view name);

// Whether the vendor `vendor` reaches the hospital `hospital`: an account of
// `vendor` has requested a grant on a target `hospital` holds (whatever
// became of the grant). Only such a hospital reviews the vendor's accounts
// and re-opens them — not any organisation that holds targets, nor one the
// vendor never maintained (a campaign's "remove" disables accounts
// exchange-wide). False for "" on either side and for one organisation
// with itself.
Result<bool> VendorReaches(Db& db, std::string_view vendor, std::string_view hospital);
// The vendors `hospital` reaches in VendorReaches' sense, sorted: whose
// accounts an approver of the hospital sees in the access review. Empty for "".
Result<std::vector<std::string>> VendorsReaching(Db& db, std::string_view hospital);

// Thread-safety: a view over one connection, used by the thread that owns it.
class Targets {
 public:
  explicit Targets(Db& db) : db_(db) {}
  Result<Target> Add(const Target& t, int64_t now);  // kAlreadyExists for a name in use
  Result<Target> Get(std::string_view name);         // kNotFound
  Result<std::vector<Target>> List();
  // kRefused while a grant on it is requested or open: revoke them first.
  Status Remove(std::string_view name, int64_t now);

 private:
  Db& db_;
};

struct Organisation {
  std::string name;
  std::optional<int64_t> suspended_at;
  std::string suspended_reason;
  std::optional<int64_t> resume_requested_at;
  bool suspended() const { return suspended_at.has_value(); }
};

// What a suspension did, for its ledger event and alert.
struct Suspension {
  std::vector<int64_t> revoked_grants;
  std::vector<int64_t> accounts;
};

// Thread-safety: a view over one connection, used by the thread that owns it.
class Organisations {
 public:
  explicit Organisations(Db& db) : db_(db) {}
  // One transaction: every requested or open grant requested by the
  // organisation's accounts is revoked (closes now), and the organisation is
  // marked suspended. `record` (the ledger event) runs inside it: no
  // suspension without its evidence. kRefused for "" or one already suspended.
  Result<Suspension> Suspend(std::string_view name, std::string_view reason, int64_t now,
                             const std::function<Status(const Suspension&)>& record = {});
  // An admin asks for the suspension to end; an approver decides (Resume).
  Status RequestResume(std::string_view name, int64_t now);
  // Lifts the suspension, once an admin asked (RequestResume; kRefused
  // before), by an approver of a hospital `name` reaches (VendorReaches;
  // kNotFound, as when not suspended, for anyone else). kRefused for
  // `name` itself: a vendor never lifts its own suspension.
  Status Resume(std::string_view name, std::string_view approver_organisation, int64_t now,
                const std::function<Status()>& record = {});
  Result<bool> Suspended(std::string_view name);  // false for "" and unknown names
  Result<std::optional<Organisation>> Get(std::string_view name);
  // Every organisation known: from accounts, targets and the suspensions table.
  Result<std::vector<Organisation>> List();
  // Suspensions whose alert has not been raised yet (the admin command
  // cannot raise alerts: the server's sweep does, once), marked as raised.
  Result<std::vector<Organisation>> TakeUnalertedSuspensions();

 private:
  Db& db_;
};

}  // namespace cordon::exchange
