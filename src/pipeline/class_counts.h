// Sizes of the k-anonymity equivalence classes of a table (rows that share
// their quasi-identifiers, as they leave).
#pragma once

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace cordon::pipeline {

// Classes are kept by a 128-bit keyed hash of their values (SipHash-2-4
// twice, under keys drawn per instance): about 40 bytes per distinct class,
// and no two classes merge in practice. Not thread-safe.
class ClassCounts {
 public:
  ClassCounts() {
    crypto_shorthash_keygen(k1_.data());
    crypto_shorthash_keygen(k2_.data());
  }
  void Add(std::string_view key) { ++counts_[IdOf(key)]; }
  uint64_t Count(std::string_view key) const {
    auto it = counts_.find(IdOf(key));
    return it == counts_.end() ? 0 : it->second;
  }
  // The smallest class (the table's k); 0 without rows.
  uint64_t Smallest() const {
    uint64_t k = 0;
    for (const auto& [id, n] : counts_) k = k == 0 ? n : std::min<uint64_t>(k, n);
    return k;
  }
  // Rows in classes smaller than `min_k`.
  uint64_t RowsBelow(uint64_t min_k) const {
    uint64_t rows = 0;
    for (const auto& [id, n] : counts_) rows += n < min_k ? n : 0;
    return rows;
  }
  uint64_t size() const { return counts_.size(); }

 private:
  using Id = std::pair<uint64_t, uint64_t>;
  struct IdHash {
    size_t operator()(const Id& id) const { return id.first; }
  };
  Id IdOf(std::string_view key) const {
    uint64_t a = 0, b = 0;
    auto* in = reinterpret_cast<const unsigned char*>(key.data());
    crypto_shorthash(reinterpret_cast<unsigned char*>(&a), in, key.size(), k1_.data());
    crypto_shorthash(reinterpret_cast<unsigned char*>(&b), in, key.size(), k2_.data());
    return {a, b};
  }
  std::array<unsigned char, crypto_shorthash_KEYBYTES> k1_, k2_;
  std::unordered_map<Id, uint32_t, IdHash> counts_;
};

}  // namespace cordon::pipeline
