#include "source/source_spec.h"

#include <filesystem>

#include "source/csv_source.h"
#include "source/postgres_source.h"

namespace cordon::source {
namespace {

bool IsSchemeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-' || c == '.';
}

}  // namespace

Result<SourceSpec> ParseSourceSpec(std::string_view text) {
  if (text.empty()) return Error(ErrorCode::kInvalidArgument, "the source is empty");
  if (text.find('\0') != std::string_view::npos) {
    return Error(ErrorCode::kInvalidArgument, "the source holds a NUL byte");
  }
  SourceSpec spec;
  if (text.rfind("sqlite:", 0) == 0) {
    std::string_view path = text.substr(7);
    if (path.rfind("//", 0) == 0) {
      return Error(ErrorCode::kInvalidArgument,
                   "sqlite: takes a file path, not a URL: " + std::string(text),
                   "write sqlite:PATH, e.g. sqlite:lab.db or sqlite:/srv/lis/lab.db");
    }
    if (path.empty()) {
      return Error(ErrorCode::kInvalidArgument, "sqlite: needs the database file's path",
                   "write sqlite:PATH, e.g. sqlite:lab.db");
    }
    spec.kind = SourceSpec::Kind::kSqlite;
    spec.location = std::string(path);
    return spec;
  }
  if (text.rfind("postgresql://", 0) == 0 || text.rfind("postgres://", 0) == 0) {
    spec.kind = SourceSpec::Kind::kPostgresql;
    spec.location = std::string(text);
    return spec;
  }
  // "word://…" is a URL of a database cordon does not know: never a path.
  size_t colon = text.find("://");
  if (colon != std::string_view::npos && colon > 0) {
    bool scheme = true;
    for (char c : text.substr(0, colon)) scheme = scheme && IsSchemeChar(c);
    if (scheme) {
      return Error(ErrorCode::kInvalidArgument,
                   "unknown source " + std::string(text.substr(0, colon)) + "://",
                   "cordon reads CSV (a path), sqlite:PATH and postgresql://HOST/DATABASE");
    }
  }
  spec.location = std::string(text);
  return spec;
}

std::string SpecDisplayName(const SourceSpec& spec) {
  switch (spec.kind) {
    case SourceSpec::Kind::kSqlite:
      return std::filesystem::path(spec.location).filename().string();
    case SourceSpec::Kind::kPostgresql: {
      // The database's name only: never the host, the user or a parameter.
      auto url = ParsePgUrl(spec.location);
      return url.ok() && !url->dbname.empty() ? url->dbname : "postgresql";
    }
    case SourceSpec::Kind::kCsv:
      break;
  }
  return spec.location;
}

Result<std::unique_ptr<TableSource>> OpenTableSource(const SourceSpec& spec,
                                                     const SourceOptions& options) {
  switch (spec.kind) {
    case SourceSpec::Kind::kSqlite: {
      CORDON_ASSIGN_OR_RETURN(std::unique_ptr<SqliteSource> s,
                              SqliteSource::Open(spec.location, options.sqlite));
      return std::unique_ptr<TableSource>(std::move(s));
    }
    case SourceSpec::Kind::kPostgresql: {
      CORDON_ASSIGN_OR_RETURN(std::unique_ptr<PostgresSource> s,
                              PostgresSource::Open(spec.location));
      return std::unique_ptr<TableSource>(std::move(s));
    }
    case SourceSpec::Kind::kCsv:
      break;
  }
  CORDON_ASSIGN_OR_RETURN(CsvSource csv, CsvSource::Open(spec.location, options.csv));
  return std::unique_ptr<TableSource>(std::make_unique<CsvSource>(std::move(csv)));
}

}  // namespace cordon::source
