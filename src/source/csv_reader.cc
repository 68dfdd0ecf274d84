#include "source/csv_reader.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

namespace cordon::source {
namespace {

constexpr size_t kInitialBuffer = 1 << 20;

// Returns the first position in [p, end) holding `sep` or '\n', or end.
// Eight bytes at a time (SWAR): most fields are short runs of plain bytes.
const char* FindSepOrNewline(const char* p, const char* end, char sep) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  const uint64_t seps = kOnes * static_cast<unsigned char>(sep);
  const uint64_t newlines = kOnes * static_cast<unsigned char>('\n');
  while (end - p >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    uint64_t a = w ^ seps, b = w ^ newlines;
    uint64_t hit = ((a - kOnes) & ~a & kHighs) | ((b - kOnes) & ~b & kHighs);
    if (hit) return p + (__builtin_ctzll(hit) >> 3);
    p += 8;
  }
  while (p < end && *p != sep && *p != '\n') ++p;
  return p;
}
constexpr size_t kSniffBytes = 64 * 1024;

}  // namespace

CsvReader::CsvReader(std::unique_ptr<ByteSource> source, std::string name,
                     const CsvOptions& options)
    : source_(std::move(source)), name_(std::move(name)), options_(options), buf_(kInitialBuffer) {}

Result<std::unique_ptr<CsvReader>> CsvReader::Open(std::unique_ptr<ByteSource> source,
                                                   std::string name, const CsvOptions& options) {
  auto reader = std::make_unique<CsvReader>(std::move(source), std::move(name), options);
  CORDON_TRY(reader->Sniff());
  CORDON_ASSIGN_OR_RETURN(bool has_header, reader->NextRecord());
  if (!has_header) {
    return Error(ErrorCode::kMalformed, reader->name_ + ": the file is empty (no header row)");
  }
  // A set for the duplicate check: a header of 80,000 columns (a hostile
  // file given to `cordon trace`) must not cost 80,000² compares.
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < reader->fields_.size(); ++i) {
    CORDON_ASSIGN_OR_RETURN(std::string_view name_utf8, reader->Utf8Field(i));
    std::string column(name_utf8);
    if (column.empty()) {
      return Error(ErrorCode::kMalformed,
                   reader->name_ + " line 1: column " + std::to_string(i + 1) + " has no name");
    }
    if (!seen.insert(column).second) {
      return Error(ErrorCode::kMalformed,
                   reader->name_ + " line 1: column " + column + " appears twice");
    }
    reader->header_.push_back(std::move(column));
  }
  return reader;
}

Result<bool> CsvReader::Fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    consumed_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);  // bounded by max_record_bytes
  CORDON_ASSIGN_OR_RETURN(size_t n, source_->Read({reinterpret_cast<uint8_t*>(buf_.data()) + end_,
                                                   buf_.size() - end_}));
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

Status CsvReader::Sniff() {
  while (end_ < kSniffBytes) {
    CORDON_ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) break;
  }
  std::string_view sample(buf_.data(), end_);
  bool bom = sample.substr(0, 3) == "\xEF\xBB\xBF";
  if (bom) pos_ = 3;
  if (options_.encoding) {
    encoding_ = *options_.encoding;
  } else {
    encoding_ = bom || IsValidUtf8(sample, /*allow_truncated_tail=*/!eof_)
                    ? TextEncoding::kUtf8
                    : TextEncoding::kWindows1252;
  }
  if (options_.separator) {
    separator_ = *options_.separator;
    return Ok();
  }
  // The separator is the candidate that occurs most often, outside quotes,
  // in the header line.
  size_t counts[4] = {0, 0, 0, 0};
  const char candidates[4] = {';', ',', '\t', '|'};
  bool quoted = false;
  for (size_t i = pos_; i < end_ && (quoted || buf_[i] != '\n'); ++i) {
    char c = buf_[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    for (int k = 0; k < 4; ++k) counts[k] += c == candidates[k];
  }
  int best = 1;  // ',' when the header has a single column
  for (int k = 0; k < 4; ++k) {
    if (counts[k] > counts[best]) best = k;
  }
  separator_ = candidates[best];
  return Ok();
}

Result<CsvReader::Parse> CsvReader::ParseRecord(size_t start, size_t& end) {
  refs_.clear();
  quoted_newlines_ = 0;
  const char* b = buf_.data();
  const char sep = separator_;
  size_t i = start;
  auto error = [&](const std::string& why) {
    return Error(ErrorCode::kMalformed, name_ + " line " + std::to_string(next_line_) + ": " + why);
  };
  for (;;) {
    if (i < end_ && b[i] == '"') {
      size_t j = i + 1;
      bool escaped = false;
      size_t close;
      for (;;) {
        const void* q = std::memchr(b + j, '"', end_ - j);
        if (q == nullptr) {
          if (!eof_) return Parse::kNeedMore;
          return error("a quoted field is never closed (missing '\"')");
        }
        size_t k = static_cast<const char*>(q) - b;
        if (k + 1 < end_ && b[k + 1] == '"') {
          escaped = true;
          j = k + 2;
          continue;
        }
        if (k + 1 == end_ && !eof_) return Parse::kNeedMore;
        close = k;
        break;
      }
      refs_.push_back({i + 1 - start, close - i - 1, escaped});
      quoted_newlines_ += static_cast<uint64_t>(std::count(b + i + 1, b + close, '\n'));
      i = close + 1;
      if (i == end_) {
        end = end_;
        return Parse::kRecord;
      }
      if (b[i] == sep) {
        ++i;
        continue;
      }
      if (b[i] == '\n') {
        end = i + 1;
        return Parse::kRecord;
      }
      if (b[i] == '\r') {
        if (i + 1 == end_) {
          if (!eof_) return Parse::kNeedMore;
          end = end_;
          return Parse::kRecord;
        }
        if (b[i + 1] == '\n') {
          end = i + 2;
          return Parse::kRecord;
        }
      }
      return error("unexpected character after a closing quote");
    }
    size_t j = static_cast<size_t>(FindSepOrNewline(b + i, b + end_, sep) - b);
    if (j == end_) {
      if (!eof_) return Parse::kNeedMore;
      size_t len = j - i;
      if (len > 0 && b[j - 1] == '\r') --len;
      refs_.push_back({i - start, len, false});
      end = end_;
      return Parse::kRecord;
    }
    size_t len = j - i;
    if (b[j] == '\n') {
      if (len > 0 && b[j - 1] == '\r') --len;
      refs_.push_back({i - start, len, false});
      end = j + 1;
      return Parse::kRecord;
    }
    refs_.push_back({i - start, len, false});
    i = j + 1;
  }
}

Result<bool> CsvReader::NextRecord() {
  for (;;) {
    if (pos_ == end_) {
      CORDON_ASSIGN_OR_RETURN(bool more, Fill());
      if (!more) return false;
    }
    size_t rec_end = 0;
    CORDON_ASSIGN_OR_RETURN(Parse parsed, ParseRecord(pos_, rec_end));
    if (parsed == Parse::kNeedMore) {
      if (end_ - pos_ > options_.max_record_bytes) {
        return Error(ErrorCode::kLimitExceeded,
                     name_ + " line " + std::to_string(next_line_) + ": a record longer than " +
                         std::to_string(options_.max_record_bytes >> 20) + " MiB",
                     "a quote is probably never closed, or this is not a CSV file");
      }
      CORDON_TRY(Fill());
      continue;
    }
    const char* start = buf_.data() + pos_;
    size_t size = rec_end - pos_;
    line_ = next_line_;
    // One line end per record, plus those inside quoted fields.
    next_line_ += quoted_newlines_ + (size > 0 && start[size - 1] == '\n' ? 1 : 0);
    pos_ = rec_end;
    if (refs_.size() == 1 && refs_[0].length == 0 && (size == 0 || start[0] != '"'))
      continue;  // blank
    fields_.clear();
    unescaped_.clear();
    unescaped_.reserve(size);
    utf8_.clear();
    utf8_.reserve(3 * size + 16);
    for (const FieldRef& r : refs_) {
      std::string_view raw(start + r.offset, r.length);
      if (!r.escaped) {
        fields_.push_back(raw);
        continue;
      }
      size_t before = unescaped_.size();
      for (size_t k = 0; k < raw.size(); ++k) {
        unescaped_.push_back(raw[k]);
        if (raw[k] == '"') ++k;  // "" → "
      }
      fields_.emplace_back(unescaped_.data() + before, unescaped_.size() - before);
    }
    return true;
  }
}

Result<bool> CsvReader::Next() {
  CORDON_ASSIGN_OR_RETURN(bool got, NextRecord());
  if (got && fields_.size() != header_.size()) {
    return Error(ErrorCode::kMalformed,
                 name_ + " line " + std::to_string(line_) + ": " + std::to_string(fields_.size()) +
                     " fields where the header has " + std::to_string(header_.size()),
                 "a value probably contains an unquoted '" + std::string(1, separator_) +
                     "'; cordon never shifts columns to make a row fit");
  }
  return got;
}

Result<std::string_view> CsvReader::Utf8Field(size_t i) {
  std::string_view raw = fields_[i];
  if (encoding_ == TextEncoding::kUtf8) {
    if (!IsValidUtf8(raw)) {
      std::string column = i < header_.size() ? header_[i] : std::to_string(i + 1);
      return Error(
          ErrorCode::kMalformed,
          name_ + " line " + std::to_string(line_) + ", column " + column + ": invalid UTF-8",
          "the file may be in another encoding: pass --csv-encoding windows-1252");
    }
    return raw;
  }
  if (IsAscii(raw)) return raw;
  size_t before = utf8_.size();
  AppendUtf8(raw, encoding_, utf8_);
  return std::string_view(utf8_.data() + before, utf8_.size() - before);
}

}  // namespace cordon::source
