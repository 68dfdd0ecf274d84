// Orders submitted for a DPO's validation through the exchange (issue 17):
// the submission of an order's exact bytes with its plan, the list, and one
// version fetched and checked (its bytes against the digests the exchange
// states, the order's plan_sha256 against the plan) before it is written.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/connection.h"
#include "core/result.h"

namespace cordon::client {

// nlohmann::json's destructor may allocate (it unwinds nested values with a
// stack), which clang-tidy takes for a throwing destructor; nothing here throws.
struct SubmittedOrder {  // NOLINT(bugprone-exception-escape)
  std::string order_id, organisation, submitted_at, order_sha256, plan_sha256;
  int64_t version = 0, submitter_id = 0;
  uint64_t order_bytes = 0, plan_bytes = 0;
  std::string order_toml, plan_json;  // FetchOrder only: the exact bytes
  // FetchOrder only: the DPOs' passkey signatures of this version (armored
  // SSH signatures), oldest first.
  std::vector<std::string> signatures;
  nlohmann::json answer;  // the server's JSON (without the bytes)
};

// Uploads the order (already carrying the plan's digest: order/plan_digest.h)
// and the plan. `organisation`: the controller's, as the exchange knows it
// (empty: the exchange takes the order's `controller`).
Result<SubmittedOrder> SubmitOrder(Connection& connection, std::string_view order_toml,
                                   std::string_view plan_json, const std::string& organisation);

struct OrderList {  // NOLINT(bugprone-exception-escape): as SubmittedOrder
  std::vector<SubmittedOrder> orders;
  nlohmann::json answer;
};
// Yours (operators), your organisation's (DPOs), everyone's (auditors).
Result<OrderList> ListOrders(Connection& connection);

// One version (the latest without `version`), its bytes checked: kMalformed
// when they do not hash to what the exchange states, or when the order's
// plan_sha256 is not the plan's.
Result<SubmittedOrder> FetchOrder(Connection& connection, const std::string& order_id,
                                  std::optional<int64_t> version);

// DIR/order.toml and DIR/plan.json, exactly as uploaded (DIR made if need be).
Status SaveOrder(const SubmittedOrder& order, const std::string& dir);

}  // namespace cordon::client
