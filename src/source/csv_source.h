// A CSV source: one CSV file (one table named by its stem) or a directory of
// CSV files (one table per *.csv file).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "source/csv_reader.h"
#include "source/table_source.h"

namespace cordon::source {

// name: the file stem; path: the file; size: its bytes.
using CsvTable = SourceTable;

// Its const members may be called from any thread (each Read opens the file
// anew and returns a reader of its own).
class CsvSource final : public TableSource {
 public:
  // Lists the tables at `path`. Fails when it does not exist or holds no CSV.
  static Result<CsvSource> Open(const std::string& path, CsvOptions options);

  const std::vector<CsvTable>& tables() const override { return tables_; }
  // Opens a table for one pass over its rows.
  Result<std::unique_ptr<CsvReader>> Read(const CsvTable& table) const;
  const CsvOptions& options() const { return options_; }

  // The header row and the detected dialect.
  Result<TableShape> Shape(const SourceTable& table) const override;
  // The whole file (a CSV cannot be read by column); `columns` is ignored.
  Result<std::unique_ptr<RowReader>> ReadColumns(const SourceTable& table,
                                                 const std::vector<size_t>& columns) const override;
  std::string Statement(const SourceTable&, const TableShape&,
                        const std::vector<size_t>&) const override {
    return {};
  }

 private:
  std::vector<CsvTable> tables_;
  CsvOptions options_;
};

}  // namespace cordon::source
