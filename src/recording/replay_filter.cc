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
        if (StartsString(c)) {
          state_ = State::kString;
        } else {
          out += kEsc;
          if (c == kEsc) break;  // ESC ESC: the second may start a sequence
          if (b == 0xC2) {       // ...and so may a C1 lead byte
            state_ = State::kC1Lead;
            break;
          }
          out += c;
          state_ = State::kText;
        }
        break;
      case State::kC1Lead:
        if (StartsStringC1(b)) {
          state_ = State::kString;
        } else {
          out += '\xC2';
          if (b == 0xC2) break;
          if (c == kEsc) {
            state_ = State::kEscape;
            break;
          }
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
