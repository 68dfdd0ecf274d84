#include "pipeline/signed_plan.h"

#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "crypto/hash.h"
#include "pipeline/plan_json.h"

namespace cordon::pipeline {
namespace {

Error Refused(std::string message, std::string hint = {}) {
  return Error(ErrorCode::kRefused, std::move(message), std::move(hint));
}

constexpr std::string_view kReplan =
    "plan again (`cordon plan --json`), put the new plan's SHA-256 in the order's "
    "plan_sha256, and have the controller sign the order again";

Result<uint64_t> Count(const nlohmann::json& table, const char* field, const std::string& name) {
  auto it = table.find(field);
  if (it == table.end() || !it->is_number_unsigned()) {
    return Refused("the plan's table " + name + " has no " + field + " count");
  }
  return it->get<uint64_t>();
}

}  // namespace

Result<SignedPlan> ReadSignedPlan(ByteView plan_json, const order::Order& order) {
  SignedPlan plan;
  plan.sha256 = HexEncode(crypto::Sha256::Hash(plan_json));
  if (plan.sha256 != order.plan_sha256) {
    return Refused("the plan file's SHA-256 is " + plan.sha256 + ", the order names " +
                       order.plan_sha256 + ": it is not the plan the controller approved",
                   "give the plan file the order names (--plan), byte for byte");
  }
  const auto j = nlohmann::json::parse(plan_json.begin(), plan_json.end(), nullptr, false);
  if (!j.is_object() || j.value("format", "") != "cordon-plan" || !j.contains("version") ||
      j["version"] != kPlanFormatVersion) {
    return Refused("the plan file is not a cordon plan of version " +
                   std::to_string(kPlanFormatVersion));
  }
  // The digest binds the bytes; these bind the bytes to this order.
  if (!j.contains("order") || !j["order"].is_object() || j["order"].value("id", "") != order.id) {
    return Refused("the plan file is not a plan of order " + order.id);
  }
  const auto tables = j.find("tables");
  if (tables == j.end() || !tables->is_array() || tables->size() != order.tables.size()) {
    return Refused("the plan's tables are not the order's", std::string(kReplan));
  }
  for (size_t i = 0; i < order.tables.size(); ++i) {
    const nlohmann::json& t = (*tables)[i];
    const std::string& name = order.tables[i].name;
    if (!t.is_object() || t.value("name", "") != name) {
      return Refused("the plan's table " + std::to_string(i + 1) + " is not the order's " + name,
                     std::string(kReplan));
    }
    PlannedTable p{.name = name};
    CORDON_ASSIGN_OR_RETURN(p.rows_read, Count(t, "rows_read", name));
    CORDON_ASSIGN_OR_RETURN(p.rows_selected, Count(t, "rows_selected", name));
    plan.tables.push_back(std::move(p));
  }
  return plan;
}

Status CheckPlanCounts(const SignedPlan& plan, const std::vector<TableStats>& run,
                       const order::PlanTolerance& tolerance) {
  if (run.size() != plan.tables.size()) {
    return Refused("the run has " + std::to_string(run.size()) + " tables, the plan " +
                   std::to_string(plan.tables.size()));
  }
  std::string moved;
  for (size_t i = 0; i < run.size(); ++i) {
    const PlannedTable& p = plan.tables[i];
    for (const auto& [what, planned, actual] :
         {std::tuple<const char*, uint64_t, uint64_t>{"rows read", p.rows_read, run[i].rows_read},
          {"rows selected", p.rows_selected, run[i].rows_selected}}) {
      if (!tolerance.Allows(planned, actual)) {
        moved += (moved.empty() ? "" : "; ") + p.name + ": " + std::to_string(actual) + " " + what +
                 ", the plan " + std::to_string(planned);
      }
    }
  }
  if (moved.empty()) return Ok();
  return Refused("the source no longer gives the counts of the signed plan (tolerance " +
                     tolerance.Text() + "): " + moved,
                 std::string(kReplan));
}

}  // namespace cordon::pipeline
