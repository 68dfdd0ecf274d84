// The fast path from event text to entry: parses an event (one JSON object)
// with simdjson and writes the canonical entry directly — the same bytes, and
// the same refusals, as CanonicalEntry over nlohmann::json (a fuzz target
// holds the two to that), at several times the speed. `cordon ledger append`
// and any bulk producer go through it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cordon::ledger {

// The members the ledger adds to every event; "action" replaces the event's
// own when not empty.
struct EntryStamp {
  uint64_t seq = 0;
  std::string_view time;
  std::string_view action;
};

// Not thread-safe (a parser and its buffers): one per thread; the ledger
// keeps one per canonicalizing worker.
class EntryCanonicalizer {
 public:
  EntryCanonicalizer();
  ~EntryCanonicalizer();
  EntryCanonicalizer(const EntryCanonicalizer&) = delete;
  EntryCanonicalizer& operator=(const EntryCanonicalizer&) = delete;

  // The canonical entry of `event` with v, seq and time (and action) set.
  // Refuses what CanonicalEntry refuses, an event that already holds v, seq
  // or time, an event without an action, and duplicate keys.
  Result<std::string> Canonical(std::string_view event, const EntryStamp& stamp);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cordon::ledger
