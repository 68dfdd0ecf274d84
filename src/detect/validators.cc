#include "detect/validators.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace cordon::detect {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
// What std::isalpha says in the "C" locale (cordon never sets another),
// without a call into libc for each character of every e-mail address.
bool IsAsciiAlpha(char c) { return IsUpper(c) || (c >= 'a' && c <= 'z'); }
int Num(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}
bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

bool IsValidDate(int y, int m, int d) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

struct IbanCountry {
  char code[3];
  int length;
};
// ISO 13616 registry lengths (SWIFT IBAN registry).
constexpr std::array<IbanCountry, 89> kIbanCountries = {{
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27},
    {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
    {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24}, {"PL", 28},
    {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24}, {"SC", 31},
    {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28},
    {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
    {"GF", 27},  // French overseas use FR's format under their own code
}};

// The registry as a table indexed by the two capitals: the scanner asks
// about every IBAN-shaped candidate.
constexpr size_t CountryIndex(char first, char second) {
  return static_cast<size_t>(first - 'A') * 26 + static_cast<size_t>(second - 'A');
}
constexpr std::array<uint8_t, 26 * 26> MakeIbanLengths() {
  std::array<uint8_t, 26 * 26> t{};
  for (const auto& c : kIbanCountries) {
    t[CountryIndex(c.code[0], c.code[1])] = static_cast<uint8_t>(c.length);
  }
  return t;
}
constexpr auto kIbanLengths = MakeIbanLengths();

int IbanLength(std::string_view country) {
  if (!IsUpper(country[0]) || !IsUpper(country[1])) return 0;
  return kIbanLengths[CountryIndex(country[0], country[1])];
}

// Without a branch per digit: the doubled digits' sums from a table (the
// scanner checks every card-shaped candidate).
bool Luhn(std::string_view digits) {
  static constexpr int kDoubled[10] = {0, 2, 4, 6, 8, 1, 3, 5, 7, 9};
  int sum = 0;
  const char* d = digits.data();
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    const int v = d[n - 1 - i] - '0';
    sum += (i & 1) != 0 ? kDoubled[v] : v;
  }
  return sum % 10 == 0;
}

bool KnownIin(std::string_view d) {
  // Card numbers have at least 12 digits: the prefixes from one number.
  size_t n = d.size();
  const int p6 = Num(d.substr(0, 6)), p4 = p6 / 100, p3 = p6 / 1000, p2 = p6 / 10000;
  if (d[0] == '4') return n == 13 || n == 16 || n == 19;                         // Visa (and CB)
  if ((p2 >= 51 && p2 <= 55) || (p6 >= 222100 && p6 <= 272099)) return n == 16;  // Mastercard
  if (p2 == 34 || p2 == 37) return n == 15;                                      // American Express
  if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65) return n >= 16;        // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16;                                  // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) return n >= 14;  // Diners
  if (p2 == 62) return n >= 16;                                                      // UnionPay
  if (p2 == 50 || (p2 >= 56 && p2 <= 58) || p2 == 67) return n >= 12;                // Maestro
  return false;
}

// Eight ASCII digits, as one word: every high nibble 3, and no low nibble
// above 9 (adding 6 would carry into the high one). Once every high nibble
// is 3 no byte can carry into the next, so the two tests are exact.
bool EightDigits(const char* p) {
  constexpr uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL, kThrees = 0x3030303030303030ULL,
                     kSixes = 0x0606060606060606ULL;
  uint64_t w;
  std::memcpy(&w, p, 8);
  return (w & kHigh) == kThrees && ((w + kSixes) & kHigh) == kThrees;
}

bool EmailLocalChar(char c) {
  return IsDigit(c) || IsUpper(c) || (c >= 'a' && c <= 'z') || c == '.' || c == '_' || c == '%' ||
         c == '+' || c == '-';
}

}  // namespace

std::string_view KindName(Kind k) {
  switch (k) {
    case Kind::kNir:
      return "nir";
    case Kind::kCpr:
      return "cpr";
    case Kind::kIban:
      return "iban";
    case Kind::kCard:
      return "card";
    case Kind::kEmail:
      return "email";
    case Kind::kPhone:
      return "phone";
  }
  return "?";
}

int NirKey(std::string_view body) {
  if (body.size() != 13) return -1;
  uint64_t number = 0;
  for (size_t i = 0; i < 13; ++i) {
    char c = body[i];
    if (i == 6 && body[5] == '2' && (c == 'A' || c == 'B')) {
      number = number / 10 * 100 + (c == 'A' ? 19 : 18);  // 2A → 19, 2B → 18
      continue;
    }
    if (!IsDigit(c)) return -1;
    number = number * 10 + static_cast<uint64_t>(c - '0');
  }
  return static_cast<int>(97 - number % 97);
}

Confidence ValidateNir(std::string_view text) {
  // Cheap rejections first: the matcher asks about many candidates.
  if ((text.size() != 15 && text.size() != 21) ||
      (text[0] != '1' && text[0] != '2' && text[0] != '7' && text[0] != '8')) {
    return Confidence::kNone;
  }
  // On the stack: the scanner validates millions of candidates. The
  // grouped form is 1 2 2 2 3 3 2 with single spaces (the carte Vitale),
  // dashes or dots (forms, exports), the same one throughout.
  char buf[15];
  if (text.size() == 15) {
    text.copy(buf, 15);
  } else {
    static constexpr size_t kGroupStarts[] = {0, 2, 5, 8, 11, 15, 19},
                            kGroupSizes[] = {1, 2, 2, 2, 3, 3, 2};
    const char sep = text[1];
    if (sep != ' ' && sep != '-' && sep != '.') return Confidence::kNone;
    size_t out = 0;
    for (size_t g = 0; g < 7; ++g) {
      if (g > 0 && text[kGroupStarts[g] - 1] != sep) return Confidence::kNone;
      text.substr(kGroupStarts[g], kGroupSizes[g]).copy(buf + out, kGroupSizes[g]);
      out += kGroupSizes[g];
    }
  }
  const std::string_view nir(buf, 15);
  char sex = nir[0];
  if (sex != '1' && sex != '2' && sex != '7' && sex != '8') return Confidence::kNone;
  if (!AllDigits(nir.substr(1, 4)) || !AllDigits(nir.substr(7, 8))) return Confidence::kNone;
  int month = Num(nir.substr(3, 2));
  if (!((month >= 1 && month <= 12) || (month >= 20 && month <= 42) || month >= 50))
    return Confidence::kNone;
  std::string_view dept = std::string_view(nir).substr(5, 2);
  bool corsica = dept == "2A" || dept == "2B";
  if (!corsica && (!AllDigits(dept) || dept == "00")) return Confidence::kNone;
  if (nir.substr(10, 3) == "000") return Confidence::kNone;  // order number starts at 001
  int key = Num(nir.substr(13, 2));
  if (key < 1 || key > 97 || NirKey(std::string_view(nir).substr(0, 13)) != key)
    return Confidence::kNone;
  return Confidence::kHigh;
}

Confidence ValidateCpr(std::string_view text) {
  if (text.size() != 10 && text.size() != 11) return Confidence::kNone;
  // On the stack: the scanner validates millions of candidates.
  char buf[10];
  if (text.size() == 11) {
    if (text[6] != '-') return Confidence::kNone;
    text.copy(buf, 6);
    text.substr(7).copy(buf + 6, 4);
  } else {
    text.copy(buf, 10);
  }
  const std::string_view cpr(buf, 10);
  if (!AllDigits(cpr)) return Confidence::kNone;
  int d = Num(cpr.substr(0, 2)), m = Num(cpr.substr(2, 2)), yy = Num(cpr.substr(4, 2));
  int seventh = cpr[6] - '0';
  int year;
  if (seventh <= 3) {
    year = 1900 + yy;
  } else if (seventh == 4 || seventh == 9) {
    year = yy <= 36 ? 2000 + yy : 1900 + yy;
  } else {
    year = yy <= 57 ? 2000 + yy : 1800 + yy;
  }
  if (!IsValidDate(year, m, d)) return Confidence::kNone;
  static const int kWeights[] = {4, 3, 2, 7, 6, 5, 4, 3, 2, 1};
  int sum = 0;
  for (int i = 0; i < 10; ++i) sum += (cpr[static_cast<size_t>(i)] - '0') * kWeights[i];
  if (sum % 11 == 0) return Confidence::kHigh;
  // Without the dash, ten digits with a date-like start are too common
  // (order numbers, timestamps) to report on the date alone.
  return text.size() == 11 ? Confidence::kMedium : Confidence::kNone;
}

Confidence ValidateIban(std::string_view text) {
  if (text.size() < 15 || text.size() > 42 || !IsUpper(text[0]) || !IsUpper(text[1]) ||
      !IsDigit(text[2]) || !IsDigit(text[3])) {
    return Confidence::kNone;
  }
  // On the stack: the scanner validates millions of candidates.
  char buf[42];
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ' ') {
      // Spaces only between groups of four.
      if (n % 4 != 0 || i + 1 == text.size() || text[i + 1] == ' ') return Confidence::kNone;
      continue;
    }
    buf[n++] = text[i];
  }
  std::string_view iban(buf, n);
  if (iban.size() < 15 || iban.size() > 34) return Confidence::kNone;
  if (IbanLength(iban.substr(0, 2)) != static_cast<int>(iban.size())) return Confidence::kNone;
  // The number is folded into 64 bits and reduced only when it grows past
  // 10^15 (×100 + 35 still fits): the same remainder, a division per dozen
  // digits instead of one per character.
  uint64_t mod = 0;
  auto fold = [&](char c) {
    if (IsDigit(c)) {
      mod = mod * 10 + static_cast<uint64_t>(c - '0');
    } else if (IsUpper(c)) {
      mod = mod * 100 + static_cast<uint64_t>(c - 'A' + 10);
    } else {
      return false;
    }
    if (mod >= 1'000'000'000'000'000) mod %= 97;
    return true;
  };
  // Mod 97 of the rearranged IBAN: country and check digits moved to the end.
  for (char c : iban.substr(4)) {
    if (!fold(c)) return Confidence::kNone;
  }
  for (char c : iban.substr(0, 4)) {
    if (!fold(c)) return Confidence::kNone;
  }
  return mod % 97 == 1 ? Confidence::kHigh : Confidence::kNone;
}

Confidence ValidateCard(std::string_view text) {
  // Most printed card numbers are 16 digits, bare or as 4 4 4 4 with one
  // kind of separator: checked as words here, without the general path's
  // branch per character (its answer for these shapes is the same:
  // internal::ValidateCardAnyShape, compared in the tests).
  const char* t = text.data();
  const bool grouped =
      text.size() == 19 && (t[4] == ' ' || t[4] == '-') && t[9] == t[4] && t[14] == t[4];
  if (grouped || text.size() == 16) {
    if (t[0] < '2' || t[0] > '6') return Confidence::kNone;
    char buf[16];
    if (grouped) {
      for (size_t g = 0; g < 4; ++g) std::memcpy(buf + 4 * g, t + 5 * g, 4);
    } else {
      std::memcpy(buf, t, 16);
    }
    if (!EightDigits(buf) || !EightDigits(buf + 8)) return Confidence::kNone;
    const std::string_view digits(buf, 16);
    return Luhn(digits) && KnownIin(digits) ? Confidence::kHigh : Confidence::kNone;
  }
  return internal::ValidateCardAnyShape(text);
}

Confidence internal::ValidateCardAnyShape(std::string_view text) {
  // Issuer ranges start with 2 to 6; 13 to 19 digits with at most 5 separators.
  if (text.size() < 13 || text.size() > 24 || text[0] < '2' || text[0] > '6')
    return Confidence::kNone;
  char buf[24];
  size_t n = 0;
  char sep = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (IsDigit(c)) {
      buf[n++] = c;
    } else if ((c == ' ' || c == '-') && i > 0 && i + 1 < text.size() && IsDigit(text[i - 1]) &&
               IsDigit(text[i + 1]) && (sep == 0 || sep == c)) {
      sep = c;  // one kind of separator, single, between digits
    } else {
      return Confidence::kNone;
    }
  }
  std::string_view digits(buf, n);
  if (digits.size() < 13 || digits.size() > 19) return Confidence::kNone;
  if (sep != 0) {
    // Printed card numbers are grouped by four (the last group may be
    // shorter), or 4-6-5 / 4-6-4 (American Express, Diners). Other groupings
    // are other numbers side by side (a NIR followed by a digit).
    size_t groups_buf[8] = {0};
    size_t count = 1;
    for (char c : text) {
      if (c != sep) {
        ++groups_buf[count - 1];
      } else if (++count > 8) {
        return Confidence::kNone;
      }
    }
    std::span<const size_t> groups(groups_buf, count);
    bool by_four = true;
    for (size_t g = 0; g + 1 < groups.size(); ++g) by_four = by_four && groups[g] == 4;
    by_four = by_four && groups.back() >= 1 && groups.back() <= 4;
    bool amex = groups.size() == 3 && groups[0] == 4 && groups[1] == 6 &&
                (groups[2] == 5 || groups[2] == 4);
    if (!by_four && !amex) return Confidence::kNone;
  }
  if (!Luhn(digits) || !KnownIin(digits)) return Confidence::kNone;
  return Confidence::kHigh;
}

Confidence ValidateEmail(std::string_view text) {
  size_t at = text.find('@');
  if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos)
    return Confidence::kNone;
  std::string_view local = text.substr(0, at), domain = text.substr(at + 1);
  if (local.empty() || local.size() > 64 || domain.size() < 4 || domain.size() > 253)
    return Confidence::kNone;
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return Confidence::kNone;
  }
  for (char c : local) {
    if (!EmailLocalChar(c)) return Confidence::kNone;
  }
  size_t labels = 0, start = 0;
  for (;;) {
    size_t dot = domain.find('.', start);
    std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return Confidence::kNone;
    for (char c : label) {
      if (!IsAsciiAlpha(c) && !IsDigit(c) && c != '-') return Confidence::kNone;
    }
    ++labels;
    if (dot == std::string_view::npos) {
      if (label.size() < 2 || label.size() > 24) return Confidence::kNone;
      for (char c : label) {
        if (!IsAsciiAlpha(c)) return Confidence::kNone;
      }
      break;
    }
    start = dot + 1;
  }
  return labels >= 2 ? Confidence::kHigh : Confidence::kNone;
}

namespace {

// A phone number after its international prefix ("+" or "00"): French
// (33) and Danish (45) numbers are checked against their plans; other
// countries' only by length (E.164), and only after a "+": "00" followed by
// 8–15 digits is too common in other numbers to report on length alone.
Confidence InternationalPhone(std::string_view text, bool after_00) {
  if (text.empty() || !IsDigit(text[0])) return Confidence::kNone;
  // On the stack: the scanner validates millions of candidates.
  char buf[22];
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (IsDigit(c)) {
      buf[n++] = c;
    } else if (!((c == ' ' || c == '.' || c == '-') && i > 0 && i + 1 < text.size() &&
                 IsDigit(text[i + 1]) && IsDigit(text[i - 1]))) {
      return Confidence::kNone;
    }
  }
  const std::string_view digits(buf, n);
  if (digits.starts_with("33")) {
    return digits.size() == 11 && digits[2] != '0' ? Confidence::kHigh : Confidence::kNone;
  }
  if (digits.starts_with("45")) {
    return digits.size() == 10 && digits[2] >= '2' ? Confidence::kHigh : Confidence::kNone;
  }
  if (!after_00 && digits.size() >= 8 && digits.size() <= 15 && digits[0] != '0')
    return Confidence::kMedium;
  return Confidence::kNone;
}

}  // namespace

Confidence ValidatePhone(std::string_view text) {
  if (text.size() < 9 || text.size() > 22 || (text[0] != '0' && text[0] != '+'))
    return Confidence::kNone;
  if (text[0] == '0' && text[1] == '0') return InternationalPhone(text.substr(2), true);
  if (text[0] == '0') {
    // French national: 0X XX XX XX XX (space, dot or dash, the same
    // throughout), or 10 digits.
    if (text.size() == 14) {
      const char sep = text[2];
      if (sep != ' ' && sep != '.' && sep != '-') return Confidence::kNone;
      char d[10];
      for (size_t g = 0; g < 5; ++g) {
        if (g > 0 && text[3 * g - 1] != sep) return Confidence::kNone;
        d[2 * g] = text[3 * g];
        d[2 * g + 1] = text[3 * g + 1];
      }
      return AllDigits({d, 10}) && d[1] != '0' ? Confidence::kHigh : Confidence::kNone;
    }
    if (text.size() == 10 && AllDigits(text) && text[1] != '0') return Confidence::kMedium;
    return Confidence::kNone;
  }
  return InternationalPhone(text.substr(1), false);
}

Confidence Validate(Kind kind, std::string_view text) {
  switch (kind) {
    case Kind::kNir:
      return ValidateNir(text);
    case Kind::kCpr:
      return ValidateCpr(text);
    case Kind::kIban:
      return ValidateIban(text);
    case Kind::kCard:
      return ValidateCard(text);
    case Kind::kEmail:
      return ValidateEmail(text);
    case Kind::kPhone:
      return ValidatePhone(text);
  }
  return Confidence::kNone;
}

}  // namespace cordon::detect
