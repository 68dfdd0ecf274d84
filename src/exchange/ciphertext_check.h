// Does an age payload look like ciphertext? The exchange holds no key that
// opens a package, so it cannot decrypt to check; but ChaCha20-Poly1305
// output is indistinguishable from uniform random bytes, and plaintext
// hidden behind a copied age header (review F2) is not. Every byte of the
// payload is judged, window by window (one age STREAM chunk, 64 KiB + tag):
//
//   - a byte histogram per window, refused when its χ² statistic (255
//     degrees of freedom) has a p-value below 1e-9 — text, CSV, base64,
//     UTF-16, zeros and most structured data fail it by orders of magnitude;
//   - a window too short for χ² (under 2 KiB: a file's last chunk) is judged
//     by its share of printable bytes, refused when the binomial tail of
//     that share under uniform bytes is below 1e-9;
//   - runs that random bytes practically never make, wherever they fall
//     (across windows too): 64 printable ASCII bytes in a row (probability
//     below 1e-26 per position), 16 identical bytes, 32 UTF-16 code units
//     of ASCII text — so 1 KiB of text inside each chunk fails as well;
//   - a histogram too even to be chance (χ² below its 1e-9 lower tail):
//     text padded until every byte value counts the same;
//   - a compressed stream anywhere in the payload: gzip, zlib and zip
//     (confirmed by inflating 256 bytes of it), xz and bzip2 (by their
//     long magic), zstd at a window's start: compression would otherwise
//     make plaintext look random.
//
// What it cannot see, and docs/threat-model.md says so: plaintext that was
// compressed without a header, or encrypted with a key the operator keeps —
// a determined insider with the processor key can always defeat a check
// made without the recipient's key. The check is for mistakes and for the
// lazy smuggling the review demonstrated, at near hashing speed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/result.h"

namespace cordon::exchange {

class CiphertextCheck {
 public:
  // Windows of `window` bytes (the age encrypted chunk size by default).
  explicit CiphertextCheck(size_t window = 64 * 1024 + 16);

  // Feeds the next bytes of the payload; judges each window it completes.
  void Update(ByteView data);
  // Judges the last, partial window. kRefused naming what was seen (never
  // the bytes) and its offset, or Ok.
  Status Finish();

  uint64_t bytes() const { return offset_; }

 private:
  void JudgeWindow();
  void CheckMagic(const uint8_t* p, size_t n, uint64_t at);
  void ScanCompressed(const uint8_t* p, size_t n, size_t from, size_t to, uint64_t at);
  void ScanBuffered(bool at_end);
  void Refuse(std::string why, uint64_t at);

  size_t window_;
  std::array<uint32_t, 256> histogram_{};
  size_t in_window_ = 0;
  uint64_t offset_ = 0;
  uint64_t window_start_ = 0;
  // Run lengths carried across Update calls and windows.
  uint32_t printable_run_ = 0, same_run_ = 0, utf16_run_ = 0;
  uint8_t previous_ = 0;
  bool have_previous_ = false;
  // Bytes at the start of the current window, for the magic check.
  std::array<uint8_t, 32> head_{};
  size_t head_size_ = 0;
  std::optional<Error> failure_;
  // Bytes not yet scanned for compressed streams, and the lookahead they
  // need; scan_[0] is at payload offset scan_start_.
  Bytes scan_;
  uint64_t scan_start_ = 0;
  size_t scanned_ = 0;
};

// χ² of a byte histogram against the uniform distribution.
double ChiSquared(const std::array<uint32_t, 256>& histogram, uint64_t n);

}  // namespace cordon::exchange
