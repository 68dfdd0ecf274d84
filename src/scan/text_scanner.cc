#include "scan/text_scanner.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/secret_buffer.h"

namespace cordon::scan {
namespace {

// Files with a NUL byte in their first 8 KiB are binary, as grep decides.
// Nothing is scanned before that is decided: the kinds looked for depend on it.
constexpr size_t kBinaryProbe = 8192;
// A piece is cut at the last newline in its final 64 KiB, else at the last
// byte no identifier can contain, else (a 64 KiB run of letters and digits,
// which holds no identifier anyway) at the end.
constexpr size_t kCutWindow = 64 * 1024;

uint64_t CountCodePoints(const char* p, const char* end) {
  uint64_t n = 0;
  for (; p < end; ++p) n += (static_cast<unsigned char>(*p) & 0xC0) != 0x80;
  return n;
}

// The number of '\n' in [p, end): lines are counted over the whole text when
// a watchlist may still need line numbers, so this runs at memory speed.
#if defined(__SSE2__)
uint64_t CountNewlines(const char* p, const char* end) {
  const __m128i newline = _mm_set1_epi8('\n');
  uint64_t n = 0;
  while (end - p >= 16) {
    // Per-byte counters (a compare gives -1 where a newline is; at most 255
    // blocks each), summed by _mm_sad_epu8 at the end of a run.
    __m128i counts = _mm_setzero_si128();
    for (int i = 0; i < 255 && end - p >= 16; ++i, p += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      counts = _mm_sub_epi8(counts, _mm_cmpeq_epi8(v, newline));
    }
    const __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());
    n += static_cast<uint64_t>(_mm_cvtsi128_si64(sums)) +
         static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
  }
  for (; p < end; ++p) n += *p == '\n';
  return n;
}
#else
// Eight bytes at a time.
uint64_t CountNewlines(const char* p, const char* end) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kLow7 = 0x7f7f7f7f7f7f7f7fULL;
  uint64_t n = 0;
  while (end - p >= 8) {
    // Per-byte counters (at most 255 words each) summed at the end of a block.
    uint64_t counts = 0;
    for (int i = 0; i < 255 && end - p >= 8; ++i, p += 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      w ^= kOnes * '\n';  // a zero byte where there was a newline
      // The high bit of each byte of t is set exactly when that byte is
      // nonzero (no carry crosses bytes: (b & 0x7f) + 0x7f <= 0xfe).
      const uint64_t t = ((w & kLow7) + kLow7) | w;
      counts += (~t & ~kLow7) >> 7;
    }
    // The sum of the eight byte counters (up to 8 × 255): pairs into four
    // 16-bit lanes, then the lanes added by a multiply into the top lane.
    constexpr uint64_t kLowBytes = 0x00ff00ff00ff00ffULL;
    const uint64_t pairs = (counts & kLowBytes) + ((counts >> 8) & kLowBytes);
    n += (pairs * 0x0001000100010001ULL) >> 48;
  }
  for (; p < end; ++p) n += *p == '\n';
  return n;
}

#endif

// Where the buffer's first `size` bytes may be cut so that no identifier
// straddles the cut: after the last newline, else after the last byte no
// identifier contains (detect::CanSplitAfter). The bytes before `from` are
// known to hold neither. 0 when there is no such place.
size_t CutPoint(const char* data, size_t from, size_t size) {
  // The last kCutWindow bytes first: there is almost always a newline there.
  const size_t window = size - std::min(size - from, kCutWindow);
  for (const auto& [begin, end] : {std::pair{window, size}, std::pair{from, window}}) {
    if (begin == end) continue;
    if (const void* nl = ::memrchr(data + begin, '\n', end - begin)) {
      return static_cast<size_t>(static_cast<const char*>(nl) - data) + 1;
    }
    for (size_t i = end; i > begin; --i) {
      if (detect::CanSplitAfter(data[i - 1])) return i;
    }
  }
  return 0;
}

}  // namespace

void FindingCollector::AdvanceTo(std::string_view piece, size_t pos) {
  const char* p = piece.data() + (cursor_ - base_);
  const char* end = piece.data() + pos;
  if (uint64_t lines = CountNewlines(p, end); lines > 0) {
    line_ += lines;
    const char* last = static_cast<const char*>(::memrchr(p, '\n', static_cast<size_t>(end - p)));
    p = last + 1;
    line_start_ = base_ + static_cast<uint64_t>(p - piece.data());
    line_chars_ = 0;
  }
  line_chars_ += CountCodePoints(p, end);
  cursor_ = base_ + pos;
}

void FindingCollector::Keep(std::string_view piece, const detect::Match& m, Presence presence) {
  AdvanceTo(piece, m.offset);
  uint64_t offset = base_ + m.offset;
  out_.findings.push_back({part_, line_, offset - line_start_ + 1, line_chars_ + 1, offset,
                           m.length, m.kind, m.confidence,
                           detect::MaskIdentifier(m.kind, piece.substr(m.offset, m.length)),
                           binary_, presence});
}

void FindingCollector::Resolve(std::string_view piece) {
  // The waiting digests computed together (AES-CMAC enciphers the batch's
  // blocks in one call), then looked up together: the watchlist prefetches
  // their memory, where one at a time each would wait for its cache misses.
  if (lookups_.empty()) return;
  const WatchChecker& watch = *watch_;
  watch.DigestAll(*batch_, digests_);
  real_.resize(digests_.size());
  watch.list().ContainsMany(digests_, real_);
  for (size_t j = 0; j < digests_.size(); ++j) {
    if (!real_[j]) continue;
    const Lookup& l = lookups_[j];
    ++out_.real[static_cast<size_t>(l.match.kind)];
    if (l.finding != kNotKept) {
      out_.findings[l.finding].presence = Presence::kReal;
    } else if (out_.real_kept_past_cap < max_findings_) {
      // Past the cap, real ones are still kept: they must not hide behind
      // thousands of pseudonyms. They come in text order, after every kept one.
      ++out_.real_kept_past_cap;
      if (l.noted != kNotKept) {
        KeepNoted(l, noted_[l.noted]);
      } else {
        Keep(piece, l.match, Presence::kReal);
      }
    }
  }
  lookups_.clear();
  noted_.clear();
  OPENSSL_cleanse(noted_text_.data(), noted_text_.size());
  noted_text_.clear();
}

void FindingCollector::KeepNoted(const Lookup& l, const Noted& n) {
  const std::string_view text(noted_text_.data() + n.text_at, l.match.length);
  out_.findings.push_back({name_part_(n.row, n.column_index), n.line, n.column, n.char_column,
                           l.match.offset, l.match.length, l.match.kind, l.match.confidence,
                           detect::MaskIdentifier(l.match.kind, text), n.binary, Presence::kReal});
}

void FindingCollector::Flush() {
  if (watch_ != nullptr) Resolve({});
}

void FindingCollector::Scan(std::string_view piece) {
  // A text scanned whole (a cell) needs no line count past its last finding:
  // no piece follows.
  const bool whole = static_cast<bool>(name_part_);
  // Binary content needs no copy to be read as `strings` would: a candidate
  // is made of printable ASCII only, and any other byte (NUL, control, 8-bit)
  // ends it as a word boundary does. Limiting the kinds is what keeps random
  // bytes from turning into findings.
  const detect::KindSet kinds = binary_ ? kinds_ & kBinaryKinds : kinds_;
  if (kinds == 0) {
    if (!whole && (out_.findings.size() < max_findings_ || watch_ != nullptr)) {
      AdvanceTo(piece, piece.size());
    }
    base_ += piece.size();
    return;
  }
  const bool watching = watch_ != nullptr;
  detect::FindIdentifiers(piece, kinds, [&](const detect::Match& m) {
    // A CPR without mod 11 is only a date and four digits: not proof enough
    // among random bytes.
    if (binary_ && m.kind == detect::Kind::kCpr && m.confidence != detect::Confidence::kHigh) {
      return;
    }
    ++out_.counts[static_cast<size_t>(m.kind)];
    const bool kept = out_.findings.size() < max_findings_;
    // Only validated findings reach the watchlist: normalized now, their
    // keyed digests computed and looked up with the rest of the piece's below.
    if (watching && batch_->Add(m.kind, piece.substr(m.offset, m.length))) {
      size_t noted = kNotKept;
      if (!kept && whole) {
        // The cell will be gone when this one is looked up: where it is, and
        // its text for the masked value, are noted now.
        AdvanceTo(piece, m.offset);
        noted = noted_.size();
        noted_.push_back({line_, base_ + m.offset - line_start_ + 1, line_chars_ + 1, row_, column_,
                          binary_, noted_text_.size()});
        ReserveWiped(noted_text_, noted_text_.size() + m.length);  // no copy left behind
        noted_text_.append(piece.substr(m.offset, m.length));
      }
      lookups_.push_back({m, kept ? out_.findings.size() : kNotKept, noted});
      // A piece is about 1 MiB, but a database cell is scanned whole: the
      // batch is resolved every kMaxBatch findings, so its memory stays
      // bounded whatever the cell holds.
      if (lookups_.size() >= kMaxBatch) Resolve(piece);
    }
    if (!kept) return;
    Keep(piece, m, watching ? Presence::kNotInProduction : Presence::kUnchecked);
  });
  if (watching && !whole) Resolve(piece);
  // Lines must be counted to the end, for the findings of the next piece;
  // once no more findings are kept (the text report keeps 5), no line number
  // is needed any more, and counting them would be one more pass over the text.
  if (!whole && (out_.findings.size() < max_findings_ || watch_ != nullptr)) {
    AdvanceTo(piece, piece.size());
  }
  base_ += piece.size();
}

namespace {
thread_local std::vector<std::vector<char>> free_buffers;
}  // namespace

std::vector<char> TextScanner::TakeBuffer() {
  if (free_buffers.empty()) return {};
  std::vector<char> b = std::move(free_buffers.back());
  free_buffers.pop_back();
  return b;
}

void TextScanner::GiveBuffer(std::vector<char> buf) {
  // A few per thread (nested archives hold one per level); huge ones go.
  if (free_buffers.size() < 4 && buf.capacity() <= 4 * kPiece)
    free_buffers.push_back(std::move(buf));
}

std::span<char> TextScanner::Reserve(size_t n) {
  if (buf_.size() < used_ + n) buf_.resize(used_ + n);
  return {buf_.data() + used_, n};
}

void TextScanner::Commit(size_t n) {
  used_ += n;
  total_ += n;
  if (state_ == State::kUndecided) {
    if (used_ < kBinaryProbe) return;
    Decide();
  }
  if (used_ < piece_) return;
  size_t cut = CutPoint(buf_.data(), checked_, used_);
  if (cut == 0) {
    // No safe place to cut: an identifier may run on into the next bytes.
    // The text is held (the buffer grows) until one comes, up to
    // kHoldPieces pieces; past that it is cut anyway.
    checked_ = used_;
    if (used_ < kHoldPieces * piece_) return;
    cut = used_;
  }
  checked_ = 0;
  ScanPrefix(cut);
}

void TextScanner::Feed(std::string_view data) {
  while (!data.empty()) {
    size_t n = std::min(data.size(), piece_);
    std::memcpy(Reserve(n).data(), data.data(), n);
    Commit(n);
    data.remove_prefix(n);
  }
}

void TextScanner::Finish() {
  if (state_ == State::kUndecided) Decide();
  ScanPrefix(used_);
}

void TextScanner::Decide() {
  // Called with the first bytes still in the buffer: nothing was scanned yet.
  // (An empty text has no buffer: memchr must not see its null pointer.)
  bool nul = used_ > 0 && std::memchr(buf_.data(), 0, std::min(used_, kBinaryProbe)) != nullptr;
  state_ = nul ? State::kBinary : State::kText;
  if (nul) collector_.SetBinary();
}

void TextScanner::ScanPrefix(size_t n) {
  collector_.Scan({buf_.data(), n});
  // (Not when nothing is left: an empty file has no buffer to move in.)
  if (used_ > n) std::memmove(buf_.data(), buf_.data() + n, used_ - n);
  used_ -= n;
}

}  // namespace cordon::scan
