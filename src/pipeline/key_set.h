// A set of strings for `follow`: the selected keys of a parent table. Built
// in two phases — Insert() while the parent table streams by, Freeze() when
// it ends, then Contains() for the child tables — so that it can be compact:
// keys are packed in an arena (all-digit keys, the usual identifiers, at two
// digits per byte) and indexed by a flat open-addressing table of 32-bit
// offsets at load factor 0.8. About 5 + 5 bytes per 8-digit key; exact (keys
// are compared, not just hashed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cordon::pipeline {

// Not thread-safe: Contains() encodes into a scratch buffer. Built, frozen
// and queried by one table run's reading thread.
class KeySet {
 public:
  // Adds a key. Only before Freeze().
  void Insert(std::string_view key);
  // Builds the index; duplicates are dropped. Call once, after the inserts.
  void Freeze();
  // Exact membership. Only after Freeze().
  bool Contains(std::string_view key) const;
  size_t size() const { return size_; }
  size_t memory_bytes() const;

 private:
  static constexpr size_t kChunk = 4 << 20;
  static constexpr uint32_t kEmpty = UINT32_MAX;

  // Canonical encoding: equal keys ⇔ equal encodings.
  static void Encode(std::string_view key, std::string& out);
  std::string_view EncodedAt(uint32_t offset) const;
  size_t Slot(uint64_t hash) const {
    return static_cast<size_t>(((hash >> 32) * slots_.size()) >> 32);
  }

  std::vector<std::unique_ptr<char[]>> chunks_;
  size_t chunk_used_ = kChunk;
  std::vector<uint32_t> offsets_;  // before Freeze: every inserted key
  std::vector<uint32_t> slots_;    // after Freeze
  size_t size_ = 0;
  bool frozen_ = false;
  mutable std::string scratch_;
};

}  // namespace cordon::pipeline
