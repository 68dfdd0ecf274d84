// Where each order's events are in a ledger: a report reads its order's
// entries, not the whole log. Kept up to date by reading only what was
// appended since the last look (the exchange keeps one for its ledger and
// looks before each report, so a reading costs the order's entries plus
// what is new, whatever the ledger's size). Not thread-safe: the exchange
// uses it only while it holds the ledger alone (GroupAppender::Exclusive).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "core/strings.h"
#include "ledger/ledger.h"

namespace cordon::ledger {

class OrderIndex {
 public:
  // Reads the entries from the last size caught up to up to `size` (at most
  // ledger.size()), and notes those whose "order"."id" is a string.
  Status CatchUp(const Ledger& ledger, uint64_t size);
  // The positions of the entries that name `order_id`, ascending, among the
  // first caught_up() entries.
  std::span<const uint64_t> Of(std::string_view order_id) const;
  uint64_t caught_up() const { return caught_up_; }

 private:
  uint64_t caught_up_ = 0;
  std::unordered_map<std::string, std::vector<uint64_t>, StringViewHash, std::equal_to<>> by_order_;
};

}  // namespace cordon::ledger
