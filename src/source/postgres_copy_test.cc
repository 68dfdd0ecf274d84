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
