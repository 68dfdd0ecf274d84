// Fuzzes the PostgreSQL COPY text row parser (the rows a server sends to
// the PostgreSQL source): any input parses or fails cleanly. Properties:
// the first byte picks the field count; a parsed row holds that many
// fields, none with a byte 0; and writing the fields back with
// AppendCopyTextField gives a row that parses to the same fields.
#include <cstdlib>
#include <string>
#include <vector>

#include "source/postgres_copy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t expected = 1 + data[0] % 8;
  std::string_view line(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> fields;
  if (!cordon::source::ParseCopyTextRow(line, expected, fields).ok()) return 0;
  if (fields.size() < expected) std::abort();
  fields.resize(expected);
  std::string again;
  for (size_t i = 0; i < expected; ++i) {
    if (fields[i].find('\0') != std::string::npos) std::abort();
    if (i > 0) again += '\t';
    cordon::source::AppendCopyTextField(again, fields[i]);
  }
  again += '\n';
  std::vector<std::string> back;
  if (!cordon::source::ParseCopyTextRow(again, expected, back).ok()) std::abort();
  back.resize(expected);
  if (back != fields) std::abort();
  return 0;
}
