#include "source/table_source.h"

namespace cordon::source {

const SourceTable* TableSource::Find(std::string_view name) const {
  for (const SourceTable& t : tables()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Result<std::unique_ptr<RowReader>> TableSource::ReadFiltered(const SourceTable& table,
                                                             const std::vector<size_t>& columns,
                                                             const PushedFilter& filter) const {
  if (!filter.empty()) {
    return Error(ErrorCode::kInternal, "table " + table.name + ": this source takes no filter");
  }
  return ReadColumns(table, columns);
}

SqlCondition PushedFilter::Combined() const {
  if (follow.empty()) return where;
  if (where.empty()) return follow;
  SqlCondition out{where.sql + " AND " + follow.sql, where.params};
  out.params.insert(out.params.end(), follow.params.begin(), follow.params.end());
  return out;
}

}  // namespace cordon::source
