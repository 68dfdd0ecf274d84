#include "ledger/append_lines.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "ledger/entry.h"

namespace cordon::ledger {

Result<AppendedRange> AppendJsonLines(Ledger& ledger, std::istream* in, size_t batch_size,
                                      std::string_view action, const std::string& source) {
  if (batch_size == 0) return Error(ErrorCode::kInvalidArgument, "--batch must be at least 1");
  // Event texts go to the ledger as they are: it parses and canonicalizes
  // them (simdjson, two threads per large batch).
  std::vector<std::string> batch;
  AppendedRange range{ledger.size(), 0};
  uint64_t line_no = 0, batch_first_line = 1;
  auto flush = [&]() -> Status {
    if (batch.empty()) return Ok();
    auto appended = ledger.AppendText(batch, action);
    if (!appended.ok()) {
      return appended.error().WithContext(source + " lines " + std::to_string(batch_first_line) +
                                          "–" + std::to_string(line_no));
    }
    if (range.count == 0) range.first = *appended;
    range.count += batch.size();
    batch.clear();
    batch_first_line = line_no + 1;
    return Ok();
  };
  if (in == nullptr) {
    batch.emplace_back("{}");
  } else {
    std::string line;
    bool first_line = true;
    // Each line moves into the batch: its room is reserved once, not grown
    // piece by piece as getline reads it.
    for (line.reserve(512); std::getline(*in, line); line.reserve(512)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      if (first_line && !nlohmann::json::accept(line)) {
        // Not a line of JSON Lines: one object written over several lines.
        std::string rest;
        while (std::getline(*in, rest) && line.size() < kMaxEntrySize) {
          ++line_no;
          line += '\n';
          line += rest;
        }
        batch.push_back(std::move(line));
        break;
      }
      first_line = false;
      batch.push_back(std::move(line));
      if (batch.size() >= batch_size) CORDON_TRY(flush());
    }
  }
  CORDON_TRY(flush());
  if (range.count == 0) return Error(ErrorCode::kInvalidArgument, "no event to append");
  CORDON_TRY(ledger.Checkpoint());
  return range;
}

}  // namespace cordon::ledger
