// A strict reader of the CBOR (RFC 8949) that WebAuthn authenticators send:
// attestation objects, COSE keys, extension maps. Over libcbor's streaming
// decoder, so that every item is seen before it is built and anything outside
// the subset is refused with a message: indefinite lengths, tags, floats,
// `undefined`, non-minimal heads (CTAP2's canonical form), duplicate map keys,
// map keys other than integers and text, nesting, items and sizes above the
// limits. Thread-safe: plain functions of their arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace cordon::auth {

struct CborEntry;

// One CBOR data item of the accepted subset.
struct CborValue {
  enum class Type { kUnsigned, kNegative, kBytes, kText, kArray, kMap, kBool, kNull };
  Type type = Type::kNull;
  // kUnsigned: the value; kNegative: n for the value -1 - n (RFC 8949 §3.1).
  uint64_t number = 0;
  bool boolean = false;
  std::string bytes;               // kBytes and kText (UTF-8 checked)
  std::vector<CborValue> items;    // kArray
  std::vector<CborEntry> entries;  // kMap, in input order, keys unique

  // The value as a signed integer, when it is one that fits in int64_t.
  std::optional<int64_t> Int() const;
  // The entry of a map whose key is the integer `key` / the text `key`.
  const CborValue* Find(int64_t key) const;
  const CborValue* Find(std::string_view key) const;
  bool IsMap() const { return type == Type::kMap; }
};

struct CborEntry {
  CborValue key;
  CborValue value;
};

struct CborLimits {
  size_t max_input = 64 * 1024;  // bytes of the whole item
  size_t max_depth = 8;          // arrays and maps inside one another
  size_t max_items = 1024;       // data items in all
};

// Reads exactly one item that fills `data`: trailing bytes are kMalformed.
Result<CborValue> ParseCbor(ByteView data, const CborLimits& limits = {});

// Reads the one item at the start of `data` and says how many bytes it took
// (authenticator data holds a COSE key followed by an extensions map, with
// no length in between).
Result<std::pair<CborValue, size_t>> ParseCborPrefix(ByteView data, const CborLimits& limits = {});

}  // namespace cordon::auth
