// COPY text rows, identifiers and type notions without a server: every
// escape PostgreSQL writes is read back, NULL is the empty field, what
// AppendCopyTextField writes parses back to the value, and a row that is
// not what was asked for (fields, byte 0, a cut escape) is refused.
#include "source/postgres_copy.h"

#include <gtest/gtest.h>

#include <random>

#include "source/postgres_conn.h"

namespace cordon::source {
namespace {

std::vector<std::string> Parse(std::string_view line, size_t n) {
  std::vector<std::string> fields;
  Status s = ParseCopyTextRow(line, n, fields);
  EXPECT_TRUE(s.ok()) << s.error().message();
  fields.resize(n);
  return fields;
}

TEST(PgCopyText, PlainFieldsAndNull) {
  EXPECT_EQ(Parse("a\tb\tc\n", 3), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Parse("\\N\t\t2017-05-07", 3), (std::vector<std::string>{"", "", "2017-05-07"}));
  EXPECT_EQ(Parse("\n", 1), (std::vector<std::string>{""}));
  EXPECT_EQ(Parse("\\N", 1), (std::vector<std::string>{""}));
  // "\N" inside a longer field is not NULL: an escaped N is the letter N.
  EXPECT_EQ(Parse("\\Nx\tx\\N", 2), (std::vector<std::string>{"Nx", "xN"}));
}

TEST(PgCopyText, Escapes) {
  EXPECT_EQ(Parse("a\\tb\\nc\\rd\\\\e", 1), (std::vector<std::string>{"a\tb\nc\rd\\e"}));
  EXPECT_EQ(Parse("\\b\\f\\v", 1), (std::vector<std::string>{"\b\f\v"}));
  EXPECT_EQ(Parse("\\101\\x42\\x4a\\7", 1), (std::vector<std::string>{"ABJ\a"}));
  EXPECT_EQ(Parse("\\303\\251t\\xc3\\xa9", 1), (std::vector<std::string>{"\xc3\xa9t\xc3\xa9"}));
  EXPECT_EQ(Parse("\\q\\\"\\x", 1), (std::vector<std::string>{"q\"x"}));
  // A literal backslash-N (escaped by the server) is text, not NULL.
  EXPECT_EQ(Parse("\\\\N", 1), (std::vector<std::string>{"\\N"}));
}

TEST(PgCopyText, RefusesWhatWasNotAsked) {
  std::vector<std::string> f;
  EXPECT_FALSE(ParseCopyTextRow("a\tb", 1, f).ok());     // too many
  EXPECT_FALSE(ParseCopyTextRow("a\tb", 3, f).ok());     // too few
  EXPECT_FALSE(ParseCopyTextRow("a\\", 1, f).ok());      // cut escape
  EXPECT_FALSE(ParseCopyTextRow("a\\000b", 1, f).ok());  // byte 0 by escape
  EXPECT_FALSE(ParseCopyTextRow("a\\x0", 1, f).ok());
  EXPECT_FALSE(ParseCopyTextRow(std::string_view("a\0b", 3), 1, f).ok());
  Status s = ParseCopyTextRow("a\tb\tc", 2, f);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kMalformed);
}

TEST(PgCopyText, WrittenRowsParseBack) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab\\\t\n\r\b\f\vN\"\xc3\xa9";
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::string> values(1 + rng() % 4);
    for (std::string& v : values) {
      size_t n = rng() % 6;
      for (size_t k = 0; k < n; ++k) v += alphabet[rng() % alphabet.size()];
    }
    std::string line;
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) line += '\t';
      AppendCopyTextField(line, values[i]);
    }
    line += '\n';
    // One line per row: no raw newline or tab survives escaping.
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    EXPECT_EQ(Parse(line, values.size()), values) << line;
  }
  std::string empty;
  AppendCopyTextField(empty, "");
  EXPECT_EQ(empty, "\\N");  // empty is NULL, as the SQLite target loads it
  std::string nul_text;
  AppendCopyTextField(nul_text, "\\N");
  EXPECT_EQ(nul_text, "\\\\N");
}

// The binary format, built byte by byte as the PostgreSQL docs describe it.
std::string Be(uint64_t v, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}
const std::string kBinaryHeader = std::string("PGCOPY\n\377\r\n\0", 11) + Be(0, 4) + Be(0, 4);
std::string Field(std::string_view bytes) { return Be(bytes.size(), 4) + std::string(bytes); }
const std::string kNullField = Be(0xFFFFFFFF, 4);
const std::string kTrailer = Be(0xFFFF, 2);

std::string Rendered(PgBinaryType type, const std::string& bytes) {
  std::string out;
  Status s = AppendPgBinaryValue(type, bytes, out);
  EXPECT_TRUE(s.ok()) << s.error().message();
  return out;
}

TEST(PgCopyBinary, DatesAsTheTextFormatWritesThem) {
  using T = PgBinaryType;
  auto date = [](int32_t days) { return Rendered(T::kDate, Be(static_cast<uint32_t>(days), 4)); };
  EXPECT_EQ(date(0), "2000-01-01");
  EXPECT_EQ(date(-1), "1999-12-31");
  EXPECT_EQ(date(59), "2000-02-29");
  EXPECT_EQ(date(-10957), "1970-01-01");
  EXPECT_EQ(date(6336), "2017-05-07");
  EXPECT_EQ(date(-730119), "0001-01-01");
  EXPECT_EQ(date(-730120), "0001-12-31 BC");     // no year 0: 1 BC comes before AD 1
  EXPECT_EQ(date(-2451545), "4714-11-24 BC");    // Julian day 0, PostgreSQL's first date
  EXPECT_EQ(date(2921940), "10000-01-01");       // more than four year digits
  EXPECT_EQ(date(2145031948), "5874897-12-31");  // PostgreSQL's last date
  EXPECT_EQ(date(INT32_MIN), "-infinity");
  EXPECT_EQ(date(INT32_MAX), "infinity");
}

TEST(PgCopyBinary, IntegersBooleansText) {
  using T = PgBinaryType;
  EXPECT_EQ(Rendered(T::kInt2, Be(0x8000, 2)), "-32768");
  EXPECT_EQ(Rendered(T::kInt2, Be(7, 2)), "7");
  EXPECT_EQ(Rendered(T::kInt4, Be(0xFFFFFFFF, 4)), "-1");
  EXPECT_EQ(Rendered(T::kInt4, Be(2147483647, 4)), "2147483647");
  EXPECT_EQ(Rendered(T::kInt8, Be(uint64_t{1} << 63, 8)), "-9223372036854775808");
  EXPECT_EQ(Rendered(T::kInt8, Be(1234567890123, 8)), "1234567890123");
  EXPECT_EQ(Rendered(T::kBool, std::string(1, '\1')), "t");
  EXPECT_EQ(Rendered(T::kBool, std::string(1, '\0')), "f");
  EXPECT_EQ(Rendered(T::kText, "a\tb\\N\xc3\xa9"), "a\tb\\N\xc3\xa9");  // no escapes
  std::string out;
  EXPECT_FALSE(AppendPgBinaryValue(T::kInt4, Be(1, 2), out).ok());  // not its size
  EXPECT_FALSE(AppendPgBinaryValue(T::kDate, Be(1, 8), out).ok());
  EXPECT_FALSE(AppendPgBinaryValue(T::kBool, "", out).ok());
}

TEST(PgCopyBinary, RowsNullsAndTrailer) {
  using T = PgBinaryType;
  CopyBinaryRows rows({T::kText, T::kDate, T::kInt4});
  std::vector<std::string_view> f;
  // Text fields point into the message: it must outlive them.
  const std::string message =
      kBinaryHeader + Be(3, 2) + Field("Dupont") + Field(Be(6336, 4)) + Field(Be(42, 4));
  auto first = rows.Parse(message, f);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(*first, CopyBinaryRows::Got::kRow);
  EXPECT_EQ(f, (std::vector<std::string_view>{"Dupont", "2017-05-07", "42"}));
  // NULL is the empty field, as in the text format; so is an empty text.
  const std::string nulls = Be(3, 2) + Field("") + kNullField + kNullField;
  auto second = rows.Parse(nulls, f);
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ(f, (std::vector<std::string_view>{"", "", ""}));
  EXPECT_FALSE(rows.ended());
  auto end = rows.Parse(kTrailer, f);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(*end, CopyBinaryRows::Got::kEnd);
  EXPECT_TRUE(rows.ended());
  EXPECT_FALSE(rows.Parse(Be(3, 2), f).ok());  // nothing after the trailer
  // A header extension is skipped.
  CopyBinaryRows extended({T::kBool});
  std::string header = std::string("PGCOPY\n\377\r\n\0", 11) + Be(0, 4) + Be(3, 4) + "xyz";
  auto r = extended.Parse(header + Be(1, 2) + Field(std::string(1, '\1')), f);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(f[0], "t");
  // The header may come alone, the protocol says (PostgreSQL 15 sends it
  // with the first row).
  CopyBinaryRows alone({T::kBool});
  auto head = alone.Parse(kBinaryHeader, f);
  ASSERT_TRUE(head.ok()) << head.error().message();
  EXPECT_EQ(*head, CopyBinaryRows::Got::kHeaderOnly);
  auto row = alone.Parse(Be(1, 2) + Field(std::string(1, '\0')), f);
  ASSERT_TRUE(row.ok()) << row.error().message();
  EXPECT_EQ(*row, CopyBinaryRows::Got::kRow);
  EXPECT_EQ(f[0], "f");
}

TEST(PgCopyBinary, BuiltinTypesByOid) {
  EXPECT_EQ(PgBuiltinTypeName(23), "int4");
  EXPECT_EQ(PgBuiltinTypeName(1082), "date");
  EXPECT_EQ(PgBuiltinTypeName(1043), "varchar");
  EXPECT_EQ(PgBuiltinTypeName(16), "bool");
  EXPECT_EQ(PgBuiltinTypeName(1700), "");   // numeric: the text format
  EXPECT_EQ(PgBuiltinTypeName(16384), "");  // a type of the database's own
}

TEST(PgCopyBinary, RefusesWhatWasNotAsked) {
  using T = PgBinaryType;
  const std::string row = Be(1, 2) + Field("x");
  auto refused = [&](const std::string& message, const char* why) {
    CopyBinaryRows rows({T::kText});
    std::vector<std::string_view> f;
    auto r = rows.Parse(message, f);
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed) << why;
  };
  refused(row, "no header");
  refused("PGCOPY\n\377\r\n", "a cut signature");
  refused(std::string("PGCOPY\n\377\r\n\0", 11) + Be(1 << 16, 4) + Be(0, 4) + row,
          "rows with OIDs (a critical flag)");
  refused(std::string("PGCOPY\n\377\r\n\0", 11) + Be(0, 4) + Be(100, 4) + row,
          "an extension longer than the message");
  refused(kBinaryHeader + Be(2, 2) + Field("x") + Field("y"), "more fields than asked");
  refused(kBinaryHeader + Be(1, 2) + Be(5, 4) + "abc", "a cut field");
  refused(kBinaryHeader + Be(1, 2) + Be(0xFFFFFFFE, 4), "a negative length");
  refused(kBinaryHeader + row + "z", "bytes after the row");
  refused(kBinaryHeader + kTrailer + "z", "bytes after the trailer");
  refused(kBinaryHeader + Be(1, 2) + Be(1, 2), "a cut length");
}

TEST(PgCopyBinary, TypesItCarries) {
  EXPECT_EQ(PgBinaryTypeOf("varchar"), PgBinaryType::kText);
  EXPECT_EQ(PgBinaryTypeOf("bpchar"), PgBinaryType::kText);
  EXPECT_EQ(PgBinaryTypeOf("date"), PgBinaryType::kDate);
  EXPECT_EQ(PgBinaryTypeOf("int8"), PgBinaryType::kInt8);
  // Their binary forms differ from their text, or depend on settings: the
  // text format reads them.
  for (const char* t : {"numeric", "float8", "timestamp", "timestamptz", "bytea", "uuid", "json"})
    EXPECT_FALSE(PgBinaryTypeOf(t).has_value()) << t;
}

TEST(PgIdentifiers, Quoted) {
  EXPECT_EQ(PgQuoteIdentifier("patients"), "\"patients\"");
  EXPECT_EQ(PgQuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(PgQuoteIdentifier("x\"); DROP TABLE t; --"), "\"x\"\"); DROP TABLE t; --\"");
}

TEST(PgTypes, DatesAreDates) {
  EXPECT_EQ(PgTypeNotion("date"), "DATE");
  EXPECT_EQ(PgTypeNotion("timestamp"), "TIMESTAMP");
  EXPECT_EQ(PgTypeNotion("int4"), "INTEGER");
  EXPECT_EQ(PgTypeNotion("int8"), "INTEGER");
  EXPECT_EQ(PgTypeNotion("numeric"), "NUMERIC");
  EXPECT_EQ(PgTypeNotion("float8"), "NUMERIC");
  // Names that would fool a substring match stay text.
  EXPECT_EQ(PgTypeNotion("interval"), "");
  EXPECT_EQ(PgTypeNotion("point"), "");
  EXPECT_EQ(PgTypeNotion("timestamptz"), "");
  EXPECT_EQ(PgTypeNotion("text"), "");
  EXPECT_TRUE(PgTypeIsBinary("bytea"));
  EXPECT_FALSE(PgTypeIsBinary("text"));
}

TEST(PgUrl, RefusesAPasswordWithoutRepeatingIt) {
  for (const char* url : {"postgresql://alice:s3cret@db.example/lis",
                          "postgres://alice:s3cret@db.example:5433/lis?sslmode=require",
                          "postgresql://db.example/lis?password=s3cret",
                          "postgresql://db.example/lis?sslpassword=s3cret"}) {
    auto r = ParsePgUrl(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().code(), ErrorCode::kRefused) << url;
    EXPECT_EQ(r.error().message().find("s3cret"), std::string::npos);
    EXPECT_EQ(r.error().message().find("alice"), std::string::npos);
    EXPECT_NE(r.error().hint().find("PGPASSFILE"), std::string::npos);
  }
}

TEST(PgUrl, DisplayHasNoUserNorParameters) {
  auto r = ParsePgUrl("postgresql://alice@db.example:5433/lis?sslmode=verify-full&service=x");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->display, "postgresql://db.example:5433/lis");
  EXPECT_EQ(r->dbname, "lis");
  auto bare = ParsePgUrl("postgres:///lis?host=/run/pg&port=5999");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->display, "postgres://%2Frun%2Fpg:5999/lis");
  EXPECT_FALSE(ParsePgUrl("postgresql://h/db?nonsense=1").ok());
  EXPECT_FALSE(ParsePgUrl("mysql://h/db").ok());
}

TEST(PgErrors, MessagesDropQuotedValues) {
  EXPECT_EQ(PgMessageWithoutValues("invalid input syntax for type date: \"31/12/1950\""),
            "invalid input syntax for type date");
  EXPECT_EQ(PgMessageWithoutValues("duplicate key value violates unique constraint \"u\"\n"),
            "duplicate key value violates unique constraint \"u\"");
}

}  // namespace
}  // namespace cordon::source
