// Binds an order to a source: resolves every table and column, types and
// binds the `where` predicates, decides each source column's fate and flags
// free text kept without saying so. This is what `order check` reports and
// what `plan` and `extract` run.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "order/order.h"
#include "order/predicate.h"
#include "source/csv_source.h"  // callers bind to CSV sources too
#include "source/table_source.h"

namespace cordon::pipeline {

// How many rows of each table are read to judge whether a column is free text.
inline constexpr size_t kFreeTextSampleRows = 2000;

// One source column as the order treats it.
struct ColumnReport {
  std::string column;
  // The order's fate for the column (it points into the bound order); null
  // when the order does not list it: the column never leaves.
  const order::Fate* fate = nullptr;
  bool looks_free_text = false;
  std::string why_free_text;  // "name", "content", or empty

  bool excluded() const { return fate == nullptr; }
  // What plans, manifests and `order check` print: the fate as the order
  // wrote it ("keep", "pseudonym:nir"…), or "excluded".
  const std::string& fate_text() const;
};

struct BoundTable {
  const order::TableOrder* spec = nullptr;
  const source::SourceTable* source = nullptr;
  std::vector<std::string> header;
  // Column types: the order's [table.types], else what the source declares
  // (a SQLite column declared DATE is a date:%Y-%m-%d; see DeclaredType).
  std::map<std::string, order::ColumnType> types;
  // The header indices a run reads, ascending: the kept columns and those
  // the order's where, follow, subject and transforms look at. A database
  // source is asked for these and no other.
  std::vector<size_t> read_columns;
  std::string statement;  // what the source runs (SQL), or empty (CSV)
  // What the database filters with: the part of `where` that translates
  // exactly (order/predicate.h ToSql), and `follow` as a semi-join against
  // the parent's pushed filter; empty when nothing is pushed. cordon still
  // evaluates the whole `where` and `follow` on the rows it gets, so the
  // selection is the same either way.
  source::PushedFilter pushed;
  bool where_pushed_whole = false;
  std::string where_unsure;  // rows the pushed `where` lets through for cordon (ToSql)
  std::vector<source::TableShape::Compares> compares;  // per header column, from the source
  // Per header column, the database's type name (TableShape::native_types):
  // what decides the format a PostgreSQL source reads in, shown in `statement`.
  std::vector<std::string> native_types;
  std::vector<size_t> kept;                    // header indices, in header order
  std::vector<const order::Fate*> kept_fates;  // parallel to `kept`
  std::optional<size_t> subject_column;        // shift-date's subject
  // Where a row's sex can be read, for synthetic first names: a NIR (first
  // digit) or CPR (last digit's parity) column, or a SEXE/SEX column (M/F).
  enum class SexFrom { kNone, kNir, kCpr, kLetter } sex_from = SexFrom::kNone;
  size_t sex_column = 0;
  // The row's direct identifiers, for "redact": header index and placeholder.
  std::vector<std::pair<size_t, std::string>> identifier_columns;
  // A child table that redacts text also removes its parent row's
  // identifiers (a visit note naming the citizen): the parent keeps them per
  // selected key for its children (memory: about the size of those values).
  bool inherits_identifiers = false;
  std::vector<size_t> quasi_identifiers;  // indices into `kept`
  bool keeps_identifiers_for_children = false;
  std::optional<order::Predicate> where;
  std::optional<size_t> follow_column;  // header index of this table's follow key
  size_t parent = 0;                    // index of the followed table in Binding::tables
  std::optional<size_t> key_column;     // header index whose selected values children follow
  std::vector<ColumnReport> columns;    // every source column, in header order
  std::string dialect;                  // "windows-1252, ';'" for reports
};

struct Binding {
  std::vector<BoundTable> tables;
  std::vector<order::Diagnostic> problems;
};

// Binds `order` to `source`. Problems are collected (all of them), each with
// its position in the order file and a hint.
Binding Bind(const order::Order& order, const source::TableSource& source);

// The type a column declared `declared` in a database has for cordon, when
// the order does not say: DATE → date:%Y-%m-%d, DATETIME/TIMESTAMP →
// date:%Y-%m-%d %H:%M:%S, INT… → int, REAL/FLOAT/DOUBLE/NUMERIC/DECIMAL →
// decimal; nothing (text) otherwise. Case-insensitive, as SQLite's affinity.
std::optional<order::ColumnType> DeclaredType(std::string_view declared);

}  // namespace cordon::pipeline
