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

// Cyrillic and Greek letters that look like a Latin one, in the case-folded
// form NameKey sees — lowercase, so a letter is here when it or its capital
// passes for the Latin one (Cyrillic М, Н, Т; Greek Η, Ν, Υ): "Carl Persоn"
// with a Cyrillic о is Carl Person (attack review of 2026-12-03, F6).
// Whole names in those scripts still differ from their transliteration
// ("Анна" is not "Anna": н looks like H, not n).
char LatinLookalike(UChar32 c) {
  switch (c) {
    case 0x0430:
      return 'a';  // а
    case 0x0432:
      return 'b';  // в (В)
    case 0x0435:
      return 'e';  // е
    case 0x0455:
      return 's';  // ѕ
    case 0x0456:
      return 'i';  // і
    case 0x0458:
      return 'j';  // ј
    case 0x043A:
      return 'k';  // к (К)
    case 0x043C:
      return 'm';  // м (М)
    case 0x043D:
      return 'h';  // н (Н)
    case 0x043E:
      return 'o';  // о
    case 0x0440:
      return 'p';  // р
    case 0x0441:
      return 'c';  // с
    case 0x0442:
      return 't';  // т (Т)
    case 0x0443:
      return 'y';  // у
    case 0x0445:
      return 'x';  // х
    case 0x04AF:
      return 'y';  // ү (Ү)
    case 0x04BB:
      return 'h';  // һ
    case 0x04CF:
      return 'l';  // ӏ
    case 0x0501:
      return 'd';  // ԁ
    case 0x051B:
      return 'q';  // ԛ
    case 0x051D:
      return 'w';  // ԝ
    case 0x03B1:
      return 'a';  // α (Α)
    case 0x03B2:
      return 'b';  // β (Β)
    case 0x03B5:
      return 'e';  // ε (Ε)
    case 0x03B6:
      return 'z';  // ζ (Ζ)
    case 0x03B7:
      return 'h';  // η (Η)
    case 0x03B9:
      return 'i';  // ι (Ι)
    case 0x03BA:
      return 'k';  // κ (Κ)
    case 0x03BC:
      return 'm';  // μ (Μ)
    case 0x03BD:
      return 'n';  // ν (Ν)
    case 0x03BF:
      return 'o';  // ο (Ο)
    case 0x03C1:
      return 'p';  // ρ (Ρ)
    case 0x03C4:
      return 't';  // τ (Τ)
    case 0x03C5:
      return 'y';  // υ (Υ)
    case 0x03C7:
      return 'x';  // χ (Χ)
    default:
      return 0;
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
    } else if (const char latin = LatinLookalike(c); latin != 0) {
      out += latin;
    } else {
      icu::UnicodeString(c).toUTF8String(out);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace cordon::exchange
