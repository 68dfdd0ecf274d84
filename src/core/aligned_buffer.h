// A page-aligned heap buffer, wiped when freed: what direct I/O can write as
// is (O_DIRECT wants the address, the size and the offset aligned) and what
// may hold plaintext on its way to a file.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "core/secret_buffer.h"

namespace cordon {

class AlignedBuffer {
 public:
  static constexpr size_t kAlignment = 4096;

  // Aborts when memory is exhausted or `size` is not a multiple of a page,
  // as `new` would on the first (the second is the caller's bug).
  explicit AlignedBuffer(size_t size)
      : data_(static_cast<uint8_t*>(std::aligned_alloc(kAlignment, size)), Free{size}),
        size_(size) {
    if (!data_ || size % kAlignment != 0) std::abort();
  }

  std::span<uint8_t> span() { return {data_.get(), size_}; }

 private:
  struct Free {
    size_t size;
    void operator()(uint8_t* p) const {
      WipeBytes(std::span(p, size));
      // The block aligned_alloc returned: this deleter is the RAII.
      std::free(p);  // NOLINT(cppcoreguidelines-owning-memory,cppcoreguidelines-no-malloc)
    }
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t size_;
};

}  // namespace cordon
