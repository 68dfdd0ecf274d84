#include "ledger/order_index.h"

#include <nlohmann/json.hpp>

namespace cordon::ledger {

Status OrderIndex::CatchUp(const Ledger& ledger, uint64_t size) {
  if (size > ledger.size()) {
    return Error(ErrorCode::kInvalidArgument, "the ledger holds fewer entries than asked for");
  }
  for (uint64_t i = caught_up_; i < size; ++i) {
    CORDON_ASSIGN_OR_RETURN(Bytes bytes, ledger.Entry(i));
    const std::string_view text = AsChars(bytes);
    // Entries are canonical JSON (no spaces): most name no order at all.
    if (text.find("\"order\":{") == std::string_view::npos) continue;
    const nlohmann::json e = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!e.is_object()) continue;
    const auto order = e.find("order");
    if (order == e.end() || !order->is_object()) continue;
    const auto id = order->find("id");
    if (id == order->end() || !id->is_string()) continue;
    by_order_[id->get<std::string>()].push_back(i);
  }
  if (size > caught_up_) caught_up_ = size;
  return Ok();
}

std::span<const uint64_t> OrderIndex::Of(std::string_view order_id) const {
  const auto it = by_order_.find(order_id);
  if (it == by_order_.end()) return {};
  return it->second;
}

}  // namespace cordon::ledger
