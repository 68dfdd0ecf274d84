#include "source/csv_source.h"

#include <algorithm>
#include <filesystem>

#include "core/file.h"

namespace cordon::source {
namespace fs = std::filesystem;

Result<CsvSource> CsvSource::Open(const std::string& path, CsvOptions options) {
  CsvSource source;
  source.options_ = options;
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    return Error(ErrorCode::kNotFound, "source " + path + " does not exist");
  }
  auto add = [&](const fs::path& p) {
    source.tables_.push_back(
        {p.stem().string(), p.string(), static_cast<uint64_t>(fs::file_size(p, ec))});
  };
  if (fs::is_directory(status)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      std::string ext = entry.path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
      if (entry.is_regular_file() && ext == ".csv") add(entry.path());
    }
    std::sort(source.tables_.begin(), source.tables_.end(),
              [](const CsvTable& a, const CsvTable& b) { return a.name < b.name; });
    if (source.tables_.empty()) {
      return Error(ErrorCode::kNotFound, "source " + path + " holds no .csv file");
    }
  } else {
    add(path);
  }
  return source;
}

Result<std::unique_ptr<CsvReader>> CsvSource::Read(const CsvTable& table) const {
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<FileSource> file, FileSource::Open(table.path));
  return CsvReader::Open(std::move(file), fs::path(table.path).filename().string(), options_);
}

Result<TableShape> CsvSource::Shape(const SourceTable& table) const {
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader, Read(table));
  TableShape shape;
  shape.header = reader->header();
  shape.declared_types.assign(shape.header.size(), std::string());
  const char sep = reader->separator();
  shape.dialect = std::string(TextEncodingName(reader->encoding())) + ", '" +
                  (sep == '\t' ? std::string("\\t") : std::string(1, sep)) + "'";
  return shape;
}

Result<std::unique_ptr<RowReader>> CsvSource::ReadColumns(const SourceTable& table,
                                                          const std::vector<size_t>&) const {
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader, Read(table));
  return std::unique_ptr<RowReader>(std::move(reader));
}

}  // namespace cordon::source
