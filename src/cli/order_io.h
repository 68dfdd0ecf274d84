// Loading what the order commands share: the order file and the CSV source
// named on the command line.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "order/order.h"
#include "source/csv_source.h"

namespace cordon::cli {

struct SourceArgs {
  std::string path;
  std::string separator;  // empty = detect; "tab" for \t
  std::string encoding;   // empty = detect
};

// Adds --source, --csv-sep and --csv-encoding to a subcommand.
void AddSourceOptions(CLI::App* cmd, SourceArgs& args);
Result<source::CsvSource> OpenSource(const SourceArgs& args);

// Reads and parses an order; every problem becomes one error listing them all.
Result<order::Order> LoadOrderFile(const std::string& path);

}  // namespace cordon::cli
