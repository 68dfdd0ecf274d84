#include "exchange/name_key.h"

#include <array>
#include <cstdint>

namespace cordon::exchange {
namespace {

// U+00C0..U+00FF, one entry per code point ("" keeps it: × and ÷).
constexpr std::array<std::string_view, 64> kLatin1 = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};

// U+0100..U+017F by runs: (first code point, its folded letters); each run
// lasts until the next one starts.
struct Run {
  char32_t first;
  std::string_view folded;
};
constexpr std::array<Run, 22> kExtendedA = {
    {{0x100, "a"}, {0x106, "c"},  {0x10E, "d"}, {0x112, "e"}, {0x11C, "g"}, {0x124, "h"},
     {0x128, "i"}, {0x132, "ij"}, {0x134, "j"}, {0x136, "k"}, {0x139, "l"}, {0x143, "n"},
     {0x14C, "o"}, {0x152, "oe"}, {0x154, "r"}, {0x15A, "s"}, {0x162, "t"}, {0x168, "u"},
     {0x174, "w"}, {0x176, "y"},  {0x179, "z"}, {0x17F, "s"}}};

bool IsSpaceLike(char32_t c) {
  return c == ' ' || c == '\t' || c == '-' || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || (c >= 0x2010 && c <= 0x2015) || c == 0x2212 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

bool IsInvisible(char32_t c) {
  return (c >= 0x0300 && c <= 0x036F) ||  // combining diacritical marks
         c == 0xAD || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF;
}

// One UTF-8 sequence at `s[i]`: its code point and length; an invalid or
// truncated one is its first byte alone, as a code point that folds to
// nothing else.
char32_t Decode(std::string_view s, size_t i, size_t& len) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    len = 1;
    return 0xFFFFFFFF;  // not a character: kept as its byte
  }
  char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) {
      len = 1;
      return 0xFFFFFFFF;
    }
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  len = n;
  return cp;
}

}  // namespace

std::string NameKey(std::string_view name) {
  std::string out;
  const auto space = [&] {
    if (!out.empty() && out.back() != ' ') out += ' ';
  };
  for (size_t i = 0; i < name.size();) {
    size_t len = 1;
    const char32_t c = Decode(name, i, len);
    const std::string_view raw = name.substr(i, len);
    i += len;
    if (IsSpaceLike(c)) {
      space();
    } else if (IsInvisible(c)) {
      continue;
    } else if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    } else if (c == 0x2018 || c == 0x2019 || c == 0x02BC) {
      out += '\'';
    } else if (c >= 0xC0 && c <= 0xFF && !kLatin1[c - 0xC0].empty()) {
      out += kLatin1[c - 0xC0];
    } else if (c >= 0x100 && c <= 0x17F) {
      std::string_view folded;
      for (const Run& r : kExtendedA) {
        if (c >= r.first) folded = r.folded;
      }
      out += folded;
    } else {
      out += raw;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace cordon::exchange
