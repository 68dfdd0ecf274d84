#include "source/table_target.h"

#include <algorithm>

namespace cordon::source {
namespace {

bool Contains(const std::string& upper, const char* word) {
  return upper.find(word) != std::string::npos;
}

}  // namespace

std::string_view TargetTypeName(TargetType type) {
  switch (type) {
    case TargetType::kUntyped:
      return "untyped text";
    case TargetType::kText:
      return "text";
    case TargetType::kInteger:
      return "integer";
    case TargetType::kDecimal:
      return "decimal";
    case TargetType::kDate:
      return "date";
    case TargetType::kTimestamp:
      return "timestamp";
  }
  return "?";
}

bool SqliteColumnHolds(std::string_view declared, TargetType type) {
  if (type == TargetType::kUntyped || type == TargetType::kText) return true;
  std::string d(declared);
  std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  });
  // Text and BLOB/none affinity keep a value as it is given.
  if (d.empty() || Contains(d, "CHAR") || Contains(d, "CLOB") || Contains(d, "TEXT") ||
      Contains(d, "BLOB")) {
    return true;
  }
  const bool dated = Contains(d, "DATE") || Contains(d, "TIME");
  switch (type) {
    case TargetType::kDate:
      return dated;
    case TargetType::kTimestamp:
      return Contains(d, "DATETIME") || Contains(d, "TIMESTAMP");
    case TargetType::kInteger:
      return !dated;
    case TargetType::kDecimal:
      return !dated && !Contains(d, "INT");
    default:
      return true;
  }
}

bool PgColumnHolds(std::string_view category, std::string_view typname, TargetType type) {
  if (type == TargetType::kUntyped || type == TargetType::kText || category == "S") return true;
  auto is = [&](std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), typname) != names.end();
  };
  switch (type) {
    case TargetType::kInteger:
      return category == "N";
    case TargetType::kDecimal:
      return is({"numeric", "float4", "float8"});
    case TargetType::kDate:
      return is({"date", "timestamp", "timestamptz"});
    case TargetType::kTimestamp:
      return is({"timestamp", "timestamptz"});
    default:
      return true;
  }
}

std::string_view PgTypeFor(TargetType type) {
  switch (type) {
    case TargetType::kInteger:
      return "BIGINT";
    case TargetType::kDecimal:
      return "NUMERIC";
    case TargetType::kDate:
      return "DATE";
    case TargetType::kTimestamp:
      return "TIMESTAMP";
    case TargetType::kUntyped:
    case TargetType::kText:
      break;
  }
  return "TEXT";
}

std::string_view SqliteTypeFor(TargetType type) {
  // The names SQLite readers (and cordon's own sqlite source) take for
  // these types; the affinity follows from them (INTEGER, NUMERIC…).
  switch (type) {
    case TargetType::kInteger:
      return "INTEGER";
    case TargetType::kDecimal:
      return "NUMERIC";
    case TargetType::kDate:
      return "DATE";
    case TargetType::kTimestamp:
      return "DATETIME";
    case TargetType::kUntyped:
    case TargetType::kText:
      break;
  }
  return "TEXT";
}

}  // namespace cordon::source
