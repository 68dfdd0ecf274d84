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
Result<std::vector<bool>> SniffFreeText(const source::CsvSource& source, const BoundTable& t) {
  CORDON_ASSIGN_OR_RETURN(auto reader, source.Read(*t.source));
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

}  // namespace

const std::string& ColumnReport::fate_text() const {
  static const std::string kExcluded = "excluded";
  return fate != nullptr ? fate->text : kExcluded;
}

Binding Bind(const order::Order& order, const source::CsvSource& source) {
  Binding b;
  auto problem = [&](order::SourcePos pos, std::string message, std::string hint = {}) {
    b.problems.push_back({pos, std::move(message), std::move(hint)});
  };
  for (const order::TableOrder& spec : order.tables) {
    BoundTable t;
    t.spec = &spec;
    t.source = source.Find(spec.from);
    if (t.source == nullptr) {
      std::string names;
      for (const auto& s : source.tables()) names += (names.empty() ? "" : ", ") + s.name;
      problem(spec.from_pos, "unknown table " + spec.from + " in the source",
              "the source has: " + names);
      continue;
    }
    auto reader = source.Read(*t.source);
    if (!reader.ok()) {
      problem(spec.from_pos, reader.error().message(), reader.error().hint());
      continue;
    }
    t.header = (*reader)->header();
    t.dialect = std::string(source::TextEncodingName((*reader)->encoding())) + ", '" +
                ((*reader)->separator() == '\t' ? std::string("\\t")
                                                : std::string(1, (*reader)->separator())) +
                "'";
    auto index_of = [&](const std::string& column) -> std::optional<size_t> {
      auto it = std::find(t.header.begin(), t.header.end(), column);
      if (it == t.header.end()) return std::nullopt;
      return static_cast<size_t>(it - t.header.begin());
    };
    std::vector<const order::ColumnRule*> rule_of(t.header.size(), nullptr);
    for (const order::ColumnRule& rule : spec.columns) {
      auto i = index_of(rule.column);
      if (!i) {
        problem(rule.pos, "unknown column " + rule.column + " in " + t.source->name,
                "the columns of " + t.source->name + " are: " + ListColumns(t.header));
        continue;
      }
      rule_of[*i] = &rule;
    }
    for (const auto& [column, pos] : spec.type_pos) {
      if (!index_of(column)) problem(pos, "[table.types] names unknown column " + column);
    }
    for (size_t i = 0; i < t.header.size(); ++i) {
      if (rule_of[i] == nullptr) continue;
      t.kept.push_back(i);
      t.kept_fates.push_back(&rule_of[i]->fate);
    }
    for (const std::string& qi : spec.quasi_identifiers) {
      auto i = index_of(qi);
      auto k = i ? std::find(t.kept.begin(), t.kept.end(), *i) : t.kept.end();
      if (k == t.kept.end()) {
        problem(spec.quasi_identifiers_pos,
                "quasi_identifiers: " + qi + " is not a column that leaves",
                "k is computed on the columns as they leave: list columns of [table.columns]");
      } else {
        t.quasi_identifiers.push_back(static_cast<size_t>(k - t.kept.begin()));
      }
    }
    if (spec.subject) {
      if (auto i = index_of(*spec.subject)) {
        t.subject_column = *i;
      } else {
        problem(spec.subject_pos,
                "subject: unknown column " + *spec.subject + " in " + t.source->name,
                "the columns of " + t.source->name + " are: " + ListColumns(t.header));
      }
    }
    for (size_t i = 0; i < t.header.size(); ++i) {
      const order::Fate* fate = rule_of[i] ? &rule_of[i]->fate : nullptr;
      using K = order::FateKind;
      bool text = fate && (fate->kind == K::kRedact || fate->kind == K::kKeepFreeText);
      std::string_view placeholder = pseudo::IdentifierPlaceholder(t.header[i], fate);
      if (!placeholder.empty() && !text) t.identifier_columns.emplace_back(i, placeholder);
      if (fate && fate->kind == K::kPseudonymNir && t.sex_from != BoundTable::SexFrom::kNir) {
        t.sex_from = BoundTable::SexFrom::kNir, t.sex_column = i;
      } else if (fate && fate->kind == K::kPseudonymCpr &&
                 t.sex_from == BoundTable::SexFrom::kNone) {
        t.sex_from = BoundTable::SexFrom::kCpr, t.sex_column = i;
      } else if ((t.header[i] == "SEXE" || t.header[i] == "SEX" || t.header[i] == "KOEN" ||
                  t.header[i] == "K\xC3\x98N") &&
                 t.sex_from == BoundTable::SexFrom::kNone) {
        t.sex_from = BoundTable::SexFrom::kLetter, t.sex_column = i;
      }
    }
    if (spec.where) {
      auto parsed = order::Predicate::Parse(*spec.where);
      if (parsed.ok()) {
        Status bound = parsed->Bind(t.header, spec.types);
        if (bound.ok()) {
          t.where = std::move(parsed).value();
        } else {
          const std::string& m = bound.error().message();
          order::SourcePos p = spec.where_pos;
          if (m.rfind("column ", 0) == 0) p.column += std::atoi(m.c_str() + 7);
          problem(p, "where: " + m.substr(m.find(": ") + 2), bound.error().hint());
        }
      }  // syntax errors were reported when the order was loaded
    }
    if (spec.follow) {
      auto col = index_of(spec.follow->column);
      if (!col)
        problem(spec.follow->pos,
                "follow: unknown column " + spec.follow->column + " in " + t.source->name);
      t.follow_column = col;
      for (size_t p = 0; p < b.tables.size(); ++p) {
        if (b.tables[p].spec->name != spec.follow->parent_table) continue;
        t.parent = p;
        auto pcol = std::find(b.tables[p].header.begin(), b.tables[p].header.end(),
                              spec.follow->parent_column);
        if (pcol == b.tables[p].header.end()) {
          problem(spec.follow->pos, "follow: unknown column " + spec.follow->parent_column +
                                        " in " + b.tables[p].source->name);
        } else {
          b.tables[p].key_column = static_cast<size_t>(pcol - b.tables[p].header.begin());
        }
      }
    }
    auto content = SniffFreeText(source, t);
    if (!content.ok()) problem(spec.from_pos, content.error().message(), content.error().hint());
    for (size_t i = 0; i < t.header.size(); ++i) {
      ColumnReport r{t.header[i], nullptr, false, ""};
      if (order::NameLooksFreeText(t.header[i])) {
        r.looks_free_text = true, r.why_free_text = "name";
      } else if (content.ok() && (*content)[i]) {
        r.looks_free_text = true, r.why_free_text = "content";
      }
      if (const order::ColumnRule* rule = rule_of[i]) {
        r.fate = &rule->fate;
        if (r.looks_free_text && rule->fate.kind == order::FateKind::kKeep) {
          problem(rule->pos,
                  "column " + t.header[i] + " looks like free text (its " + r.why_free_text + ")",
                  "write " + t.header[i] +
                      " = \"keep:free-text\" to keep it on purpose, or remove the line "
                      "so that it does not leave");
        }
      }
      t.columns.push_back(std::move(r));
    }
    if (t.follow_column) {
      bool redacts =
          std::any_of(t.kept_fates.begin(), t.kept_fates.end(),
                      [](const order::Fate* f) { return f->kind == order::FateKind::kRedact; });
      if (redacts && t.parent < b.tables.size()) {
        t.inherits_identifiers = true;
        b.tables[t.parent].keeps_identifiers_for_children = true;
      }
    }
    b.tables.push_back(std::move(t));
  }
  return b;
}

}  // namespace cordon::pipeline
