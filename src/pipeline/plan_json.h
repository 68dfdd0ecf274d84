// `cordon plan --json`: the plan as stable JSON (format "cordon-plan",
// version 1, docs/order-format.md "cordon plan --json").
#pragma once

#include <string>

#include "order/order.h"
#include "pipeline/extract.h"

namespace cordon::pipeline {

inline constexpr int kPlanFormatVersion = 1;

// The plan's exact text (2-space indented JSON and a newline). Holds only
// masked samples and the values transforms make, never a source value.
std::string FormatPlanJson(const order::Order& order, const PlanResult& plan);

}  // namespace cordon::pipeline
