#include "source/text_encoding.h"

#include <array>
#include <cstdint>
#include <cstring>

namespace cordon::source {
namespace {

// Windows-1252 0x80–0x9F. The five undefined bytes map to the C1 controls of
// the same value, as the WHATWG encoding standard does.
constexpr std::array<uint16_t, 32> kCp1252High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

void AppendCodePoint(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

std::string_view TextEncodingName(TextEncoding e) {
  switch (e) {
    case TextEncoding::kUtf8:
      return "utf-8";
    case TextEncoding::kWindows1252:
      return "windows-1252";
    case TextEncoding::kLatin1:
      return "iso-8859-1";
  }
  return "?";
}

Result<TextEncoding> ParseTextEncoding(std::string_view name) {
  std::string n;
  for (char c : name) n.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (n == "utf8" || n == "utf-8") return TextEncoding::kUtf8;
  if (n == "windows-1252" || n == "cp1252" || n == "win1252") return TextEncoding::kWindows1252;
  if (n == "iso-8859-1" || n == "latin1" || n == "latin-1" || n == "iso8859-1") {
    return TextEncoding::kLatin1;
  }
  return Error(ErrorCode::kInvalidArgument, "unknown encoding \"" + std::string(name) + "\"",
               "use utf-8, windows-1252 or iso-8859-1");
}

bool IsAscii(std::string_view text) {
  size_t i = 0;
  // Eight bytes at a time: most legacy data is ASCII.
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    if (word & 0x8080808080808080ULL) return false;
  }
  for (; i < text.size(); ++i) {
    if (static_cast<unsigned char>(text[i]) & 0x80) return false;
  }
  return true;
}

namespace {

// kNoNul: byte 0 refused too (checked in the same pass: a word with no high
// bit and no zero byte is eight good ASCII characters).
template <bool kNoNul>
bool CheckUtf8(std::string_view text, bool allow_truncated_tail) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size(), i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, s + i, 8);
      const bool ascii = !(word & 0x8080808080808080ULL);
      const bool no_zero =
          !kNoNul || !((word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL);
      if (ascii && no_zero) {
        i += 8;
        continue;
      }
    }
    unsigned char c = s[i];
    if (c < 0x80) {
      if (kNoNul && c == 0) return false;
      ++i;
      continue;
    }
    size_t len;
    uint32_t min;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, min = 0x10000, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) {
      if (!allow_truncated_tail) return false;
      for (size_t j = i + 1; j < n; ++j) {
        if ((s[j] & 0xC0) != 0x80) return false;
      }
      return true;
    }
    for (size_t j = 1; j < len; ++j) {
      if ((s[i + j] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace

bool IsValidUtf8(std::string_view text, bool allow_truncated_tail) {
  return CheckUtf8<false>(text, allow_truncated_tail);
}

bool IsUtf8Text(std::string_view text) { return CheckUtf8<true>(text, false); }

void AppendUtf8(std::string_view text, TextEncoding from, std::string& out) {
  if (from == TextEncoding::kUtf8 || IsAscii(text)) {
    out.append(text);
    return;
  }
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    uint32_t cp = c;
    if (from == TextEncoding::kWindows1252 && c >= 0x80 && c < 0xA0) cp = kCp1252High[c - 0x80];
    AppendCodePoint(cp, out);
  }
}

}  // namespace cordon::source
