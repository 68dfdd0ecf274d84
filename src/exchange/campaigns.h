// Access review campaigns per vendor organisation (Entra's access reviews,
// "no decision means removal"): an approver of another organisation opens
// one with a deadline; each of the organisation's accounts is kept or
// removed by an approver's decision; at the deadline (the server's minute
// sweep) every account not kept is disabled, and the campaign's result is
// one ledger event.
//
// Each decision is a signature (issue 17: no approval is a bare row): the
// approver signs, with a passkey in the pages or a registered SSH key from
// the command line, a document naming the campaign, the account as it is
// and the decision — an SSHSIG (namespace cordon-review@RP_ID) that
// `ssh-keygen -Y verify` checks offline, kept beside the decision.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "exchange/accounts.h"
#include "exchange/db.h"

namespace cordon::exchange {

// The SSHSIG namespace of campaign decisions, before "@" and the RP ID.
inline constexpr std::string_view kReviewNamespace = "cordon-review";

// How far ahead a campaign's deadline may be (180 days): one that never
// ends would block the organisation's next review.
inline constexpr int64_t kMaxCampaignSeconds = 180 * 86400;

// A decision's signature: made with a passkey (the pages) or a registered
// SSH key (the command line), exactly one of the two.
struct CampaignSignature {
  std::optional<int64_t> passkey_id, ssh_key_id;
  std::string document;  // the exact bytes signed
  std::string sshsig;    // armored, "-----BEGIN SSH SIGNATURE-----…"
};

struct CampaignDecision {
  int64_t account_id = 0;
  std::string decision;  // "keep", "remove"
  int64_t decided_by = 0, at = 0;
  std::optional<CampaignSignature> signature;  // absent: decided unsigned
};

struct Campaign {
  int64_t id = 0;
  std::string organisation;
  int64_t opened_by = 0, opened_at = 0, deadline = 0;
  std::optional<int64_t> closed_at;
  std::vector<int64_t> accounts;  // the organisation's accounts (not disabled)
  std::vector<CampaignDecision> decisions;
};

// "keep" or "remove".
bool IsCampaignDecision(std::string_view decision);

// The decision on `account_id` standing in `c` as a decision document names
// it ("replaces": decision, decided_by, at, signature_sha256 or null), or
// null when none stands.
nlohmann::json StandingDecision(const Campaign& c, int64_t account_id);

// The bytes an approver signs to `decision` (keep or remove) `account` in
// campaign `c`, on the exchange at `origin` (https://host[:port]), after
// the account's standing decision in `c` (named in "replaces", so that a
// signature is over one step and an earlier one cannot be replayed).
// Canonical JSON as exchange/grant_decisions.h's (keys sorted, no
// whitespace, no floating point), from what does not change while the
// campaign is open — the campaign's id, organisation and deadline, the
// account's identity — so that the page, the command line and the server
// derive the same bytes, and a verifier derives them again.
std::string CampaignDecisionDocument(const Campaign& c, const Account& account,
                                     std::string_view decision, std::string_view origin);

struct CampaignResult {
  int64_t campaign = 0;
  std::string organisation;
  int64_t opened_by = 0;  // the hospital's approver who opened it
  std::vector<int64_t> kept, disabled;
  std::string void_reason;  // non-empty: nothing decided (the organisation became a hospital)
};

// Thread-safety: a view over one connection, used by the thread that owns it.
class Campaigns {
 public:
  explicit Campaigns(Db& db) : db_(db) {}
  // kRefused unless `approver` is an approver of another organisation than
  // `organisation`; kNotFound unless `organisation` is a vendor that
  // reaches the approver's (VendorReaches: its accounts requested the
  // approver's organisation's targets) — one answer whether it does not
  // exist or never reached it; kRefused when `organisation` holds targets
  // itself (a hospital); kNotFound when it has no account; kInvalidArgument unless
  // the deadline is within the next 180 days; kAlreadyExists while a
  // campaign of the organisation is open.
  Result<int64_t> Open(const Account& approver, std::string_view organisation, int64_t deadline,
                       int64_t now);
  Result<Campaign> Get(int64_t id);
  // The `limit` most recent campaigns, newest first (accounts and
  // decisions included).
  Result<std::vector<Campaign>> Recent(int limit);
  // Whether `approver` may decide on `account_id` in `c` now (an approver
  // of a hospital the reviewed vendor reaches, the campaign open,
  // the account one of its and neither theirs nor a namesake's): checked
  // by Decide, and by the API before it verifies a signature, so that a
  // signature check answers nobody who may not decide.
  Status MayDecide(const Account& approver, const Campaign& c, int64_t account_id, int64_t now);
  // keep or remove one of the organisation's accounts, before the deadline,
  // by an approver of a hospital the vendor reaches (a later decision
  // replaces an earlier one, its signature with it; a signed decision is
  // replaced only by a signed one; kAlreadyExists when the standing
  // decision is no longer the one `signature`'s document replaces).
  // `signature` is kept with the decision (the caller verified it over
  // CampaignDecisionDocument's bytes). `record` (the ledger event) runs
  // inside the decision's transaction: unrecorded, it is not made.
  Status Decide(const Account& approver, int64_t campaign_id, int64_t account_id,
                std::string_view decision, int64_t now, const std::function<Status()>& record = {},
                const CampaignSignature* signature = nullptr);
  // Closes every campaign past its deadline: each account not kept is
  // disabled (its sessions end), in one transaction per campaign with its
  // `record` (the ledger event) — unless the organisation holds targets by
  // then, or the opener's hospital no longer reaches it (its targets
  // removed): the campaign closes void, nobody disabled (void_reason).
  Result<std::vector<CampaignResult>> CloseDue(
      int64_t now, const std::function<Status(const CampaignResult&)>& record = {});
  // Whether `organisation` holds targets (is a hospital: the vendor's
  // engineers reach its systems); "" never does.
  Result<bool> HoldsTargets(std::string_view organisation);

 private:
  // kNotFound unless `organisation`'s accounts requested targets of the
  // approver's organisation (VendorReaches).
  Status RefuseUnlessReached(const Account& approver, std::string_view organisation);
  // kRefused when `organisation` holds targets (HoldsTargets).
  Status RefuseIfHospital(std::string_view organisation);
  Db& db_;
};

}  // namespace cordon::exchange
