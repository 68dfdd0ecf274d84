#include "pipeline/plan_json.h"

#include <nlohmann/json.hpp>

#include "pipeline/manifest_json.h"

namespace cordon::pipeline {
namespace {

nlohmann::ordered_json TableJson(const PlanTable& pt) {
  const BoundTable& t = *pt.table;
  nlohmann::ordered_json kept = nlohmann::ordered_json::array(),
                         excluded = nlohmann::ordered_json::array();
  for (const ColumnReport& c : t.columns) {
    if (c.excluded())
      excluded.push_back({{"name", c.column}, {"looks_free_text", c.looks_free_text}});
    else
      kept.push_back(
          {{"name", c.column}, {"fate", c.fate_text()}, {"looks_free_text", c.looks_free_text}});
  }
  nlohmann::ordered_json j = {{"name", t.spec->name},
                              {"from", t.source->name},
                              {"dialect", t.dialect},
                              {"rows_read", pt.stats.rows_read},
                              {"rows_selected", pt.stats.rows_selected},
                              {"rows_excluded_by_where", pt.stats.rows_excluded_where},
                              {"rows_excluded_by_follow", pt.stats.rows_excluded_follow},
                              {"columns_kept", kept},
                              {"columns_excluded", excluded},
                              {"csv_bytes", pt.csv_bytes},
                              {"package_bytes", pt.package_bytes},
                              {"sample_masked", pt.samples}};
  if (auto k = KAnonymityReport(t, pt.stats); !k.is_null()) j["k_anonymity"] = k;
  // A database source: the one statement the run sends it.
  if (!t.statement.empty()) j["statement"] = t.statement;
  return j;
}

}  // namespace

std::string FormatPlanJson(const order::Order& ord, const PlanResult& plan) {
  nlohmann::ordered_json j;
  j["format"] = "cordon-plan";
  j["version"] = kPlanFormatVersion;
  j["order"] = {{"id", ord.id},
                {"controller", ord.controller},
                {"processor", ord.processor},
                {"purpose", ord.purpose},
                {"not_after", order::FormatIsoDate(ord.not_after)},
                {"retention_days", ord.retention_days},
                {"recipients", ord.recipients.size()}};
  // Only when not the default, so plans of domain-scoped orders are unchanged.
  if (ord.pseudonym_scope == order::PseudonymScope::kRecipients)
    j["order"]["pseudonym_scope"] = order::PseudonymScopeName(ord.pseudonym_scope);
  nlohmann::ordered_json tables = nlohmann::ordered_json::array();
  for (const PlanTable& pt : plan.tables) tables.push_back(TableJson(pt));
  j["tables"] = tables;
  return j.dump(2) + "\n";
}

}  // namespace cordon::pipeline
