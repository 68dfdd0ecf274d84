// A streaming CSV reader for legacy exports: RFC 4180 plus the dialects old
// systems write (separators ; , tab |, CRLF or LF, UTF-8 with or without BOM,
// Windows-1252, ISO-8859-1). Dialect and encoding are detected from the
// first block unless given. Memory is bounded by the largest record.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/io.h"
#include "core/result.h"
#include "source/table_source.h"
#include "source/text_encoding.h"

namespace cordon::source {

struct CsvOptions {
  std::optional<char> separator;         // detected when empty
  std::optional<TextEncoding> encoding;  // detected when empty
  size_t max_record_bytes = 16 * 1024 * 1024;
};

// Not thread-safe: one reader, one thread (it owns its position in the stream).
class CsvReader final : public RowReader {
 public:
  // Reads the header row. `name` (a file name) prefixes every error.
  static Result<std::unique_ptr<CsvReader>> Open(std::unique_ptr<ByteSource> source,
                                                 std::string name, const CsvOptions& options);

  char separator() const { return separator_; }
  TextEncoding encoding() const { return encoding_; }
  const std::string& name() const { return name_; }

  // Advances to the next record; false at the end. Fails naming the file and
  // line on a ragged row (never silently shifted), an unterminated quote, or a
  // record larger than max_record_bytes. Blank lines are skipped.
  Result<bool> Next() override;

  // The current record's physical line number (1-based; the header is line 1).
  uint64_t line() const override { return line_; }
  std::string Position(uint64_t line) const override {
    return name_ + " line " + std::to_string(line);
  }
  // Field i as UTF-8, transcoded when needed; valid until the next Next().
  // Fails (naming line and column) on invalid UTF-8 in a UTF-8 file.
  Result<std::string_view> Utf8Field(size_t i) override;
  // Field i in the file's own encoding (comparisons of ASCII data).
  std::string_view RawField(size_t i) const { return fields_[i]; }
  size_t field_count() const { return fields_.size(); }
  uint64_t bytes_consumed() const override { return consumed_ + pos_; }

  // Private: use Open().
  CsvReader(std::unique_ptr<ByteSource> source, std::string name, const CsvOptions& options);

 private:
  enum class Parse { kRecord, kNeedMore, kEnd };
  struct FieldRef {
    size_t offset;  // from the record start
    size_t length;
    bool escaped;  // quoted with "" inside: needs unescaping
  };

  Result<bool> Fill();  // false at end of input
  Result<Parse> ParseRecord(size_t start, size_t& end);
  Status Sniff();
  Result<bool> NextRecord();  // without the field-count check

  std::unique_ptr<ByteSource> source_;
  std::string name_;
  CsvOptions options_;
  std::vector<char> buf_;
  size_t pos_ = 0;  // start of the unread data in buf_
  size_t end_ = 0;
  uint64_t consumed_ = 0;  // bytes dropped from the front of buf_
  bool eof_ = false;
  char separator_ = ',';
  TextEncoding encoding_ = TextEncoding::kUtf8;
  std::vector<FieldRef> refs_;
  std::vector<std::string_view> fields_;
  std::string unescaped_;
  std::string utf8_;
  uint64_t line_ = 0;
  uint64_t next_line_ = 1;
  uint64_t quoted_newlines_ = 0;  // line ends inside quoted fields of the record
};

}  // namespace cordon::source
