// The matcher's pre-pass (internal to src/detect): text classified 64 bytes
// at a time into bit masks, so that finding the next candidate and the end
// of a run is a count of trailing zeros, not a walk over bytes.
#pragma once

#include <cstddef>
#include <cstdint>

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

// Classifies the 64 bytes at `p` (all readable). With AVX2 when the CPU has
// it (chosen once, at start-up), else with SSE2. Bytes from 0x80 up are in
// no class. Thread-safe.
BlockMasks ClassifyBlock(const char* p);

// Bit k is set when byte pos + k can end a candidate that starts at pos:
// a separator inside the run [pos, run_end), or run_end itself. Only the
// first 64 bytes are looked at; bytes past n are never read.
uint64_t CutMask(const char* s, size_t n, size_t pos, size_t run_end);

// The events and runs of a text, block by block, each block classified once
// when first asked about (with the first bytes of the next one, which a run
// crossing the boundary needs). Not thread-safe; one per matcher call.
class Blocks {
 public:
  // `s` must stay valid, with n readable bytes, while this is used.
  Blocks(const char* s, size_t n) : s_(s), n_(n) {}

  // The first k >= p where the matcher has something to do, or n: an '@';
  // or, on a word boundary (not after a letter, a digit or '_'), a digit or
  // capital that starts a run of at least kMinCandidate bytes, or a '+'
  // followed by a run of at least kMinCandidate - 1. A shorter run holds no
  // candidate, and so does any run starting inside it: skipping those
  // events changes no match (see FindIdentifiers).
  size_t NextEvent(size_t p) { return Next(p, false); }
  // The first k >= p that does not extend a run: not a digit or capital,
  // nor a single separator between two of them.
  size_t RunEnd(size_t p) { return Next(p, true); }

 private:
  size_t Next(size_t p, bool run_end);
  // Makes the block at `base` (a multiple of 64) the current one.
  void Load(size_t base);
  // The classes of the block at `base`; bytes past n are in no class.
  BlockMasks Raw(size_t base) const;

  const char* s_;
  size_t n_;
  size_t base_ = ~size_t{0};
  uint64_t run_ = 0, event_ = 0;
  // The block after base_, classified by Load: reused when the scan moves on
  // to it, as it almost always does.
  size_t next_base_ = ~size_t{0};
  BlockMasks next_;
};

}  // namespace cordon::detect::internal
