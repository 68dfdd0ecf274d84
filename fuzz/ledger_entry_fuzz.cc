// Fuzzes entry handling: EntrySeq on arbitrary bytes must never crash, and
// on a canonical entry it finds the top-level "seq" nlohmann sees;
// canonicalization is idempotent; and the fast path (simdjson) writes the
// very bytes of the nlohmann path whenever it accepts an event.
#include <nlohmann/json.hpp>
#include <string>

#include "ledger/canonical.h"
#include "ledger/entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cordon::ledger;
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)EntrySeq(text);
  static EntryCanonicalizer fast;
  auto quick = fast.Canonical(text, {7, "2026-11-22T00:00:00Z", {}});
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (quick.ok()) {
    if (j.is_discarded() || !j.is_object()) __builtin_trap();
    nlohmann::json stamped = j;
    stamped["v"] = kEntryVersion;
    stamped["seq"] = 7;
    stamped["time"] = "2026-11-22T00:00:00Z";
    auto slow = CanonicalEntry(stamped);
    if (!slow.ok() || *slow != *quick) __builtin_trap();
  }
  if (j.is_discarded()) return 0;
  auto canonical = CanonicalEntry(j);
  if (!canonical.ok()) return 0;
  auto again = CanonicalEntry(nlohmann::json::parse(*canonical));
  if (!again.ok() || *again != *canonical) __builtin_trap();
  auto seq = EntrySeq(*canonical);
  // A non-negative integer: unsigned as nlohmann reads it, or "-0" (signed,
  // and written 0 by canonicalization, as RFC 8785 says).
  const bool has =
      j.contains("seq") && (j["seq"].is_number_unsigned() ||
                            (j["seq"].is_number_integer() && j["seq"].get<int64_t>() == 0));
  if (has != seq.has_value()) __builtin_trap();
  if (has && *seq != (j["seq"].is_number_unsigned() ? j["seq"].get<uint64_t>() : 0))
    __builtin_trap();
  return 0;
}
