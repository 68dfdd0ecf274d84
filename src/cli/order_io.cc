#include "cli/order_io.h"

#include <CLI/CLI.hpp>

#include "core/file.h"
#include "pipeline/extract.h"

namespace cordon::cli {

void AddSourceOptions(CLI::App* cmd, SourceArgs& args) {
  cmd->add_option("--source", args.path, "a CSV file, or a directory of CSV files (one table each)")
      ->required();
  cmd->add_option("--csv-sep", args.separator, "separator: ; , | or tab (default: detected)");
  cmd->add_option(
      "--csv-encoding", args.encoding,
      "utf-8, windows-1252 or iso-8859-1 (default: detected; not UTF-8 means windows-1252)");
}

Result<source::CsvSource> OpenSource(const SourceArgs& args) {
  source::CsvOptions options;
  if (!args.separator.empty()) {
    std::string sep = args.separator == "tab" ? "\t" : args.separator;
    if (sep.size() != 1)
      return Error(ErrorCode::kInvalidArgument, "--csv-sep takes one character (or tab)");
    options.separator = sep[0];
  }
  if (!args.encoding.empty()) {
    CORDON_ASSIGN_OR_RETURN(options.encoding, source::ParseTextEncoding(args.encoding));
  }
  return source::CsvSource::Open(args.path, options);
}

Result<order::Order> LoadOrderFile(const std::string& path) {
  CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(path, pipeline::kMaxOrderBytes));
  order::LoadedOrder loaded = order::ParseOrder(AsChars(text), path);
  if (!loaded.problems.empty()) return order::ProblemsError(path, loaded.problems);
  return std::move(loaded.order);
}

}  // namespace cordon::cli
