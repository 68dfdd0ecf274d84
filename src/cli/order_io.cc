#include "cli/order_io.h"

#include <CLI/CLI.hpp>

#include "core/file.h"
#include "pipeline/extract.h"
#include "source/source_spec.h"

namespace cordon::cli {

void AddSourceOptions(CLI::App* cmd, SourceArgs& args) {
  cmd->add_option("--source", args.path,
                  "a CSV file, a directory of CSV files (one table each), sqlite:PATH (a "
                  "SQLite database, opened read-only) or postgresql://HOST/DATABASE (one "
                  "read-only snapshot; no password in the URL: ~/.pgpass, PGPASSFILE, a "
                  "service file or PGPASSWORD); docs/databases.md")
      ->required();
  cmd->add_option("--csv-sep", args.separator, "separator: ; , | or tab (default: detected)");
  cmd->add_option(
      "--csv-encoding", args.encoding,
      "utf-8, windows-1252 or iso-8859-1 (default: detected; not UTF-8 means windows-1252)");
  cmd->add_flag("--sqlite-immutable", args.sqlite_immutable,
                "open the sqlite: source with immutable=1 (no locks): ONLY for a file nobody "
                "writes, e.g. a copy; a write during the run gives wrong results");
}

Result<std::unique_ptr<source::TableSource>> OpenSource(const SourceArgs& args) {
  CORDON_ASSIGN_OR_RETURN(source::SourceSpec spec, source::ParseSourceSpec(args.path));
  if (args.sqlite_immutable && spec.kind != source::SourceSpec::Kind::kSqlite) {
    return Error(ErrorCode::kInvalidArgument, "--sqlite-immutable is for a sqlite: source");
  }
  if (spec.kind != source::SourceSpec::Kind::kCsv &&
      (!args.separator.empty() || !args.encoding.empty())) {
    // A PostgreSQL URL is not repeated: it may hold a user (or worse).
    return Error(ErrorCode::kInvalidArgument,
                 "--csv-sep and --csv-encoding are for CSV sources, not " +
                     (spec.kind == source::SourceSpec::Kind::kSqlite ? args.path
                                                                     : "a postgresql:// source"));
  }
  source::SourceOptions source_options;
  source_options.sqlite.immutable = args.sqlite_immutable;
  source::CsvOptions& options = source_options.csv;
  if (!args.separator.empty()) {
    std::string sep = args.separator == "tab" ? "\t" : args.separator;
    if (sep.size() != 1)
      return Error(ErrorCode::kInvalidArgument, "--csv-sep takes one character (or tab)");
    options.separator = sep[0];
  }
  if (!args.encoding.empty()) {
    CORDON_ASSIGN_OR_RETURN(options.encoding, source::ParseTextEncoding(args.encoding));
  }
  return source::OpenTableSource(spec, source_options);
}

Result<order::Order> LoadOrderFile(const std::string& path) {
  CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(path, pipeline::kMaxOrderBytes));
  order::LoadedOrder loaded = order::ParseOrder(AsChars(text), path);
  if (!loaded.problems.empty()) return order::ProblemsError(path, loaded.problems);
  return std::move(loaded.order);
}

}  // namespace cordon::cli
