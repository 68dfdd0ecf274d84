#include "scan/watchlist_source.h"

#include <set>

namespace cordon::scan {

Result<WatchSourceStats> AddCsvSource(const source::CsvSource& source,
                                      const std::vector<ColumnPick>& columns,
                                      WatchlistBuilder& builder, const WatchProgress& progress) {
  WatchSourceStats stats;
  std::set<size_t> found;  // indexes into `columns` some table has
  std::string row;
  for (const source::CsvTable& table : source.tables()) {
    CORDON_ASSIGN_OR_RETURN(std::unique_ptr<source::CsvReader> reader, source.Read(table));
    std::vector<bool> named(reader->header().size(), false);
    for (size_t c = 0; c < columns.size(); ++c) {
      if (!columns[c].table.empty() && columns[c].table != table.name) continue;
      for (size_t i = 0; i < reader->header().size(); ++i) {
        if (reader->header()[i] == columns[c].column) {
          named[i] = true;
          found.insert(c);
        }
      }
    }
    for (;;) {
      CORDON_ASSIGN_OR_RETURN(bool more, reader->Next());
      if (!more) break;
      // The cells of a row, one per line: the detectors see each cell
      // whole (no identifier spans a newline) in one pass per row.
      row.clear();
      for (size_t i = 0; i < reader->field_count(); ++i) {
        CORDON_ASSIGN_OR_RETURN(std::string_view cell, reader->Utf8Field(i));
        if (i < named.size() && named[i] && builder.AddValue(cell) != 0) ++stats.named_values;
        row.append(cell);
        row.push_back('\n');
      }
      builder.AddText(row);
      if (++stats.rows % 262144 == 0 && progress) {
        stats.bytes += reader->bytes_consumed();
        progress(stats);
        stats.bytes -= reader->bytes_consumed();
      }
    }
    ++stats.tables;
    stats.bytes += reader->bytes_consumed();
    if (progress) progress(stats);
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    if (found.count(c) == 0) {
      stats.missing.push_back(columns[c].table.empty()
                                  ? columns[c].column
                                  : columns[c].table + "." + columns[c].column);
    }
  }
  return stats;
}

Result<WatchSourceStats> AddTableSource(const source::TableSource& source,
                                        const std::vector<ColumnPick>& columns,
                                        WatchlistBuilder& builder, const WatchProgress& progress) {
  if (const auto* csv = dynamic_cast<const source::CsvSource*>(&source)) {
    return AddCsvSource(*csv, columns, builder, progress);
  }
  WatchSourceStats stats;
  std::set<size_t> found;
  std::string row;
  for (const source::SourceTable& table : source.tables()) {
    CORDON_ASSIGN_OR_RETURN(source::TableShape shape, source.Shape(table));
    std::vector<size_t> all(shape.header.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    CORDON_ASSIGN_OR_RETURN(std::unique_ptr<source::RowReader> reader,
                            source.ReadColumns(table, all));
    std::vector<bool> named(shape.header.size(), false);
    for (size_t c = 0; c < columns.size(); ++c) {
      if (!columns[c].table.empty() && columns[c].table != table.name) continue;
      for (size_t i = 0; i < shape.header.size(); ++i) {
        if (shape.header[i] == columns[c].column) {
          named[i] = true;
          found.insert(c);
        }
      }
    }
    for (;;) {
      CORDON_ASSIGN_OR_RETURN(bool more, reader->Next());
      if (!more) break;
      row.clear();
      for (size_t i = 0; i < all.size(); ++i) {
        CORDON_ASSIGN_OR_RETURN(std::string_view cell, reader->Utf8Field(i));
        if (named[i] && builder.AddValue(cell) != 0) ++stats.named_values;
        row.append(cell);
        row.push_back('\n');
      }
      builder.AddText(row);
      if (++stats.rows % 262144 == 0 && progress) progress(stats);
    }
    ++stats.tables;
    if (progress) progress(stats);
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    if (found.count(c) == 0) {
      stats.missing.push_back(columns[c].table.empty()
                                  ? columns[c].column
                                  : columns[c].table + "." + columns[c].column);
    }
  }
  return stats;
}

}  // namespace cordon::scan
