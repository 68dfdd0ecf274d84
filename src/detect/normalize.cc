#include "detect/normalize.h"

namespace cordon::detect {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsAlnum(char c) { return IsDigit(c) || IsLower(c) || (c >= 'A' && c <= 'Z'); }
char Upper(char c) { return IsLower(c) ? static_cast<char>(c - 'a' + 'A') : c; }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Appends what `keep` keeps of `text`, mapped by `map`; 0 if it overflows.
template <typename Keep, typename Map>
size_t Filter(std::string_view text, std::span<char> out, size_t n, Keep keep, Map map) {
  for (char c : text) {
    if (!keep(c)) continue;
    if (n >= out.size()) return 0;
    out[n++] = map(c);
  }
  return n;
}

size_t Phone(std::string_view text, std::span<char> out) {
  // The digits, then the prefix they were written with decides the country.
  char digits[kMaxNormalizedSize];
  size_t d = Filter(text, digits, 0, IsDigit, [](char c) { return c; });
  if (d == 0) return 0;
  std::string_view body(digits, d);
  std::string_view country;
  const bool plus = !text.empty() && text.front() == '+';
  if (!plus && body.starts_with("00")) {
    body.remove_prefix(2);
  } else if (!plus && body.front() == '0') {
    country = "33";  // French national form: 0X XX XX XX XX
    body.remove_prefix(1);
  }
  if (1 + country.size() + body.size() > out.size() || body.empty()) return 0;
  size_t n = 0;
  out[n++] = '+';
  for (char c : country) out[n++] = c;
  for (char c : body) out[n++] = c;
  return n;
}

}  // namespace

size_t NormalizeIdentifier(Kind kind, std::string_view text, std::span<char> out) {
  auto same = [](char c) { return c; };
  switch (kind) {
    case Kind::kNir:
    case Kind::kIban:
      return Filter(text, out, 0, IsAlnum, Upper);
    case Kind::kCpr:
    case Kind::kCard:
      return Filter(text, out, 0, IsDigit, same);
    case Kind::kEmail:
      return Filter(
          text, out, 0, [](char) { return true; }, Lower);
    case Kind::kPhone:
      return Phone(text, out);
  }
  return 0;
}

}  // namespace cordon::detect
