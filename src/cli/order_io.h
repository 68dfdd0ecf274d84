// Loading what the order commands share: the order file and the source
// named on the command line (CSV, or sqlite:PATH).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "order/order.h"
#include "source/table_source.h"

namespace cordon::cli {

struct SourceArgs {
  std::string path;
  std::string separator;  // empty = detect; "tab" for \t
  std::string encoding;   // empty = detect
  bool sqlite_immutable = false;
};

// Adds --source, --csv-sep, --csv-encoding and --sqlite-immutable.
void AddSourceOptions(CLI::App* cmd, SourceArgs& args);
// A CSV file or directory, or sqlite:PATH (source/source_spec.h).
Result<std::unique_ptr<source::TableSource>> OpenSource(const SourceArgs& args);

// Reads and parses an order; every problem becomes one error listing them all.
Result<order::Order> LoadOrderFile(const std::string& path);

}  // namespace cordon::cli
