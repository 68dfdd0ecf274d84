// An allocator whose value-less construct() default-initializes: a
// std::vector<uint64_t, DefaultInitAllocator<uint64_t>> resized to n leaves
// its elements as they were allocated instead of writing n zeros — for
// buffers a read() fills next, where zeroing would touch every page twice.
#pragma once

#include <memory>
#include <new>
#include <utility>

namespace cordon {

template <class T>
class DefaultInitAllocator : public std::allocator<T> {
 public:
  using value_type = T;
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };

  DefaultInitAllocator() = default;
  template <class U>
  explicit DefaultInitAllocator(const DefaultInitAllocator<U>& /*other*/) noexcept {}

  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;  // default-initialized: no zeros written
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

}  // namespace cordon
