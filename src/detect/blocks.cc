// The matcher's pre-pass (blocks.h): SIMD classification of 64-byte blocks and the
// window of runs and events the matcher walks.
#include "detect/blocks.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CORDON_X86 1
#endif

namespace cordon::detect::internal {
namespace {

bool IsRunner(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); }
bool IsWord(char c) { return IsRunner(c) || (c >= 'a' && c <= 'z') || c == '_'; }

uint64_t LowBits(size_t k) { return k >= 64 ? ~uint64_t{0} : (uint64_t{1} << k) - 1; }

// Byte by byte: the reference the vector versions must agree with.
BlockMasks ClassifyBytes(const char* p) {
  BlockMasks m;
  for (int k = 0; k < 64; ++k) {
    const char c = p[k];
    m.runner |= uint64_t{IsRunner(c)} << k;
    m.sep |= uint64_t{c == ' ' || c == '-' || c == '.'} << k;
    m.word |= uint64_t{IsWord(c)} << k;
    m.at |= uint64_t{c == '@'} << k;
    m.plus |= uint64_t{c == '+'} << k;
  }
  return m;
}

#if defined(CORDON_X86)
// 16 bytes at a time; signed compares, so bytes from 0x80 up (negative) are
// in no range.
void Classify16(const char* p, int shift, BlockMasks& m) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  auto in = [&](char lo, char hi) {
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(lo - 1))),
                         _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(hi + 1))));
  };
  auto is = [&](char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
  auto bits = [&](__m128i x) {
    return static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(x))) << shift;
  };
  const __m128i runner = _mm_or_si128(in('0', '9'), in('A', 'Z'));
  m.runner |= bits(runner);
  m.sep |= bits(_mm_or_si128(is(' '), in('-', '.')));
  m.word |= bits(_mm_or_si128(_mm_or_si128(runner, in('a', 'z')), is('_')));
  m.at |= bits(is('@'));
  m.plus |= bits(is('+'));
}

BlockMasks ClassifySse2(const char* p) {
  BlockMasks m;
  for (int k = 0; k < 4; ++k) Classify16(p + 16 * k, 16 * k, m);
  return m;
}

// The same, 32 bytes at a time: half the instructions of SSE2 on the pass
// that touches every byte. (Helpers, not lambdas: a lambda does not inherit
// the target attribute.)
#define CORDON_AVX2 __attribute__((target("avx2")))
CORDON_AVX2 __m256i In32(__m256i v, char lo, char hi) {
  return _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8(static_cast<char>(lo - 1))),
                          _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), v));
}
CORDON_AVX2 __m256i Is32(__m256i v, char c) { return _mm256_cmpeq_epi8(v, _mm256_set1_epi8(c)); }
CORDON_AVX2 uint64_t Bits32(__m256i x, int shift) {
  return static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(x))) << shift;
}

CORDON_AVX2 void Classify32(const char* p, int shift, BlockMasks& m) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i runner = _mm256_or_si256(In32(v, '0', '9'), In32(v, 'A', 'Z'));
  m.runner |= Bits32(runner, shift);
  m.sep |= Bits32(_mm256_or_si256(Is32(v, ' '), In32(v, '-', '.')), shift);
  m.word |=
      Bits32(_mm256_or_si256(_mm256_or_si256(runner, In32(v, 'a', 'z')), Is32(v, '_')), shift);
  m.at |= Bits32(Is32(v, '@'), shift);
  m.plus |= Bits32(Is32(v, '+'), shift);
}

CORDON_AVX2 BlockMasks ClassifyAvx2(const char* p) {
  BlockMasks m;
  Classify32(p, 0, m);
  Classify32(p + 32, 32, m);
  return m;
}

// The whole block in one register, each class straight into a 64-bit mask
// (no movemask, no shifts to put halves together): a range is one subtract
// and one unsigned compare, and bytes from 0x80 up fall outside every range.
#define CORDON_AVX512 __attribute__((target("avx512f,avx512bw")))
CORDON_AVX512 uint64_t In64(__m512i v, char lo, char hi) {
  const __m512i shifted = _mm512_sub_epi8(v, _mm512_set1_epi8(lo));
  return _mm512_cmplt_epu8_mask(shifted, _mm512_set1_epi8(static_cast<char>(hi - lo + 1)));
}
CORDON_AVX512 uint64_t Is64(__m512i v, char c) {
  return _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(c));
}

CORDON_AVX512 BlockMasks ClassifyAvx512(const char* p) {
  const __m512i v = _mm512_loadu_si512(p);
  BlockMasks m;
  m.runner = In64(v, '0', '9') | In64(v, 'A', 'Z');
  m.sep = Is64(v, ' ') | In64(v, '-', '.');
  m.word = m.runner | In64(v, 'a', 'z') | Is64(v, '_');
  m.at = Is64(v, '@');
  m.plus = Is64(v, '+');
  return m;
}

bool HasAvx512Bw() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

#undef CORDON_AVX2
#undef CORDON_AVX512
#endif

}  // namespace

std::vector<Classifier> AvailableClassifiers() {
  std::vector<Classifier> out = {{"bytes", ClassifyBytes}};
#if defined(CORDON_X86)
  __builtin_cpu_init();  // needed before main (kClassify is chosen by a static initializer)
  out.push_back({"sse2", ClassifySse2});
  if (__builtin_cpu_supports("avx2")) out.push_back({"avx2", ClassifyAvx2});
  if (HasAvx512Bw()) out.push_back({"avx512bw", ClassifyAvx512});
#endif
  return out;
}

namespace {
// The last of the list is the fastest: the one used is one the tests checked.
const auto kClassify = AvailableClassifiers().back().classify;
}  // namespace

BlockMasks ClassifyBlock(const char* p) { return kClassify(p); }

uint64_t CutMask(const char* s, size_t n, size_t pos, size_t run_end) {
  // Inside a run every byte is a runner (from '0' up) or a separator (below
  // '0'), so "below '0'" finds the separators.
  alignas(16) char padded[64];
  const char* p = s + pos;
  if (n - pos < 64) {  // never read past the text: the rest is padding
    std::memset(padded, '0', sizeof padded);
    std::memcpy(padded, p, n - pos);
    p = padded;
  }
  uint64_t below = 0;
#if defined(CORDON_X86)
  const __m128i zero = _mm_set1_epi8('0');
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    below |=
        static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(v, zero))))
        << (16 * k);
  }
#else
  for (int k = 0; k < 64; ++k) below |= uint64_t{static_cast<signed char>(p[k]) < '0'} << k;
#endif
  const size_t len = run_end - pos;
  return (below & LowBits(len)) | (len < 64 ? uint64_t{1} << len : 0);
}

BlockMasks Blocks::Raw(size_t base) const {
  if (base >= n_) return {};
  if (n_ - base >= 64) return ClassifyBlock(s_ + base);
  char tail[64] = {};  // bytes past the end are NUL: in no class
  std::memcpy(tail, s_ + base, n_ - base);
  return ClassifyBlock(tail);
}

namespace {

// Runners, and separators with a runner on each side. `before` is the runner
// bit of the byte before the block, `after` that of the byte after it.
uint64_t JoinRuns(const BlockMasks& m, uint64_t before, uint64_t after) {
  return m.runner | (m.sep & ((m.runner << 1) | before) & ((m.runner >> 1) | (after << 63)));
}

}  // namespace

void Blocks::Load(size_t base) {
  const BlockMasks cur = base == base_ + 64 ? next_ : Raw(base);
  next_ = Raw(base + 64);
  const bool has_prev = base > 0;
  const bool runner_after = base + 128 < n_ && IsRunner(s_[base + 128]);
  run_[0] = JoinRuns(cur, has_prev && IsRunner(s_[base - 1]), next_.runner & 1);
  run_[1] = JoinRuns(next_, cur.runner >> 63, runner_after);
  runner_[0] = cur.runner;
  runner_[1] = next_.runner;
  // Bit i of r8: bytes i to i + 7 all in a run (across the boundary).
  using U128 = unsigned __int128;
  const U128 r = run_[0] | (U128{run_[1]} << 64);
  const U128 r2 = r & (r >> 1);
  const U128 r4 = r2 & (r2 >> 2);
  const U128 r8 = r4 & (r4 >> 4);
  static_assert(kMinCandidate == 9, "the masks below are for runs of 9 bytes");
  const auto run9 = static_cast<uint64_t>(r8 & (r >> 8));  // bytes i to i + 8
  const auto after_plus = static_cast<uint64_t>(r8 >> 1);  // bytes i + 1 to i + 8
  const uint64_t after_word = (cur.word << 1) | (has_prev && IsWord(s_[base - 1]));
  event_ = cur.at | (((cur.runner & run9) | (cur.plus & after_plus)) & ~after_word);
  base_ = base;
}

size_t Blocks::RunEndPastWindow() const {
  // The byte before base_ + 128 is in the run, a digit or capital.
  size_t k = std::min(base_ + 128, n_);
  while (k < n_) {
    const char c = s_[k];
    const bool joins = (c == ' ' || c == '-' || c == '.') && IsRunner(s_[k - 1]) && k + 1 < n_ &&
                       IsRunner(s_[k + 1]);
    if (!IsRunner(c) && !joins) break;
    ++k;
  }
  return k;
}

}  // namespace cordon::detect::internal
