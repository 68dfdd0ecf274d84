// The hash chain over a recording's ciphertext (docs/formats.md, "Session
// recordings"): what the ledger anchors, so that a recording cut short or
// edited is provable without any key. The file is split into units: unit 0
// is the age header and the 16-byte payload nonce; then every
// age::kEncryptedChunkSize bytes (one STREAM chunk with its tag) is a unit,
// the last one possibly shorter.
//
//   head_0 = SHA-256("cordon-recording-v1" ‖ SHA-256(unit_0))
//   head_i = SHA-256(head_{i-1} ‖ SHA-256(unit_i))
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "age/stream.h"
#include "core/bytes.h"
#include "crypto/hash.h"

namespace cordon::recording {

inline constexpr std::string_view kChainDomain = "cordon-recording-v1";
inline constexpr size_t kUnitSize = age::kEncryptedChunkSize;

// A point of the chain, as the ledger records it: `chunks` units (the
// header counts as one) making up the first `bytes` bytes of the file, and
// the chain's head after them (lowercase hex). `header_sha256` (hex of
// SHA-256(unit 0)) names the recording; it may be empty in an anchor read
// back from a file that did not record it.
struct Anchor {
  uint64_t chunks = 0;
  uint64_t bytes = 0;
  std::string head;
  std::string header_sha256;
  bool operator==(const Anchor&) const = default;
};

// Computes the chain over a file's bytes as they come, in any pieces.
// Not thread-safe.
class ChunkChain {
 public:
  // Starts the chain with unit 0.
  explicit ChunkChain(ByteView header_unit);
  // Takes the payload's next bytes, up to the end of the current unit:
  // returns how many it took (fewer than data.size() when a unit completed;
  // the caller calls again with the rest, and can look at anchor() between).
  size_t Append(ByteView data);
  // Ends the last, shorter unit if bytes of one are pending.
  void Close();
  // The chain over the completed units (a partial unit is not included).
  Anchor anchor() const;
  uint64_t pending_bytes() const { return pending_; }

 private:
  crypto::Sha256::Digest head_{};
  std::string header_sha256_;
  crypto::Sha256 unit_hash_;
  uint64_t chunks_ = 1;
  uint64_t bytes_ = 0;
  uint64_t pending_ = 0;  // bytes of the unit in progress
};

}  // namespace cordon::recording
