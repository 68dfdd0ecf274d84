#include "ledger/records.h"

#include <algorithm>
#include <cstring>

namespace cordon::ledger {

void AppendRecord(Bytes& out, ByteView payload, const Hash& leaf) {
  const uint32_t n = static_cast<uint32_t>(payload.size());
  const uint8_t len[4] = {static_cast<uint8_t>(n), static_cast<uint8_t>(n >> 8),
                          static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 24)};
  out.insert(out.end(), len, len + 4);
  out.insert(out.end(), payload.begin(), payload.end());
  out.insert(out.end(), leaf.begin(), leaf.end());
}

RecordView ParseRecord(ByteView data, bool check) {
  RecordView r;
  if (data.empty()) return r;
  if (data.size() < 4) {
    r.status = std::all_of(data.begin(), data.end(), [](uint8_t b) { return b == 0; })
                   ? RecordStatus::kEnd
                   : RecordStatus::kIncomplete;
    return r;
  }
  const uint32_t n = uint32_t{data[0]} | uint32_t{data[1]} << 8 | uint32_t{data[2]} << 16 |
                     uint32_t{data[3]} << 24;
  if (n == 0) return r;  // the end marker: preallocated zeros follow
  if (n > kMaxRecordPayload) {
    r.status = RecordStatus::kBad;
    return r;
  }
  if (data.size() - 4 < size_t{n} + 32) {
    r.status = RecordStatus::kIncomplete;
    return r;
  }
  r.payload = data.subspan(4, n);
  std::memcpy(r.leaf.data(), data.data() + 4 + n, 32);
  r.size = kRecordOverhead + n;
  r.status = !check || LeafHash(r.payload) == r.leaf ? RecordStatus::kOk : RecordStatus::kBad;
  return r;
}

}  // namespace cordon::ledger
