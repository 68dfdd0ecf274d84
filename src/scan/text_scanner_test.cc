#include "scan/text_scanner.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace cordon::scan {
namespace {

std::vector<std::string> Describe(const FileResult& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) {
    out.push_back(std::to_string(f.line) + ":" + std::to_string(f.column) + ":" +
                  std::to_string(f.char_column) + "@" + std::to_string(f.offset) + "+" +
                  std::to_string(f.length) + " " + std::string(detect::KindName(f.kind)) + " " +
                  f.masked);
  }
  return out;
}

// Text with identifiers everywhere: short lines, a 3 MiB line with
// separators, a 200 KiB run of letters, accents (code points ≠ bytes).
std::string HostileText() {
  std::mt19937 rng(7);
  std::string t;
  const char* items[] = {"1 84 12 76 451 089 46",
                         "jean.dupont@orange.fr",
                         "FR14 2004 1010 0505 0001 3M02 606",
                         "06 12 34 56 78",
                         "\xC3\xA9t\xC3\xA9",
                         "4111 1111 1111 1111",
                         "070761-4285"};
  for (int i = 0; i < 60000; ++i) {
    t += items[rng() % 7];
    t += rng() % 5 == 0 ? "\n" : (rng() % 2 ? "; " : " x ");
  }
  t += "\n";
  for (int i = 0; i < 150000; ++i) {  // one 3 MiB line
    t += items[rng() % 7];
    t += ";";
  }
  t += std::string(200 * 1024, 'Q') + " 1 84 12 76 451 089 46\n";
  return t;
}

TEST(TextScanner, PiecesGiveExactlyWhatTheWholeTextGives) {
  std::string text = HostileText();
  ScanOptions o;
  o.max_findings_per_file = 1 << 22;
  FileResult whole;
  FindingCollector(o, whole, {}).Scan(text);
  ASSERT_GT(whole.findings.size(), 100000u);

  for (size_t piece : {size_t{1}, size_t{4093}, size_t{1} << 20, size_t{3} << 20}) {
    FileResult streamed;
    TextScanner s(o, streamed);
    for (size_t at = 0; at < text.size(); at += piece) {
      s.Feed(std::string_view(text).substr(at, piece));
      if (piece == 1 && at > 50000) {  // byte by byte is slow: finish in one go
        s.Feed(std::string_view(text).substr(at + 1));
        break;
      }
    }
    s.Finish();
    EXPECT_FALSE(s.binary());
    EXPECT_EQ(s.bytes(), text.size());
    EXPECT_EQ(Describe(streamed), Describe(whole)) << "pieces of " << piece;
    EXPECT_EQ(streamed.counts, whole.counts);
  }
}

TEST(TextScanner, LinesAndColumnsCarryAcrossPieces) {
  std::string text =
      std::string(3 << 20, 'a') + "; \xC3\xA9 jean.dupont@orange.fr\nx 06 12 34 56 78";
  FileResult r;
  TextScanner s({}, r);
  s.Feed(text);
  s.Finish();
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].line, 1u);
  EXPECT_EQ(r.findings[0].column, (3u << 20) + 6);
  EXPECT_EQ(r.findings[0].char_column, (3u << 20) + 5) << "é is one code point";
  EXPECT_EQ(r.findings[1].line, 2u);
  EXPECT_EQ(r.findings[1].column, 3u);
}

// Where no newline and no byte that ends an identifier comes before the end
// of a piece (letters and spaces only), the text is held until one does,
// rather than cut inside the identifier that straddles the piece's end.
TEST(TextScanner, AnIdentifierAcrossAPieceEndWithNoPlaceToCutIsFound) {
  for (size_t before : {size_t{1}, size_t{7}, size_t{12}, size_t{20}}) {
    for (const std::string& id :
         {std::string("184127645108946"), std::string("1 84 12 76 451 089 46"),
          std::string("jean.dupont@orange.fr")}) {
      const std::string text =
          std::string(TextScanner::kPiece - before - 1, 'a') + " " + id + " end\n";
      FileResult r;
      TextScanner s({}, r);
      s.Feed(text);
      s.Finish();
      ASSERT_EQ(r.findings.size(), 1u) << id << " " << before << " bytes before the end";
      EXPECT_EQ(r.findings[0].offset, TextScanner::kPiece - before) << id;
      EXPECT_EQ(r.findings[0].length, id.size()) << id;
    }
  }
  // Held at most 16 pieces: past that the text is cut anyway (small
  // pieces here), and what comes after is still scanned.
  FileResult r;
  TextScanner s({}, r, {}, 64);
  s.Feed(std::string(64 * 40, 'a') + " 184127645108946\n");
  s.Finish();
  ASSERT_EQ(r.findings.size(), 1u);
}

TEST(TextScanner, BinaryIsDecidedOnTheFirst8KiB) {
  FileResult r;
  TextScanner s({}, r);
  s.Feed(std::string("jean.dupont@orange.fr \0 ", 24));
  s.Feed(std::string(2 << 20, 'x'));
  EXPECT_TRUE(s.binary());
  s.Finish();
  EXPECT_TRUE(r.findings.empty()) << "no e-mails looked for in binary content";

  FileResult late;
  TextScanner t({}, late);
  t.Feed(std::string(9000, 'x') + std::string("\0", 1) + " jean.dupont@orange.fr");
  t.Finish();
  EXPECT_FALSE(t.binary()) << "a NUL after 8 KiB does not make a file binary";
  EXPECT_EQ(late.findings.size(), 1u);
}

// F25: plaintext smuggled behind an age header and NUL bytes was "nothing
// found". Binary content is scanned for the kinds a checksum proves.
TEST(TextScanner, FindsChecksummedIdentifiersInBinaryContent) {
  std::string data = "age-encryption.org/v1\n-> X25519 abc\n--- mac\n" + std::string(16, '\0') +
                     "NIR;IBAN;CARTE;CPR;CPR2;MAIL;TEL\r\n"
                     "1 84 12 76 451 089 46;FR14 2004 1010 0505 0001 3M02 606;"
                     "4111 1111 1111 1111;070761-4285;070761-4286;jean.dupont@orange.fr;"
                     "06 12 34 56 78\r\n" +
                     std::string("\x01\xff", 2) + "184127645108946" + std::string("\x02", 1);
  FileResult r;
  TextScanner s({}, r, {}, 64);  // small pieces: cut points in binary content too
  s.Feed(data);
  s.Finish();
  EXPECT_TRUE(s.binary());
  std::vector<std::string> kinds;
  for (const auto& f : r.findings) {
    kinds.emplace_back(detect::KindName(f.kind));
    EXPECT_TRUE(f.binary);
    EXPECT_EQ(f.confidence, detect::Confidence::kHigh);
  }
  // Not the CPR that fails mod 11, nor the e-mail, nor the phone number.
  EXPECT_EQ(kinds, (std::vector<std::string>{"nir", "iban", "card", "cpr", "nir"}));
  EXPECT_EQ(r.findings[0].line, 5u);
  EXPECT_EQ(r.findings[0].column, 1u);
  EXPECT_EQ(r.findings[4].line, 6u) << "a run between non-printable bytes, as strings finds it";
  EXPECT_EQ(r.total(), 5u);
}

TEST(TextScanner, RandomBytesGiveNoFinding) {
  std::mt19937_64 rng(25);
  std::string noise(10 << 20, '\0');
  for (size_t i = 8; i < noise.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(noise.data() + i, &v, 8);
  }
  FileResult r;
  TextScanner s({}, r);
  s.Feed(noise);
  s.Finish();
  EXPECT_TRUE(s.binary());
  EXPECT_EQ(r.total(), 0u) << (r.findings.empty() ? "" : r.findings[0].masked);
}

TEST(Matcher, LongSpacedDigitRunStaysLinear) {
  // 2 MB of "1 1 1 …" used to take minutes (every start tried every end).
  std::string run;
  for (int i = 0; i < 1000000; ++i) run += "1 ";
  FileResult r;
  FindingCollector({}, r, {}).Scan(run);
  EXPECT_EQ(r.total(), 0u);
}

}  // namespace
}  // namespace cordon::scan
