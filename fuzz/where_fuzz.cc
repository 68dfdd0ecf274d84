// Fuzzes the where language: parse, bind against a typed header, and evaluate
// on a few rows (the input's first line is the predicate, later lines rows).
#include <string>
#include <vector>

#include "order/predicate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t nl = text.find('\n');
  auto predicate = cordon::order::Predicate::Parse(text.substr(0, nl));
  if (!predicate.ok()) return 0;
  static const std::vector<std::string> header = {"T", "I", "D", "X"};
  static const std::map<std::string, cordon::order::ColumnType> types = {
      {"I", *cordon::order::ParseColumnType("int")},
      {"D", *cordon::order::ParseColumnType("date:%d/%m/%Y")},
      {"X", *cordon::order::ParseColumnType("decimal")}};
  if (!predicate->Bind(header, types).ok()) return 0;
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
    (void)predicate->Evaluate(
        [&](size_t i) -> cordon::Result<std::string_view> { return std::string_view(fields[i]); });
  }
  return 0;
}
