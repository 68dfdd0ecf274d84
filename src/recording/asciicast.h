// asciicast v2 (docs.asciinema.org/manual/asciicast/v2), the format of a
// recorded session's plaintext: a JSON header line, then one JSON array per
// event, `[seconds since start, "o"|"i"|"r", data]`. Terminal bytes are not
// always UTF-8, so the writer carries a sequence split across two reads to
// the next event and replaces invalid bytes by U+FFFD; the reader is strict.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/buffered_source.h"
#include "core/bytes.h"
#include "core/io.h"
#include "core/result.h"

namespace cordon::recording {

// Event types of asciicast v2 that cordon writes ("m", a marker, is only read).
enum class EventType : char { kOutput = 'o', kInput = 'i', kResize = 'r', kMarker = 'm' };

// The header line. `timestamp` is the start, in Unix seconds.
struct AsciicastHeader {
  int width = 80;
  int height = 24;
  int64_t timestamp = 0;
  std::string term;                  // env.TERM; omitted when empty
  std::optional<std::string> title;  // arbitrary text (escaped like data)
};

// Where the pty relay sends what it sees. `time` is since the session's
// start and never decreases from one call to the next; `data` is raw
// terminal bytes for kOutput/kInput and "COLSxROWS" for kResize.
// Implementations: AsciicastWriter, SealedRecording, test captures.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual Status Event(std::chrono::microseconds time, EventType type, ByteView data) = 0;
};

// Turns terminal bytes into valid UTF-8 JSON string content, across calls.
// A UTF-8 sequence cut at the end of `data` is kept until the next Feed();
// every byte that does not start a complete, valid sequence (overlong,
// surrogate, above U+10FFFF, stray continuation byte) becomes one U+FFFD.
// The output is the same however the input is split. Not thread-safe.
class Utf8Carry {
 public:
  // Returns the valid UTF-8 text of the carried bytes plus `data`, keeping a
  // trailing incomplete sequence (at most 3 bytes) for later.
  std::string Feed(ByteView data);
  // The same, appended to `out` (no allocation when it has room).
  void FeedInto(ByteView data, std::string& out);
  // The same as a view: of `data` itself when nothing is carried and it is
  // valid UTF-8 but for a trailing incomplete sequence (the usual case: no
  // copy), else of `scratch`, which it overwrites. Valid until either changes.
  std::string_view FeedView(ByteView data, std::string& scratch);
  // Returns the carried bytes, each as U+FFFD (the stream ended inside a
  // sequence), and empties the carry.
  std::string Flush();
  size_t carried() const { return carry_len_; }

 private:
  uint8_t carry_[3] = {};
  size_t carry_len_ = 0;
};

// Appends `text` (valid UTF-8) as a JSON string literal: quotes, `"` and
// `\` escaped, \n \r \t in their short form, the other control characters
// (U+0000–U+001F, U+007F) as \u00XX.
void AppendJsonString(std::string& out, std::string_view text);

// The header line, ending in '\n'.
std::string EncodeAsciicastHeader(const AsciicastHeader& header);

// `time` as seconds with exactly six decimals ("12.000345").
std::string FormatEventTime(std::chrono::microseconds time);

// Writes asciicast v2 to a sink: the header at Create(), then one line per
// event. Output and input keep separate UTF-8 carries; an event whose text
// is empty (only a carried partial sequence) is not written. Close() writes
// what is still carried (as U+FFFD) and must be called before the sink is
// closed. Not thread-safe.
class AsciicastWriter final : public EventSink {
 public:
  static Result<std::unique_ptr<AsciicastWriter>> Create(const AsciicastHeader& header,
                                                         ByteSink& out);
  Status Event(std::chrono::microseconds time, EventType type, ByteView data) override;
  Status Close();

 private:
  struct Token {};

 public:
  AsciicastWriter(Token, ByteSink& out) : out_(out) {}

 private:
  Status WriteLine(std::chrono::microseconds time, EventType type, std::string_view text);

  ByteSink& out_;
  Utf8Carry output_carry_;
  Utf8Carry input_carry_;
  std::string text_;  // reused by each event (see WriteLine)
  std::string line_;
  std::chrono::microseconds last_time_{0};
  bool closed_ = false;
};

struct AsciicastEvent {
  std::chrono::microseconds time{0};
  EventType type = EventType::kOutput;
  std::string data;  // UTF-8 as stored
};

// The longest line the reader accepts: one event holds one read of the pty
// (at most 64 KiB), which JSON escaping can make six times longer.
inline constexpr size_t kMaxAsciicastLine = 1 << 20;

// Reads asciicast v2 strictly: one JSON value per line, a header with
// version 2 and positive width and height, events that are 3-element
// arrays [non-negative, non-decreasing time, "o"|"i"|"r"|"m", string], a
// resize as "COLSxROWS". Errors are kMalformed ("line N: …"), kLimitExceeded
// for a line above kMaxAsciicastLine, or the source's own error. Not
// thread-safe; `in` must outlive the reader.
class AsciicastReader {
 public:
  static Result<std::unique_ptr<AsciicastReader>> Open(ByteSource& in);
  const AsciicastHeader& header() const { return header_; }
  // The next event, or nullopt at the end of input.
  Result<std::optional<AsciicastEvent>> Next();

 private:
  struct Token {};

 public:
  AsciicastReader(Token, ByteSource& in) : in_(in) {}

 private:
  BufferedSource in_;
  AsciicastHeader header_;
  uint64_t line_ = 0;
  std::chrono::microseconds last_time_{0};
};

}  // namespace cordon::recording
