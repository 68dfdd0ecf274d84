// Writes RFC 4180 CSV (comma, CRLF, quotes doubled) in UTF-8, buffered.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/io.h"

namespace cordon::pipeline {

class CsvWriter {
 public:
  explicit CsvWriter(ByteSink& out) : out_(out) {}
  ~CsvWriter() { WipeBuffer(); }
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  Status Row(const std::vector<std::string_view>& fields);
  Status Flush();
  uint64_t bytes_written() const { return written_; }

  // Appends one field, quoted when needed, to `out` (for samples and tests).
  static void AppendField(std::string_view field, std::string& out);

 private:
  void WipeBuffer();
  ByteSink& out_;
  std::string buf_;
  uint64_t written_ = 0;
};

}  // namespace cordon::pipeline
