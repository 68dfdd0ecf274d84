// "The signed plan is the executed plan": an order may name the plan its
// controller approved (order.plan_sha256, the SHA-256 of the exact bytes
// `cordon plan --json` wrote). Extract then reads that plan file, checks
// it is the one named and is a plan of this order, and compares each
// table's counts in the run with the plan's, within order.plan_tolerance —
// before anything is published (docs/order-format.md "The signed plan").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "order/order.h"
#include "pipeline/runner.h"

namespace cordon::pipeline {

// A plan file is a few KiB per table; this bounds a hostile one.
inline constexpr size_t kMaxPlanBytes = 16 << 20;

// A table's counts as the plan gives them.
struct PlannedTable {
  std::string name;
  uint64_t rows_read = 0;
  uint64_t rows_selected = 0;
};

// The plan an order names, checked against the order.
struct SignedPlan {
  std::string sha256;                // lowercase hex, equal to the order's plan_sha256
  std::vector<PlannedTable> tables;  // in the order's order
};

// Checks `plan_json` against `order`: its SHA-256 is order.plan_sha256, it
// is a cordon-plan of version 1 for order.id, with the order's tables in
// the order's order. kRefused otherwise (nothing may run on another plan).
Result<SignedPlan> ReadSignedPlan(ByteView plan_json, const order::Order& order);

// Compares the run's counts (rows read, rows selected) with the plan's,
// each within `tolerance`. kRefused naming every table and count outside it.
Status CheckPlanCounts(const SignedPlan& plan, const std::vector<TableStats>& run,
                       const order::PlanTolerance& tolerance);

}  // namespace cordon::pipeline
