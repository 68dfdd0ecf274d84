#include "order/plan_digest.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/toml.h"
#include "order/order.h"

namespace cordon::order {
namespace {

const std::string kHex(64, 'a');
const std::string kOther = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

const char kOrder[] = R"([order]
id = "LAB42"
controller = "Lab"
processor = "Vendor"
purpose = """
Migration.
[table]
plan_sha256 = "not this one"
"""
contract = "DPA 1" # the contract
not_after = 2027-06-30
retention_days = 30
recipients = ["age1fh5kqu9qpe3htgpkh0v0ujkyf7dsx5hmxn3n5qfpjunlx3wptd4qsyhmlh"]

# the tables
[[table]]
name = "patients"
[table.columns]
NUM = "keep"
)";

TEST(PlanDigestTest, Sha256OfTheExactBytes) {
  // FIPS 180-2 "abc".
  EXPECT_EQ(PlanSha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_NE(PlanSha256Hex("{}\n"), PlanSha256Hex("{}"));
}

TEST(PlanDigestTest, AddsOneLineAfterTheOrderTableAndChangesNothingElse) {
  auto out = WithPlanDigest(kOrder, kHex);
  ASSERT_TRUE(out.ok()) << out.error().message();
  const std::string line = "plan_sha256 = \"" + kHex + "\"\n";
  // Exactly the original with one line inserted after recipients (the
  // table's last key), before the blank line and the comment.
  std::string expected = kOrder;
  const size_t at = expected.find("\n\n# the tables") + 1;
  expected.insert(at, line);
  EXPECT_EQ(*out, expected);
  // The multi-line purpose's look-alike lines were left alone.
  EXPECT_NE(out->find("plan_sha256 = \"not this one\""), std::string::npos);
  auto back = PlanDigestIn(*out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->value_or(""), kHex);
}

TEST(PlanDigestTest, TheOrderParserAcceptsTheKey) {
  std::string order = kOrder;
  const size_t from = order.find("purpose = ");
  order.replace(from, order.find("contract") - from, "purpose = \"Migration\"\n");
  auto out = WithPlanDigest(order, kHex);
  ASSERT_TRUE(out.ok());
  LoadedOrder loaded = ParseOrder(*out, "order.toml");
  EXPECT_TRUE(loaded.problems.empty())
      << (loaded.problems.empty() ? "" : loaded.problems[0].message);
  EXPECT_EQ(loaded.order.id, "LAB42");
}

TEST(PlanDigestTest, ReplacesAnExistingLineInPlace) {
  auto first = WithPlanDigest(kOrder, kHex);
  ASSERT_TRUE(first.ok());
  auto second = WithPlanDigest(*first, kOther);
  ASSERT_TRUE(second.ok()) << second.error().message();
  std::string expected = *first;
  expected.replace(expected.find(kHex), 64, kOther);
  EXPECT_EQ(*second, expected);
  EXPECT_EQ(second->size(), first->size());
  // Idempotent with the same digest.
  auto again = WithPlanDigest(*second, kOther);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *second);
}

TEST(PlanDigestTest, KeepsCrlfAndAFileWithoutAFinalNewline) {
  const std::string crlf = "[order]\r\nid = \"A\"\r\n\r\n[[table]]\r\nname = \"t\"\r\n";
  auto out = WithPlanDigest(crlf, kHex);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "[order]\r\nid = \"A\"\r\nplan_sha256 = \"" + kHex +
                      "\"\r\n\r\n[[table]]\r\nname = \"t\"\r\n");
  auto bare = WithPlanDigest("[order]\nid = \"A\"", kHex);
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(*bare, "[order]\nid = \"A\"\nplan_sha256 = \"" + kHex + "\"\n");
  // An [order] table last in the file, after the tables.
  auto last = WithPlanDigest("[[table]]\nname = \"t\"\n[ order ] # here\nid = \"A\"\n", kHex);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, "[[table]]\nname = \"t\"\n[ order ] # here\nid = \"A\"\nplan_sha256 = \"" +
                       kHex + "\"\n");
}

TEST(PlanDigestTest, RefusesWhatItCannotEditSafely) {
  EXPECT_FALSE(WithPlanDigest(kOrder, "ABC").ok());
  EXPECT_FALSE(WithPlanDigest(kOrder, std::string(64, 'A')).ok());  // uppercase
  EXPECT_FALSE(WithPlanDigest("id = \"A\"\n", kHex).ok());          // no [order]
  EXPECT_FALSE(WithPlanDigest("order = { id = \"A\" }\n", kHex).ok());
  EXPECT_FALSE(WithPlanDigest("[order]\nid=\"A\"\n[order]\n", kHex).ok());
  const std::string twice =
      "[order]\nplan_sha256 = \"" + kHex + "\"\nplan_sha256 = \"" + kHex + "\"\n";
  EXPECT_FALSE(WithPlanDigest(twice, kOther).ok());
  EXPECT_FALSE(PlanDigestIn(twice).ok());
  // A multi-line or malformed existing value is not overwritten blindly.
  EXPECT_FALSE(WithPlanDigest("[order]\nplan_sha256 = \"\"\"\nx\"\"\"\n", kHex).ok());
  EXPECT_FALSE(WithPlanDigest("[order]\nplan_sha256 = 12\n", kHex).ok());
  EXPECT_FALSE(WithPlanDigest("[order]\nplan_sha256 = \"" + kHex + "\" trailing\n", kHex).ok());
}

TEST(PlanDigestTest, ReadsOnlyTheOrderTablesKey) {
  auto none = PlanDigestIn(kOrder);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());  // the one inside purpose is text
  const std::string in_table = std::string(kOrder) + "plan_sha256 = \"" + kHex + "\"\n";
  auto still = PlanDigestIn(in_table);  // under [table.columns], not [order]
  ASSERT_TRUE(still.ok());
  EXPECT_FALSE(still->has_value());
  auto literal = PlanDigestIn("[order]\nplan_sha256 = '" + kHex + "' # ok\n");
  ASSERT_TRUE(literal.ok());
  EXPECT_EQ(literal->value_or(""), kHex);
  EXPECT_FALSE(PlanDigestIn("[order]\nplan_sha256 = \"" + kHex.substr(1) + "g\"\n").ok());
}

// The digest the exchange checks is the one the TOML parser (and so the
// extraction) reads: the line lexer must not be fooled by strings,
// comments, escapes or spacing.
TEST(PlanDigestTest, TheDigestIsTheOneTomlReads) {
  const std::vector<std::string> orders = {
      kOrder,
      "[order]\nid = \"A\" # \"quoted\" [order] in a comment\nx = '''\nplan_sha256 = \"" + kOther +
          "\"\n[order]\n'''\n",
      "[order]\nnote = \"\"\"a\\\"\"\"\nplan_sha256 = \\\"x\\\"\n\"\"\"\"\n[t]\nk = 1\n",
      "[t]\nplan_sha256 = \"" + kOther + "\"\n\n[ order ]\r\nid = 'A'\r\n",
      "title = \"\"\"\n[order]\n\"\"\"\n[order]\nid = \"B\"\n",
      "[order]\nplan_sha256 = '" + kOther + "' # old\nid = \"A\"\n",
  };
  for (const std::string& text : orders) {
    toml::parse_result before = toml::parse(text);
    ASSERT_TRUE(before) << text;
    auto found = PlanDigestIn(text);
    ASSERT_TRUE(found.ok()) << text;
    EXPECT_EQ(found->value_or(""), before.table()["order"]["plan_sha256"].value_or(std::string()))
        << text;
    auto out = WithPlanDigest(text, kHex);
    ASSERT_TRUE(out.ok()) << text << out.error().message();
    toml::parse_result after = toml::parse(*out);
    ASSERT_TRUE(after) << *out;
    EXPECT_EQ(after.table()["order"]["plan_sha256"].value_or(std::string()), kHex) << *out;
    // Nothing else moved: the same keys, the same values.
    toml::table order_after = *after.table()["order"].as_table();
    toml::table order_before = *before.table()["order"].as_table();
    order_after.erase("plan_sha256");
    order_before.erase("plan_sha256");
    EXPECT_TRUE(order_after == order_before) << *out;
    after.table().erase("order");
    before.table().erase("order");
    EXPECT_TRUE(after.table() == before.table()) << *out;
  }
}

}  // namespace
}  // namespace cordon::order
