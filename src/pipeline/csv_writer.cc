#include "pipeline/csv_writer.h"

#include <array>

#include "core/secret_buffer.h"

namespace cordon::pipeline {
namespace {

constexpr size_t kFlushAt = 256 * 1024;

// The bytes that make a field quoted. A table, not find_first_of: libstdc++
// runs memchr over the set for every byte of the field, which was an eighth
// of an extraction's CPU.
constexpr std::array<bool, 256> kNeedsQuotes = [] {
  std::array<bool, 256> t{};
  for (unsigned char c : {',', '"', '\r', '\n'}) t[c] = true;
  return t;
}();

bool NeedsQuotes(std::string_view field) {
  if (field.empty()) return false;
  if (field.front() == ' ' || field.back() == ' ') return true;
  for (char c : field) {
    if (kNeedsQuotes[static_cast<unsigned char>(c)]) return true;
  }
  return false;
}

}  // namespace

void CsvWriter::AppendField(std::string_view field, std::string& out) {
  const bool quote = NeedsQuotes(field);
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
