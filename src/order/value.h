// Typed values of the order's `where` language: column types from
// [table.types] and the parsing of CSV fields into them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/calendar.h"
#include "core/result.h"

namespace cordon::order {

enum class ValueType { kText, kInt, kDecimal, kDate };
std::string_view ValueTypeName(ValueType t);

struct ColumnType {
  ValueType type = ValueType::kText;
  std::string date_format;  // strptime-style, for kDate: %d %m %Y %y %H %M %S and literals
};

// Parses "text", "int", "decimal" or "date:<format>".
Result<ColumnType> ParseColumnType(std::string_view spec);

// A typed scalar. Text views point into the row being evaluated.
struct Value {
  enum class Kind { kNull, kText, kInt, kDecimal, kDate } kind = Kind::kNull;
  std::string_view text;
  int64_t integer = 0;
  double decimal = 0;
  int32_t days = 0;  // days since 1970-01-01
};

// Parses a field as `type`; an empty field is NULL. Fails with a message
// saying what was expected (the caller adds file, line and column).
Result<Value> ParseField(const ColumnType& type, std::string_view field);

// Civil date helpers: core/calendar.h (named here too for the order's users).
using cordon::CivilFromDays;
using cordon::DaysFromCivil;
using cordon::FormatIsoDate;
using cordon::IsValidDate;
using cordon::ParseIsoDate;
// Writes `days` the way `original` was written in `type`'s date format
// (times and literals copied from `original`); ISO 8601 for other types.
std::string FormatDateLike(const ColumnType& type, std::string_view original, int32_t days);

}  // namespace cordon::order
