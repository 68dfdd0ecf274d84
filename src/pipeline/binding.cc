#include "pipeline/binding.h"

#include <algorithm>

#include "order/free_text.h"
#include "pseudo/transforms.h"

namespace cordon::pipeline {
namespace {

std::string ListColumns(const std::vector<std::string>& header) {
  std::string out;
  for (const std::string& h : header) out += (out.empty() ? "" : ", ") + h;
  return out;
}

// Reads the first rows of a table to judge which kept columns hold prose.
Result<std::vector<bool>> SniffFreeText(const source::TableSource& source, const BoundTable& t) {
  CORDON_ASSIGN_OR_RETURN(auto reader, source.ReadColumns(*t.source, t.kept));
  std::vector<order::FreeTextSniffer> sniffers(t.header.size());
  for (size_t row = 0; row < kFreeTextSampleRows; ++row) {
    CORDON_ASSIGN_OR_RETURN(bool more, reader->Next());
    if (!more) break;
    for (size_t i : t.kept) {
      CORDON_ASSIGN_OR_RETURN(std::string_view v, reader->Utf8Field(i));
      sniffers[i].Add(v);
    }
  }
  std::vector<bool> out(t.header.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = sniffers[i].LooksFreeText();
  return out;
}

// Binds one [[table]] of the order to its source table, recording every
// problem in the binding. Tables already bound may gain a key column (the
// one this table follows). One use per table; not thread-safe.
class TableBinder {
 public:
  TableBinder(const order::TableOrder& spec, const source::TableSource& source, Binding& b)
      : spec_(spec), source_(source), b_(b) {
    t_.spec = &spec;
  }

  // The bound table, or nothing when its source table cannot be found or
  // read (the problem is recorded).
  std::optional<BoundTable> Bind() {
    if (!OpenSource()) return std::nullopt;
    BindColumns();
    FindIdentifiers();
    BindWhere();
    BindFollow();
    ReportColumns();
    if (t_.follow_column) InheritIdentifiers();
    return std::move(t_);
  }

 private:
  void Problem(order::SourcePos pos, std::string message, std::string hint = {}) {
    b_.problems.push_back({pos, std::move(message), std::move(hint)});
  }
  std::optional<size_t> IndexOf(const std::string& column) const {
    auto it = std::find(t_.header.begin(), t_.header.end(), column);
    if (it == t_.header.end()) return std::nullopt;
    return static_cast<size_t>(it - t_.header.begin());
  }
  std::string ColumnsHint() const {
    return "the columns of " + t_.source->name + " are: " + ListColumns(t_.header);
  }

  // The source table, its header and dialect.
  bool OpenSource() {
    t_.source = source_.Find(spec_.from);
    if (t_.source == nullptr) {
      std::string names;
      for (const auto& s : source_.tables()) names += (names.empty() ? "" : ", ") + s.name;
      Problem(spec_.from_pos, "unknown table " + spec_.from + " in the source",
              "the source has: " + names);
      return false;
    }
    auto shape = source_.Shape(*t_.source);
    if (!shape.ok()) {
      Problem(spec_.from_pos, shape.error().message(), shape.error().hint());
      return false;
    }
    t_.header = std::move(shape->header);
    t_.dialect = std::move(shape->dialect);
    t_.compares = std::move(shape->compares);
    t_.native_types = std::move(shape->native_types);
    t_.types = spec_.types;
    for (size_t i = 0; i < t_.header.size(); ++i) {
      if (t_.types.count(t_.header[i]) != 0) continue;
      if (auto type = DeclaredType(shape->declared_types[i])) t_.types[t_.header[i]] = *type;
    }
    return true;
  }

  // The rules of [table.columns] and [table.types] by source column; the
  // kept columns; the quasi-identifiers among them; the subject.
  void BindColumns() {
    rule_of_.assign(t_.header.size(), nullptr);
    for (const order::ColumnRule& rule : spec_.columns) {
      auto i = IndexOf(rule.column);
      if (!i) {
        Problem(rule.pos, "unknown column " + rule.column + " in " + t_.source->name,
                ColumnsHint());
        continue;
      }
      rule_of_[*i] = &rule;
    }
    for (const auto& [column, pos] : spec_.type_pos) {
      if (!IndexOf(column)) Problem(pos, "[table.types] names unknown column " + column);
    }
    for (size_t i = 0; i < t_.header.size(); ++i) {
      if (rule_of_[i] == nullptr) continue;
      t_.kept.push_back(i);
      t_.kept_fates.push_back(&rule_of_[i]->fate);
    }
    for (const std::string& qi : spec_.quasi_identifiers) {
      auto i = IndexOf(qi);
      auto k = i ? std::find(t_.kept.begin(), t_.kept.end(), *i) : t_.kept.end();
      if (k == t_.kept.end()) {
        Problem(spec_.quasi_identifiers_pos,
                "quasi_identifiers: " + qi + " is not a column that leaves",
                "k is computed on the columns as they leave: list columns of [table.columns]");
      } else {
        t_.quasi_identifiers.push_back(static_cast<size_t>(k - t_.kept.begin()));
      }
    }
    if (spec_.subject) {
      if (auto i = IndexOf(*spec_.subject)) {
        t_.subject_column = *i;
      } else {
        Problem(spec_.subject_pos,
                "subject: unknown column " + *spec_.subject + " in " + t_.source->name,
                ColumnsHint());
      }
    }
  }

  // The row's direct identifiers (for redact) and where its sex can be read
  // (for synthetic first names).
  void FindIdentifiers() {
    using K = order::FateKind;
    using Sex = BoundTable::SexFrom;
    for (size_t i = 0; i < t_.header.size(); ++i) {
      const order::Fate* fate = rule_of_[i] ? &rule_of_[i]->fate : nullptr;
      const std::string& name = t_.header[i];
      bool text = fate && (fate->kind == K::kRedact || fate->kind == K::kKeepFreeText);
      std::string_view placeholder = pseudo::IdentifierPlaceholder(name, fate);
      if (!placeholder.empty() && !text) t_.identifier_columns.emplace_back(i, placeholder);
      if (fate && fate->kind == K::kPseudonymNir && t_.sex_from != Sex::kNir) {
        t_.sex_from = Sex::kNir, t_.sex_column = i;
      } else if (fate && fate->kind == K::kPseudonymCpr && t_.sex_from == Sex::kNone) {
        t_.sex_from = Sex::kCpr, t_.sex_column = i;
      } else if ((name == "SEXE" || name == "SEX" || name == "KOEN" || name == "K\xC3\x98N") &&
                 t_.sex_from == Sex::kNone) {
        t_.sex_from = Sex::kLetter, t_.sex_column = i;
      }
    }
  }

  // The `where` predicate, typed against the header. Its syntax errors
  // were reported when the order was loaded.
  void BindWhere() {
    if (!spec_.where) return;
    auto parsed = order::Predicate::Parse(*spec_.where);
    if (!parsed.ok()) return;
    Status bound = parsed->Bind(t_.header, t_.types);
    if (bound.ok()) {
      t_.where = std::move(parsed).value();
      return;
    }
    const std::string& m = bound.error().message();
    order::SourcePos p = spec_.where_pos;
    if (m.rfind("column ", 0) == 0) p.column += std::atoi(m.c_str() + 7);
    Problem(p, "where: " + m.substr(m.find(": ") + 2), bound.error().hint());
  }

  // The follow column, and the parent's column whose selected values it reads.
  void BindFollow() {
    if (!spec_.follow) return;
    const order::Follow& follow = *spec_.follow;
    auto col = IndexOf(follow.column);
    if (!col)
      Problem(follow.pos, "follow: unknown column " + follow.column + " in " + t_.source->name);
    t_.follow_column = col;
    for (size_t p = 0; p < b_.tables.size(); ++p) {
      BoundTable& parent = b_.tables[p];
      if (parent.spec->name != follow.parent_table) continue;
      t_.parent = p;
      auto pcol = std::find(parent.header.begin(), parent.header.end(), follow.parent_column);
      if (pcol == parent.header.end()) {
        Problem(follow.pos,
                "follow: unknown column " + follow.parent_column + " in " + parent.source->name);
      } else {
        parent.key_column = static_cast<size_t>(pcol - parent.header.begin());
      }
    }
  }

  // Every source column with its fate and whether it looks like free text;
  // a free-text column kept as plain "keep" is a problem.
  void ReportColumns() {
    auto content = SniffFreeText(source_, t_);
    if (!content.ok()) Problem(spec_.from_pos, content.error().message(), content.error().hint());
    for (size_t i = 0; i < t_.header.size(); ++i) {
      const std::string& name = t_.header[i];
      ColumnReport r{name, nullptr, false, ""};
      if (order::NameLooksFreeText(name)) {
        r.looks_free_text = true, r.why_free_text = "name";
      } else if (content.ok() && (*content)[i]) {
        r.looks_free_text = true, r.why_free_text = "content";
      }
      if (const order::ColumnRule* rule = rule_of_[i]) {
        r.fate = &rule->fate;
        if (r.looks_free_text && rule->fate.kind == order::FateKind::kKeep) {
          Problem(rule->pos,
                  "column " + name + " looks like free text (its " + r.why_free_text + ")",
                  "write " + name +
                      " = \"keep:free-text\" to keep it on purpose, or remove the line "
                      "so that it does not leave");
        }
      }
      t_.columns.push_back(std::move(r));
    }
  }

  // A child table that redacts text also removes its parent row's
  // identifiers: the parent keeps them for it.
  void InheritIdentifiers() {
    bool redacts =
        std::any_of(t_.kept_fates.begin(), t_.kept_fates.end(),
                    [](const order::Fate* f) { return f->kind == order::FateKind::kRedact; });
    if (redacts && t_.parent < b_.tables.size()) {
      t_.inherits_identifiers = true;
      b_.tables[t_.parent].keeps_identifiers_for_children = true;
    }
  }

  const order::TableOrder& spec_;
  const source::TableSource& source_;
  Binding& b_;
  BoundTable t_;
  std::vector<const order::ColumnRule*> rule_of_;  // by header index; null: not listed
};

// What a run of `t` reads (TableRun's needs, table_run.cc): kept columns,
// where, follow and key, and what the transforms look at.
std::vector<size_t> ColumnsRead(const BoundTable& t) {
  std::vector<bool> read(t.header.size(), false);
  for (size_t i : t.kept) read[i] = true;
  if (t.where) {
    for (size_t i : t.where->columns()) read[i] = true;
  }
  if (t.follow_column) read[*t.follow_column] = true;
  if (t.key_column) read[*t.key_column] = true;
  bool subject = false, sex = false, identifiers = t.keeps_identifiers_for_children;
  for (const order::Fate* f : t.kept_fates) {
    subject |= f->kind == order::FateKind::kShiftDate;
    sex |= f->kind == order::FateKind::kSynthetic && f->synthetic == "first_name";
    identifiers |= f->kind == order::FateKind::kRedact;
  }
  if (subject && t.subject_column) read[*t.subject_column] = true;
  if (sex && t.sex_from != BoundTable::SexFrom::kNone) read[t.sex_column] = true;
  if (identifiers) {
    for (const auto& [i, placeholder] : t.identifier_columns) read[i] = true;
  }
  std::vector<size_t> out;
  for (size_t i = 0; i < read.size(); ++i) {
    if (read[i]) out.push_back(i);
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<order::ColumnType> DeclaredType(std::string_view declared) {
  const std::string d = Upper(declared);
  auto has = [&](const char* word) { return d.find(word) != std::string::npos; };
  using T = order::ValueType;
  if (has("DATETIME") || has("TIMESTAMP")) return order::ColumnType{T::kDate, "%Y-%m-%d %H:%M:%S"};
  if (has("DATE")) return order::ColumnType{T::kDate, "%Y-%m-%d"};
  if (has("INT")) return order::ColumnType{T::kInt, ""};
  if (has("REAL") || has("FLOA") || has("DOUB") || has("NUMERIC") || has("DECIMAL")) {
    return order::ColumnType{T::kDecimal, ""};
  }
  return std::nullopt;
}

const std::string& ColumnReport::fate_text() const {
  static const std::string kExcluded = "excluded";
  return fate != nullptr ? fate->text : kExcluded;
}

namespace {

order::SqlDialect::Compares ToDialect(source::TableShape::Compares c) {
  using C = order::SqlDialect::Compares;
  switch (c) {
    case source::TableShape::Compares::kText:
      return C::kText;
    case source::TableShape::Compares::kInt:
      return C::kInt;
    case source::TableShape::Compares::kDate:
      return C::kDate;
    case source::TableShape::Compares::kAny:
      return C::kAny;
    case source::TableShape::Compares::kNo:
      break;
  }
  return C::kNo;
}

source::TableShape::Compares FromDialect(order::SqlDialect::Compares c) {
  using C = source::TableShape::Compares;
  switch (c) {
    case order::SqlDialect::Compares::kText:
      return C::kText;
    case order::SqlDialect::Compares::kInt:
      return C::kInt;
    case order::SqlDialect::Compares::kDate:
      return C::kDate;
    case order::SqlDialect::Compares::kAny:
      return C::kAny;
    case order::SqlDialect::Compares::kNo:
      break;
  }
  return C::kNo;
}

// At most this many bound parameters in one statement (SQLite allows
// 32766; a longer IN list stays in cordon).
constexpr size_t kMaxParams = 10000;

// The part of the table's `where` that translates exactly into the
// source's SQL, if the source takes a filter. A source that binds
// parameters gets `?` for every literal, collected in textual order.
void PushWhere(const source::SqlQuoting& quoting, BoundTable& t) {
  if (!t.where || t.compares.size() != t.header.size()) return;
  std::vector<source::SqlParam>& params = t.pushed.where.params;
  size_t mark = 0;
  order::SqlDialect dialect{
      .compares = [&](size_t i) { return ToDialect(t.compares[i]); },
      .column = [&](size_t i) { return quoting.Identifier(t.header[i]); },
      .text_literal = [&](std::string_view text) { return quoting.TextLiteral(text); }};
  if (quoting.BindsParameters()) {
    dialect.text_literal = [&](std::string_view text) -> std::optional<std::string> {
      if (params.size() >= kMaxParams) return std::nullopt;
      params.push_back({.text = std::string(text)});
      return "?";
    };
    dialect.int_literal = [&](int64_t v) -> std::optional<std::string> {
      if (params.size() >= kMaxParams) return std::nullopt;
      params.push_back({.is_int = true, .integer = v});
      return "?";
    };
    dialect.date_literal = dialect.text_literal;
    dialect.value = [&](size_t i, order::SqlDialect::Compares kind) {
      return quoting.Value(quoting.Identifier(t.header[i]), FromDialect(kind));
    };
    dialect.unsure = [&](size_t i, order::SqlDialect::Compares kind, bool like) {
      return quoting.Unsure(quoting.Identifier(t.header[i]), FromDialect(kind), like);
    };
    dialect.like = [&](const std::string& value,
                       std::string_view pattern) -> std::optional<std::string> {
      if (params.size() >= kMaxParams) return std::nullopt;
      return quoting.Like(value, pattern, params);
    };
    dialect.begin_conjunct = [&] { mark = params.size(); };
    dialect.end_conjunct = [&](bool kept) {
      if (!kept) params.resize(mark);
    };
  }
  order::SqlFilter filter = t.where->ToSql(dialect);
  t.pushed.where.sql = std::move(filter.sql);
  if (t.pushed.where.sql.empty()) params.clear();
  t.where_pushed_whole = filter.whole;
  t.where_unsure = std::move(filter.unsure);
}

// `follow` as a semi-join against the parent's rows its own pushed filter
// keeps, when the child's whole `where` is pushed (so that a row the
// semi-join leaves out is one cordon's `where` keeps: the counts stay
// exact) and the parent has a filter pushed (else the semi-join only drops
// orphans, for the cost of reading the parent twice). Parents first:
// `Bind` binds a parent before the tables that follow it.
void PushFollow(const source::SqlQuoting& quoting, const std::vector<BoundTable>& tables,
                BoundTable& t) {
  if (!t.follow_column || t.parent >= tables.size()) return;
  const BoundTable& parent = tables[t.parent];
  if (!t.spec->follow || parent.spec->name != t.spec->follow->parent_table) return;
  if (!parent.key_column || parent.pushed.empty() || &parent == &t) return;
  if (t.where && !t.where_pushed_whole) return;
  if (t.compares.size() != t.header.size() || parent.compares.size() != parent.header.size())
    return;
  source::SemiJoinSpec spec{.fk_column = t.header[*t.follow_column],
                            .fk_compares = t.compares[*t.follow_column],
                            .parent = parent.source,
                            .key_column = parent.header[*parent.key_column],
                            .key_compares = parent.compares[*parent.key_column],
                            .parent_filter = parent.pushed.Combined()};
  if (spec.parent_filter.params.size() + t.pushed.where.params.size() > kMaxParams) return;
  std::optional<source::SqlCondition> join = quoting.SemiJoin(spec);
  if (!join) return;
  // Rows whose `where` was let through for cordon to decide are not left
  // out by the semi-join either: what it leaves out, cordon's `where` keeps.
  if (!t.where_unsure.empty()) join->sql = "(" + t.where_unsure + " OR " + join->sql + ")";
  t.pushed.follow = std::move(*join);
}

}  // namespace

Binding Bind(const order::Order& order, const source::TableSource& source) {
  Binding b;
  for (const order::TableOrder& spec : order.tables) {
    std::optional<BoundTable> t = TableBinder(spec, source, b).Bind();
    if (t) b.tables.push_back(std::move(*t));
  }
  // Only now: a table's key column is known once the tables that follow it
  // are bound.
  const source::SqlQuoting* quoting = source.Quoting();
  for (BoundTable& t : b.tables) {
    t.read_columns = ColumnsRead(t);
    if (quoting != nullptr) {
      PushWhere(*quoting, t);
      PushFollow(*quoting, b.tables, t);
    }
    source::TableShape shape{t.header, {}, t.dialect, {}, t.native_types};
    t.statement = source.FilteredStatement(*t.source, shape, t.read_columns, t.pushed);
  }
  return b;
}

}  // namespace cordon::pipeline
