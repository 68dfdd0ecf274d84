#include "age/armor.h"

#include <cstring>

#include "core/encoding.h"

namespace cordon::age {
namespace {

constexpr size_t kColumns = 64;
constexpr size_t kBytesPerLine = kColumns / 4 * 3;  // 48
constexpr size_t kMaxWhitespace = 1024;

Error ArmorError(ErrorCode code, std::string_view why) {
  return Error(code, "armor: " + std::string(why),
               "the armored text was altered; age armor is strict PEM");
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view StripCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

Status ArmorWriter::Write(ByteView data) {
  if (!started_) {
    CORDON_TRY(out_.Write(AsBytes(std::string(kArmorBegin) + "\n")));
    started_ = true;
  }
  pending_.insert(pending_.end(), data.begin(), data.end());
  if (pending_.size() >= 64 * kBytesPerLine) return Flush(false);
  return Ok();
}

Status ArmorWriter::Flush(bool final) {
  std::string text;
  size_t pos = 0;
  for (; pending_.size() - pos >= kBytesPerLine; pos += kBytesPerLine) {
    text += Base64Encode(ByteView(pending_).subspan(pos, kBytesPerLine));
    text += '\n';
  }
  if (final && pos < pending_.size()) {
    text += Base64Encode(ByteView(pending_).subspan(pos));
    text += '\n';
    pos = pending_.size();
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(pos));
  return out_.Write(AsBytes(text));
}

Status ArmorWriter::Close() {
  if (closed_) return Ok();
  closed_ = true;
  if (!started_) {
    CORDON_TRY(out_.Write(AsBytes(std::string(kArmorBegin) + "\n")));
    started_ = true;
  }
  CORDON_TRY(Flush(true));
  return out_.Write(AsBytes(std::string(kArmorEnd) + "\n"));
}

Status ArmorReader::Start() {
  started_ = true;
  size_t skipped = 0;
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(std::string_view next, in_.Peek(1));
    if (next.empty()) return ArmorError(ErrorCode::kTruncated, "no BEGIN line");
    if (!IsSpace(next[0])) break;
    if (++skipped > kMaxWhitespace)
      return ArmorError(ErrorCode::kLimitExceeded, "too much leading whitespace");
    uint8_t c;
    CORDON_TRY(in_.Read(std::span(&c, 1)));
  }
  auto line = in_.ReadLine(kColumns + 8);
  if (!line.ok()) return ArmorError(ErrorCode::kMalformed, "no BEGIN line");
  if (!line->has_value() || StripCr(**line) != kArmorBegin) {
    return ArmorError(ErrorCode::kMalformed, "the first line is not " + std::string(kArmorBegin));
  }
  return Ok();
}

Status ArmorReader::NextLine() {
  bool missing_newline = false;
  auto line = in_.ReadLine(kColumns + 1, &missing_newline);
  if (!line.ok()) return ArmorError(ErrorCode::kMalformed, "line longer than 64 columns");
  if (!line->has_value()) return ArmorError(ErrorCode::kTruncated, "no END line");
  std::string_view text = StripCr(**line);
  if (text == kArmorEnd) {
    // Only whitespace may follow, and not much of it.
    CORDON_ASSIGN_OR_RETURN(std::string_view rest, in_.Peek(kMaxWhitespace + 1));
    if (rest.size() > kMaxWhitespace)
      return ArmorError(ErrorCode::kLimitExceeded, "too much trailing data");
    for (char c : rest) {
      if (!IsSpace(c)) return ArmorError(ErrorCode::kMalformed, "data after the END line");
    }
    finished_ = true;
    return Ok();
  }
  if (missing_newline) return ArmorError(ErrorCode::kTruncated, "no END line");
  if (text.size() > kColumns)
    return ArmorError(ErrorCode::kMalformed, "line longer than 64 columns");
  if (text.empty()) return ArmorError(ErrorCode::kMalformed, "empty line inside the armor");
  auto bytes = Base64Decode(text);
  if (!bytes.ok()) return ArmorError(ErrorCode::kMalformed, bytes.error().message());
  if (text.size() < kColumns || text.back() == '=') {
    // The last data line: END must come next.
    auto end = in_.ReadLine(kColumns + 1, &missing_newline);
    if (!end.ok() || !end->has_value() || StripCr(**end) != kArmorEnd) {
      return ArmorError(ErrorCode::kMalformed,
                        "a short line must be the last, followed by the END line");
    }
    CORDON_ASSIGN_OR_RETURN(std::string_view rest, in_.Peek(kMaxWhitespace + 1));
    if (rest.size() > kMaxWhitespace)
      return ArmorError(ErrorCode::kLimitExceeded, "too much trailing data");
    for (char c : rest) {
      if (!IsSpace(c)) return ArmorError(ErrorCode::kMalformed, "data after the END line");
    }
    finished_ = true;
  }
  decoded_ = std::move(bytes).value();
  decoded_begin_ = 0;
  return Ok();
}

Result<size_t> ArmorReader::Read(std::span<uint8_t> out) {
  if (failed_) return *failed_;
  if (!started_) {
    Status s = Start();
    if (!s.ok()) return *(failed_ = s.error());
  }
  size_t written = 0;
  while (written < out.size()) {
    if (decoded_begin_ == decoded_.size()) {
      if (finished_) break;
      Status s = NextLine();
      if (!s.ok()) {
        failed_ = s.error();
        if (written > 0) return written;  // report the error on the next call
        return *failed_;
      }
      continue;
    }
    size_t n = std::min(out.size() - written, decoded_.size() - decoded_begin_);
    std::memcpy(out.data() + written, decoded_.data() + decoded_begin_, n);
    decoded_begin_ += n;
    written += n;
  }
  return written;
}

bool LooksArmored(std::string_view prefix) {
  size_t i = 0;
  while (i < prefix.size() && IsSpace(prefix[i])) ++i;
  return prefix.substr(i, 10) == kArmorBegin.substr(0, 10);
}

}  // namespace cordon::age
