#include "core/secret_buffer.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace cordon {
namespace {

void EnsureSodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();
}

}  // namespace

SecretBuffer::SecretBuffer(size_t size) : size_(size) {
  EnsureSodium();
  // sodium_malloc(0) is valid but returns a pointer we must still free.
  void* p = sodium_malloc(size == 0 ? 1 : size);
  if (p == nullptr) std::abort();
  std::memset(p, 0, size == 0 ? 1 : size);
  data_.reset(static_cast<uint8_t*>(p));
}

SecretBuffer SecretBuffer::CopyOf(ByteView data) {
  SecretBuffer out(data.size());
  if (!data.empty()) std::memcpy(out.data_.get(), data.data(), data.size());
  return out;
}

bool SecretBuffer::Equals(const SecretBuffer& other) const {
  return ConstantTimeEquals(RevealBytes(), other.RevealBytes());
}

void SecretBuffer::Free::operator()(uint8_t* p) const {
  sodium_free(p);  // wipes, unlocks and releases the guarded pages
}

void WipeBytes(std::span<uint8_t> data) {
  if (!data.empty()) sodium_memzero(data.data(), data.size());
}

bool ConstantTimeEquals(ByteView a, ByteView b) {
  EnsureSodium();
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace cordon
