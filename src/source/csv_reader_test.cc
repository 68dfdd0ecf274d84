#include "source/csv_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

namespace cordon::source {
namespace {

class OwnedMemory final : public ByteSource {
 public:
  explicit OwnedMemory(std::string data, size_t step = SIZE_MAX)
      : data_(std::move(data)), step_(step) {}
  Result<size_t> Read(std::span<uint8_t> out) override {
    size_t n = std::min({out.size(), data_.size() - pos_, step_});
    std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
  size_t step_;
};

Result<std::unique_ptr<CsvReader>> OpenText(std::string text, CsvOptions options = {},
                                            size_t step = SIZE_MAX) {
  return CsvReader::Open(std::make_unique<OwnedMemory>(std::move(text), step), "t.csv", options);
}

std::vector<std::vector<std::string>> ReadAllRows(CsvReader& r) {
  std::vector<std::vector<std::string>> rows;
  for (;;) {
    auto more = r.Next();
    EXPECT_TRUE(more.ok()) << more.error().message();
    if (!more.ok() || !*more) break;
    std::vector<std::string> row;
    for (size_t i = 0; i < r.field_count(); ++i) row.emplace_back(*r.Utf8Field(i));
    rows.push_back(row);
  }
  return rows;
}

TEST(CsvReader, ReadsLegacyDialect) {
  // Windows-1252, ';', CRLF, quotes with embedded separators and newlines.
  std::string text =
      "NUM;NOM;COMMENTAIRE\r\n"
      "1;H\xE9l\xE8ne;\"a;b\r\nsecond line\"\r\n"
      "2;\"Z\xFC\"\"rich\";\x80 50\r\n";
  auto r = OpenText(text);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)->separator(), ';');
  EXPECT_EQ((*r)->encoding(), TextEncoding::kWindows1252);
  EXPECT_EQ((*r)->header(), (std::vector<std::string>{"NUM", "NOM", "COMMENTAIRE"}));
  auto rows = ReadAllRows(**r);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][1], "Hélène");
  EXPECT_EQ(rows[0][2], "a;b\r\nsecond line");
  EXPECT_EQ(rows[1][1], "Zü\"rich");
  EXPECT_EQ(rows[1][2], "€ 50");
}

TEST(CsvReader, ReportsPhysicalLineNumbers) {
  auto r = OpenText("a,b\n1,\"x\ny\"\n2,z\n");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(*(*r)->Next());
  EXPECT_EQ((*r)->line(), 2u);
  ASSERT_TRUE(*(*r)->Next());
  EXPECT_EQ((*r)->line(), 4u);
}

TEST(CsvReader, DetectsSeparatorsAndBom) {
  for (auto [text, sep] : std::vector<std::pair<std::string, char>>{{"a\tb\n1\t2\n", '\t'},
                                                                    {"a|b|c\n1|2|3\n", '|'},
                                                                    {"a,b\n1,2\n", ','},
                                                                    {"\xEF\xBB\xBF"
                                                                     "a;b\n1;2\n",
                                                                     ';'}}) {
    auto r = OpenText(text);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)->separator(), sep);
    EXPECT_EQ((*r)->header()[0], "a");
    EXPECT_EQ(ReadAllRows(**r).size(), 1u);
  }
}

TEST(CsvReader, RefusesRaggedRowsNamingFileAndLine) {
  auto r = OpenText("a;b;c\n1;2;3\n4;5\n");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(*(*r)->Next());
  auto bad = (*r)->Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("t.csv line 3: 2 fields where the header has 3"),
            std::string::npos);
}

TEST(CsvReader, RefusesUnterminatedQuoteAndGarbageAfterQuote) {
  auto r = OpenText("a,b\n1,\"open\n");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)->Next().ok());
  auto g = OpenText("a,b\n1,\"x\"y\n");
  ASSERT_TRUE(g.ok());
  auto bad = (*g)->Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("after a closing quote"), std::string::npos);
}

TEST(CsvReader, InvalidUtf8IsAnErrorNamingLineAndColumn) {
  auto r = OpenText("a,b\n1,ok\n2,\xC3\x28\n", {.encoding = TextEncoding::kUtf8});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(*(*r)->Next());
  EXPECT_TRUE((*r)->Utf8Field(1).ok());
  ASSERT_TRUE(*(*r)->Next());
  auto bad = (*r)->Utf8Field(1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("line 3, column b"), std::string::npos);
}

TEST(CsvReader, Latin1AndWindows1252DifferOnlyIn0x80To0x9F) {
  auto latin1 = OpenText("a\n\x80\xE9\n", {.encoding = TextEncoding::kLatin1});
  ASSERT_TRUE(latin1.ok());
  EXPECT_EQ(ReadAllRows(**latin1)[0][0],
            "\xC2\x80"
            "é");
}

TEST(CsvReader, HugeFieldIsRefusedWithBoundedMemory) {
  std::string text = "a,b\n1,\"" + std::string(3 << 20, 'x');  // never closed
  auto r = OpenText(text, {.max_record_bytes = 1 << 20});
  ASSERT_TRUE(r.ok());
  auto bad = (*r)->Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kLimitExceeded);
}

TEST(CsvReader, AGigabyteFieldIsRefusedAfterReadingOnlyTheLimit) {
  // A quote opened and never closed, then 1 GB of data, produced lazily.
  class Endless final : public ByteSource {
   public:
    Result<size_t> Read(std::span<uint8_t> out) override {
      std::string head = "a,b\n1,\"";
      size_t n = out.size();
      if (served_ == 0) {
        std::memcpy(out.data(), head.data(), head.size());
        n = head.size();
      } else {
        if (served_ >= (size_t{1} << 30)) return size_t{0};
        std::memset(out.data(), 'x', n);
      }
      served_ += n;
      return n;
    }
    size_t served_ = 0;
  };
  auto endless = std::make_unique<Endless>();
  Endless* raw = endless.get();
  auto r = CsvReader::Open(std::move(endless), "big.csv", {});
  ASSERT_TRUE(r.ok());
  auto bad = (*r)->Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_NE(bad.error().message().find("big.csv line 2"), std::string::npos);
  EXPECT_LT(raw->served_, size_t{40} << 20) << "read far past the 16 MiB record limit";
}

TEST(CsvReader, SameRowsWhateverTheReadSizes) {
  std::string text = "id;note\r\n";
  for (int i = 0; i < 500; ++i)
    text += std::to_string(i) + ";\"v;" + std::to_string(i) + "\r\n\"\"q\"\"\"\r\n";
  auto whole = OpenText(text);
  auto drip = OpenText(text, {}, 7);
  ASSERT_TRUE(whole.ok() && drip.ok());
  auto a = ReadAllRows(**whole), b = ReadAllRows(**drip);
  EXPECT_EQ(a.size(), 500u);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a[499][1], "v;499\r\n\"q\"");
}

TEST(CsvReader, EmptyFileAndDuplicateColumnsAreRefused) {
  EXPECT_FALSE(OpenText("").ok());
  EXPECT_FALSE(OpenText("a,a\n1,2\n").ok());
  EXPECT_FALSE(OpenText("a,,c\n").ok());
}

TEST(CsvReader, SkipsBlankLinesAndHandlesNoFinalNewline) {
  auto r = OpenText("a,b\n1,2\n\n3,4");
  ASSERT_TRUE(r.ok());
  auto rows = ReadAllRows(**r);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][1], "4");
}

}  // namespace
}  // namespace cordon::source
