#include "pseudo/identifiers.h"

#include <algorithm>
#include <array>
#include <vector>

#include "detect/validators.h"
#include "order/fate.h"

namespace cordon::pseudo {
namespace {

// Cycle walking never needs this many steps on a valid input (each step
// lands on a valid value with probability > 1/20); the bound only turns a
// broken invariant into an error instead of a hang.
constexpr int kMaxWalk = 100000;

Error NotValid(std::string_view kind, std::string_view layout_hint) {
  // The value itself is never put in the message: it is personal data.
  return Error(ErrorCode::kInvalidArgument, "not a valid " + std::string(kind),
               std::string(layout_hint));
}

// "1 84 12 76 451 089 46" → "184127645108946" and the positions of the spaces.
std::string Compact(std::string_view text, std::vector<size_t>& spaces, char sep) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == sep) {
      spaces.push_back(i);
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string Relayout(const std::string& compact, const std::vector<size_t>& spaces, char sep) {
  std::string out = compact;
  for (size_t at : spaces) out.insert(at, 1, sep);
  return out;
}

std::string Pad2(int v) {
  return std::string(1, static_cast<char>('0' + v / 10)) + static_cast<char>('0' + v % 10);
}

// Day of a leap year (0..365) for month/day, and back.
constexpr std::array<int, 12> kMonthDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
int DayOfLeapYear(int month, int day) {
  int n = 0;
  for (int m = 1; m < month; ++m) n += kMonthDays[static_cast<size_t>(m - 1)];
  return n + day - 1;
}
void MonthDayOf(int index, int& month, int& day) {
  month = 1;
  while (index >= kMonthDays[static_cast<size_t>(month - 1)])
    index -= kMonthDays[static_cast<size_t>(month++ - 1)];
  day = index + 1;
}

}  // namespace

// ---- NIR --------------------------------------------------------------------

Result<NirPseudonym> NirPseudonym::Create(const SecretBuffer& key, unsigned keep) {
  CORDON_ASSIGN_OR_RETURN(crypto::Ff1 ff1, crypto::Ff1::Create(key, 10));
  return NirPseudonym(std::move(ff1), keep);
}

Result<std::string> NirPseudonym::Run(std::string_view text, bool reverse, uint32_t number) const {
  if (detect::ValidateNir(text) == detect::Confidence::kNone) {
    return NotValid("NIR",
                    "a NIR has 15 characters (13 + a 2-digit key), plain or grouped as "
                    "1 84 12 76 451 089 46, and its key must be right");
  }
  std::vector<size_t> spaces;
  std::string nir = Compact(text, spaces, ' ');
  std::string body = nir.substr(0, 13);
  // The digits FF1 changes: all but the parts kept and Corsica's 2A/2B.
  std::vector<size_t> positions;
  const bool corsica = body[6] == 'A' || body[6] == 'B';
  for (size_t i = 0; i < 13; ++i) {
    if (i == 0 && (keep_ & order::kKeepSex)) continue;
    if ((i == 1 || i == 2) && (keep_ & order::kKeepYear)) continue;
    if ((i == 3 || i == 4) && (keep_ & order::kKeepMonth)) continue;
    if ((i == 5 || i == 6) && corsica) continue;
    positions.push_back(i);
  }
  // The tweak binds what is kept, so that each kept prefix has its own permutation.
  std::string tweak = "nir:" + std::to_string(keep_) + ":";
  for (size_t i = 0; i < 13; ++i) {
    if (std::find(positions.begin(), positions.end(), i) == positions.end()) tweak += body[i];
  }
  if (number > 0) {
    tweak += '#';
    tweak += std::to_string(number);
  }
  std::vector<uint8_t> x(positions.size());
  for (size_t k = 0; k < positions.size(); ++k)
    x[k] = static_cast<uint8_t>(body[positions[k]] - '0');
  for (int step = 0; step < kMaxWalk; ++step) {
    CORDON_TRY(reverse ? ff1_.Decrypt(x, AsBytes(std::string_view(tweak)))
                       : ff1_.Encrypt(x, AsBytes(std::string_view(tweak))));
    for (size_t k = 0; k < positions.size(); ++k)
      body[positions[k]] = static_cast<char>('0' + x[k]);
    int key = detect::NirKey(body);
    if (key < 0) continue;
    std::string candidate = body + Pad2(key);
    if (detect::ValidateNir(candidate) != detect::Confidence::kNone) {
      return Relayout(candidate, spaces, ' ');
    }
  }
  return Error(ErrorCode::kInternal, "NIR pseudonym: cycle walking did not end");
}

// ---- CPR --------------------------------------------------------------------
//
// A CPR is numbered densely before FF1: (yy × 366 + day of a leap year) ×
// 10^4 + serial, or × 10^3 + the first three serial digits when the check
// digit follows from mod 11. FF1 in radix 2 over just enough bits keeps the
// walk short (most encryptions land on a number that is a CPR).

namespace {

struct CprNumbering {
  bool mod11;
  uint64_t size() const { return uint64_t{100} * 366 * (mod11 ? 1000 : 10000); }
  size_t bits() const {
    size_t b = 0;
    while ((uint64_t{1} << b) < size()) ++b;
    return b;
  }
  // The 10 digits of number n, or "" when n is not a CPR (no such date in
  // the century its 7th digit gives, or no mod-11 check digit).
  std::string Digits(uint64_t n) const {
    if (n >= size()) return {};
    const uint64_t serials = mod11 ? 1000 : 10000;
    uint64_t serial = n % serials, date = n / serials;
    int yy = static_cast<int>(date / 366), month = 0, day = 0;
    MonthDayOf(static_cast<int>(date % 366), month, day);
    std::string s = Pad2(day) + Pad2(month) + Pad2(yy);
    std::string sd = std::to_string(serial);
    s += std::string((mod11 ? 3 : 4) - sd.size(), '0') + sd;
    if (mod11) {
      static const int kW[] = {4, 3, 2, 7, 6, 5, 4, 3, 2};
      int sum = 0;
      for (int i = 0; i < 9; ++i) sum += (s[static_cast<size_t>(i)] - '0') * kW[i];
      int check = (11 - sum % 11) % 11;
      if (check == 10) return {};
      s += static_cast<char>('0' + check);
    }
    // The date must exist in the century the 7th digit names (29 February).
    if (detect::ValidateCpr(s.substr(0, 6) + "-" + s.substr(6)) == detect::Confidence::kNone)
      return {};
    return s;
  }
  uint64_t Number(const std::string& digits) const {
    int day = std::stoi(digits.substr(0, 2)), month = std::stoi(digits.substr(2, 2)),
        yy = std::stoi(digits.substr(4, 2));
    uint64_t date =
        static_cast<uint64_t>(yy) * 366 + static_cast<uint64_t>(DayOfLeapYear(month, day));
    uint64_t serial = std::stoull(digits.substr(6, mod11 ? 3 : 4));
    return date * (mod11 ? 1000 : 10000) + serial;
  }
};

}  // namespace

Result<CprPseudonym> CprPseudonym::Create(const SecretBuffer& key, unsigned keep) {
  CORDON_ASSIGN_OR_RETURN(crypto::Ff1 ff1, crypto::Ff1::Create(key, 2));
  return CprPseudonym(std::move(ff1), keep);
}

Result<std::string> CprPseudonym::Run(std::string_view text, bool reverse, uint32_t number) const {
  const bool dashed = text.size() == 11;
  const auto invalid = [] {
    return NotValid("CPR", "a CPR is DDMMYY-SSSS or 10 digits with a real date");
  };
  if ((text.size() != 10 && !dashed) || (dashed && text[6] != '-')) return invalid();
  std::string check = dashed ? std::string(text)
                             : std::string(text.substr(0, 6)) + "-" + std::string(text.substr(6));
  detect::Confidence c = detect::ValidateCpr(check);
  if (c == detect::Confidence::kNone) return invalid();
  std::string digits = check.substr(0, 6) + check.substr(7);
  CprNumbering numbering{c == detect::Confidence::kHigh};
  const char parity = static_cast<char>((digits[9] - '0') % 2);
  std::string tweak = numbering.mod11 ? "cpr:mod11" : "cpr";
  if (number > 0) {
    tweak += '#';
    tweak += std::to_string(number);
  }
  const size_t bits = numbering.bits();
  uint64_t n = numbering.Number(digits);
  std::vector<uint8_t> x(bits);
  for (size_t k = 0; k < bits; ++k) x[k] = static_cast<uint8_t>((n >> (bits - 1 - k)) & 1);
  for (int step = 0; step < kMaxWalk; ++step) {
    CORDON_TRY(reverse ? ff1_.Decrypt(x, AsBytes(std::string_view(tweak)))
                       : ff1_.Encrypt(x, AsBytes(std::string_view(tweak))));
    uint64_t m = 0;
    for (uint8_t bit : x) m = (m << 1) | bit;
    std::string out = numbering.Digits(m);
    if (out.empty()) continue;
    // Numbers with and without mod 11 are permuted apart: a pseudonym says
    // by itself which numbering reverses it.
    if (!numbering.mod11 &&
        detect::ValidateCpr(out.substr(0, 6) + "-" + out.substr(6)) == detect::Confidence::kHigh)
      continue;
    if ((keep_ & order::kKeepSex) && static_cast<char>((out[9] - '0') % 2) != parity) continue;
    return dashed ? out.substr(0, 6) + "-" + out.substr(6) : out;
  }
  return Error(ErrorCode::kInternal, "CPR pseudonym: cycle walking did not end");
}

}  // namespace cordon::pseudo
