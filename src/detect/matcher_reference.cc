// The matcher as first written: a byte at a time, every validator asked about
// every prefix. Kept as the specification the fast matcher (matcher.cc) is
// tested against, match for match (matcher_reference_test.cc).
#include "detect/matcher_reference.h"

#include <algorithm>
#include <array>

namespace cordon::detect {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAlnum(char c) { return IsDigit(c) || IsUpper(c) || (c >= 'a' && c <= 'z'); }
bool IsSep(char c) { return c == ' ' || c == '-' || c == '.'; }
bool IsEmailLocal(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool IsDomain(char c) { return IsAlnum(c) || c == '.' || c == '-'; }

// Bytes that can start a candidate.
constexpr std::array<bool, 256> MakeInteresting() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  t['@'] = t['+'] = true;
  return t;
}
constexpr auto kInteresting = MakeInteresting();

// The order in which kinds claim an ambiguous candidate.
constexpr std::array<Kind, 5> kNumericKinds = {Kind::kNir, Kind::kIban, Kind::kCard, Kind::kCpr,
                                               Kind::kPhone};

struct Best {
  Kind kind = Kind::kNir;
  size_t length = 0;
  Confidence confidence = Confidence::kNone;
};

// No identifier is longer than this (an IBAN: 34 characters and 8 spaces).
// The bound keeps a long run of spaced digits linear, not quadratic.
constexpr size_t kMaxCandidate = 48;

// Tries every prefix of text[start, run_end) that ends at a group boundary.
// Returns the longest validated one.
Best BestPrefix(std::string_view text, size_t start, size_t run_end, KindSet kinds) {
  Best best;
  const size_t last = std::min(run_end, start + kMaxCandidate);
  for (size_t end = start + 1; end <= last; ++end) {
    if (end < run_end && !IsSep(text[end])) continue;  // only cut at separators (or the run end)
    std::string_view cand = text.substr(start, end - start);
    for (Kind k : kNumericKinds) {
      if (!(kinds & KindBit(k))) continue;
      Confidence c = Validate(k, cand);
      if (c != Confidence::kNone &&
          (cand.size() > best.length || (cand.size() == best.length && c > best.confidence))) {
        best = {k, cand.size(), c};
      }
    }
  }
  return best;
}

}  // namespace

void FindIdentifiersReference(std::string_view text, KindSet wanted,
                              const std::function<void(const Match&)>& report) {
  // Every kind is matched, so that an identifier claims its whole span even
  // when it is not wanted (a NIR's tail is not a card number); only the
  // wanted kinds are reported.
  const KindSet kinds = kAllKinds;
  auto found = [&](const Match& m) {
    if (wanted & KindBit(m.kind)) report(m);
  };
  const size_t n = text.size();
  // Indexed through the raw pointer: every index below is checked against n
  // (or a bound under it) by the loop that produces it, and this loop is the
  // scan's hot path, where _GLIBCXX_ASSERTIONS' check on each string_view
  // access cost 15 % of `cordon scan`'s time. Fuzzed under ASan (matcher_fuzz).
  const char* const s = text.data();
  size_t i = 0;
  size_t floor = 0;  // end of the last match: matches never overlap
  while (i < n) {
    if (!kInteresting[static_cast<unsigned char>(s[i])]) {
      ++i;
      continue;
    }
    char c = s[i];
    if (c == '@') {
      if (kinds & KindBit(Kind::kEmail)) {
        size_t b = i;
        while (b > floor && IsEmailLocal(s[b - 1])) --b;
        size_t e = i + 1;
        while (e < n && IsDomain(s[e])) ++e;
        while (e > i + 1 && (s[e - 1] == '.' || s[e - 1] == '-')) --e;  // sentence end
        std::string_view cand = text.substr(b, e - b);
        Confidence conf = ValidateEmail(cand);
        if (conf != Confidence::kNone) {
          found({Kind::kEmail, b, e - b, conf});
          i = floor = e;
          continue;
        }
      }
      ++i;
      continue;
    }
    // Word boundary: a candidate never starts inside a word or a number.
    if (i > 0 && (IsAlnum(s[i - 1]) || s[i - 1] == '_')) {
      ++i;
      continue;
    }
    size_t start = i;
    size_t run_end = i;
    if (c == '+') {
      run_end = i + 1;
      if (run_end >= n || !IsDigit(s[run_end])) {
        ++i;
        continue;
      }
    }
    // The run: letters/digits with single separators between them. Letters
    // matter for IBANs and Corsican NIRs (2A/2B).
    auto extends_run = [&](size_t k) {
      char r = s[k];
      if (IsDigit(r) || IsUpper(r)) return true;
      return IsSep(r) && k + 1 < n && k > start && IsAlnum(s[k - 1]) &&
             (IsDigit(s[k + 1]) || IsUpper(s[k + 1]));
    };
    while (run_end < n && extends_run(run_end)) ++run_end;
    // The run must end at a word boundary too.
    if (run_end < n && (IsAlnum(s[run_end]) || s[run_end] == '_')) {
      i = run_end;
      while (i < n && (IsAlnum(s[i]) || s[i] == '_')) ++i;
      continue;
    }
    // Candidates start at the run start or after a separator inside it.
    size_t pos = start;
    while (pos < run_end) {
      Best best = BestPrefix(text, pos, run_end, kinds);
      if (best.length > 0) {
        found({best.kind, pos, best.length, best.confidence});
        pos += best.length;
        floor = pos;
        while (pos < run_end && IsSep(s[pos])) ++pos;
        continue;
      }
      // Skip to the next group.
      while (pos < run_end && !IsSep(s[pos])) ++pos;
      while (pos < run_end && IsSep(s[pos])) ++pos;
    }
    i = run_end > i ? run_end : i + 1;
  }
}

}  // namespace cordon::detect
