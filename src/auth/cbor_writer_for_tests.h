// Test-only: a minimal CBOR writer (RFC 8949, definite lengths, shortest
// heads) for building authenticator answers — and, by hand, damaged ones —
// in auth's tests. Header-only; never part of the library, which only reads.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"

namespace cordon::auth::testkit {

inline Bytes Head(uint8_t major, uint64_t n) {
  const uint8_t m = static_cast<uint8_t>(major << 5);
  if (n < 24) return {static_cast<uint8_t>(m | n)};
  int width = n <= 0xFF ? 1 : n <= 0xFFFF ? 2 : n <= 0xFFFFFFFF ? 4 : 8;
  Bytes out{static_cast<uint8_t>(m | (width == 1 ? 24 : width == 2 ? 25 : width == 4 ? 26 : 27))};
  for (int i = width - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  return out;
}
inline Bytes Int(int64_t v) {
  return v >= 0 ? Head(0, static_cast<uint64_t>(v)) : Head(1, static_cast<uint64_t>(-1 - v));
}
inline Bytes Bstr(ByteView b) {
  Bytes out = Head(2, b.size());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}
inline Bytes Tstr(std::string_view s) {
  Bytes out = Head(3, s.size());
  out.insert(out.end(), s.begin(), s.end());
  return out;
}
inline Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
inline Bytes Array(const std::vector<Bytes>& items) {
  Bytes out = Head(4, items.size());
  for (const Bytes& i : items) out.insert(out.end(), i.begin(), i.end());
  return out;
}
// Entries in the order given (duplicates too: tests need them).
inline Bytes Map(const std::vector<std::pair<Bytes, Bytes>>& entries) {
  Bytes out = Head(5, entries.size());
  for (const auto& [k, v] : entries) {
    out.insert(out.end(), k.begin(), k.end());
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

}  // namespace cordon::auth::testkit
