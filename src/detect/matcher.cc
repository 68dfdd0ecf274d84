#include "detect/matcher.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// The order in which kinds claim an ambiguous candidate (BestPrefix):
// NIR, IBAN, card, CPR, phone.

struct Best {
  Kind kind = Kind::kNir;
  size_t length = 0;
  Confidence confidence = Confidence::kNone;
};

// No identifier is longer than this (an IBAN: 34 characters and 8 spaces).
// The bound keeps a long run of spaced digits linear, not quadratic.
constexpr size_t kMaxCandidate = 48;
// Nor shorter than this (a phone number: "+" and 8 digits): every validator
// rejects a shorter text, so shorter candidates are not even proposed.
constexpr size_t kMinCandidate = 9;

// Asks `validate` about `cand` and keeps it if it beats `best`: longer wins,
// then higher confidence, then the earlier kind.
inline void Consider(Kind k, Confidence c, size_t length, Best& best) {
  if (c != Confidence::kNone &&
      (length > best.length || (length == best.length && c > best.confidence))) {
    best = {k, length, c};
  }
}

// Tries the prefixes of s[start, run_end) that end at a group boundary.
// Returns the longest validated one. Each validator is called only when the
// candidate passes the first test that validator itself makes (its length,
// its first characters): the answer is the same, without the calls that
// would reject at once — most of the matcher's time on dense data.
Best BestPrefix(const char* s, size_t start, size_t run_end) {
  Best best;
  const size_t longest = std::min(run_end - start, kMaxCandidate);
  if (longest < kMinCandidate) return best;
  const char* c = s + start;
  const bool nir_start = c[0] == '1' || c[0] == '2' || c[0] == '7' || c[0] == '8';
  const bool iban_start = IsUpper(c[0]) && IsUpper(c[1]) && IsDigit(c[2]) && IsDigit(c[3]);
  const bool card_start = c[0] >= '2' && c[0] <= '6';
  // A CPR starts with the day (0–3) and, after it, the month (0–1).
  const bool cpr_start = c[0] >= '0' && c[0] <= '3' && (c[2] == '0' || c[2] == '1');
  const bool phone_start = c[0] == '0' || c[0] == '+';
  if (!(nir_start || iban_start || card_start || cpr_start || phone_start)) return best;
  // Longest first: the first length at which a kind validates is the
  // answer (among its kinds, the highest confidence, then the earlier kind),
  // and on dense data the whole run is usually that identifier, so one
  // round of validators decides instead of one per group.
  for (size_t len = longest; len >= kMinCandidate; --len) {
    if (start + len < run_end && !IsSep(s[start + len])) continue;  // cut only at separators
    const std::string_view cand(c, len);
    // In the order of claim: an earlier kind keeps a tie, and a later one
    // replaces it only with a higher confidence: none beats kHigh, so after
    // a kHigh the rest are not asked.
    auto open = [&] { return best.confidence != Confidence::kHigh; };
    if (nir_start && (len == 15 || len == 21)) Consider(Kind::kNir, ValidateNir(cand), len, best);
    if (iban_start && len >= 15 && len <= 42 && open())
      Consider(Kind::kIban, ValidateIban(cand), len, best);
    if (card_start && len >= 13 && len <= 24 && open())
      Consider(Kind::kCard, ValidateCard(cand), len, best);
    if (cpr_start && (len == 10 || len == 11) && open())
      Consider(Kind::kCpr, ValidateCpr(cand), len, best);
    if (phone_start && len <= 22 && open()) Consider(Kind::kPhone, ValidatePhone(cand), len, best);
    if (best.length != 0) return best;
  }
  return best;
}

// Classifies the text 64 bytes at a time into bit masks, so that the
// matcher's loops (find the next candidate start, the end of a run) are a
// count of trailing zeros instead of a byte-by-byte walk:
// on dense data most of the text is inside runs. Bit i of a mask is byte
// base_ + i. Blocks are classified once, when first asked about.
class Blocks {
 public:
  Blocks(const char* s, size_t n) : s_(s), n_(n) {}

  // The first k >= p where the matcher has something to do, or n: an '@',
  // or a digit, capital or '+' on a word boundary (not after a letter, a
  // digit or '_'). Digits and capitals inside words are never candidates.
  size_t NextEvent(size_t p) { return Next(p, &Blocks::event_, false); }
  // The first k >= p that does not extend a run: not a digit or capital,
  // nor a single separator between two of them (see FindIdentifiers).
  size_t RunEnd(size_t p) { return Next(p, &Blocks::run_, true); }

 private:
  size_t Next(size_t p, uint64_t Blocks::*mask, bool zero) {
    while (p < n_) {
      const size_t base = p & ~size_t{63};
      if (base != base_) Classify(base);
      const uint64_t m = (zero ? ~(this->*mask) : this->*mask) >> (p - base);
      if (m != 0) return std::min(n_, p + static_cast<size_t>(__builtin_ctzll(m)));
      p = base + 64;
    }
    return n_;
  }

  void Classify(size_t base) {
    base_ = base;
    const char* block = s_ + base;
    alignas(16) char tail[64];
    if (n_ - base < 64) {  // bytes past the end are NUL: in no class
      std::memset(tail, 0, sizeof tail);
      std::memcpy(tail, block, n_ - base);
      block = tail;
    }
    uint64_t runner = 0, sep = 0, word = 0, at = 0, plus = 0;
    for (int k = 0; k < 4; ++k) {
      uint64_t r, sp, w, a, pl;
      Chunk(block + 16 * k, r, sp, w, a, pl);
      runner |= r << (16 * k);
      sep |= sp << (16 * k);
      word |= w << (16 * k);
      at |= a << (16 * k);
      plus |= pl << (16 * k);
    }
    // A separator extends a run when a digit or capital stands on each side.
    const uint64_t before = (runner << 1) | (base > 0 && IsRunner(s_[base - 1]) ? 1 : 0);
    const uint64_t after =
        (runner >> 1) | (base + 64 < n_ && IsRunner(s_[base + 64]) ? uint64_t{1} << 63 : 0);
    run_ = runner | (sep & before & after);
    const uint64_t after_word = (word << 1) | (base > 0 && IsWord(s_[base - 1]) ? 1 : 0);
    event_ = at | ((runner | plus) & ~after_word);
  }

  static bool IsRunner(char c) { return IsDigit(c) || IsUpper(c); }
  static bool IsWord(char c) { return IsAlnum(c) || c == '_'; }

  // Masks of 16 bytes: digit or capital, separator, word byte, '@', '+'.
  static void Chunk(const char* p, uint64_t& runner, uint64_t& sep, uint64_t& word, uint64_t& at,
                    uint64_t& plus) {
#if defined(__SSE2__)
    // Signed compares: bytes from 0x80 up are negative, in no range.
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    auto in = [&](char lo, char hi) {
      return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(lo - 1))),
                           _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(hi + 1))));
    };
    auto is = [&](char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
    const __m128i digit_upper = _mm_or_si128(in('0', '9'), in('A', 'Z'));
    const __m128i sp = _mm_or_si128(is(' '), in('-', '.'));
    const __m128i w = _mm_or_si128(_mm_or_si128(digit_upper, in('a', 'z')), is('_'));

    auto bits = [](__m128i x) {
      return static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(x)));
    };
    runner = bits(digit_upper);
    sep = bits(sp);
    word = bits(w);
    at = bits(is('@'));
    plus = bits(is('+'));
#else
    runner = sep = word = at = plus = 0;
    for (int k = 0; k < 16; ++k) {
      const char c = p[k];
      runner |= uint64_t{IsRunner(c)} << k;
      sep |= uint64_t{IsSep(c)} << k;
      word |= uint64_t{IsWord(c)} << k;
      at |= uint64_t{c == '@'} << k;
      plus |= uint64_t{c == '+'} << k;
    }
#endif
  }

  const char* s_;
  size_t n_;
  size_t base_ = ~size_t{0};
  uint64_t run_ = 0, event_ = 0;
};

}  // namespace

bool ParseKinds(std::string_view list, KindSet& out) {
  out = 0;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    bool known = false;
    for (int k = 0; k < 6; ++k) {
      if (KindName(static_cast<Kind>(k)) == name) {
        out |= 1u << k;
        known = true;
      }
    }
    if (!known) return false;
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
  }
  return out != 0;
}

bool CanSplitAfter(char c) { return !IsEmailLocal(c) && c != '@' && !IsSep(c); }

void FindIdentifiers(std::string_view text, KindSet wanted,
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
  Blocks blocks(s, n);
  size_t i = 0;
  size_t floor = 0;  // end of the last match: matches never overlap
  while ((i = blocks.NextEvent(i)) < n) {
    const char c = s[i];
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
    // Word boundary: a candidate never starts inside a word or a number
    // (NextEvent stops only on a boundary).
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
    run_end = blocks.RunEnd(run_end);
    // The run must end at a word boundary too. (The rest of that word
    // holds no event: the search goes on from here.)
    if (run_end < n && (IsAlnum(s[run_end]) || s[run_end] == '_')) {
      i = run_end;
      continue;
    }
    // Candidates start at the run start or after a separator inside it.
    size_t pos = start;
    while (run_end - pos >= kMinCandidate) {  // a shorter rest holds nothing
      Best best = BestPrefix(s, pos, run_end);
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

std::string MaskIdentifier(Kind kind, std::string_view text) {
  std::string out(text);
  if (kind == Kind::kEmail) {
    // The first character stays when the local part is long enough to hide
    // the rest; a one- or two-character local part is masked entirely.
    size_t at = out.find('@');
    for (size_t k = at >= 3 ? 1 : 0; k < at; ++k) out[k] = '*';
    return out;
  }
  // Keep the first third of the letters and digits (at most 6): enough to
  // tell which record it is, not enough to be the identifier.
  size_t alnum = 0;
  for (char c : out) alnum += IsAlnum(c);
  size_t keep = std::min<size_t>(alnum / 3, 6), seen = 0;
  for (char& c : out) {
    if (!IsAlnum(c) && c != '@') continue;
    if (++seen > keep) c = '*';
  }
  return out;
}

}  // namespace cordon::detect
