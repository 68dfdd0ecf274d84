#include "exchange/name_key.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>

namespace cordon::exchange {
namespace {

// Letters with a stroke or a ligature: NFKD leaves them whole.
std::string_view Base(UChar32 c) {
  switch (c) {
    case 0x00E6:
      return "ae";  // æ
    case 0x00F0:
      return "d";  // ð
    case 0x00F8:
      return "o";  // ø
    case 0x00FE:
      return "th";  // þ
    case 0x0111:
      return "d";  // đ
    case 0x0127:
      return "h";  // ħ
    case 0x0131:
      return "i";  // ı
    case 0x0138:
      return "k";  // ĸ
    case 0x0142:
      return "l";  // ł
    case 0x014B:
      return "n";  // ŋ
    case 0x0153:
      return "oe";  // œ
    case 0x0167:
      return "t";  // ŧ
    case 0x0180:
      return "b";  // ƀ
    case 0x01B6:
      return "z";  // ƶ
    default:
      return {};
  }
}

bool IsApostrophe(UChar32 c) {
  return c == 0x2018 || c == 0x2019 || c == 0x02BC || c == 0x0060 || c == 0x00B4;
}

}  // namespace

std::string NameKey(std::string_view name) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkd = icu::Normalizer2::getNFKDInstance(status);
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(name.data(), static_cast<int32_t>(name.size())));
  if (U_SUCCESS(status)) text = nfkd->normalize(text, status);
  text.foldCase();
  // Folding can make a character NFKD decomposes again (e.g. U+0130).
  if (U_SUCCESS(status)) text = nfkd->normalize(text, status);
  std::string out;
  const auto space = [&] {
    if (!out.empty() && out.back() != ' ') out += ' ';
  };
  for (int32_t i = 0; i < text.length();) {
    const UChar32 c = text.char32At(i);
    i += U16_LENGTH(c);
    const int8_t type = u_charType(c);
    if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK ||
        type == U_COMBINING_SPACING_MARK || type == U_FORMAT_CHAR) {
      continue;  // accents, and what does not show
    }
    if (u_isUWhiteSpace(c) || type == U_DASH_PUNCTUATION || type == U_SPACE_SEPARATOR) {
      space();
    } else if (IsApostrophe(c)) {
      out += '\'';
    } else if (const std::string_view base = Base(c); !base.empty()) {
      out += base;
    } else {
      icu::UnicodeString(c).toUTF8String(out);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace cordon::exchange
