#include "pipeline/runner.h"

#include "pipeline/table_run.h"

namespace cordon::pipeline {

Result<std::vector<TableStats>> Run(const Binding& binding, const source::TableSource& source,
                                    const SinkFactory& sinks, const ProgressFn& progress,
                                    const TransformOptions& transform_options) {
  std::vector<TableStats> stats;
  // Per table, what the tables that follow it read (only earlier tables are
  // followed, so a table's parent is complete before it starts).
  std::vector<Selection> selections(binding.tables.size());
  for (size_t ti = 0; ti < binding.tables.size(); ++ti) {
    const BoundTable& t = binding.tables[ti];
    const Selection* parent = t.follow_column ? &selections[t.parent] : nullptr;
    CORDON_ASSIGN_OR_RETURN(std::unique_ptr<TableRun> run,
                            TableRun::Create(t, source, transform_options, parent));
    // A refusal on k comes before the table's sink exists.
    CORDON_TRY(run->CountPass());
    CORDON_ASSIGN_OR_RETURN(std::unique_ptr<RowSink> sink, sinks(t));
    CORDON_TRY(run->WritePass(*sink, progress));
    stats.push_back(run->stats());
    selections[ti] = run->TakeSelection();
  }
  return stats;
}

}  // namespace cordon::pipeline
