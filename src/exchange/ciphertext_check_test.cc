#include "exchange/ciphertext_check.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

namespace cordon::exchange {
namespace {

Bytes Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

Status Judge(const Bytes& data, size_t piece = 1 << 20) {
  CiphertextCheck check;
  for (size_t at = 0; at < data.size(); at += piece) {
    check.Update(ByteView(data).subspan(at, std::min(piece, data.size() - at)));
  }
  return check.Finish();
}

std::string Csv(size_t rows) {
  std::string csv = "NUM_DOSSIER;NIR;NOM;PRENOM\r\n";
  for (size_t i = 0; i < rows; ++i) {
    csv += std::to_string(100000 + i) + ";1840375" + std::to_string(100000 + i * 7) +
           ";MARTIN;Jeanne\r\n";
  }
  return csv;
}

TEST(CiphertextCheck, RandomBytesPassInAnyPieces) {
  const Bytes r = Random(3 << 20, 1);
  EXPECT_TRUE(Judge(r).ok());
  EXPECT_TRUE(Judge(r, 4093).ok());
  EXPECT_TRUE(Judge(Random(17, 2)).ok());  // a last chunk too short to judge
}

// Found by the 10 GiB false-positive bench: a zlib header followed by a
// random "stored block" inflates; what it yields is random, not data.
TEST(CiphertextCheck, ARandomStoredBlockBehindAZlibHeaderIsNotCompressedData) {
  Bytes r = Random(200000, 3);
  const size_t at = 70000;
  r[at] = 0x78;
  r[at + 1] = 0x01;  // (0x78 << 8 | 0x01) % 31 == 0
  r[at + 2] = 0x01;  // final stored block
  r[at + 3] = 0x00;
  r[at + 4] = 0x10;  // LEN 4096
  r[at + 5] = 0xff;
  r[at + 6] = 0xef;  // NLEN
  EXPECT_TRUE(Judge(r).ok());
}

TEST(CiphertextCheck, CompressedTextAnywhereIsRefused) {
  const std::string csv = Csv(3000);
  Bytes z(compressBound(csv.size()));
  uLongf n = z.size();
  ASSERT_EQ(compress(z.data(), &n, reinterpret_cast<const Bytef*>(csv.data()), csv.size()), Z_OK);
  z.resize(n);
  for (size_t offset : {size_t{0}, size_t{17}, size_t{65552 - 3}}) {
    Bytes r = Random(offset, 4);
    r.insert(r.end(), z.begin(), z.end());
    Bytes tail = Random(1000, 5);
    r.insert(r.end(), tail.begin(), tail.end());
    EXPECT_FALSE(Judge(r).ok()) << offset;
    EXPECT_FALSE(Judge(r, 1000).ok()) << offset << " in pieces";
  }
}

TEST(CiphertextCheck, TextRunsEvenHistogramsAndShortTailsAreRefused) {
  const std::string csv = Csv(50);
  Bytes inside = Random(200000, 6);
  std::copy(csv.begin(), csv.begin() + 1024, inside.begin() + 100000);
  EXPECT_FALSE(Judge(inside).ok());
  Bytes even;  // every byte value exactly as often: too uniform to be chance
  for (int round = 0; round < 256; ++round) {
    for (int b = 0; b < 256; ++b) even.push_back(static_cast<uint8_t>((b * 7 + round) & 0xff));
  }
  EXPECT_FALSE(Judge(even).ok());
  Bytes tail = Random(65552 + 10, 7);
  tail.insert(tail.end(), csv.begin(), csv.begin() + 40);  // a last chunk in clear
  EXPECT_FALSE(Judge(tail).ok());
}

}  // namespace
}  // namespace cordon::exchange
