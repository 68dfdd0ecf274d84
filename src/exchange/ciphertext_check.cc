#include "exchange/ciphertext_check.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace cordon::exchange {
namespace {

// χ² with 255 degrees of freedom exceeds this with probability 1e-9
// (computed from the regularized upper incomplete gamma function).
constexpr double kChiSquaredLimit = 414.55;
// ...and falls below this with probability 1e-9: a histogram too even to be
// chance (text padded until every byte value counts the same, review N3).
constexpr double kChiSquaredFloor = 141.93;
// Below this many bytes the χ² approximation is poor (fewer than 8 expected
// per value): the printable share decides instead.
constexpr size_t kMinChiSquaredBytes = 2048;
constexpr uint32_t kMaxPrintableRun = 64;
constexpr uint32_t kMaxSameRun = 15;  // 15 equal neighbours: 16 identical bytes
constexpr uint32_t kMaxUtf16Run = 32;
constexpr double kPrintableShare = 98.0 / 256;  // printable ASCII, tab, LF, CR
constexpr double kLogPValue = -20.723;          // ln(1e-9)
constexpr size_t kLookahead = 4096;             // bytes after a magic the inflate test may read

constexpr std::array<uint8_t, 256> MakePrintable() {
  std::array<uint8_t, 256> t{};
  for (int c = 0x20; c < 0x7f; ++c) t[c] = 1;
  t['\t'] = t['\n'] = t['\r'] = 1;
  return t;
}
constexpr std::array<uint8_t, 256> kPrintable = MakePrintable();

// ln P(X >= k) for X ~ Binomial(n, p), summed in log space.
double LogBinomialTail(uint64_t n, uint64_t k, double p) {
  double log_sum = -INFINITY;
  for (uint64_t i = k; i <= n; ++i) {
    const double term = std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) +
                        i * std::log(p) + (n - i) * std::log1p(-p);
    const double hi = std::max(log_sum, term), lo = std::min(log_sum, term);
    log_sum = hi + std::log1p(std::exp(lo - hi));
  }
  return log_sum;
}

// The compressed formats whose header would let plaintext pass as random.
const char* CompressedMagic(const uint8_t* p, size_t n) {
  if (n >= 10 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 0x08 && (p[3] & 0xe0) == 0 &&
      (p[8] == 0 || p[8] == 2 || p[8] == 4) && (p[9] <= 13 || p[9] == 255)) {
    return "gzip";
  }
  if (n >= 5 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd &&
      (p[4] & 0x08) == 0) {
    return "zstd";
  }
  if (n >= 6 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4 && p[4] <= 63 && p[5] == 0) {
    return "zip";
  }
  if (n >= 6 && std::memcmp(p,
                            "\xfd"
                            "7zXZ\0",
                            6) == 0)
    return "xz";
  if (n >= 10 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9' &&
      std::memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0) {
    return "bzip2";
  }
  return nullptr;
}

}  // namespace

double ChiSquared(const std::array<uint32_t, 256>& histogram, uint64_t n) {
  const double expected = static_cast<double>(n) / 256;
  double sum = 0;
  for (uint32_t count : histogram) {
    const double d = count - expected;
    sum += d * d;
  }
  return sum / expected;
}

CiphertextCheck::CiphertextCheck(size_t window) : window_(window) {}

void CiphertextCheck::Refuse(std::string why, uint64_t at) {
  if (failure_) return;  // the first finding is the one reported
  failure_ = Error(ErrorCode::kRefused,
                   "the payload at byte " + std::to_string(at) + " is not ciphertext: " + why,
                   "only packages sealed by `cordon extract` are accepted; this looks like data "
                   "in clear behind an age header");
}

// A deflate stream (gzip, zlib) at `p` holding data in clear: zlib inflates
// at least 256 bytes of it, and what comes out is text (its printable share
// is beyond chance at p < 1e-9). Random bytes fail within a few bytes (an
// invalid block type, a bad length or code); the rare random "stored block"
// that inflates (about once per 4 GiB: measured as a false positive before
// this test) yields random bytes, not text.
bool InflatesToText(const uint8_t* p, size_t n, int window_bits) {
  z_stream z{};
  if (inflateInit2(&z, window_bits) != Z_OK) return false;
  std::array<uint8_t, 4096> out{};
  z.next_in = const_cast<uint8_t*>(p);
  z.avail_in = static_cast<uInt>(std::min<size_t>(n, 4096));
  z.next_out = out.data();
  z.avail_out = out.size();
  const int rc = inflate(&z, Z_SYNC_FLUSH);
  const size_t produced = out.size() - z.avail_out;
  inflateEnd(&z);
  if ((rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) || produced < 256) return false;
  uint64_t printable = 0;
  for (size_t i = 0; i < produced; ++i) printable += kPrintable[out[i]];
  return LogBinomialTail(produced, printable, kPrintableShare) < kLogPValue;
}

void CiphertextCheck::ScanCompressed(const uint8_t* p, size_t n, size_t from, size_t to,
                                     uint64_t at) {
  // Anywhere in the payload, not only at a window's start (review N2): the
  // strong magics (six bytes or more) as they are, the short ones (gzip's
  // and zlib's two) only when what follows really inflates.
  for (size_t i = from; i < to && !failure_; ++i) {
    const uint8_t b = p[i];
    if (b != 0x1f && b != 0x78 && b != 0xfd && b != 'B' && b != 'P') continue;
    const uint8_t* q = p + i;
    const size_t left = std::min(n - i, kLookahead);
    const char* kind = nullptr;
    if (b == 0x1f && left >= 10 && q[1] == 0x8b && q[2] == 0x08 &&
        InflatesToText(q, left, 16 + 15)) {
      kind = "gzip";
    } else if (b == 0x78 && left >= 2 && (q[1] & 0x20) == 0 && ((b << 8) | q[1]) % 31 == 0 &&
               InflatesToText(q, left, 15)) {
      kind = "zlib";
    } else if (b == 0xfd && left >= 6 &&
               std::memcmp(q,
                           "\xfd"
                           "7zXZ\0",
                           6) == 0) {
      kind = "xz";
    } else if (b == 'B' && left >= 10 && q[1] == 'Z' && q[2] == 'h' && q[3] >= '1' && q[3] <= '9' &&
               std::memcmp(q + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0) {
      kind = "bzip2";
    } else if (b == 'P' && left >= 30 && q[1] == 'K' && q[2] == 3 && q[3] == 4 && q[5] == 0 &&
               (q[8] == 0 || q[8] == 8) && q[9] == 0) {
      // A zip entry: stored (method 0), or deflated (8) when it inflates.
      const size_t data = 30 + q[26] + (q[27] << 8) + q[28] + (q[29] << 8);
      if (q[8] == 0 || (data < left && InflatesToText(q + data, left - data, -15))) kind = "zip";
    }
    if (kind) Refuse(std::string("a ") + kind + " stream (compressed data in clear)", at + i);
  }
}

void CiphertextCheck::CheckMagic(const uint8_t* p, size_t n, uint64_t at) {
  // At the window's start, and after the payload's 16-byte nonce.
  for (size_t skip : {size_t{0}, size_t{16}}) {
    if (skip >= n) break;
    if (const char* kind = CompressedMagic(p + skip, n - skip)) {
      Refuse(std::string("a ") + kind + " stream (compressed data in clear)", at + skip);
    }
  }
}

void CiphertextCheck::Update(ByteView data) {
  const uint8_t* p = data.data();
  size_t left = data.size();
  while (left > 0 && !failure_) {
    const size_t n = std::min(left, window_ - in_window_);
    if (head_size_ < head_.size()) {
      const size_t take = std::min(n, head_.size() - head_size_);
      std::memcpy(head_.data() + head_size_, p, take);
      head_size_ += take;
    }
    // Branch-free on random data (a data-dependent branch per byte would
    // mispredict a third of the time): each run length is multiplied by
    // whether the byte continues it.
    uint32_t printable = printable_run_, same = same_run_, utf16 = utf16_run_;
    uint32_t max_printable = 0, max_same = 0, max_utf16 = 0;
    uint8_t prev = previous_;
    uint32_t prev_printable = have_previous_ ? kPrintable[prev] : 0;
    uint32_t prev_zero = have_previous_ ? prev == 0 : 0;
    uint32_t valid_prev = have_previous_ ? 1 : 0;
    for (size_t i = 0; i < n; ++i) {
      const uint8_t b = p[i];
      const uint32_t is_printable = kPrintable[b];
      const uint32_t is_zero = b == 0;
      ++histogram_[b];
      printable = (printable + 1) * is_printable;
      same = (same + 1) * static_cast<uint32_t>(b == prev) * valid_prev;  // no phantom first pair
      valid_prev = 1;
      // UTF-16 ASCII text alternates a printable byte and a zero.
      utf16 = (utf16 + 1) * ((prev_zero & is_printable) | (prev_printable & is_zero));
      max_printable = std::max(max_printable, printable);
      max_same = std::max(max_same, same);
      max_utf16 = std::max(max_utf16, utf16);
      prev = b;
      prev_printable = is_printable;
      prev_zero = is_zero;
    }
    scan_.insert(scan_.end(), p, p + n);
    if (n > 0) have_previous_ = true;
    printable_run_ = printable;
    same_run_ = same;
    utf16_run_ = utf16;
    previous_ = prev;
    if (max_printable >= kMaxPrintableRun) {
      Refuse(std::to_string(max_printable) + " printable characters in a row (text)", offset_);
    } else if (max_same >= kMaxSameRun) {
      Refuse(std::to_string(max_same + 1) + " identical bytes in a row", offset_);
    } else if (max_utf16 >= kMaxUtf16Run) {
      Refuse("UTF-16 text", offset_);
    }
    in_window_ += n;
    offset_ += n;
    p += n;
    left -= n;
    if (in_window_ == window_) JudgeWindow();
  }
}

// Scans the buffered bytes for compressed streams: every position once,
// each with the same lookahead (up to kLookahead bytes) whatever pieces the
// input came in — positions too close to the end wait for the next window,
// unless this is the end.
void CiphertextCheck::ScanBuffered(bool at_end) {
  const size_t ready = at_end                      ? scan_.size()
                       : scan_.size() > kLookahead ? scan_.size() - kLookahead
                                                   : 0;
  if (ready > scanned_) {
    ScanCompressed(scan_.data(), scan_.size(), scanned_, ready, scan_start_);
  }
  scanned_ = std::max(scanned_, ready);
  // Keep what is not scanned yet, and the lookahead it needs.
  const size_t drop = scanned_;
  scan_.erase(scan_.begin(), scan_.begin() + static_cast<std::ptrdiff_t>(drop));
  scan_start_ += drop;
  scanned_ = 0;
}

void CiphertextCheck::JudgeWindow() {
  if (in_window_ == 0) return;
  ScanBuffered(false);
  CheckMagic(head_.data(), head_size_, window_start_);
  if (in_window_ >= kMinChiSquaredBytes) {
    const double chi = ChiSquared(histogram_, in_window_);
    if (chi < kChiSquaredFloor && in_window_ >= 16384) {  // 64 per value: the tail holds
      Refuse("its byte distribution is more even than chance ever makes it (built to pass a test)",
             window_start_);
    } else if (chi > kChiSquaredLimit) {
      char text[32];
      std::snprintf(text, sizeof text, "%.0f", chi);
      Refuse(std::string("its byte distribution is far from uniform (chi-squared ") + text +
                 ", limit 415)",
             window_start_);
    }
  } else {
    uint64_t printable = 0;
    for (int c = 0; c < 256; ++c) printable += kPrintable[c] ? histogram_[c] : 0;
    if (printable > 0 && LogBinomialTail(in_window_, printable, kPrintableShare) < kLogPValue) {
      Refuse(std::to_string(printable) + " of its last " + std::to_string(in_window_) +
                 " bytes are printable (text)",
             window_start_);
    }
  }
  histogram_.fill(0);
  window_start_ += in_window_;
  in_window_ = 0;
  head_size_ = 0;
}

Status CiphertextCheck::Finish() {
  if (!failure_) JudgeWindow();
  if (!failure_) ScanBuffered(true);
  if (failure_) return *failure_;
  return Ok();
}

}  // namespace cordon::exchange
