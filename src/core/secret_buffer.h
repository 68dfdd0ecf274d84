// SecretBuffer: the only place key material lives. Memory comes from
// libsodium's guarded allocator (mlock'd so it is never swapped, guard pages
// around it, wiped on release). Move-only, never printable; raw access goes
// through Reveal*(), a name to grep for when auditing where secrets flow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

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

// Constant-time equality of two byte strings of public length.
bool ConstantTimeEquals(ByteView a, ByteView b);

}  // namespace cordon
