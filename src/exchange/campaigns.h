// Access review campaigns per vendor organisation (Entra's access reviews,
// "no decision means removal"): an approver of another organisation opens
// one with a deadline; each of the organisation's accounts is kept or
// removed by an approver's decision; at the deadline (the server's minute
// sweep) every account not kept is disabled, and the campaign's result is
// one ledger event.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "exchange/accounts.h"
#include "exchange/db.h"

namespace cordon::exchange {

struct CampaignDecision {
  int64_t account_id = 0;
  std::string decision;  // "keep", "remove"
  int64_t decided_by = 0, at = 0;
};

struct Campaign {
  int64_t id = 0;
  std::string organisation;
  int64_t opened_by = 0, opened_at = 0, deadline = 0;
  std::optional<int64_t> closed_at;
  std::vector<int64_t> accounts;  // the organisation's accounts (not disabled)
  std::vector<CampaignDecision> decisions;
};

struct CampaignResult {
  int64_t campaign = 0;
  std::string organisation;
  std::vector<int64_t> kept, disabled;
};

// Thread-safety: a view over one connection, used by the thread that owns it.
class Campaigns {
 public:
  explicit Campaigns(Db& db) : db_(db) {}
  // kRefused unless `approver` is an approver of another organisation than
  // `organisation` (a vendor never reviews itself) and the deadline is in
  // the future; kAlreadyExists while a campaign of the organisation is open.
  Result<int64_t> Open(const Account& approver, std::string_view organisation, int64_t deadline,
                       int64_t now);
  Result<Campaign> Get(int64_t id);
  // keep or remove one of the organisation's accounts, before the deadline
  // (a later decision replaces an earlier one). `record` (the ledger event)
  // runs inside the decision's transaction: unrecorded, it is not made.
  Status Decide(const Account& approver, int64_t campaign_id, int64_t account_id,
                std::string_view decision, int64_t now, const std::function<Status()>& record = {});
  // Closes every campaign past its deadline: each account not kept is
  // disabled (its sessions end), in one transaction per campaign with its
  // `record` (the ledger event).
  Result<std::vector<CampaignResult>> CloseDue(
      int64_t now, const std::function<Status(const CampaignResult&)>& record = {});

 private:
  Db& db_;
};

}  // namespace cordon::exchange
