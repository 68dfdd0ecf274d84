// Fuzzes the order loader (TOML, keys, types, where, follow): any input gives
// an order or diagnostics, never a crash. Properties: loading is a function
// of the bytes (the same text loads to the same order twice), and an order
// without problems is internally consistent: every fate it holds re-parses
// to the same kind, every `where` re-parses, and every follow names an
// earlier table.
#include <cstdlib>
#include <set>

#include "order/fate.h"
#include "order/order.h"
#include "order/predicate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto loaded = cordon::order::ParseOrder(text, "fuzz.toml");
  for (const auto& p : loaded.problems) (void)cordon::order::FormatDiagnostic("fuzz.toml", p);
  auto again = cordon::order::ParseOrder(text, "fuzz.toml");
  if (again.problems.size() != loaded.problems.size() ||
      again.order.tables.size() != loaded.order.tables.size() ||
      again.order.id != loaded.order.id) {
    std::abort();
  }
  if (!loaded.problems.empty()) return 0;
  std::set<std::string> earlier;
  for (const auto& t : loaded.order.tables) {
    for (const auto& c : t.columns) {
      auto fate = cordon::order::ParseFate(c.fate.text);
      if (!fate.ok() || fate->kind != c.fate.kind) std::abort();
    }
    if (t.where && !cordon::order::Predicate::Parse(*t.where).ok()) std::abort();
    if (t.follow && !earlier.contains(t.follow->parent_table)) std::abort();
    earlier.insert(t.name);
  }
  return 0;
}
