// SecretBuffer: the only place key material lives. Memory comes from
// libsodium's guarded allocator (mlock'd so it is never swapped, guard pages
// around it, wiped on release). Move-only, never printable; raw access goes
// through Reveal*(), a name to grep for when auditing where secrets flow.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <tuple>

#include "core/bytes.h"

namespace cordon {

class SecretBuffer {
 public:
  // A zero-filled secret of `size` bytes. Aborts if the system is out of
  // memory (a broken invariant, not an input error).
  explicit SecretBuffer(size_t size);
  // Copies `data` into a new secret. The caller stays responsible for wiping
  // its own copy (see WipeBytes).
  static SecretBuffer CopyOf(ByteView data);

  SecretBuffer(SecretBuffer&&) noexcept = default;
  SecretBuffer& operator=(SecretBuffer&&) noexcept = default;
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;

  size_t size() const { return size_; }
  std::span<const uint8_t> RevealBytes() const { return {data_.get(), size_}; }
  std::span<uint8_t> RevealMutable() { return {data_.get(), size_}; }

  // Constant-time comparison (timing depends only on the sizes).
  bool Equals(const SecretBuffer& other) const;

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t size_ = 0;
};

// Overwrites memory in a way the compiler may not optimize away.
void WipeBytes(std::span<uint8_t> data);

// Makes room for `capacity` elements in a string or vector of sensitive
// bytes that keeps growing (a batch of identifiers in clear): when it must
// move, the bytes go to a buffer twice as large and the old one is wiped
// before it is freed, where the container's own growth would leave them in
// freed memory.
template <typename Container>
void ReserveWiped(Container& c, size_t capacity) {
  if (c.capacity() >= capacity) return;
  Container bigger;
  bigger.reserve(std::max(capacity, 2 * c.capacity()));
  bigger.assign(c.begin(), c.end());
  WipeBytes({reinterpret_cast<uint8_t*>(c.data()), c.size() * sizeof(*c.data())});
  c.swap(bigger);
}

// Wipes the bytes of the given strings and byte vectors when the scope ends,
// on every return path: for the transient copies a parser or serializer of
// key material cannot avoid (a bech32 secret's 5-bit groups...). Reserve
// each container's final size first, so that growing it leaves no copy
// behind in freed memory.
template <typename... Containers>
class WipeOnExit {
 public:
  explicit WipeOnExit(Containers&... containers) : containers_(containers...) {}
  ~WipeOnExit() {
    std::apply(
        [](auto&... c) {
          (WipeBytes({reinterpret_cast<uint8_t*>(c.data()), c.size()}), ...);
        },
        containers_);
  }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  std::tuple<Containers&...> containers_;
};

// Constant-time equality of two byte strings of public length.
bool ConstantTimeEquals(ByteView a, ByteView b);

}  // namespace cordon
