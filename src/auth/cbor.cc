#include "auth/cbor.h"

#include <cbor.h>

#include <limits>

namespace cordon::auth {
namespace {

Error Malformed(std::string what) {
  return Error(ErrorCode::kMalformed, "cbor: " + std::move(what));
}

// The length of the shortest head for `value` (RFC 8949 §4.2.1).
size_t MinimalHead(uint64_t value) {
  if (value < 24) return 1;
  if (value <= 0xFF) return 2;
  if (value <= 0xFFFF) return 3;
  if (value <= 0xFFFFFFFF) return 5;
  return 9;
}

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    size_t n = 0;
    uint32_t cp = 0, min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<uint8_t>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = cp << 6 | (d & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

bool SameKey(const CborValue& a, const CborValue& b) {
  return a.type == b.type && a.number == b.number && a.bytes == b.bytes;
}

// Builds the tree from libcbor's streaming callbacks, one head at a time.
// Each callback records the item, or the first error; the driver loop checks
// the head's width against the value (libcbor accepts non-minimal heads).
class Builder {
 public:
  explicit Builder(const CborLimits& limits) : limits_(limits) {}

  // The decoder's one call: `head` is the bytes of the head just read
  // (strings: without their payload), set by the driver before it returns.
  std::optional<Error> error;
  size_t head = 0;
  bool done = false;
  CborValue root;

  void Leaf(CborValue v, uint64_t head_value) {
    if (!CheckHead(head_value)) return;
    Add(std::move(v));
  }
  void Start(CborValue::Type type, uint64_t count) {
    if (!CheckHead(count)) return;
    if (stack_.size() + 1 > limits_.max_depth) {
      return Fail(ErrorCode::kLimitExceeded,
                  "nested more than " + std::to_string(limits_.max_depth) + " levels");
    }
    const uint64_t children = type == CborValue::Type::kMap ? 2 * count : count;
    if (count > limits_.max_items || items_ + children > limits_.max_items) {
      return Fail(ErrorCode::kLimitExceeded,
                  "more than " + std::to_string(limits_.max_items) + " items");
    }
    CborValue v;
    v.type = type;
    if (children == 0) return Add(std::move(v));
    stack_.push_back({std::move(v), children, {}});
  }
  void Fail(ErrorCode code, std::string what) {
    if (!error) error = Error(code, "cbor: " + std::move(what));
  }

 private:
  struct Frame {
    CborValue value;
    uint64_t remaining;
    std::optional<CborValue> key;  // maps: the key waiting for its value
  };

  bool CheckHead(uint64_t value) {
    if (error) return false;
    if (++items_ > limits_.max_items) {
      Fail(ErrorCode::kLimitExceeded, "more than " + std::to_string(limits_.max_items) + " items");
      return false;
    }
    if (head != MinimalHead(value)) {
      Fail(ErrorCode::kMalformed,
           "an integer or length is not in its shortest form (not canonical CBOR)");
      return false;
    }
    return true;
  }

  // A complete item goes into its parent, which may complete in turn.
  void Add(CborValue v) {
    while (true) {
      if (stack_.empty()) {
        root = std::move(v);
        done = true;
        return;
      }
      Frame& f = stack_.back();
      if (f.value.type == CborValue::Type::kArray) {
        f.value.items.push_back(std::move(v));
      } else if (!f.key) {
        if (v.type != CborValue::Type::kUnsigned && v.type != CborValue::Type::kNegative &&
            v.type != CborValue::Type::kText) {
          return Fail(ErrorCode::kMalformed, "a map key is neither an integer nor text");
        }
        for (const auto& [k, unused] : f.value.entries) {
          if (SameKey(k, v)) return Fail(ErrorCode::kMalformed, "a map has a duplicate key");
        }
        f.key = std::move(v);
      } else {
        f.value.entries.push_back(CborEntry{std::move(*f.key), std::move(v)});
        f.key.reset();
      }
      if (--f.remaining != 0) return;
      v = std::move(f.value);
      stack_.pop_back();
    }
  }

  const CborLimits& limits_;
  std::vector<Frame> stack_;
  size_t items_ = 0;
};

Builder& B(void* ctx) { return *static_cast<Builder*>(ctx); }

void OnUnsigned(void* ctx, uint64_t n) {
  CborValue v;
  v.type = CborValue::Type::kUnsigned;
  v.number = n;
  B(ctx).Leaf(std::move(v), n);
}
void OnNegative(void* ctx, uint64_t n) {
  CborValue v;
  v.type = CborValue::Type::kNegative;
  v.number = n;
  B(ctx).Leaf(std::move(v), n);
}
void OnString(void* ctx, cbor_data data, size_t len, CborValue::Type type) {
  CborValue v;
  v.type = type;
  v.bytes.assign(reinterpret_cast<const char*>(data), len);
  if (type == CborValue::Type::kText && !IsUtf8(v.bytes)) {
    return B(ctx).Fail(ErrorCode::kMalformed, "a text string is not UTF-8");
  }
  B(ctx).Leaf(std::move(v), len);
}
void OnIndefinite(void* ctx) {
  B(ctx).Fail(ErrorCode::kMalformed, "indefinite-length items are not accepted");
}

cbor_callbacks Callbacks() {
  cbor_callbacks c{};
  c.uint8 = [](void* x, uint8_t n) { OnUnsigned(x, n); };
  c.uint16 = [](void* x, uint16_t n) { OnUnsigned(x, n); };
  c.uint32 = [](void* x, uint32_t n) { OnUnsigned(x, n); };
  c.uint64 = [](void* x, uint64_t n) { OnUnsigned(x, n); };
  c.negint8 = [](void* x, uint8_t n) { OnNegative(x, n); };
  c.negint16 = [](void* x, uint16_t n) { OnNegative(x, n); };
  c.negint32 = [](void* x, uint32_t n) { OnNegative(x, n); };
  c.negint64 = [](void* x, uint64_t n) { OnNegative(x, n); };
  c.byte_string = [](void* x, cbor_data d, size_t n) {
    OnString(x, d, n, CborValue::Type::kBytes);
  };
  c.string = [](void* x, cbor_data d, size_t n) { OnString(x, d, n, CborValue::Type::kText); };
  c.byte_string_start = OnIndefinite;
  c.string_start = OnIndefinite;
  c.indef_array_start = OnIndefinite;
  c.indef_map_start = OnIndefinite;
  c.indef_break = OnIndefinite;
  c.array_start = [](void* x, size_t n) { B(x).Start(CborValue::Type::kArray, n); };
  c.map_start = [](void* x, size_t n) { B(x).Start(CborValue::Type::kMap, n); };
  c.tag = [](void* x, uint64_t) { B(x).Fail(ErrorCode::kMalformed, "tags are not accepted"); };
  c.float2 = [](void* x, float) { B(x).Fail(ErrorCode::kMalformed, "floats are not accepted"); };
  c.float4 = c.float2;
  c.float8 = [](void* x, double) { B(x).Fail(ErrorCode::kMalformed, "floats are not accepted"); };
  c.undefined = [](void* x) { B(x).Fail(ErrorCode::kMalformed, "undefined is not accepted"); };
  c.null = [](void* x) {
    CborValue v;
    B(x).Leaf(std::move(v), 22);  // simple values 20–23 sit in the one-byte head
  };
  c.boolean = [](void* x, bool b) {
    CborValue v;
    v.type = CborValue::Type::kBool;
    v.boolean = b;
    B(x).Leaf(std::move(v), 20);
  };
  return c;
}

}  // namespace

std::optional<int64_t> CborValue::Int() const {
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (type == Type::kUnsigned && number <= kMax) return static_cast<int64_t>(number);
  if (type == Type::kNegative && number <= kMax) return -1 - static_cast<int64_t>(number);
  return std::nullopt;
}

const CborValue* CborValue::Find(int64_t key) const {
  for (const auto& [k, v] : entries) {
    if (k.type != Type::kText && k.Int() == key) return &v;
  }
  return nullptr;
}

const CborValue* CborValue::Find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k.type == Type::kText && k.bytes == key) return &v;
  }
  return nullptr;
}

Result<std::pair<CborValue, size_t>> ParseCborPrefix(ByteView data, const CborLimits& limits) {
  // Only the item's own bytes count against the limit: the view is cut, and
  // an item that runs past the cut is over the limit, not truncated.
  const bool cut = data.size() > limits.max_input;
  if (cut) data = data.first(limits.max_input);
  auto ends_early = [&] {
    if (cut) {
      return Error(ErrorCode::kLimitExceeded,
                   "cbor: the item is longer than " + std::to_string(limits.max_input) + " bytes");
    }
    return Error(ErrorCode::kTruncated, "cbor: the input ends inside an item");
  };
  static const cbor_callbacks kCallbacks = Callbacks();
  Builder b(limits);
  size_t offset = 0;
  while (!b.done) {
    if (offset >= data.size()) return ends_early();
    // The head's width, from its first byte: the decoder reports a string's
    // payload with its head, and the builder checks the head is minimal.
    const uint8_t info = data[offset] & 0x1F;
    b.head = info >= 24 && info <= 27 ? 1 + (size_t{1} << (info - 24)) : 1;
    const cbor_decoder_result r =
        cbor_stream_decode(data.data() + offset, data.size() - offset, &kCallbacks, &b);
    if (r.status == CBOR_DECODER_NEDATA) return ends_early();
    if (r.status != CBOR_DECODER_FINISHED) {
      return Malformed("not well-formed (a reserved or unassigned head at byte " +
                       std::to_string(offset) + ")");
    }
    if (b.error) return *b.error;
    offset += r.read;
  }
  return std::make_pair(std::move(b.root), offset);
}

Result<CborValue> ParseCbor(ByteView data, const CborLimits& limits) {
  if (data.size() > limits.max_input) {
    return Error(ErrorCode::kLimitExceeded,
                 "cbor: the input is longer than " + std::to_string(limits.max_input) + " bytes");
  }
  CORDON_ASSIGN_OR_RETURN(auto parsed, ParseCborPrefix(data, limits));
  if (parsed.second != data.size()) {
    return Malformed(std::to_string(data.size() - parsed.second) +
                     " trailing bytes after the item");
  }
  return std::move(parsed.first);
}

}  // namespace cordon::auth
