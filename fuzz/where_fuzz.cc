// Fuzzes the where language: parse, bind against a typed header, and evaluate
// on a few rows (the input's first line is the predicate, later lines rows).
// Property: SQL's three-valued logic — a row is never selected by both p and
// NOT (p), and a row whose fields are all present (no NULL) is selected by
// exactly one of them. The SQL translation (ToSql) never carries a NUL,
// keeps its quotes balanced (every literal quoted), and is not empty when it
// claims the whole predicate.
#include <cstdlib>
#include <string>
#include <vector>

#include "order/predicate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t nl = text.find('\n');
  const std::string_view where = text.substr(0, nl);
  auto predicate = cordon::order::Predicate::Parse(where);
  if (!predicate.ok()) return 0;
  // Its negation may be one level too deep to parse: then only p is checked.
  auto negated = cordon::order::Predicate::Parse("NOT (" + std::string(where) + ")");
  static const std::vector<std::string> header = {"T", "I", "D", "X"};
  static const std::map<std::string, cordon::order::ColumnType> types = {
      {"I", *cordon::order::ParseColumnType("int")},
      {"D", *cordon::order::ParseColumnType("date:%d/%m/%Y")},
      {"X", *cordon::order::ParseColumnType("decimal")}};
  if (!predicate->Bind(header, types).ok()) return 0;
  if (negated.ok() && !negated->Bind(header, types).ok()) std::abort();
  {
    using C = cordon::order::SqlDialect::Compares;
    cordon::order::SqlDialect dialect{
        .compares = [](size_t i) { return i == 0   ? C::kText
                                          : i == 1 ? C::kInt
                                                   : C::kNo; },
        .column = [](size_t i) { return "\"" + header[i] + "\""; },
        .text_literal = [](std::string_view t) -> std::optional<std::string> {
          if (t.find('\0') != std::string_view::npos) return std::nullopt;
          std::string q = "'";
          for (char c : t) q += c == '\'' ? std::string("''") : std::string(1, c);
          return q + "'";
        }};
    cordon::order::SqlFilter sql = predicate->ToSql(dialect);
    if (sql.sql.find('\0') != std::string::npos) std::abort();
    if (sql.whole && sql.sql.empty()) std::abort();
    size_t quotes = 0;
    for (char c : sql.sql) quotes += c == '\'';
    if (quotes % 2 != 0) std::abort();
  }
  std::string_view rest = nl == std::string_view::npos ? "" : text.substr(nl + 1);
  std::vector<std::string> rows = {"a|1|01/01/2000|1,5", "||", "zz|-7|29/02/2020|x"};
  while (!rest.empty()) {
    size_t e = rest.find('\n');
    rows.emplace_back(rest.substr(0, e));
    rest = e == std::string_view::npos ? "" : rest.substr(e + 1);
  }
  for (const std::string& row : rows) {
    std::vector<std::string> fields(4);
    size_t k = 0;
    for (char c : row) {
      if (c == '|' && k < 3)
        ++k;
      else
        fields[k].push_back(c);
    }
    auto field = [&](size_t i) -> cordon::Result<std::string_view> {
      return std::string_view(fields[i]);
    };
    auto selected = predicate->Evaluate(field);
    if (!selected.ok() || !negated.ok()) continue;
    auto not_selected = negated->Evaluate(field);
    if (!not_selected.ok()) std::abort();  // p evaluated, so its negation must
    if (*selected && *not_selected) std::abort();
    bool all_present = true;
    for (size_t c : predicate->columns()) all_present = all_present && !fields[c].empty();
    if (all_present && !*selected && !*not_selected) std::abort();
  }
  return 0;
}
