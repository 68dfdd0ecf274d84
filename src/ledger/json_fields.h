// Lenient reads of ledger events' fields, for the reports that show what an
// event holds (report.cc, trace_report.cc): the events were checked when
// they were appended, so a missing or differently typed field reads as
// empty text or zero rather than failing the report. Internal to the
// ledger layer.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace cordon::ledger::json_fields {

// The field as text: a string as it is, another value as JSON, null or
// missing as "".
inline std::string Str(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return {};
  const auto& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.is_null() ? std::string() : v.dump();
}

// The field as a count: 0 unless it is an unsigned integer.
inline uint64_t Num(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number_unsigned() ? j[key].get<uint64_t>()
                                                                         : 0;
}

}  // namespace cordon::ledger::json_fields
