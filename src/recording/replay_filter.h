// What `cordon recording play` must not pass to the reviewer's terminal: a
// recording is the vendor's output, and a terminal obeys the escape
// sequences in it. Control strings — OSC (window titles, the clipboard
// through OSC 52, hyperlinks), DCS, SOS, PM and APC, in their 7-bit (ESC ])
// and UTF-8-encoded C1 forms — are removed; the rest (text, colours, cursor
// movement: CSI sequences) is replayed as recorded.
#pragma once

#include <string>
#include <string_view>

namespace cordon::recording {

// Streaming: a sequence split across two Feed() calls is handled.
// Not thread-safe.
class ReplayFilter {
 public:
  std::string Feed(std::string_view data);

 private:
  enum class State { kText, kEscape, kC1Lead, kString, kStringEscape, kStringC1Lead };
  State state_ = State::kText;
};

// Typed input shown to a reviewer: printable text as is, control bytes as
// ^X (so a command typed with echo off, or a hidden escape, is visible).
std::string VisibleInput(std::string_view data);

}  // namespace cordon::recording
