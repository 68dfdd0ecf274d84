#include "pipeline/leak_file.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/io.h"
#include "detect/matcher.h"
#include "source/csv_reader.h"

namespace cordon::pipeline {
namespace {

Error TooMany(size_t max_rows) {
  return Error(ErrorCode::kLimitExceeded,
               "the leaked file has more than " + std::to_string(max_rows) + " rows",
               "trace a sample of it: a few hundred rows name the packages as surely");
}

// The CSV reader's view, or nullopt when it does not take the whole file as
// one table of two columns or more (then it is read as text).
Result<std::optional<LeakedFile>> ReadDelimited(ByteView data, size_t max_rows) {
  auto reader = source::CsvReader::Open(std::make_unique<MemorySource>(data), "leaked file", {});
  if (!reader.ok() || (*reader)->header().size() < 2) return std::optional<LeakedFile>();
  source::CsvReader& r = **reader;
  LeakedFile out;
  out.shape = LeakedFile::Shape::kDelimited;
  out.separator = r.separator();
  out.rows.push_back(r.header());
  while (true) {
    auto more = r.Next();
    if (!more.ok()) return std::optional<LeakedFile>();  // ragged, say: text
    if (!*more) break;
    if (out.rows.size() >= max_rows) return TooMany(max_rows);
    std::vector<std::string> row;
    row.reserve(r.field_count());
    for (size_t i = 0; i < r.field_count(); ++i) {
      auto field = r.Utf8Field(i);
      if (!field.ok()) return std::optional<LeakedFile>();
      row.emplace_back(*field);
    }
    out.rows.push_back(std::move(row));
  }
  out.header = LooksLikeHeader(out.rows);
  return std::optional<LeakedFile>(std::move(out));
}

bool IsWordBreak(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == ',' || c == ';' ||
         c == '|';
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

Result<LeakedFile> ReadText(ByteView data, size_t max_rows) {
  LeakedFile out;
  out.shape = LeakedFile::Shape::kText;
  std::string_view rest = AsChars(data);
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = Trim(rest.substr(0, nl));
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (line.empty()) continue;
    if (out.rows.size() >= max_rows) return TooMany(max_rows);
    std::vector<std::string> row{std::string(line)};
    size_t start = 0;
    for (size_t i = 0; i <= line.size(); ++i) {
      if (i < line.size() && !IsWordBreak(line[i])) continue;
      if (i > start) row.emplace_back(line.substr(start, i - start));
      start = i + 1;
    }
    detect::FindIdentifiers(line, detect::kAllKinds, [&](const detect::Match& m) {
      row.emplace_back(line.substr(m.offset, m.length));
    });
    out.rows.push_back(std::move(row));
  }
  return out;
}

bool HasDigit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool LooksLikeHeader(const std::vector<std::vector<std::string>>& rows) {
  if (rows.size() < 2) return false;
  const std::vector<std::string>& first = rows.front();
  std::vector<std::string_view> names(first.begin(), first.end());
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end()) return false;
  for (std::string_view cell : names) {
    if (Trim(cell).empty() || HasDigit(cell)) return false;
  }
  for (size_t column = 0; column < first.size(); ++column) {
    size_t with_digit = 0;
    for (size_t r = 1; r < rows.size(); ++r) {
      if (column < rows[r].size() && HasDigit(rows[r][column])) ++with_digit;
    }
    if (2 * with_digit > rows.size() - 1) return true;
  }
  return false;
}

Result<LeakedFile> ReadLeakedFile(ByteView data, const LeakReadOptions& options) {
  if (!data.empty() && std::memchr(data.data(), 0, data.size()) != nullptr) {
    return Error(ErrorCode::kMalformed, "the leaked file is not text (it holds NUL bytes)",
                 "export it as CSV or text first (a spreadsheet: save as CSV; a database: "
                 "export the table)");
  }
  CORDON_ASSIGN_OR_RETURN(std::optional<LeakedFile> delimited,
                          ReadDelimited(data, options.max_rows));
  if (delimited) return std::move(*delimited);
  return ReadText(data, options.max_rows);
}

}  // namespace cordon::pipeline
