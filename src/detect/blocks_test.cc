#include "detect/blocks.h"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <string>

namespace cordon::detect::internal {
namespace {

std::string Describe(const BlockMasks& m) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "runner %016llx sep %016llx word %016llx at %016llx plus %016llx",
                static_cast<unsigned long long>(m.runner), static_cast<unsigned long long>(m.sep),
                static_cast<unsigned long long>(m.word), static_cast<unsigned long long>(m.at),
                static_cast<unsigned long long>(m.plus));
  return buf;
}

void ExpectSame(const Classifier& c, const std::array<char, 64>& block) {
  const BlockMasks want = AvailableClassifiers().front().classify(block.data());
  const BlockMasks got = c.classify(block.data());
  ASSERT_EQ(Describe(got), Describe(want)) << c.name;
}

// The vector classifiers (SSE2, AVX2, AVX-512BW: those this CPU has) agree
// with the byte-by-byte one on every byte value at every position, and on
// random blocks of the bytes that matter (digits, capitals, separators,
// '@', '+', bytes from 0x80 up and the range edges around them).
TEST(Blocks, EveryClassifierAgreesWithTheBytewiseOne) {
  const auto classifiers = AvailableClassifiers();
  ASSERT_GE(classifiers.size(), 1u);
  for (const Classifier& c : classifiers) {
    for (int value = 0; value < 256; ++value) {
      std::array<char, 64> block;
      for (size_t i = 0; i < 64; ++i) block[i] = static_cast<char>((value + i * 37) & 0xFF);
      ExpectSame(c, block);
    }
    static constexpr char kEdges[] = "/09:@AZ[`az{_ -.,+\x7f\x80\xc3\xa9\xff\x00\x01\x1f!~";
    const std::string edges(kEdges, sizeof kEdges - 1);  // the NUL inside included
    std::mt19937 rng(15);
    for (int round = 0; round < 20000; ++round) {
      std::array<char, 64> block;
      for (char& b : block) {
        b = rng() % 4 == 0 ? static_cast<char>(rng() & 0xFF) : edges[rng() % edges.size()];
      }
      ExpectSame(c, block);
    }
  }
}

}  // namespace
}  // namespace cordon::detect::internal
