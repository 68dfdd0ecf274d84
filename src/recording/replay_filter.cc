#include "recording/replay_filter.h"

namespace cordon::recording {
namespace {

constexpr char kEsc = '\x1b';
constexpr char kBel = '\x07';
// The introducers of control strings after ESC: OSC ], DCS P, SOS X, PM ^, APC _.
bool StartsString(char c) { return c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_'; }
// The same as C1 code points U+0090, U+0098, U+009D, U+009E, U+009F, whose
// UTF-8 form is C2 followed by these bytes.
bool StartsStringC1(unsigned char b) {
  return b == 0x90 || b == 0x98 || b == 0x9D || b == 0x9E || b == 0x9F;
}

}  // namespace

std::string ReplayFilter::Feed(std::string_view data) {
  std::string out;
  out.reserve(data.size());
  for (const char c : data) {
    const auto b = static_cast<unsigned char>(c);
    switch (state_) {
      case State::kText:
        if (c == kEsc) {
          state_ = State::kEscape;
        } else if (b == 0xC2) {
          state_ = State::kC1Lead;
        } else {
          out += c;
        }
        break;
      case State::kEscape:
        // A lone ESC is never passed on (a terminal drops an ESC that
        // another ESC interrupts anyway): emitted, it could join text that
        // follows a removed string into a new introducer ("ESC" + "P").
        if (StartsString(c)) {
          state_ = State::kString;
        } else if (c == kEsc) {
          // the second ESC may start a sequence: still kEscape
        } else if (b == 0xC2) {
          state_ = State::kC1Lead;
        } else {
          out += kEsc;
          out += c;
          state_ = State::kText;
        }
        break;
      case State::kC1Lead:
        // C2 goes out only with its continuation byte, as one character: a
        // lone C2 (invalid UTF-8) is dropped, for the same reason as a lone
        // ESC.
        if (StartsStringC1(b)) {
          state_ = State::kString;
        } else if (b >= 0x80 && b <= 0xBF) {
          out += '\xC2';
          out += c;
          state_ = State::kText;
        } else if (b == 0xC2) {
          // a new lead: still kC1Lead
        } else if (c == kEsc) {
          state_ = State::kEscape;
        } else {
          out += c;
          state_ = State::kText;
        }
        break;
      case State::kString:  // dropped until BEL or ST (ESC \ or U+009C)
        if (c == kBel) {
          state_ = State::kText;
        } else if (c == kEsc) {
          state_ = State::kStringEscape;
        } else if (b == 0xC2) {
          state_ = State::kStringC1Lead;
        }
        break;
      case State::kStringEscape:
        state_ = c == '\\' ? State::kText : c == kEsc ? State::kStringEscape : State::kString;
        break;
      case State::kStringC1Lead:
        state_ = b == 0x9C ? State::kText : b == 0xC2 ? State::kStringC1Lead : State::kString;
        break;
    }
  }
  return out;
}

std::string VisibleInput(std::string_view data) {
  std::string out;
  for (const char c : data) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '\r' || c == '\n') {
      out += "⏎";
    } else if (b < 0x20) {
      out += '^';
      out += static_cast<char>(b + '@');
    } else if (b == 0x7F) {
      out += "^?";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace cordon::recording
