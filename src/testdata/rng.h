// The deterministic generator behind synthetic data (splitmix64): small,
// fast, the same output for the same seed everywhere. Never for secrets.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace cordon::testdata {

class Rng {
 public:
  // `stream` separates generators that share a seed (each data set its own).
  explicit Rng(uint64_t seed, uint64_t stream = 1) : s_(seed * 0x9E3779B97F4A7C15ULL + stream) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>(Next() % n); }
  bool Chance(uint32_t percent) { return Below(100) < percent; }
  template <size_t N>
  const char* Pick(const std::array<const char*, N>& list) {
    return list[Below(N)];
  }

 private:
  uint64_t s_;
};

}  // namespace cordon::testdata
