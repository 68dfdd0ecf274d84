// The controller's order: a TOML file that says which tables, columns and rows
// may leave, for what purpose, to whom and until when (docs/order-format.md).
// Loading checks the order on its own; Check() checks it against a source.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "order/fate.h"
#include "order/predicate.h"
#include "order/value.h"

namespace cordon::order {

inline constexpr int kOrderFormatVersion = 1;

// Where something is in the order file, for messages ("order.toml:12:5").
struct SourcePos {
  int line = 0;
  int column = 0;
};

struct ColumnRule {
  std::string column;
  Fate fate;  // what leaves: the value as it is, or transformed
  SourcePos pos;
};

struct Follow {
  std::string column;         // in this table
  std::string parent_table;   // a table of this order (by its name)
  std::string parent_column;  // in the parent's source
  SourcePos pos;
};

struct TableOrder {
  std::string name;  // in the package
  std::string from;  // source table
  std::optional<std::string> where;
  SourcePos pos, from_pos, where_pos;
  std::map<std::string, ColumnType> types;
  std::map<std::string, SourcePos> type_pos;
  std::vector<ColumnRule> columns;  // sorted by column name
  std::optional<Follow> follow;
  // The column naming the person a row is about (NIR, patient number):
  // shift-date moves all of one subject's dates by the same offset.
  std::optional<std::string> subject;
  SourcePos subject_pos;
  // Re-identification risk: k of the equivalence classes on these columns
  // (as they leave); with min_k, extract refuses below it, or leaves out the
  // rows of smaller classes when suppress_below_k (on_k_violation = "suppress").
  std::vector<std::string> quasi_identifiers;
  SourcePos quasi_identifiers_pos;
  int min_k = 0;
  bool suppress_below_k = false;
};

// How far the run's counts may be from the signed plan's (plan_tolerance):
// none (exactly equal, the default and "0"), a number of rows ("150"), or a
// share of each planned count ("2%", "0.5%": hundredths of a percent at
// most). docs/order-format.md "The signed plan".
struct PlanTolerance {
  enum class Kind { kExact, kRows, kPercent };
  Kind kind = Kind::kExact;
  uint64_t rows = 0;          // kRows
  uint32_t basis_points = 0;  // kPercent: 1/100 of a percent, 1 to 10000

  // Whether `actual` is within the tolerance of `planned`.
  bool Allows(uint64_t planned, uint64_t actual) const;
  // As the order writes it ("0", "150", "2%", "0.25%").
  std::string Text() const;
};

// Parses plan_tolerance's value; kInvalidArgument says the grammar.
Result<PlanTolerance> ParsePlanTolerance(std::string_view text);

// Who shares a set of pseudonyms: every order of the domain (the default),
// or only the orders with the same set of recipients ("recipients"), so a
// pseudonym found outside names the recipients it was made for.
enum class PseudonymScope { kDomain, kRecipients };

// How long the processor keeps an extraction's provenance file when the order
// sets nothing: leaks surface late (docs/trace.md).
inline constexpr int kDefaultProvenanceRetentionDays = 730;

struct Order {
  std::string id, controller, processor, purpose, contract;
  int32_t not_after = 0;  // days since epoch; the order is refused after this day
  int retention_days = 0;
  std::vector<std::string> recipients;
  SourcePos recipients_pos;
  std::vector<TableOrder> tables;
  std::string file_name;
  // Keyed transforms (pseudonyms, FF1, date shifts, synthetic values) use
  // the controller's pseudonym key, named by its id, in a domain: the same
  // domain gives the same pseudonyms across tables and orders (joins keep
  // working); different domains are unlinkable.
  std::string pseudonym_key_id;
  std::string pseudonym_domain;
  SourcePos pseudonym_pos;
  // pseudonym_scope = "recipients": the keys depend on the recipients too.
  PseudonymScope pseudonym_scope = PseudonymScope::kDomain;
  // Days the provenance file (its keyed digests) is kept after extraction.
  int provenance_retention_days = kDefaultProvenanceRetentionDays;
  // The plan the controller approved (`cordon plan --json`), by the SHA-256
  // of its exact bytes (64 lowercase hex digits; empty: none). When set,
  // extract needs that plan file and refuses if the run's counts are not
  // the plan's, within plan_tolerance.
  std::string plan_sha256;
  SourcePos plan_pos;
  PlanTolerance plan_tolerance;
  bool has_plan_tolerance = false;  // written in the order (even as "0")
};

// "domain" or "recipients", as the order writes it.
std::string_view PseudonymScopeName(PseudonymScope scope);

// One problem found in an order, with where it is and what to do.
struct Diagnostic {
  SourcePos pos;
  std::string message;
  std::string hint;
};

// Parses an order. Returns every problem found (not just the first) as
// diagnostics; an order with diagnostics must not be used.
struct LoadedOrder {
  Order order;
  std::vector<Diagnostic> problems;
};
LoadedOrder ParseOrder(std::string_view text, std::string file_name);

// Formats a diagnostic as "file:line:column: message".
std::string FormatDiagnostic(const std::string& file_name, const Diagnostic& d);

// Turns problems into one Error (kInvalidArgument) listing them all.
Error ProblemsError(const std::string& file_name, const std::vector<Diagnostic>& problems);

}  // namespace cordon::order
