// Reads a production source's identifiers into a WatchlistBuilder: every
// identifier the detectors find in any cell of any table, plus the whole
// values of the columns named as holding identifiers (--columns, and the
// columns an order transforms). CSV sources for now (source/csv_source.h).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "scan/watchlist.h"
#include "source/csv_source.h"

namespace cordon::scan {

struct ColumnPick {
  std::string table;  // a source table; empty: this column in every table
  std::string column;
};

struct WatchSourceStats {
  uint64_t tables = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;                // of the source read
  uint64_t named_values = 0;         // cells of named columns added as identifiers
  std::vector<std::string> missing;  // named "table.column"s no table has
};

// Called after each table, and every few hundred thousand rows, with the
// totals so far (for progress on a terminal).
using WatchProgress = std::function<void(const WatchSourceStats&)>;

// Reads every table of `source` once. Fails on a CSV error (naming the
// file and line), never silently skipping rows.
Result<WatchSourceStats> AddCsvSource(const source::CsvSource& source,
                                      const std::vector<ColumnPick>& columns,
                                      WatchlistBuilder& builder,
                                      const WatchProgress& progress = {});

// The same for any source (a SQLite database: every column of every table);
// a CSV source goes through AddCsvSource, which also sees cells past the
// header.
Result<WatchSourceStats> AddTableSource(const source::TableSource& source,
                                        const std::vector<ColumnPick>& columns,
                                        WatchlistBuilder& builder,
                                        const WatchProgress& progress = {});

}  // namespace cordon::scan
