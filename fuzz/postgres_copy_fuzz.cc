// Fuzzes the PostgreSQL COPY row parsers (the rows a server sends to the
// PostgreSQL source): any input parses or fails cleanly.
// The first byte picks the format (bit 7) and the field count (1 to 8).
// Text: a parsed row holds that many fields, none with a byte 0, and
// writing the fields back with AppendCopyTextField gives a row that parses
// to the same fields. Binary: the next bytes pick each field's type, then
// messages follow, each behind a 2-byte length; a row parsed holds that
// many fields, its text within the message, and nothing parses after the
// trailer.
#include <cstdlib>
#include <string>
#include <vector>

#include "source/postgres_copy.h"

namespace {

void FuzzBinary(size_t expected, std::string_view in) {
  using cordon::source::PgBinaryType;
  if (in.size() < expected) return;
  std::vector<PgBinaryType> types;
  for (size_t i = 0; i < expected; ++i) {
    types.push_back(static_cast<PgBinaryType>(static_cast<unsigned char>(in[i]) % 6));
  }
  in.remove_prefix(expected);
  cordon::source::CopyBinaryRows rows(types);
  std::vector<std::string_view> fields;
  bool ended = false;
  while (in.size() >= 2) {
    const size_t n = static_cast<unsigned char>(in[0]) << 8 | static_cast<unsigned char>(in[1]);
    in.remove_prefix(2);
    std::string_view message = in.substr(0, n);
    in.remove_prefix(message.size());
    auto row = rows.Parse(message, fields);
    if (ended && row.ok()) std::abort();  // nothing after the trailer
    if (!row.ok() || *row == cordon::source::CopyBinaryRows::Got::kHeaderOnly) continue;
    if (*row == cordon::source::CopyBinaryRows::Got::kEnd) {
      if (!rows.ended()) std::abort();
      ended = true;
      continue;
    }
    if (fields.size() < expected) std::abort();
    // Every field lies within the message or is a rendering of its own.
    for (size_t i = 0; i < expected; ++i) {
      if (types[i] == PgBinaryType::kText && !fields[i].empty() &&
          (fields[i].data() < message.data() ||
           fields[i].data() + fields[i].size() > message.data() + message.size()))
        std::abort();
    }
  }
}

void FuzzText(size_t expected, std::string_view line) {
  std::vector<std::string> fields;
  if (!cordon::source::ParseCopyTextRow(line, expected, fields).ok()) return;
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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t expected = 1 + data[0] % 8;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 0x80) {
    FuzzBinary(expected, rest);
  } else {
    FuzzText(expected, rest);
  }
  return 0;
}
