#include "order/predicate.h"

#include <gtest/gtest.h>

namespace cordon::order {
namespace {

const std::vector<std::string> kHeader = {"NOM", "VISITE", "AGE", "POIDS", "VILLE"};

std::map<std::string, ColumnType> Types() {
  return {{"VISITE", *ParseColumnType("date:%d/%m/%Y")},
          {"AGE", *ParseColumnType("int")},
          {"POIDS", *ParseColumnType("decimal")}};
}

Result<bool> Eval(std::string_view where, std::vector<std::string> row) {
  CORDON_ASSIGN_OR_RETURN(Predicate p, Predicate::Parse(where));
  CORDON_TRY(p.Bind(kHeader, Types()));
  return p.Evaluate([&](size_t i) -> Result<std::string_view> { return std::string_view(row[i]); });
}

bool Selects(std::string_view where, std::vector<std::string> row) {
  auto r = Eval(where, std::move(row));
  EXPECT_TRUE(r.ok()) << where << ": " << r.error().message();
  return r.ok() && *r;
}

TEST(Predicate, ComparesDatesIntegersDecimalsAndText) {
  std::vector<std::string> row = {"DUPONT", "07/05/2017", "42", "71,5", "Lyon"};
  EXPECT_TRUE(Selects("VISITE >= 2017-05-07", row));
  EXPECT_FALSE(Selects("VISITE > 2017-05-07", row));
  EXPECT_TRUE(Selects("AGE = 42 AND POIDS < 72", row));
  EXPECT_TRUE(Selects("POIDS >= 71.5 and POIDS <= 71.5", row));
  EXPECT_TRUE(Selects("NOM = 'DUPONT' OR NOM = 'X'", row));
  EXPECT_TRUE(Selects("NOM <> 'MARTIN'", row));
  EXPECT_TRUE(Selects("NOT (AGE < 18)", row));
  EXPECT_TRUE(Selects("VILLE IN ('Paris', 'Lyon')", row));
  EXPECT_TRUE(Selects("VILLE NOT IN ('Paris')", row));
  EXPECT_TRUE(Selects("NOM LIKE 'DU%'", row));
  EXPECT_TRUE(Selects("NOM LIKE '_UP%T'", row));
  EXPECT_FALSE(Selects("NOM NOT LIKE '%PON%'", row));
}

TEST(Predicate, EmptyFieldIsNullWithThreeValuedLogic) {
  std::vector<std::string> row = {"", "", "", "", ""};
  EXPECT_TRUE(Selects("NOM IS NULL", row));
  EXPECT_FALSE(Selects("NOM IS NOT NULL", row));
  EXPECT_FALSE(Selects("VISITE >= 2017-05-07", row));
  EXPECT_FALSE(Selects("NOT (VISITE >= 2017-05-07)", row)) << "NOT unknown is unknown, not true";
  EXPECT_TRUE(Selects("VISITE >= 2017-05-07 OR VISITE IS NULL", row));
}

TEST(Predicate, PrecedenceIsNotThenAndThenOr) {
  std::vector<std::string> row = {"A", "01/01/2000", "1", "1", "X"};
  EXPECT_TRUE(Selects("NOM = 'A' OR NOM = 'B' AND AGE = 2", row));
  EXPECT_FALSE(Selects("(NOM = 'A' OR NOM = 'B') AND AGE = 2", row));
}

TEST(Predicate, SyntaxErrorsSayWhere) {
  for (auto [text, where] :
       std::vector<std::pair<std::string, std::string>>{{"", "column 1"},
                                                        {"AGE >", "column 6"},
                                                        {"AGE = 'x", "column 7"},
                                                        {"(AGE = 1", "column 9"},
                                                        {"AGE ! 1", "column 5"},
                                                        {"AGE = 1 AGE = 2", "column 9"},
                                                        {"VISITE >= 2017-02-31", "column 11"},
                                                        {"AGE IN ()", "column 9"},
                                                        {"\"\" IS NULL", "column 1"}}) {
    auto p = Predicate::Parse(text);
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_EQ(p.error().message().rfind(where + ":", 0), 0u)
        << text << " → " << p.error().message();
  }
}

TEST(Predicate, BindingChecksColumnsAndTypes) {
  auto unknown = Predicate::Parse("NAME = 'x'");
  ASSERT_TRUE(unknown.ok());
  EXPECT_NE(unknown->Bind(kHeader, Types()).error().message().find("unknown column NAME"),
            std::string::npos);
  auto mismatch = Predicate::Parse("VISITE >= '2017-05-07'");
  Status s = mismatch->Bind(kHeader, Types());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("type mismatch"), std::string::npos);
  auto untyped = Predicate::Parse("VILLE >= 2017-05-07");
  Status u = untyped->Bind(kHeader, Types());
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.error().hint().find("[table.types]"), std::string::npos);
  EXPECT_FALSE(Predicate::Parse("AGE LIKE '4%'")->Bind(kHeader, Types()).ok());
}

TEST(Predicate, UnparsableDataIsAnErrorNotASilentExclusion) {
  auto r = Eval("VISITE >= 2017-05-07", {"A", "31/02/2017", "1", "1", "X"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("column VISITE"), std::string::npos);
  EXPECT_NE(r.error().message().find("real calendar date"), std::string::npos);
  EXPECT_FALSE(Eval("AGE = 1", {"A", "01/01/2000", "1a", "1", "X"}).ok());
}

TEST(Predicate, DeepNestingIsRefusedWithoutCrashing) {
  std::string deep(100000, '(');
  auto p = Predicate::Parse(deep + "AGE = 1");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("nested too deeply"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 10000; ++i) nots += "NOT ";
  EXPECT_FALSE(Predicate::Parse(nots + "AGE = 1").ok());
  std::string ok_depth = std::string(60, '(') + "AGE = 1" + std::string(60, ')');
  EXPECT_TRUE(Predicate::Parse(ok_depth).ok());
}

// A database where NOM and VILLE compare as cordon's text, VISITE as an ISO
// date, AGE as an integer, and POIDS as nothing exact.
SqlDialect Dialect() {
  using C = SqlDialect::Compares;
  return {.compares =
              [](size_t i) {
                static const C kinds[] = {C::kText, C::kDate, C::kInt, C::kNo, C::kText};
                return kinds[i];
              },
          .column = [](size_t i) { return "\"" + kHeader[i] + "\""; },
          .text_literal = [](std::string_view t) -> std::optional<std::string> {
            if (t.find('\0') != std::string_view::npos) return std::nullopt;
            std::string q = "'";
            for (char c : t) q += c == '\'' ? std::string("''") : std::string(1, c);
            return q + "'";
          }};
}

SqlFilter Sql(std::string_view where, std::map<std::string, ColumnType> types = {
                                          {"VISITE", *ParseColumnType("date:%Y-%m-%d")},
                                          {"AGE", *ParseColumnType("int")},
                                          {"POIDS", *ParseColumnType("decimal")}}) {
  auto p = Predicate::Parse(where);
  EXPECT_TRUE(p.ok()) << where;
  EXPECT_TRUE(p->Bind(kHeader, types).ok()) << where;
  return p->ToSql(Dialect());
}

TEST(PredicateSql, TranslatesWhatIsExact) {
  SqlFilter f = Sql("VISITE >= 2017-05-07 AND AGE IN (1, 2) AND NOM LIKE 'DU%'");
  EXPECT_TRUE(f.whole);
  EXPECT_EQ(f.sql,
            "(\"VISITE\" >= DATE '2017-05-07') AND (\"AGE\" IN (1, 2)) AND "
            "((NULLIF(\"NOM\", '') COLLATE \"C\") LIKE 'DU%' ESCAPE '')");
  // An empty text is NULL in cordon: so in SQL.
  EXPECT_EQ(Sql("NOM IS NULL").sql, "(\"NOM\" IS NULL OR \"NOM\" = '')");
  EXPECT_EQ(Sql("NOT (NOM <> 'x' OR AGE IS NOT NULL)").sql,
            "(NOT (((NULLIF(\"NOM\", '') COLLATE \"C\") <> 'x') OR (\"AGE\" IS NOT NULL)))");
  EXPECT_EQ(Sql("NOM = 'O''Brien'").sql, "((NULLIF(\"NOM\", '') COLLATE \"C\") = 'O''Brien')");
}

TEST(PredicateSql, LeavesTheRestToCordon) {
  // Decimals (compared as doubles), LIKE with '_' (a byte, not a
  // character), a date in another format, a decimal literal on an integer:
  // not translated. Conjuncts that are exact still are; a disjunction is
  // all or nothing.
  SqlFilter f = Sql("POIDS > 3 AND AGE > 18");
  EXPECT_FALSE(f.whole);
  EXPECT_EQ(f.sql, "(\"AGE\" > 18)");
  EXPECT_EQ(Sql("NOM LIKE 'D_P%'").sql, "");
  EXPECT_FALSE(Sql("NOM LIKE 'D_P%'").whole);
  EXPECT_EQ(Sql("AGE > 1.5").sql, "");
  EXPECT_EQ(Sql("AGE > 18 OR POIDS > 3").sql, "");
  EXPECT_EQ(Sql("VISITE >= 2017-05-07", {{"VISITE", *ParseColumnType("date:%d/%m/%Y")}}).sql, "");
  // A literal the database cannot hold (NUL) stays in cordon.
  EXPECT_EQ(Sql(std::string("NOM = 'a") + '\0' + "b'").sql, "");
  // A text column typed otherwise by the order (int on a text column):
  // compared as cordon's int, not the database's text.
  SqlDialect d = Dialect();
  auto p = Predicate::Parse("VILLE > 3");
  ASSERT_TRUE(p->Bind(kHeader, {{"VILLE", *ParseColumnType("int")}}).ok());
  EXPECT_EQ(p->ToSql(d).sql, "");
}

TEST(Values, ParseDatesStrictly) {
  ColumnType fr = *ParseColumnType("date:%d/%m/%Y");
  EXPECT_EQ(ParseField(fr, "07/05/2017")->days, *ParseIsoDate("2017-05-07"));
  EXPECT_EQ(ParseField(fr, "7/5/2017")->days, *ParseIsoDate("2017-05-07"));
  EXPECT_FALSE(ParseField(fr, "31/02/2017").ok());
  EXPECT_FALSE(ParseField(fr, "29/02/2019").ok());
  EXPECT_TRUE(ParseField(fr, "29/02/2020").ok());
  EXPECT_FALSE(ParseField(fr, "07/05/2017 12:00").ok());
  EXPECT_EQ(ParseField(*ParseColumnType("date:%Y%m%d %H:%M"), "20170507 13:45")->days,
            *ParseIsoDate("2017-05-07"));
  EXPECT_EQ(ParseField(fr, "")->kind, Value::Kind::kNull);
  EXPECT_EQ(FormatIsoDate(*ParseIsoDate("1969-12-31")), "1969-12-31");
  EXPECT_FALSE(ParseColumnType("date").ok());
  EXPECT_FALSE(ParseColumnType("date:%d/%m").ok());
  EXPECT_FALSE(ParseColumnType("date:%d/%m/%Y %Z").ok());
  EXPECT_FALSE(ParseColumnType("float").ok());
}

// A dialect whose columns hold any type (SQLite): each compares as its
// cordon type through `value`, the rows in doubt (`unsure`) let through,
// literals collected as bound parameters — and dropped with a conjunct that
// does not translate.
struct BindingDialect {
  std::vector<std::string> params;
  size_t mark = 0;
  int dropped = 0;
  SqlDialect Make() {
    using C = SqlDialect::Compares;
    SqlDialect d{.compares = [](size_t i) { return i == 3 ? C::kNo : C::kAny; },
                 .column = [](size_t i) { return "\"" + kHeader[i] + "\""; },
                 .text_literal = [this](std::string_view t) -> std::optional<std::string> {
                   params.emplace_back(t);
                   return "?";
                 }};
    d.int_literal = [this](int64_t v) -> std::optional<std::string> {
      params.push_back(std::to_string(v));
      return "?";
    };
    d.date_literal = [this](std::string_view iso) -> std::optional<std::string> {
      params.emplace_back(iso);
      return "?";
    };
    d.value = [](size_t i, C kind) {
      return std::string(kind == C::kText  ? "T"
                         : kind == C::kInt ? "I"
                                           : "D") +
             "(" + kHeader[i] + ")";
    };
    d.unsure = [](size_t i, C kind, bool like) {
      return "U" + std::string(like ? "L" : "") + std::to_string(static_cast<int>(kind)) + "(" +
             kHeader[i] + ")";
    };
    d.like = [this](const std::string& value,
                    std::string_view pattern) -> std::optional<std::string> {
      params.emplace_back(pattern);
      return "(" + value + " GLOB ?)";
    };
    d.begin_conjunct = [this] { mark = params.size(); };
    d.end_conjunct = [this](bool kept) {
      if (!kept) params.resize(mark), ++dropped;
    };
    return d;
  }
};

TEST(PredicateSql, DialectWithValuesInDoubtAndBoundParameters) {
  auto p = Predicate::Parse(
      "NOM = 'O''Brien' AND AGE > 1.5 AND (AGE IN (1, 2) OR VISITE >= 2017-05-07) AND "
      "POIDS > 3 AND NOT NOM LIKE 'D%'");
  ASSERT_TRUE(p->Bind(kHeader, {{"VISITE", *ParseColumnType("date:%Y-%m-%d")},
                                {"AGE", *ParseColumnType("int")},
                                {"POIDS", *ParseColumnType("decimal")}})
                  .ok());
  BindingDialect b;
  SqlFilter f = p->ToSql(b.Make());
  EXPECT_FALSE(f.whole);  // AGE > 1.5 (a decimal literal) and POIDS stay in cordon
  EXPECT_EQ(f.sql,
            "(U1(NOM) OR (T(NOM) = ?)) AND (U2(AGE) OR U3(VISITE) OR ((I(AGE) IN (?, ?)) OR "
            "(D(VISITE) >= ?))) AND (UL1(NOM) OR (NOT (T(NOM) GLOB ?)))");
  // The parameters of the conjuncts kept, in the order of their `?`.
  EXPECT_EQ(b.params, (std::vector<std::string>{"O'Brien", "1", "2", "2017-05-07", "D%"}));
  EXPECT_EQ(b.dropped, 2);
  EXPECT_EQ(f.unsure, "U1(NOM) OR U2(AGE) OR U3(VISITE) OR UL1(NOM)");
  // kAny follows the order's type: a date in another format, or LIKE with
  // '_', is not translated.
  auto q = Predicate::Parse("VISITE >= 2017-05-07 OR NOM LIKE 'A_'");
  ASSERT_TRUE(q->Bind(kHeader, {{"VISITE", *ParseColumnType("date:%d/%m/%Y")}}).ok());
  BindingDialect c;
  EXPECT_EQ(q->ToSql(c.Make()).sql, "");
  EXPECT_TRUE(c.params.empty());
}

}  // namespace
}  // namespace cordon::order
