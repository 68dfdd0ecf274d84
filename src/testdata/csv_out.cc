#include "testdata/csv_out.h"

namespace cordon::testdata {
namespace {

// UTF-8 → Windows-1252 for the characters the generators use.
void AppendEncoded(std::string_view utf8, bool keep_utf8, std::string& out) {
  if (keep_utf8) {
    out.append(utf8);
    return;
  }
  for (size_t i = 0; i < utf8.size(); ++i) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if ((c & 0xE0) == 0xC0 && i + 1 < utf8.size()) {
      out.push_back(static_cast<char>(((c & 0x1F) << 6) | (utf8[i + 1] & 0x3F)));
      ++i;
    } else if (c == 0xE2 && i + 2 < utf8.size()) {  // € (U+20AC) and other 3-byte: '?'
      out.push_back(utf8.substr(i, 3) == "\xE2\x82\xAC" ? '\x80' : '?');
      i += 2;
    }
  }
}

}  // namespace

void CsvOut::Field(std::string_view v) {
  if (!first_) text_.push_back(d_.separator);
  first_ = false;
  bool quote = v.find_first_of(std::string("\"\r\n") + d_.separator) != std::string_view::npos;
  if (quote) text_.push_back('"');
  std::string enc;
  AppendEncoded(v, d_.utf8, enc);
  for (char c : enc) {
    if (quote && c == '"') text_.push_back('"');
    text_.push_back(c);
  }
  if (quote) text_.push_back('"');
}

void CsvOut::End() {
  text_.append(d_.crlf ? "\r\n" : "\n");
  first_ = true;
}

Status CsvOut::FlushTo(AtomicFile& file, uint64_t& bytes, size_t threshold) {
  if (text_.size() <= threshold) return Ok();
  bytes += text_.size();
  CORDON_TRY(file.Write(AsBytes(text_)));
  text_.clear();
  return Ok();
}

}  // namespace cordon::testdata
