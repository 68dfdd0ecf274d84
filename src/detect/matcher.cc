#include "detect/matcher.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "detect/blocks.h"

namespace cordon::detect {
namespace {

using internal::kMinCandidate;

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

// The bits below bit k (k < 64).
uint64_t LowBits(size_t k) { return (uint64_t{1} << k) - 1; }

// Asks `validate` about `cand` and keeps it if it beats `best`: longer wins,
// then higher confidence, then the earlier kind.
inline void Consider(Kind k, Confidence c, size_t length, Best& best) {
  if (c != Confidence::kNone &&
      (length > best.length || (length == best.length && c > best.confidence))) {
    best = {k, length, c};
  }
}

// Tries the prefixes of the candidate at `c` that end where `cuts` says
// (bit k: byte k is a separator or the run's end; see internal::CutMask),
// at most `longest` bytes. Returns the longest validated one. Each
// validator is called only when the candidate passes the first test that
// validator itself makes (its length, its first characters): the answer is
// the same, without the calls that would reject at once — most of the
// matcher's time on dense data.
Best BestPrefix(const char* c, size_t longest, uint64_t cuts) {
  Best best;
  if (longest < kMinCandidate) return best;
  const bool nir_start = c[0] == '1' || c[0] == '2' || c[0] == '7' || c[0] == '8';
  const bool iban_start = IsUpper(c[0]) && IsUpper(c[1]) && IsDigit(c[2]) && IsDigit(c[3]);
  const bool card_start = c[0] >= '2' && c[0] <= '6';
  // A CPR starts with the day (0–3) and, after it, the month (0–1).
  const bool cpr_start = c[0] >= '0' && c[0] <= '3' && (c[2] == '0' || c[2] == '1');
  const bool phone_start = c[0] == '0' || c[0] == '+';
  if (!(nir_start || iban_start || card_start || cpr_start || phone_start)) return best;
  // The lengths that end at a cut, from kMinCandidate to longest (< 64).
  uint64_t lengths = cuts & ((uint64_t{2} << longest) - 1) & ~((uint64_t{1} << kMinCandidate) - 1);
  // Longest first: the first length at which a kind validates is the
  // answer (among its kinds, the highest confidence, then the earlier kind),
  // and on dense data the whole run is usually that identifier, so one
  // round of validators decides instead of one per group.
  while (lengths != 0) {
    const auto len = static_cast<size_t>(63 - __builtin_clzll(lengths));
    lengths &= ~(uint64_t{1} << len);
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

// Where the candidates of the run [start, run_end) start: at the run's
// start, after a match, or after the next separator when none starts here.
// Calls `found` for each match; returns the end of the last one, or 0.
template <class Found>
size_t MatchRun(const char* s, const internal::Blocks& blocks, size_t start, size_t run_end,
                Found& found) {
  size_t last_end = 0;
  size_t pos = start;
  while (run_end - pos >= kMinCandidate) {  // a shorter rest holds nothing
    const uint64_t cuts = blocks.Cuts(pos, run_end);
    Best best = BestPrefix(s + pos, std::min(run_end - pos, kMaxCandidate), cuts);
    if (best.length > 0) {
      found(Match{best.kind, pos, best.length, best.confidence});
      pos += best.length;
      last_end = pos;
      if (pos < run_end) ++pos;  // the separator after it (single, inside a run)
      continue;
    }
    // Skip to the next group: past the first separator after pos (bit 0
    // is the start itself, maybe a '+').
    const uint64_t next = cuts & ~uint64_t{1};
    if (next != 0) {
      pos = std::min(run_end, pos + static_cast<size_t>(__builtin_ctzll(next)) + 1);
    } else {  // a group of 64 bytes or more
      while (pos < run_end && !IsSep(s[pos])) ++pos;
      while (pos < run_end && IsSep(s[pos])) ++pos;
    }
  }
  return last_end;
}

// An '@': the e-mail address around it, if one validates (its local part
// not reaching into the last match, which ends at `floor`). Returns where
// the search goes on.
template <class Found>
size_t MatchEmail(const char* s, size_t n, size_t at, size_t& floor, Found& found) {
  size_t b = at;
  while (b > floor && IsEmailLocal(s[b - 1])) --b;
  size_t e = at + 1;
  while (e < n && IsDomain(s[e])) ++e;
  while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == '-')) --e;  // sentence end
  const Confidence conf = ValidateEmail({s + b, e - b});
  if (conf == Confidence::kNone) return at + 1;
  found(Match{Kind::kEmail, b, e - b, conf});
  floor = e;
  return e;
}

// A digit, capital or '+' on a word boundary (the pre-pass's events): the
// candidates of the run it starts. Returns where the search goes on.
template <class Found>
size_t MatchRunAt(const char* s, size_t n, const internal::Blocks& blocks, size_t start,
                  size_t& floor, Found& found) {
  size_t run_from = start;
  if (s[start] == '+') {
    if (start + 1 >= n || !IsDigit(s[start + 1])) return start + 1;
    run_from = start + 1;
  }
  // The run: letters/digits with single separators between them. Letters
  // matter for IBANs and Corsican NIRs (2A/2B).
  const size_t run_end = blocks.RunEnd(run_from);
  // The run must end at a word boundary too. (The rest of that word
  // holds no event: the search goes on from here.)
  if (run_end < n && (IsAlnum(s[run_end]) || s[run_end] == '_')) return run_end;
  // Candidates start at the run start or after a separator inside it.
  if (const size_t end = MatchRun(s, blocks, start, run_end, found); end != 0) floor = end;
  return run_end > start ? run_end : start + 1;
}

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
  auto found = [&](const Match& m) {
    if (wanted & KindBit(m.kind)) report(m);
  };
  const size_t n = text.size();
  // Indexed through the raw pointer: every index below is checked against n
  // (or a bound under it) by the loop that produces it, and this loop is the
  // scan's hot path, where _GLIBCXX_ASSERTIONS' check on each string_view
  // access cost 15 % of `cordon scan`'s time. Fuzzed under ASan (matcher_fuzz).
  const char* const s = text.data();
  internal::Blocks blocks(s, n);
  size_t i = 0;      // where the search goes on: events before it are passed over
  size_t floor = 0;  // end of the last match: matches never overlap
  for (size_t base = 0; base < n; base = std::max(base + 64, i & ~size_t{63})) {
    blocks.Load(base);
    // The block's events from i on, in text order.
    uint64_t events = blocks.events() & ~LowBits(i > base ? i - base : 0);
    while (events != 0) {
      const size_t p = base + static_cast<size_t>(__builtin_ctzll(events));
      i = s[p] == '@' ? MatchEmail(s, n, p, floor, found)
                      : MatchRunAt(s, n, blocks, p, floor, found);
      if (i - base >= 64) break;
      events &= ~LowBits(i - base);
    }
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
