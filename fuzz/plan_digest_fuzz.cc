// Fuzzes the plan digest's line edit (order/plan_digest.h) against the TOML
// parser the order is read with: the digest the exchange checks must be the
// one extraction will read. Properties: PlanDigestIn and WithPlanDigest never
// crash; on an order that loads without problems (ASCII, so toml++ sees the
// very bytes), a plan_sha256 PlanDigestIn finds is the [order] table's value
// for toml++, and WithPlanDigest's output loads without problems, with the
// same id and tables, and toml++ reads the new digest there.
#include <cstdlib>
#include <string>

#include "core/toml.h"
#include "order/order.h"
#include "order/plan_digest.h"

namespace {

bool Ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// [order].plan_sha256 as toml++ reads it ("" when absent or not a string).
std::string TomlDigest(std::string_view text) {
  toml::parse_result parsed = toml::parse(text);
  if (!parsed) std::abort();  // it loaded as an order: it is TOML
  return parsed.table()["order"]["plan_sha256"].value_or(std::string());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string hex(64, 'c');
  auto found = cordon::order::PlanDigestIn(text);
  auto written = cordon::order::WithPlanDigest(text, hex);
  if (!Ascii(text)) return 0;
  auto loaded = cordon::order::ParseOrder(text, "fuzz.toml");
  if (!loaded.problems.empty()) return 0;
  if (found.ok() && found->has_value() && TomlDigest(text) != **found) std::abort();
  if (!written.ok()) return 0;
  auto again = cordon::order::ParseOrder(*written, "fuzz.toml");
  if (!again.problems.empty() || again.order.id != loaded.order.id ||
      again.order.tables.size() != loaded.order.tables.size() || TomlDigest(*written) != hex) {
    std::abort();
  }
  return 0;
}
