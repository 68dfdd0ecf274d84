// The framing of ledger.log and checkpoints.log: a magic line, then records
//   u32 little-endian payload length ‖ payload ‖ SHA-256(0x00 ‖ payload)
// The trailer is the payload's RFC 6962 leaf hash, so the checksum that
// catches a torn or damaged record is the very hash the tree is built from.
// Payloads are never empty: a zero length marks the end of the records, and
// everything after it is zeros written ahead of time (preallocated space:
// appending into it changes no file metadata, so each fdatasync is cheaper).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "ledger/merkle.h"

namespace cordon::ledger {

inline constexpr std::string_view kLogMagic = "cordon-ledger v1\n";
inline constexpr std::string_view kCheckpointsMagic = "cordon-checkpoints v1\n";
inline constexpr size_t kRecordOverhead = 4 + 32;
// An entry is a few hundred bytes; anything near this is damage, not data.
inline constexpr uint32_t kMaxRecordPayload = 1 << 20;

// Appends the framed record of `payload` (whose leaf hash is `leaf`) to `out`.
void AppendRecord(Bytes& out, ByteView payload, const Hash& leaf);

enum class RecordStatus {
  kOk,
  kEnd,         // no bytes left: a clean end
  kIncomplete,  // the bytes stop inside a record (an append was interrupted)
  kBad,         // a complete record whose length or checksum is wrong
};

struct RecordView {
  RecordStatus status = RecordStatus::kEnd;
  ByteView payload;
  Hash leaf{};
  size_t size = 0;  // bytes the record occupies (when kOk)
};

// Parses the record at the start of `data`. Never reads past `data`, never
// allocates; `check` recomputes the checksum (off only when the caller
// recomputes the leaf hash itself).
RecordView ParseRecord(ByteView data, bool check = true);

}  // namespace cordon::ledger
