// The stored tree: level k holds the hashes of the complete, aligned subtrees
// of 2^k leaves (level 0 = leaf hashes), one file per level, 32 bytes per
// hash. Appending a leaf costs one hash per level it completes (amortized
// one); any subtree hash of the RFC 6962 tree then takes O(log n) reads, so
// proofs over millions of entries stay instant. Derived data: rebuilt from
// ledger.log whenever it disagrees with it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/file.h"
#include "core/result.h"
#include "ledger/merkle.h"

namespace cordon::ledger {

class HashLevels {
 public:
  static Result<HashLevels> Open(const std::string& dir, bool writable);

  uint64_t leaves() const { return count_[0]; }
  // True when every level holds exactly the subtrees its leaf count implies.
  bool Consistent() const;

  // Appends a leaf (buffered until Flush).
  Status Push(const Hash& leaf);
  Status Flush();
  size_t pending_bytes() const {
    size_t n = 0;
    for (const auto& p : pending_) n += p.size();
    return n;
  }
  // Keeps the first n leaves (and the subtrees over them).
  Status Truncate(uint64_t n);

  Result<Hash> Leaf(uint64_t index) const { return Read(0, index); }
  // MTH(D[start:start+size]) for a node of the RFC tree; start + size ≤ leaves().
  Result<Hash> Subtree(uint64_t start, uint64_t size) const;
  Result<Hash> Root(uint64_t size) const;

 private:
  static constexpr int kLevels = 48;  // 2^48 entries is beyond any ledger
  Result<Hash> Read(int level, uint64_t index) const;

  std::string dir_;
  std::array<UniqueFd, kLevels> fds_;
  std::array<uint64_t, kLevels> count_{};    // hashes stored (flushed + pending)
  std::array<uint64_t, kLevels> flushed_{};  // hashes on disk
  std::array<Bytes, kLevels> pending_;
};

}  // namespace cordon::ledger
