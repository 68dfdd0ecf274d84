#include "order/order.h"

#include <gtest/gtest.h>

#include "order/free_text.h"

namespace cordon::order {
namespace {

const char kRecipient[] = "age1fh5kqu9qpe3htgpkh0v0ujkyf7dsx5hmxn3n5qfpjunlx3wptd4qsyhmlh";

std::string Valid() {
  return std::string(R"([order]
id = "LAB42"
controller = "Lab"
processor = "Vendor"
purpose = "Migration"
contract = "DPA 1"
not_after = 2027-06-30
retention_days = 30
recipients = [")") +
         kRecipient + R"("]

[[table]]
name = "patients"
where = "VISITE >= 2017-05-07"
[table.types]
VISITE = "date:%d/%m/%Y"
[table.columns]
NUM = "keep"
COMMENTAIRE = "keep:free-text"

[[table]]
name = "resultats"
follow = "NUM -> patients.NUM"
[table.columns]
NUM = "keep"
)";
}

bool HasProblem(const LoadedOrder& o, int line, std::string_view text) {
  for (const auto& p : o.problems) {
    if ((line == 0 || p.pos.line == line) && p.message.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(Order, LoadsAValidOrder) {
  LoadedOrder o = ParseOrder(Valid(), "order.toml");
  ASSERT_TRUE(o.problems.empty()) << FormatDiagnostic("order.toml", o.problems[0]);
  EXPECT_EQ(o.order.id, "LAB42");
  EXPECT_EQ(FormatIsoDate(o.order.not_after), "2027-06-30");
  ASSERT_EQ(o.order.tables.size(), 2u);
  EXPECT_EQ(o.order.tables[0].from, "patients");
  EXPECT_EQ(o.order.tables[0].columns[0].column, "COMMENTAIRE");
  EXPECT_EQ(o.order.tables[0].columns[0].fate.kind, FateKind::kKeepFreeText);
  EXPECT_EQ(o.order.tables[1].follow->parent_table, "patients");
}

TEST(Order, RefusesAPseudonymDomainWithAControlCharacter) {
  // The domain goes into HKDF's info followed by a NUL: a NUL inside it
  // would let two (domain, transform) pairs share a key (see pseudo_test).
  std::string text = Valid();
  text.replace(text.find("recipients"), 0, "pseudonym_domain = \"lab\\u0000token\"\n");
  LoadedOrder o = ParseOrder(text, "order.toml");
  EXPECT_TRUE(HasProblem(o, 0, "control character"));
  text = Valid();
  text.replace(text.find("recipients"), 0, "pseudonym_domain = \"lab42-test\"\n");
  EXPECT_FALSE(HasProblem(ParseOrder(text, "order.toml"), 0, "control character"));
  // Nor may any other text of [order] carry one (an ESC reaches terminals,
  // a newline forges report lines).
  text = Valid();
  const std::string_view kController = "controller = \"Lab\"";
  text.replace(text.find(kController), kController.size(), "controller = \"Lab\\u001b[2J\"");
  EXPECT_TRUE(HasProblem(ParseOrder(text, "order.toml"), 0, "order.controller holds a control"));
}

TEST(Order, PseudonymScopeDefaultsToTheDomainAndTakesRecipients) {
  LoadedOrder o = ParseOrder(Valid(), "order.toml");
  ASSERT_TRUE(o.problems.empty());
  EXPECT_EQ(o.order.pseudonym_scope, PseudonymScope::kDomain);
  EXPECT_EQ(o.order.provenance_retention_days, 730);
  std::string text = Valid();
  text.replace(text.find("recipients"), 0,
               "pseudonym_scope = \"recipients\"\nprovenance_retention_days = 1095\n");
  o = ParseOrder(text, "order.toml");
  ASSERT_TRUE(o.problems.empty()) << FormatDiagnostic("order.toml", o.problems[0]);
  EXPECT_EQ(o.order.pseudonym_scope, PseudonymScope::kRecipients);
  EXPECT_EQ(PseudonymScopeName(o.order.pseudonym_scope), "recipients");
  EXPECT_EQ(o.order.provenance_retention_days, 1095);
  text = Valid();
  text.replace(text.find("recipients"), 0, "pseudonym_scope = \"recipient\"\n");
  o = ParseOrder(text, "order.toml");
  EXPECT_TRUE(HasProblem(o, 9, "order.pseudonym_scope must be \"domain\" or \"recipients\""));
  text = Valid();
  text.replace(text.find("recipients"), 0, "pseudonym_scope = 1\nprovenance_retention_days = 0\n");
  o = ParseOrder(text, "order.toml");
  EXPECT_TRUE(HasProblem(o, 9, "pseudonym_scope must be"));
  EXPECT_TRUE(HasProblem(o, 10, "provenance_retention_days must be a whole number"));
}

TEST(Order, PlanDigestAndToleranceAreOptionalAndChecked) {
  LoadedOrder o = ParseOrder(Valid(), "order.toml");
  ASSERT_TRUE(o.problems.empty());
  EXPECT_TRUE(o.order.plan_sha256.empty());
  EXPECT_FALSE(o.order.has_plan_tolerance);
  const std::string digest(64, 'a');
  std::string text = Valid();
  text.replace(text.find("recipients"), 0,
               "plan_sha256 = \"" + digest + "\"\nplan_tolerance = \"2.5%\"\n");
  o = ParseOrder(text, "order.toml");
  ASSERT_TRUE(o.problems.empty()) << FormatDiagnostic("order.toml", o.problems[0]);
  EXPECT_EQ(o.order.plan_sha256, digest);
  ASSERT_TRUE(o.order.has_plan_tolerance);
  EXPECT_EQ(o.order.plan_tolerance.kind, PlanTolerance::Kind::kPercent);
  EXPECT_EQ(o.order.plan_tolerance.basis_points, 250u);
  // Upper-case hex, a short digest, a number: refused where they are.
  for (const std::string& bad : {std::string(64, 'A'), std::string(63, 'a'), std::string("x")}) {
    text = Valid();
    text.replace(text.find("recipients"), 0, "plan_sha256 = \"" + bad + "\"\n");
    o = ParseOrder(text, "order.toml");
    EXPECT_TRUE(HasProblem(o, 9, "plan_sha256 must be 64 lowercase hex digits")) << bad;
  }
  // A tolerance with nothing to apply to is a mistake, not a no-op.
  text = Valid();
  text.replace(text.find("recipients"), 0, "plan_tolerance = \"0\"\n");
  o = ParseOrder(text, "order.toml");
  EXPECT_TRUE(HasProblem(o, 9, "plan_tolerance without plan_sha256"));
  text = Valid();
  text.replace(text.find("recipients"), 0,
               "plan_sha256 = \"" + digest + "\"\nplan_tolerance = \"2 %\"\n");
  o = ParseOrder(text, "order.toml");
  EXPECT_TRUE(HasProblem(o, 10, "plan_tolerance must be"));
}

TEST(PlanTolerance, GrammarIsStrict) {
  struct Case {
    const char* text;
    PlanTolerance::Kind kind;
    uint64_t rows;
    uint32_t bp;
  };
  using K = PlanTolerance::Kind;
  for (const Case& c : {Case{"0", K::kExact, 0, 0}, Case{"150", K::kRows, 150, 0},
                        Case{"2%", K::kPercent, 0, 200}, Case{"0.5%", K::kPercent, 0, 50},
                        Case{"0.25%", K::kPercent, 0, 25}, Case{"100%", K::kPercent, 0, 10000},
                        Case{"0%", K::kExact, 0, 0}, Case{"0.05%", K::kPercent, 0, 5}}) {
    auto t = ParsePlanTolerance(c.text);
    ASSERT_TRUE(t.ok()) << c.text;
    EXPECT_EQ(t->kind, c.kind) << c.text;
    EXPECT_EQ(t->rows, c.rows) << c.text;
    EXPECT_EQ(t->basis_points, c.bp) << c.text;
    if (std::string_view(c.text) != "0%") {
      EXPECT_EQ(t->Text(), c.text);
    }
  }
  for (const char* bad : {"", "-1", "+1", "01", "1.5", "2 %", "%", "101%", "100.01%", "0.125%",
                          "1.%", ".5%", "1e3", "2%%", "1000000000000000", "0x10", " 1"}) {
    EXPECT_FALSE(ParsePlanTolerance(bad).ok()) << bad;
  }
}

TEST(PlanTolerance, AllowsExactlyWhatItSays) {
  PlanTolerance exact;
  EXPECT_TRUE(exact.Allows(1000, 1000));
  EXPECT_FALSE(exact.Allows(1000, 1001));
  EXPECT_FALSE(exact.Allows(1000, 999));
  auto rows = ParsePlanTolerance("150").value();
  EXPECT_TRUE(rows.Allows(1000, 1150));
  EXPECT_TRUE(rows.Allows(1000, 850));
  EXPECT_FALSE(rows.Allows(1000, 1151));
  EXPECT_FALSE(rows.Allows(1000, 849));
  auto pct = ParsePlanTolerance("2%").value();
  EXPECT_TRUE(pct.Allows(1000, 1020));
  EXPECT_TRUE(pct.Allows(1000, 980));
  EXPECT_FALSE(pct.Allows(1000, 1021));
  EXPECT_FALSE(pct.Allows(1000, 979));
  // Nothing planned: no share of nothing lets a row through.
  EXPECT_TRUE(pct.Allows(0, 0));
  EXPECT_FALSE(pct.Allows(0, 1));
  // No overflow at the extremes.
  auto all = ParsePlanTolerance("100%").value();
  EXPECT_TRUE(all.Allows(UINT64_MAX, 0));
  EXPECT_FALSE(pct.Allows(UINT64_MAX, 0));
  EXPECT_TRUE(pct.Allows(UINT64_MAX, UINT64_MAX - UINT64_MAX / 50));
}

TEST(Order, ReportsEveryProblemWithItsLine) {
  std::string text = Valid();
  text.replace(text.find("retention_days = 30"), 19, "retention_days = 0");
  text.replace(text.find("NUM = \"keep\""), 12, "NUM = \"kept\"");
  text.replace(text.find("[table.columns]\nNUM"), 15, "[table.colums]");
  LoadedOrder o = ParseOrder(text, "order.toml");
  EXPECT_TRUE(HasProblem(o, 8, "retention_days"));
  EXPECT_TRUE(HasProblem(o, 0, "unknown key \"colums\""));
  EXPECT_GE(o.problems.size(), 2u);
}

TEST(Order, RefusesMissingRecipientsAndBadRecipients) {
  std::string text = Valid();
  text.replace(text.find(kRecipient), sizeof kRecipient - 1, "age1nope");
  EXPECT_TRUE(HasProblem(ParseOrder(text, "o"), 9, "not an age recipient"));
  std::string none = Valid();
  none.replace(none.find("[\"age1"), sizeof kRecipient + 3, "[]");
  EXPECT_TRUE(HasProblem(ParseOrder(none, "o"), 0, "names no recipient"));
}

TEST(Order, WhereSyntaxErrorsPointIntoTheFile) {
  std::string text = Valid();
  text.replace(text.find("VISITE >= 2017"), 9, "VISITE >=");
  text.replace(text.find(">= 2017-05-07"), 13, ">= ");
  LoadedOrder o = ParseOrder(text, "order.toml");
  ASSERT_FALSE(o.problems.empty());
  EXPECT_EQ(o.problems[0].pos.line, 13);
  EXPECT_GT(o.problems[0].pos.column, 9);
}

TEST(Order, FollowMustNameAnEarlierTable) {
  std::string text = Valid();
  text.replace(text.find("patients.NUM"), 12, "later.NUM");
  EXPECT_TRUE(HasProblem(ParseOrder(text, "o"), 0, "earlier [[table]]"));
  std::string bad = Valid();
  bad.replace(bad.find("NUM -> patients.NUM"), 19, "NUM patients");
  EXPECT_TRUE(HasProblem(ParseOrder(bad, "o"), 0, "follow must read"));
}

TEST(Order, NotTomlIsOneClearProblem) {
  LoadedOrder o = ParseOrder("[order\nid = 1", "o");
  ASSERT_EQ(o.problems.size(), 1u);
  EXPECT_NE(o.problems[0].message.find("not valid TOML"), std::string::npos);
  EXPECT_EQ(o.problems[0].pos.line, 1);
}

TEST(Order, NonAsciiOutsideStringsIsRefusedBeforeParsing) {
  // The input fuzz/order_fuzz.cc found: a bare key with an accent.
  LoadedOrder o = ParseOrder(
      "[order]\n\xC3\x89"
      "diteur = \"x\"\n",
      "o");
  ASSERT_EQ(o.problems.size(), 1u);
  EXPECT_EQ(o.problems[0].pos.line, 2);
  EXPECT_NE(o.problems[0].message.find("non-ASCII"), std::string::npos);
  // Accents inside "…" strings, multi-line strings and comments are fine;
  // in '…' literal strings they are refused (the parser sees ASCII only).
  EXPECT_TRUE(HasProblem(ParseOrder("[order]\nid = '\xC3\xA9'\n", "o"), 2, "accented text in a"));
  std::string text = Valid();
  text.replace(text.find("\"Vendor\""), 8,
               "\"\xC3\x89"
               "diteur\" # \xC3\xA9\npurpose2 = \"\"\"\xC3\xA9\n\xC3\xA9\"\"\"");
  LoadedOrder ok = ParseOrder(text, "o");
  ASSERT_EQ(ok.problems.size(), 1u) << ok.problems[0].message;
  EXPECT_NE(ok.problems[0].message.find("purpose2"), std::string::npos);
}

TEST(Order, ControlCharactersAreRefusedBeforeParsing) {
  std::string text = Valid();
  text.replace(text.find("[[table]]"), 9, std::string("# \0\n[[table]]", 13));
  LoadedOrder o = ParseOrder(text, "o");
  ASSERT_EQ(o.problems.size(), 1u);
  EXPECT_NE(o.problems[0].message.find("control character"), std::string::npos);
}

TEST(FreeText, ByNameAndByContent) {
  EXPECT_TRUE(NameLooksFreeText("COMMENTAIRE_P"));
  EXPECT_TRUE(NameLooksFreeText("note_medecin"));
  EXPECT_TRUE(NameLooksFreeText("OBSERVATIONS"));
  EXPECT_FALSE(NameLooksFreeText("NUM_DOSSIER"));
  EXPECT_FALSE(NameLooksFreeText("NOM"));
  FreeTextSniffer prose, codes;
  for (int i = 0; i < 10; ++i) {
    prose.Add(i % 3 ? "" : "Patiente enceinte de 12 SA, controle toxoplasmose");
    codes.Add("GLY");
  }
  EXPECT_TRUE(prose.LooksFreeText());
  EXPECT_FALSE(codes.LooksFreeText());
}

}  // namespace
}  // namespace cordon::order
