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

#include <functional>
#include <map>
#include <memory>
#include <optional>
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
// What translating a predicate into a database's SQL needs to know of it.
struct SqlDialect {
  // How the database compares a column, when that is exactly how cordon
  // compares the column's type: text byte by byte (UTF-8, as COLLATE "C"
  // does on a UTF-8 database), integers, dates (ISO, days); kNo otherwise
  // (the column stays in cordon).
  // kAny: the dialect compares the column as whichever of text, integer or
  // ISO date its cordon type is, through `value`, with `unsure` rows left to
  // cordon (SQLite, whose columns hold any type).
  enum class Compares { kNo, kText, kInt, kDate, kAny };
  std::function<Compares(size_t header_index)> compares;
  std::function<std::string(size_t header_index)> column;  // the quoted column name
  // A string literal quoted for the database, or nullopt when it cannot be
  // written exactly (a NUL byte).
  std::function<std::optional<std::string>(std::string_view)> text_literal;

  // Optional, for a dialect other than PostgreSQL's (unset: PostgreSQL's
  // forms — NULLIF(c, '') COLLATE "C", DATE '…', LIKE … ESCAPE '').
  // The SQL value a column compares as (kText, kInt or kDate); it must be
  // NULL exactly where cordon reads NULL, on the rows `unsure` leaves out.
  std::function<std::string(size_t header_index, Compares kind)> value;
  // A condition true on the rows where `value` may not be what cordon
  // reads (a REAL in a SQLite text column): the conjunct is then true in
  // SQL, and cordon decides. Empty: no such row. `like`: the column is
  // matched with LIKE.
  std::function<std::string(size_t header_index, Compares kind, bool like)> unsure;
  std::function<std::optional<std::string>(int64_t)> int_literal;
  std::function<std::optional<std::string>(std::string_view iso_date)> date_literal;
  // `value` LIKE `pattern` (no '_', no escape character) as cordon matches
  // it, or nullopt when not exact.
  std::function<std::optional<std::string>(const std::string& value, std::string_view pattern)>
      like;
  // Called around each top-level conjunct's translation, `kept` false when
  // it does not translate: a dialect that collects bound parameters as its
  // literals are written drops that conjunct's.
  std::function<void()> begin_conjunct;
  std::function<void(bool kept)> end_conjunct;
};

// A predicate's translation: `sql` is a boolean SQL expression true exactly
// where cordon's evaluation is true, for the parts it covers; `whole` says
// it covers the whole predicate.
struct SqlFilter {
  std::string sql;  // empty: nothing translates
  bool whole = false;
  // With a dialect's `unsure`: true on every row where a translated
  // conjunct was let through for cordon to decide (empty: none). On the
  // other rows, `sql` is exactly cordon's `where` when `whole`.
  std::string unsure;
};

class Predicate {
 public:
  // Parses `text`. Errors say "column N: …" (1-based offset in `text`).
  static Result<Predicate> Parse(std::string_view text);

  // Resolves column names against `header` and checks every literal against
  // its column's type. Errors say "column N: …".
  Status Bind(const std::vector<std::string>& header,
              const std::map<std::string, ColumnType>& types);

  // The conjuncts (top-level ANDs) whose SQL translation is exact, joined
  // by AND: a database may filter rows with it before cordon evaluates the
  // whole predicate, and select exactly the same rows. A conjunct is
  // translated only when every part of it is exact on its column's type:
  // comparisons, IN, IS [NOT] NULL on text (an empty text is NULL, as in
  // cordon: NULLIF), integer and ISO-date columns; LIKE without '_' (cordon's
  // '_' is one byte, SQL's one character) and with no escape character;
  // never decimals (cordon compares doubles) nor dates in another format.
  // Call after Bind.
  SqlFilter ToSql(const SqlDialect& dialect) const;

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
