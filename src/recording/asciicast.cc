#include "recording/asciicast.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cordon::recording {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the sequence a lead byte starts (0: not a lead byte) and
// the range its second byte must be in (Unicode Table 3-7): the narrower
// ranges after E0, ED, F0 and F4 exclude overlongs, surrogates and code
// points above U+10FFFF. Third and fourth bytes are always 80..BF.
struct Lead {
  size_t length;
  uint8_t second_lo, second_hi;
};

Lead ClassifyLead(uint8_t b) {
  if (b < 0x80) return {1, 0, 0};
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// Eight bytes at a time (SWAR): whether any byte of a word is zero, or less
// than n (n <= 128), is exact as a yes/no for the whole word. The scans below
// skip plain text a word at a time and look at bytes only where one differs.
constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

uint64_t Load8(const void* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

constexpr uint64_t HasZeroByte(uint64_t w) { return (w - kOnes) & ~w & kHighBits; }
constexpr uint64_t HasByteBelow(uint64_t w, uint8_t n) { return (w - kOnes * n) & ~w & kHighBits; }
constexpr uint64_t HasByte(uint64_t w, uint8_t b) { return HasZeroByte(w ^ (kOnes * b)); }

// Whether none of 8 bytes needs a JSON escape (controls, '"', '\\', DEL).
constexpr bool PlainJson8(uint64_t w) {
  return !(HasByteBelow(w, 0x20) | HasByte(w, '"') | HasByte(w, '\\') | HasByte(w, 0x7F));
}

enum class Scan { kValid, kInvalid, kIncomplete };

// Whether a valid sequence starts at data[0]: kIncomplete when every byte
// present fits but the data ends before the sequence does.
Scan ScanSequence(ByteView data, size_t* length) {
  const Lead lead = ClassifyLead(data[0]);
  if (lead.length == 0) return Scan::kInvalid;
  for (size_t k = 1; k < lead.length; ++k) {
    if (k >= data.size()) return Scan::kIncomplete;
    const uint8_t lo = k == 1 ? lead.second_lo : 0x80;
    const uint8_t hi = k == 1 ? lead.second_hi : 0xBF;
    if (data[k] < lo || data[k] > hi) return Scan::kInvalid;
  }
  *length = lead.length;
  return Scan::kValid;
}

// Decodes `data` to valid UTF-8, appended to `out`; with `keep_tail`, a
// trailing incomplete sequence is left undecoded and its length returned in
// *tail.
void SanitizeInto(ByteView data, bool keep_tail, size_t* tail, std::string& out) {
  out.reserve(out.size() + data.size());
  size_t i = 0;
  *tail = 0;
  while (i < data.size()) {
    // Terminal output is mostly ASCII: copy a run of it at once rather than
    // a byte at a time (a session printing megabytes spends its recording
    // CPU here and in AppendJsonString).
    size_t ascii = i;
    while (ascii + 8 <= data.size() && (Load8(data.data() + ascii) & kHighBits) == 0) ascii += 8;
    while (ascii < data.size() && data[ascii] < 0x80) ++ascii;
    if (ascii > i) {
      out.append(reinterpret_cast<const char*>(data.data() + i), ascii - i);
      i = ascii;
      continue;
    }
    size_t n = 0;
    switch (ScanSequence(data.subspan(i), &n)) {
      case Scan::kValid:
        out.append(reinterpret_cast<const char*>(data.data() + i), n);
        i += n;
        break;
      case Scan::kIncomplete:
        if (keep_tail) {
          *tail = data.size() - i;
          return;
        }
        [[fallthrough]];
      case Scan::kInvalid:
        out.append(kReplacement);
        ++i;
        break;
    }
  }
}

std::string Sanitize(ByteView data, bool keep_tail, size_t* tail) {
  std::string out;
  SanitizeInto(data, keep_tail, tail, out);
  return out;
}

Error LineError(uint64_t line, std::string_view what) {
  return Error(ErrorCode::kMalformed, "line " + std::to_string(line) + ": " + std::string(what));
}

// "COLSxROWS" with both in 1..65535.
bool ValidResize(std::string_view s) {
  const size_t x = s.find('x');
  if (x == std::string_view::npos) return false;
  auto valid_number = [](std::string_view n) {
    if (n.empty() || n.size() > 5 || n[0] == '0') return false;
    unsigned v = 0;
    for (char c : n) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + unsigned(c - '0');
    }
    return v <= 65535;
  };
  return valid_number(s.substr(0, x)) && valid_number(s.substr(x + 1));
}

}  // namespace

std::string Utf8Carry::Feed(ByteView data) {
  std::string out;
  FeedInto(data, out);
  return out;
}

void Utf8Carry::FeedInto(ByteView data, std::string& out) {
  size_t tail = 0;
  if (carry_len_ == 0) {  // the usual case: no copy of the data to join it
    SanitizeInto(data, /*keep_tail=*/true, &tail, out);
    carry_len_ = tail;
    std::copy(data.end() - static_cast<std::ptrdiff_t>(tail), data.end(), carry_);
    return;
  }
  Bytes joined(carry_, carry_ + carry_len_);
  joined.insert(joined.end(), data.begin(), data.end());
  SanitizeInto(joined, /*keep_tail=*/true, &tail, out);
  // An incomplete sequence is at most 3 bytes (a 4-byte lead and two more).
  carry_len_ = tail;
  std::copy(joined.end() - static_cast<std::ptrdiff_t>(tail), joined.end(), carry_);
}

std::string_view Utf8Carry::FeedView(ByteView data, std::string& scratch) {
  if (carry_len_ == 0) {
    // Validate without copying; the first invalid byte sends the whole piece
    // to FeedInto (which replaces it), as does anything carried before.
    size_t i = 0;
    while (i < data.size()) {
      while (i + 8 <= data.size() && (Load8(data.data() + i) & kHighBits) == 0) i += 8;
      if (i < data.size() && data[i] < 0x80) {
        ++i;
        continue;
      }
      if (i == data.size()) break;
      size_t n = 0;
      const Scan scan = ScanSequence(data.subspan(i), &n);
      if (scan == Scan::kValid) {
        i += n;
        continue;
      }
      if (scan == Scan::kIncomplete) {
        carry_len_ = data.size() - i;
        std::copy(data.begin() + static_cast<std::ptrdiff_t>(i), data.end(), carry_);
        return {reinterpret_cast<const char*>(data.data()), i};
      }
      break;  // invalid
    }
    if (i == data.size()) return {reinterpret_cast<const char*>(data.data()), data.size()};
  }
  scratch.clear();
  FeedInto(data, scratch);
  return scratch;
}

std::string Utf8Carry::Flush() {
  std::string out;
  for (size_t i = 0; i < carry_len_; ++i) out.append(kReplacement);
  carry_len_ = 0;
  return out;
}

namespace {

// The first index >= i of a byte that needs a JSON escape, or text.size().
// Sixteen bytes at a time with SSE2 (a terminal's output is long runs of
// plain text between line ends; in a profile of a streaming session this
// scan, eight bytes at a time, was the relay's own costliest function),
// then eight (SWAR).
size_t NextJsonEscape(std::string_view text, size_t i) {
  const size_t n = text.size();
#if defined(__SSE2__)
  const __m128i control_max = _mm_set1_epi8(0x1F);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i del = _mm_set1_epi8(0x7F);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    // Unsigned v <= 0x1F  <=>  min(v, 0x1F) == v (UTF-8 bytes >= 0x80 are not controls).
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, control_max), v);
    const __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                     _mm_cmpeq_epi8(v, del));
    const int mask = _mm_movemask_epi8(_mm_or_si128(control, special));
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  while (i + 8 <= n && PlainJson8(Load8(text.data() + i))) i += 8;
  auto plain = [](unsigned char u) { return u >= 0x20 && u != '"' && u != '\\' && u != 0x7F; };
  while (i < n && plain(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Room for the text and a line end's escape every 64 bytes or so, so that
  // the appends below rarely reallocate.
  out.reserve(out.size() + text.size() + text.size() / 32 + 2);
  out.push_back('"');
  for (size_t i = 0; i < text.size();) {
    // A run that needs no escape is appended at once (see Sanitize).
    const size_t end = NextJsonEscape(text, i);
    if (end > i) {
      out.append(text.substr(i, end - i));
      i = end;
      if (i == text.size()) break;
    }
    const char c = text[i++];
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      const char escaped[2] = {'\\', c};
      out.append(escaped, 2);
    } else if (c == '\n' || c == '\r' || c == '\t') {
      // The short escapes for the controls every screen is full of: a line
      // end costs 4 bytes instead of 12 (asciinema writes them so too).
      const char escaped[2] = {'\\', c == '\n' ? 'n' : c == '\r' ? 'r' : 't'};
      out.append(escaped, 2);
    } else {  // the other controls and DEL
      const char escaped[6] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 15]};
      out.append(escaped, 6);
    }
  }
  out.push_back('"');
}

std::string EncodeAsciicastHeader(const AsciicastHeader& header) {
  std::string out = "{\"version\":2,\"width\":" + std::to_string(header.width) +
                    ",\"height\":" + std::to_string(header.height) +
                    ",\"timestamp\":" + std::to_string(header.timestamp);
  if (header.title) {
    size_t unused = 0;
    out += ",\"title\":";
    AppendJsonString(out, Sanitize(AsBytes(*header.title), false, &unused));
  }
  out += ",\"env\":{";
  if (!header.term.empty()) {
    size_t unused = 0;
    out += "\"TERM\":";
    AppendJsonString(out, Sanitize(AsBytes(header.term), false, &unused));
  }
  out += "}}\n";
  return out;
}

std::string FormatEventTime(std::chrono::microseconds time) {
  const int64_t us = std::max<int64_t>(time.count(), 0);
  char buf[32];
  (void)std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(us / 1000000),
                      static_cast<long long>(us % 1000000));
  return buf;
}

Result<std::unique_ptr<AsciicastWriter>> AsciicastWriter::Create(const AsciicastHeader& header,
                                                                 ByteSink& out) {
  if (header.width <= 0 || header.height <= 0 || header.width > 65535 || header.height > 65535) {
    return Error(ErrorCode::kInvalidArgument, "asciicast: the terminal size must be 1..65535");
  }
  auto writer = std::make_unique<AsciicastWriter>(Token{}, out);
  CORDON_TRY(out.Write(AsBytes(EncodeAsciicastHeader(header))));
  return writer;
}

Status AsciicastWriter::WriteLine(std::chrono::microseconds time, EventType type,
                                  std::string_view text) {
  // Times never go backwards in a recording, whatever the caller's clock did.
  time = std::max(time, last_time_);
  last_time_ = time;
  // line_ keeps its capacity from one event to the next: a session that
  // streams megabytes allocates nothing per event.
  line_.clear();
  line_.reserve(text.size() + text.size() / 8 + 32);  // room for line ends' escapes
  line_ += '[';
  line_ += FormatEventTime(time);
  line_ += ", \"";
  line_.push_back(static_cast<char>(type));
  line_ += "\", ";
  AppendJsonString(line_, text);
  line_ += "]\n";
  return out_.Write(AsBytes(line_));
}

Status AsciicastWriter::Event(std::chrono::microseconds time, EventType type, ByteView data) {
  if (closed_) return Error(ErrorCode::kInternal, "asciicast: event after Close()");
  // Output and input are escaped from the caller's bytes themselves when
  // they are valid UTF-8 (a screenful of output is copied once, into the line).
  std::string_view text;
  switch (type) {
    case EventType::kOutput:
      text = output_carry_.FeedView(data, text_);
      break;
    case EventType::kInput:
      text = input_carry_.FeedView(data, text_);
      break;
    case EventType::kResize:
    case EventType::kMarker: {
      size_t unused = 0;
      text_.clear();
      SanitizeInto(data, false, &unused, text_);
      text = text_;
      break;
    }
  }
  if (text.empty() && type != EventType::kMarker) return Ok();
  return WriteLine(time, type, text);
}

Status AsciicastWriter::Close() {
  if (closed_) return Ok();
  closed_ = true;
  if (std::string rest = output_carry_.Flush(); !rest.empty()) {
    CORDON_TRY(WriteLine(last_time_, EventType::kOutput, rest));
  }
  if (std::string rest = input_carry_.Flush(); !rest.empty()) {
    CORDON_TRY(WriteLine(last_time_, EventType::kInput, rest));
  }
  return Ok();
}

Result<std::unique_ptr<AsciicastReader>> AsciicastReader::Open(ByteSource& in) {
  auto reader = std::make_unique<AsciicastReader>(Token{}, in);
  CORDON_ASSIGN_OR_RETURN(auto line, reader->in_.ReadLine(kMaxAsciicastLine));
  reader->line_ = 1;
  if (!line) return Error(ErrorCode::kTruncated, "asciicast: empty input (no header line)");
  const auto j = nlohmann::json::parse(*line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return LineError(1, "the header is not valid JSON");
  if (!j.is_object()) return LineError(1, "the header is not a JSON object");
  auto int_field = [&](const char* name, bool required, int64_t lo, int64_t hi,
                       int64_t* out) -> Status {
    auto it = j.find(name);
    if (it == j.end()) {
      if (required) return LineError(1, std::string("the header has no \"") + name + "\"");
      return Ok();
    }
    if (!it->is_number_integer() || it->get<int64_t>() < lo || it->get<int64_t>() > hi) {
      return LineError(1, std::string("the header's \"") + name + "\" must be an integer in " +
                              std::to_string(lo) + ".." + std::to_string(hi));
    }
    *out = it->get<int64_t>();
    return Ok();
  };
  int64_t version = 0, width = 0, height = 0, timestamp = 0;
  CORDON_TRY(int_field("version", true, 0, INT64_MAX, &version));
  if (version != 2) {
    return Error(ErrorCode::kUnsupported, "line 1: asciicast version " + std::to_string(version) +
                                              " (only version 2 is read)");
  }
  CORDON_TRY(int_field("width", true, 1, 65535, &width));
  CORDON_TRY(int_field("height", true, 1, 65535, &height));
  CORDON_TRY(int_field("timestamp", false, 0, INT64_MAX, &timestamp));
  AsciicastHeader& h = reader->header_;
  h.width = static_cast<int>(width);
  h.height = static_cast<int>(height);
  h.timestamp = timestamp;
  if (auto it = j.find("title"); it != j.end()) {
    if (!it->is_string()) return LineError(1, "the header's \"title\" must be a string");
    h.title = it->get<std::string>();
  }
  if (auto it = j.find("env"); it != j.end()) {
    if (!it->is_object()) return LineError(1, "the header's \"env\" must be an object");
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) return LineError(1, "the header's \"env\" values must be strings");
      if (key == "TERM") h.term = value.get<std::string>();
    }
  }
  return reader;
}

Result<std::optional<AsciicastEvent>> AsciicastReader::Next() {
  bool missing_newline = false;
  CORDON_ASSIGN_OR_RETURN(auto line, in_.ReadLine(kMaxAsciicastLine, &missing_newline));
  if (!line) return std::optional<AsciicastEvent>();
  ++line_;
  if (missing_newline) return LineError(line_, "the last line has no newline (truncated?)");
  const auto j = nlohmann::json::parse(*line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return LineError(line_, "not valid JSON");
  if (!j.is_array() || j.size() != 3) {
    return LineError(line_, "an event must be an array [time, type, data]");
  }
  if (!j[0].is_number()) return LineError(line_, "the event time is not a number");
  const double t = j[0].get<double>();
  // 10^9 s (31 years) bounds the conversion to microseconds.
  if (!std::isfinite(t) || t < 0 || t > 1e9) {
    return LineError(line_, "the event time must be between 0 and 1e9 seconds");
  }
  AsciicastEvent event;
  event.time = std::chrono::microseconds(std::llround(t * 1e6));
  if (event.time < last_time_) return LineError(line_, "the event time goes backwards");
  last_time_ = event.time;
  if (!j[1].is_string() || j[1].get_ref<const std::string&>().size() != 1) {
    return LineError(line_, "the event type must be \"o\", \"i\", \"r\" or \"m\"");
  }
  switch (const char c = j[1].get_ref<const std::string&>()[0]) {
    case 'o':
    case 'i':
    case 'r':
    case 'm':
      event.type = static_cast<EventType>(c);
      break;
    default:
      return LineError(line_, "the event type must be \"o\", \"i\", \"r\" or \"m\"");
  }
  if (!j[2].is_string()) return LineError(line_, "the event data is not a string");
  event.data = j[2].get<std::string>();
  if (event.type == EventType::kResize && !ValidResize(event.data)) {
    return LineError(line_, "a resize event's data must be \"COLSxROWS\"");
  }
  return std::optional<AsciicastEvent>(std::move(event));
}

}  // namespace cordon::recording
