// The matcher's pre-pass (internal to src/detect): text classified 64 bytes
// at a time into bit masks, so that finding the next candidate and the end
// of a run is a count of trailing zeros, not a walk over bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cordon::detect::internal {

// No candidate is shorter than this (a phone number: "+" and 8 digits):
// every validator rejects a shorter text. The pre-pass drops the runs that
// are shorter without the matcher visiting them.
inline constexpr size_t kMinCandidate = 9;

// The classes of 64 bytes: bit i is byte i.
struct BlockMasks {
  uint64_t runner = 0;  // digit or capital: what a run is made of
  uint64_t sep = 0;     // ' ', '-', '.': joins two runners into one run
  uint64_t word = 0;    // letter, digit or '_': a candidate never starts after one
  uint64_t at = 0;      // '@'
  uint64_t plus = 0;    // '+'
};

// Classifies the 64 bytes at `p` (all readable). With AVX-512BW or AVX2
// when the CPU has it (chosen once, at start-up), else with SSE2. Bytes from
// 0x80 up are in no class. Thread-safe.
BlockMasks ClassifyBlock(const char* p);

// Every classifier this CPU can run, slowest first: the portable
// byte-by-byte one, which the tests check the others against, to the
// fastest, the last, which ClassifyBlock uses.
struct Classifier {
  const char* name;
  BlockMasks (*classify)(const char* p);
};
std::vector<Classifier> AvailableClassifiers();

// Bit k is set when byte pos + k can end a candidate that starts at pos:
// a separator inside the run [pos, run_end), or run_end itself. Only the
// first 64 bytes are looked at; bytes past n are never read.
uint64_t CutMask(const char* s, size_t n, size_t pos, size_t run_end);

// A window of two 64-byte blocks over a text: the events of the first block
// and the runs of both, so that the matcher visits the events of a block
// by iterating over a mask's bits (one hard-to-predict branch per block,
// not two per event) and finds a run's end and its separators from masks.
// Not thread-safe; one per matcher call.
class Blocks {
 public:
  // `s` must stay valid, with n readable bytes, while this is used.
  Blocks(const char* s, size_t n) : s_(s), n_(n) {}

  // Makes the block at `base` (a multiple of 64, below n) the window's
  // first. Moving on to the next block reuses the classes of the second.
  void Load(size_t base);

  // Bit i: byte base + i is where the matcher has something to do: an '@';
  // or, on a word boundary (not after a letter, a digit or '_'), a digit or
  // capital that starts a run of at least kMinCandidate bytes, or a '+'
  // followed by a run of at least kMinCandidate - 1. A shorter run holds no
  // candidate, and neither does any run starting inside it: dropping those
  // events changes no match (see FindIdentifiers).
  uint64_t events() const { return event_; }

  // The first k >= p that does not extend a run (not a digit or capital,
  // nor a single separator between two of them), for p in the window.
  size_t RunEnd(size_t p) const {
    const size_t off = p - base_;
    if (off < 64) {
      if (const uint64_t m = ~run_[0] >> off; m != 0) return p + Ctz(m);
      if (const uint64_t m = ~run_[1]; m != 0) return base_ + 64 + Ctz(m);
    } else if (const uint64_t m = ~run_[1] >> (off - 64); m != 0) {
      return p + Ctz(m);
    }
    return RunEndPastWindow();
  }

  // Bit k is set when byte pos + k can end a candidate that starts at pos
  // in the run [pos, run_end): a separator inside the run (any byte of it
  // that is not a digit or capital), or run_end itself. 64 bits.
  uint64_t Cuts(size_t pos, size_t run_end) const {
    const size_t off = pos - base_;
    if (off > 64) return CutMask(s_, n_, pos, run_end);  // past what the window holds
    const uint64_t not_runner =
        off == 64 ? ~runner_[1]
                  : ~((runner_[0] >> off) | (off == 0 ? 0 : runner_[1] << (64 - off)));
    const size_t len = run_end - pos;
    return len < 64 ? (not_runner & ((uint64_t{1} << len) - 1)) | (uint64_t{1} << len) : not_runner;
  }

 private:
  static size_t Ctz(uint64_t m) { return static_cast<size_t>(__builtin_ctzll(m)); }
  // A run that fills the rest of the window: walked byte by byte (rare).
  size_t RunEndPastWindow() const;
  // The classes of the block at `base`; bytes past n are in no class.
  BlockMasks Raw(size_t base) const;

  const char* s_;
  size_t n_;
  size_t base_ = ~size_t{0};
  uint64_t event_ = 0;
  uint64_t run_[2] = {0, 0};     // of the window's two blocks
  uint64_t runner_[2] = {0, 0};  // digits and capitals, of the same
  BlockMasks next_;              // the second block's classes, for the next Load
};

}  // namespace cordon::detect::internal
