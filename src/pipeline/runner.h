// Runs a bound order over its source: reader → where → follow → project →
// sink, one streaming pass per table, parents before the tables that follow
// them. Memory: one record at a time plus the selected keys of parent tables.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/binding.h"
#include "pseudo/transforms.h"

namespace cordon::pipeline {

struct TableStats {
  std::string name;
  uint64_t rows_read = 0;
  uint64_t rows_selected = 0;
  uint64_t rows_excluded_where = 0;
  uint64_t rows_excluded_follow = 0;
  // With quasi_identifiers: equivalence classes as the rows leave.
  uint64_t classes = 0;
  uint64_t k_smallest = 0;         // the smallest class (the table's k)
  uint64_t rows_below_k = 0;       // rows in classes smaller than min_k
  uint64_t rows_suppressed_k = 0;  // of those, left out (on_k_violation = "suppress")
};

// Receives the selected rows of one table, projected to its kept columns (in
// source header order), as UTF-8: Begin once, Row per row, End once. The
// values are valid only during the call.
class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual Status Begin(const std::vector<std::string>& columns) = 0;
  virtual Status Row(const std::vector<std::string_view>& values) = 0;
  virtual Status End() = 0;
};

using SinkFactory = std::function<Result<std::unique_ptr<RowSink>>(const BoundTable&)>;
// Called now and then with the table, bytes read so far and its size.
using ProgressFn = std::function<void(const std::string& table, uint64_t done, uint64_t total)>;

// What keyed transforms need: the controller's key (null when the order has
// no keyed transform), the order's domain, and the day age bands count from.
struct TransformOptions {
  const pseudo::PseudonymKey* key = nullptr;
  std::string domain;
  int32_t reference_day = 0;
  bool skip_keyed = false;     // plan without the key: keyed columns pass through
  bool report_k_only = false;  // plan: report k, never refuse on it
  size_t threads = 2;          // transforms run on this many threads
  // The order's ScopeRecipients: empty unless pseudonym_scope = "recipients".
  std::vector<std::string> recipients;
  // extract --avoid-real: pseudo::TransformSetup::is_real.
  const pseudo::RealIdentifiers* is_real = nullptr;
};

// Runs every table of `binding` (a TableRun each, table_run.h), parents
// before the tables that follow them; `sinks` is asked for a table's sink
// once it is known not to be refused. Fails on the first bad row (naming
// file, line and column), sink error or k-anonymity refusal (kRefused): the
// tables already written stay written, so callers that must leave nothing
// (extract) clean up. Rows are selected on their source values; transforms
// apply on the way out. The output does not depend on `threads`.
Result<std::vector<TableStats>> Run(const Binding& binding, const source::TableSource& source,
                                    const SinkFactory& sinks, const ProgressFn& progress = {},
                                    const TransformOptions& transforms = {});

}  // namespace cordon::pipeline
