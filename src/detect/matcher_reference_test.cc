// The fast matcher against the reference one (matcher_reference.cc), match
// for match, on random text and on text built to sit on its edges: dense
// identifiers and near-misses, separators in every place, runs that cross
// the 64-byte blocks of the SIMD pre-pass, UTF-8 and NUL bytes.
#include "detect/matcher_reference.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "detect/matcher.h"

namespace cordon::detect {
namespace {

struct Hit {
  Kind kind;
  size_t offset, length;
  Confidence confidence;
  bool operator==(const Hit&) const = default;
};

std::vector<Hit> Fast(std::string_view text, KindSet kinds) {
  std::vector<Hit> out;
  FindIdentifiers(text, kinds, [&](const Match& m) {
    out.push_back({m.kind, m.offset, m.length, m.confidence});
  });
  return out;
}

std::vector<Hit> Reference(std::string_view text, KindSet kinds) {
  std::vector<Hit> out;
  FindIdentifiersReference(text, kinds, [&](const Match& m) {
    out.push_back({m.kind, m.offset, m.length, m.confidence});
  });
  return out;
}

// Valid identifiers of every kind and every printed form, and near-misses.
const char* const kPieces[] = {
    "1 84 12 76 451 089 46",
    "184127645108946",
    "1 58 09 33 063 923 47",
    "2690299341732 36",
    "184127645108947",
    "070761-4285",
    "0707614285",
    "300200-1234",
    "3102991234",
    "FR14 2004 1010 0505 0001 3M02 606",
    "FR1420041010050500013M02606",
    "GB83 WEST 1234 5698 7654 32",
    "GB82 WEST 1234 5698 7654 32",
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
    "4111111111111111",
    "378282246310005",
    "3782 822463 10005",
    "4111 1111 1111 1112",
    "06 12 34 56 78",
    "06.12.34.56.78",
    "0612345678",
    "+33 6 12 34 56 78",
    "+45 20 12 34 56",
    "+4520123456",
    "+1 415 555 0100",
    "jean.dupont@orange.fr",
    "a@b.dk",
    "x.y@mail.example.org",
    "@",
    "+",
    "ORD123456789012345678",
    "v1.2.3",
    "20240101",
    "2A",
    "2B",
    "1 84 12 2A 451 089",
    "é",
    "\xc3\xa9t\xc3\xa9",
    "\0",
    "\n",
    ";",
    ",",
    " ",
    "-",
    ".",
    "_",
    "X",
    "AB",
    "FR",
};

std::string Noise(std::mt19937_64& rng, size_t n) {
  static const std::string kAlphabet =
      "0123456789012345678901234567890123456789  --..@+_ABFRXabcxyz;:,\n\t\xc3\xa9";
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(kAlphabet[rng() % kAlphabet.size()]);
  return s;
}

void ExpectSame(const std::string& text) {
  for (KindSet kinds : {kAllKinds, KindBit(Kind::kCard), KindBit(Kind::kEmail),
                        KindBit(Kind::kNir) | KindBit(Kind::kPhone), KindSet{0x0F}}) {
    ASSERT_EQ(Fast(text, kinds), Reference(text, kinds))
        << "kinds " << kinds << " text (" << text.size() << " bytes): " << text;
  }
}

TEST(MatcherReference, SameMatchesOnRandomText) {
  std::mt19937_64 rng(15);
  for (int round = 0; round < 3000; ++round) ExpectSame(Noise(rng, rng() % 200));
}

TEST(MatcherReference, SameMatchesOnDenseIdentifiersAndNearMisses) {
  std::mt19937_64 rng(16);
  static const char* const kGlue[] = {" ", "  ", ";",  "-",  ".",       "",
                                      "x", "_",  "\n", "\t", "\xc3\xa9"};
  for (int round = 0; round < 3000; ++round) {
    std::string text = Noise(rng, rng() % 20);
    const size_t parts = 1 + rng() % 8;
    for (size_t p = 0; p < parts; ++p) {
      std::string piece = kPieces[rng() % std::size(kPieces)];
      if (rng() % 4 == 0 && !piece.empty()) piece[rng() % piece.size()] = "0 9-A."[rng() % 6];
      text += piece;
      text += kGlue[rng() % std::size(kGlue)];
    }
    ExpectSame(text);
  }
}

TEST(MatcherReference, SameMatchesAcrossBlockBoundaries) {
  // Every offset of a few identifiers within the pre-pass's 64-byte blocks
  // and across two of them (a run's first 9 bytes may lie in the next
  // block), after prose without a single candidate byte (what the pre-pass
  // skips).
  for (const char* id : {"1 84 12 76 451 089 46", "jean.dupont@orange.fr", "+33 6 12 34 56 78",
                         "FR14 2004 1010 0505 0001 3M02 606"}) {
    for (size_t pad = 0; pad < 140; ++pad) {
      ExpectSame(std::string(pad, 'a') + id);
      ExpectSame(std::string(pad, ' ') + id + std::string(pad % 7, 'z'));
      ExpectSame("\xc3\xa9" + std::string(pad, 'b') + id + "." + std::string(pad, 'c') + id);
    }
  }
}

TEST(MatcherReference, SameMatchesForRunsAroundTheShortestCandidate) {
  // The pre-pass drops runs shorter than 9 bytes (a '+' and 8 digits):
  // runs of 7 to 11 bytes, spaced or not, after a '+' or a letter, at every
  // offset around a block boundary, with an identifier after them.
  for (const char* run : {"0612345", "06123456", "061234567", "0612345678", "06 12 34 5",
                          "+4520123", "+45201234", "+452012345", "+4 5 2 0 1", "AB12 3456"}) {
    for (size_t pad = 50; pad < 80; ++pad) {
      ExpectSame(std::string(pad, ' ') + run + " 06 12 34 56 78");
      ExpectSame(std::string(pad, 'x') + run + ";" + run + "@a.fr 4111111111111111");
    }
  }
}

TEST(MatcherReference, FindsSomethingSoTheComparisonIsNotVacuous) {
  EXPECT_EQ(Fast("NIR 1 84 12 76 451 089 46.", kAllKinds).size(), 1u);
}

}  // namespace
}  // namespace cordon::detect
