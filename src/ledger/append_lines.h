// Appending events that other tools write (`cordon ledger append`): one JSON
// object, possibly over several lines, or JSON Lines (one object per line),
// read as text and handed to the ledger's fast canonicalizer in batches —
// one fsync per batch — then a signed checkpoint.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>

#include "core/result.h"
#include "ledger/ledger.h"

namespace cordon::ledger {

struct AppendedRange {
  uint64_t first = 0;  // seq of the first entry appended
  uint64_t count = 0;
};

// Appends the events of `in` (nullptr: one empty event "{}") in batches of
// `batch` (at least 1), each event's action replaced by `action` when not
// empty, then signs a checkpoint. A refused event fails its whole batch
// (earlier batches stay: they are durable), named by `source` and its lines.
// kInvalidArgument when there is no event at all.
Result<AppendedRange> AppendJsonLines(Ledger& ledger, std::istream* in, size_t batch,
                                      std::string_view action, const std::string& source);

}  // namespace cordon::ledger
