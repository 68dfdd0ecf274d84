// A CSV source: one CSV file (one table named by its stem) or a directory of
// CSV files (one table per *.csv file).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "source/csv_reader.h"

namespace cordon::source {

struct CsvTable {
  std::string name;  // file stem
  std::string path;
  uint64_t size = 0;  // bytes
};

class CsvSource {
 public:
  // Lists the tables at `path`. Fails when it does not exist or holds no CSV.
  static Result<CsvSource> Open(const std::string& path, CsvOptions options);

  const std::vector<CsvTable>& tables() const { return tables_; }
  const CsvTable* Find(std::string_view name) const;
  // Opens a table for one pass over its rows.
  Result<std::unique_ptr<CsvReader>> Read(const CsvTable& table) const;
  const CsvOptions& options() const { return options_; }

 private:
  std::vector<CsvTable> tables_;
  CsvOptions options_;
};

}  // namespace cordon::source
