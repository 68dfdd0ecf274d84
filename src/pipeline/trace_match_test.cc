#include "pipeline/trace_match.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "core/encoding.h"
#include "pipeline/leak_file.h"

namespace cordon::pipeline {
namespace {

TraceKey FixedKey() {
  auto k = TraceKey::Parse(AsBytes(std::string_view(
      "# test\nCORDON-TRACE-KEY-1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")));
  EXPECT_TRUE(k.ok());
  return std::move(*k);
}

using Rows = std::vector<std::vector<std::string>>;

// The package as extract digests it: NUM, NIR and NOM identifying, the
// birth date not.
const Rows kPackage = {
    {"00000101", "184127645108946", "MARTIN", "03/10/1968"},
    {"00000102", "268109741144456", "PETIT", "14/11/1939"},
    {"00000103", "239112B03387780", "THOMAS", "01/01/1950"},
    {"00000104", "197109712044443", "LAURENT", "23/10/1997"},
};

Provenance Package(const TraceKey& key, const Rows& rows, std::string table = "patients") {
  ProvenanceBuilder b(key, table, {true, true, true, false});
  for (const auto& r : rows) {
    std::vector<std::string_view> cells(r.begin(), r.end());
    b.Row(cells);
  }
  Provenance p;
  p.tables.push_back(b.Finish());
  return p;
}

LeakedFile Read(std::string_view text) {
  auto f = ReadLeakedFile(AsBytes(text));
  EXPECT_TRUE(f.ok()) << f.error().message();
  return f.ok() ? std::move(*f) : LeakedFile{};
}

TEST(LeakFile, DelimitedWithAnySeparatorAndTheFirstLineKept) {
  LeakedFile f = Read("a;b;c\n1;2;3\n4;5;6\n");
  EXPECT_EQ(f.shape, LeakedFile::Shape::kDelimited);
  EXPECT_EQ(f.separator, ';');
  ASSERT_EQ(f.rows.size(), 3u);  // the header (or first data row) kept
  EXPECT_EQ(f.rows[2], (std::vector<std::string>{"4", "5", "6"}));
  EXPECT_EQ(Read("x\ty\n\"q,1\"\tz\n").rows[1][0], "q,1");
}

// The notification counts people's rows: a header is kept as a row (its
// cells match nothing) but not counted; a first row of data always is.
TEST(LeakFile, AHeaderIsRecognisedOnlyAboveColumnsOfDigits) {
  EXPECT_TRUE(Read("nir;nom\n184127645108946;MARTIN\n268109741144456;DURAND\n").header);
  EXPECT_EQ(Read("nir;nom\n184127645108946;MARTIN\n").data_rows(), 1u);
  // The first row is data: it holds a digit.
  LeakedFile data = Read("184127645108946;MARTIN\n268109741144456;DURAND\n");
  EXPECT_FALSE(data.header);
  EXPECT_EQ(data.data_rows(), 2u);
  // Words above words: unknown, so counted (one too many, never one too few).
  EXPECT_FALSE(Read("nom;ville\nMARTIN;Lyon\nDURAND;Brest\n").header);
  // Repeated or empty names are not a header; nor is one line alone.
  EXPECT_FALSE(Read("nir;nir\nx1;2\ny3;4\n").header);
  EXPECT_FALSE(Read("nir;\n1;2\n3;4\n").header);
  EXPECT_FALSE(Read("nir;nom\n").header);
  // Digits in a minority of the rows below do not make a header.
  EXPECT_FALSE(Read("a;b\nx;y\nz;w\n1;q\n").header);
  // Text lines never have one.
  EXPECT_FALSE(Read("patients\n184127645108946\n").header);
}

TEST(LeakFile, TextLinesGiveWordsAndIdentifiers) {
  LeakedFile f = Read("\n  export ok patient=1 84 12 76 451 089 46 name=MARTIN\n\n");
  EXPECT_EQ(f.shape, LeakedFile::Shape::kText);
  ASSERT_EQ(f.rows.size(), 1u);  // blank lines dropped
  const auto& r = f.rows[0];
  EXPECT_EQ(r[0], "export ok patient=1 84 12 76 451 089 46 name=MARTIN");
  EXPECT_NE(std::find(r.begin(), r.end(), "1 84 12 76 451 089 46"), r.end());  // the detector's
  EXPECT_NE(std::find(r.begin(), r.end(), "export"), r.end());
  // One column only is text too (no separator): each line one cell.
  LeakedFile one = Read("184127645108946\n268109741144456\n");
  ASSERT_EQ(one.rows.size(), 2u);
  EXPECT_EQ(one.rows[1][0], "268109741144456");
}

TEST(LeakFile, RefusesBinaryAndTooManyRows) {
  std::string bin("a,b\n\0,1\n", 8);
  EXPECT_EQ(ReadLeakedFile(AsBytes(bin)).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(
      ReadLeakedFile(AsBytes(std::string_view("a,b\n1,2\n3,4\n")), {.max_rows = 2}).error().code(),
      ErrorCode::kLimitExceeded);
}

TEST(TraceMatch, WholeRowsReCasedAndReSpacedMatch) {
  TraceKey key = FixedKey();
  Provenance p = Package(key, kPackage);
  LeakIndex leak(key, Read("00000101,  184127645108946 ,martin,03/10/1968\n"
                           "00000102,268109741144456,Petit,14/11/1939\n"
                           "00000103,239112b03387780,THOMAS,01/01/1950\n"));
  PackageMatch m = leak.Match(p);
  EXPECT_EQ(m.rows, 3u);
  EXPECT_EQ(m.whole_rows, 3u);  // 2b lower-cased still folds the same way
  EXPECT_EQ(m.nir_cpr.size(), 3u);
}

TEST(TraceMatch, ReorderedOrPartialColumnsMatchByValues) {
  TraceKey key = FixedKey();
  Provenance p = Package(key, kPackage);
  // Columns reordered, the date dropped, the NIR in the carte Vitale layout.
  LeakIndex leak(key, Read("nom\tnir\tdossier\n"
                           "MARTIN\t1 84 12 76 451 089 46\t00000101\n"
                           "LAURENT\t1 97 10 97 120 444 43\t00000104\n"));
  PackageMatch m = leak.Match(p);
  EXPECT_EQ(m.rows, 2u);
  EXPECT_EQ(m.whole_rows, 0u);
  EXPECT_EQ(m.values, 4u);  // two NIRs, two file numbers
  EXPECT_EQ(m.weak_values, 2u);
}

// --min-rows counts distinct evidence: one person's NIR repeated, or given
// again in its spaced form, is one row; so is a whole row repeated.
TEST(TraceMatch, RepeatedEvidenceCountsOnce) {
  TraceKey key = FixedKey();
  Provenance p = Package(key, kPackage);
  LeakIndex nir(key, Read("184127645108946\n184127645108946\n1 84 12 76 451 089 46\n"));
  EXPECT_EQ(nir.Match(p).rows, 1u);
  LeakIndex rows(key, Read("00000101,184127645108946,MARTIN,03/10/1968\n"
                           "00000101,184127645108946,MARTIN,03/10/1968\n"
                           "00000101,184127645108946,martin,03/10/1968\n"));
  PackageMatch m = rows.Match(p);
  EXPECT_EQ(m.rows, 1u);
  EXPECT_EQ(m.whole_rows, 1u);
  // Distinct people still count one each.
  LeakIndex two(key, Read("00000101,184127645108946\n00000102,268109741144456\n"));
  EXPECT_EQ(two.Match(p).rows, 2u);
}

// Two rows of 80,000 distinct numbers are indexed, each value once. (The
// per-row duplicate check is linear: this took ~10 s when it was
// quadratic, well under a second since. Its speed is bench/trace.sh's to
// watch: no unit test asserts a time, the machines vary too much.)
TEST(TraceMatch, WideRowsAreIndexedValueByValue) {
  TraceKey key = FixedKey();
  std::string text;
  for (int r = 0; r < 2; ++r) {
    for (int i = 0; i < 80000; ++i) {
      if (i) text += ',';
      text += std::to_string(10000000 * (r + 1) + i);
    }
    text += '\n';
  }
  LeakIndex leak(key, Read(text));
  (void)leak.Match(Package(key, kPackage));
  EXPECT_EQ(leak.value_count(), 160000u);
}

TEST(TraceMatch, WeakValuesNeverMakeARow) {
  TraceKey key = FixedKey();
  Provenance p = Package(key, kPackage);
  // Names the package holds, with a NIR and a file number it does not.
  LeakIndex leak(key, Read("00009999,255083523814915,MARTIN,01/01/2000\n"
                           "00009998,169035412301154,PETIT,01/01/2000\n"));
  PackageMatch m = leak.Match(p);
  EXPECT_EQ(m.rows, 0u);
  EXPECT_EQ(m.values, 0u);
  EXPECT_EQ(m.weak_values, 2u);
  EXPECT_TRUE(m.any());
}

TEST(TraceMatch, EachTableIsLookedUpUnderItsOwnName) {
  TraceKey key = FixedKey();
  Provenance other = Package(key, kPackage, "resultats");
  Provenance mine = Package(key, kPackage, "patients");
  LeakIndex leak(key, Read("00000101,184127645108946,MARTIN,03/10/1968\n"));
  EXPECT_EQ(leak.Match(other).rows, 1u);  // digested under "resultats" for that file
  EXPECT_EQ(leak.Match(mine).rows, 1u);
  EXPECT_NE(*key.ValueDigest("patients", "00000101"), *key.ValueDigest("resultats", "00000101"));
  Provenance none;
  EXPECT_FALSE(leak.Match(none).any());
}

TEST(TraceMatch, AnotherKeyMatchesNothing) {
  TraceKey key = FixedKey();
  Provenance p = Package(key, kPackage);
  TraceKey other = TraceKey::Generate();
  LeakIndex leak(other, Read("00000101,184127645108946,MARTIN,03/10/1968\n"));
  EXPECT_FALSE(leak.Match(p).any());
}

TEST(TraceMatch, FindsEveryDigestInLargeLists) {
  // The galloping search against a plain set membership, on lists of every
  // density: each leaked row planted at a random place among random digests.
  TraceKey key = FixedKey();
  std::mt19937_64 rnd(7);
  std::string leak_text;
  std::vector<uint64_t> planted;
  for (int i = 0; i < 300; ++i) {
    const std::string num = std::to_string(10000000 + i * 7919);
    leak_text += num + ",x" + std::to_string(i) + "\n";
    if (i % 3 == 0) planted.push_back(*key.ValueDigest("t", num));
  }
  LeakIndex leak(key, Read(leak_text));
  for (size_t size : {0u, 1u, 5u, 1000u, 200000u}) {
    Provenance p;
    ProvenanceTable t{"t", {}, {}};
    for (size_t i = 0; i < size; ++i) t.values.push_back(rnd());
    t.values.insert(t.values.end(), planted.begin(), planted.end());
    std::sort(t.values.begin(), t.values.end());
    t.values.erase(std::unique(t.values.begin(), t.values.end()), t.values.end());
    p.tables.push_back(std::move(t));
    PackageMatch m = leak.Match(p);
    EXPECT_EQ(m.rows, planted.size()) << size;
    EXPECT_EQ(m.values, planted.size()) << size;
  }
}

TEST(TraceMatch, StrongValues) {
  EXPECT_TRUE(HasSixDigits("00000101"));
  EXPECT_TRUE(HasSixDigits("D-12-34-56"));
  EXPECT_FALSE(HasSixDigits("12345"));
  EXPECT_FALSE(HasSixDigits("MARTIN"));
}

TEST(TraceMatch, MaskSubjectNeverShowsTheValue) {
  for (std::string v : {"184127645108946", "1 84 12 76 451 089 46", "jean.martin@example.org",
                        "00000101", "Jean-Émile"}) {
    std::string masked = MaskSubject(v);
    EXPECT_NE(masked, v);
    EXPECT_EQ(masked.find(v.substr(0, v.size() / 2)), std::string::npos) << masked;
  }
}

// Free text shows its length only: no surname or first name survives.
TEST(TraceMatch, MaskSubjectOfTextIsItsLengthOnly) {
  EXPECT_EQ(MaskSubject("DUPONT Jean-Pierre 12345678"), "[27 characters]");
  EXPECT_EQ(MaskSubject("Marie-Claire de la Fontaine"), "[27 characters]");
  EXPECT_EQ(MaskSubject("Éléonore"), "[8 characters]");
}

}  // namespace
}  // namespace cordon::pipeline
