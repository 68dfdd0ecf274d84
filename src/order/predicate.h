// The `where` language of an order: a small, typed, SQL-like predicate.
//
//   DATE_DERNIERE_VISITE >= 2017-05-07 AND (SEXE = '2' OR NOM LIKE 'DU%')
//
// Comparisons = != <> < <= > >= with string ('…'), integer, decimal and date
// (YYYY-MM-DD) literals; AND, OR, NOT, parentheses; IN (…); IS [NOT] NULL
// (an empty field is NULL); LIKE with % and _. Column types come from
// [table.types] (text when absent). Logic is three-valued as in SQL: a
// comparison with NULL is unknown, and only rows where the predicate is true
// are selected.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "order/value.h"

namespace cordon::order {

struct Node;

// Not thread-safe: Evaluate is const but writes the per-row scratch values_
// (no allocation per row). The pipeline evaluates each table's predicate on
// its one reading thread; give each thread its own Predicate otherwise.
class Predicate {
 public:
  // Parses `text`. Errors say "column N: …" (1-based offset in `text`).
  static Result<Predicate> Parse(std::string_view text);

  // Resolves column names against `header` and checks every literal against
  // its column's type. Errors say "column N: …".
  Status Bind(const std::vector<std::string>& header,
              const std::map<std::string, ColumnType>& types);

  // Indices (into the header) of the columns the predicate reads.
  const std::vector<size_t>& columns() const { return columns_; }

  // Evaluates on one row. `field(i)` returns the UTF-8 text of column i.
  // Fails when a referenced field does not parse as its column's type (the
  // message names the column; the caller adds file and line).
  template <typename FieldFn>
  Result<bool> Evaluate(FieldFn&& field) const {
    for (size_t k = 0; k < columns_.size(); ++k) {
      CORDON_ASSIGN_OR_RETURN(std::string_view text, field(columns_[k]));
      auto parsed = ParseField(types_[k], text);
      if (!parsed.ok()) return parsed.error().WithContext("column " + names_[k]);
      values_[k] = *parsed;
    }
    return EvaluateBound();
  }

  Predicate(Predicate&&) noexcept;
  Predicate& operator=(Predicate&&) noexcept;
  ~Predicate();

 private:
  Predicate();
  bool EvaluateBound() const;

  std::unique_ptr<Node> root_;
  std::vector<size_t> columns_;        // header index per referenced column
  std::vector<std::string> names_;     // name per referenced column
  std::vector<ColumnType> types_;      // type per referenced column
  mutable std::vector<Value> values_;  // per-row scratch
};

// Maximum nesting of parentheses and NOT: hostile orders must not blow the stack.
inline constexpr int kMaxPredicateDepth = 64;

}  // namespace cordon::order
