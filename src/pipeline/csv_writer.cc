#include "pipeline/csv_writer.h"

#include "core/secret_buffer.h"

namespace cordon::pipeline {
namespace {
constexpr size_t kFlushAt = 256 * 1024;
}

void CsvWriter::AppendField(std::string_view field, std::string& out) {
  bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos ||
               (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quote) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

Status CsvWriter::Row(const std::vector<std::string_view>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) buf_.push_back(',');
    AppendField(fields[i], buf_);
  }
  buf_.append("\r\n");
  if (buf_.size() >= kFlushAt) return Flush();
  return Ok();
}

Status CsvWriter::Flush() {
  if (buf_.empty()) return Ok();
  Status s = out_.Write(AsBytes(buf_));
  written_ += buf_.size();
  WipeBuffer();
  return s;
}

void CsvWriter::WipeBuffer() {
  // The buffer held patient data in clear: wipe before reuse or release.
  WipeBytes({reinterpret_cast<uint8_t*>(buf_.data()), buf_.size()});
  buf_.clear();
}

}  // namespace cordon::pipeline
