#include "ledger/canonical.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>
#include <unordered_set>
#include <vector>

#include "core/strings.h"
#include "detect/personal_data.h"
#include "ledger/entry.h"

namespace cordon::ledger {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr const char* kPersonalNumber =
    "a number that is a NIR or a card number; a ledger entry must never carry personal data";

Error Refused(std::string what) {
  return Error(ErrorCode::kRefused, "ledger entry: " + std::move(what));
}

void AppendUnsigned(std::string& out, uint64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

// True when one of the 8 bytes of `w` is < 0x20, '"' or '\\' (SWAR: the
// classic "has a zero byte" trick on w, w ^ '"'s and w ^ '\\'s).
inline bool NeedsEscape8(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const uint64_t control = (w - kOnes * 0x20) & ~w & kHigh;  // bytes below 0x20
  return (control | zero(w ^ (kOnes * '"')) | zero(w ^ (kOnes * '\\'))) != 0;
}

// True when a byte of `w` is < 0x20 or ≥ 0x80 (not printable ASCII).
inline bool NotPrintable8(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  return (((w - kOnes * 0x20) & ~w) | w) & kHigh;
}

// Applies the 8-byte `test` to all of `s`: the last block overlaps the one
// before it (a second look at a byte changes nothing); strings under 8 bytes
// go through `one`, byte by byte (a padded copy would cost a stalled load).
template <typename Test, typename One>
bool Any8(std::string_view s, Test test, One one) {
  if (s.size() < 8) {
    bool any = false;
    for (char c : s) any |= one(static_cast<unsigned char>(c));
    return any;
  }
  uint64_t w;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::memcpy(&w, s.data() + i, 8);
    if (test(w)) return true;
  }
  if (i == s.size()) return false;
  std::memcpy(&w, s.data() + s.size() - 8, 8);
  return test(w);
}

inline bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }
inline bool NotPrintable(unsigned char c) { return c < 0x20 || c >= 0x80; }

// JSON string escaping as RFC 8785 (and nlohmann's dump) does it.
void AppendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Most strings need no escape at all: checked 8 bytes at a time, copied whole.
  if (!Any8(s, NeedsEscape8, NeedsEscape)) {
    out += '"';
    out.append(s);
    out += '"';
    return;
  }
  out += '"';
  size_t i = 0;
  size_t run = 0;  // start of the bytes copied as they are
  for (; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

// Strings the detectors accepted, looked up by string_view.
using StringSet = std::unordered_set<std::string, StringViewHash, std::equal_to<>>;

// The members the ledger sets ("action" aside: an event may carry its own).
bool IsStampKey(std::string_view k) {
  switch (k.size()) {
    case 1:
      return k[0] == 'v';
    case 3:
      return std::memcmp(k.data(), "seq", 3) == 0;
    case 4:
      return std::memcmp(k.data(), "time", 4) == 0;
    default:
      return false;
  }
}

struct Member {
  std::string_view key;
  element value;
  const std::string* literal = nullptr;  // the ledger's own members, pre-rendered
};

}  // namespace

struct EntryCanonicalizer::Impl {
  simdjson::dom::parser parser;
  std::vector<std::vector<Member>> members;  // one per depth, reused
  std::string stamp_seq, stamp_time, stamp_v, stamp_action;
  // The detectors are a pure function of the string, and events repeat
  // their values (hosts, actions, addresses, users): each string is
  // checked once. Bounded: cleared when full; short strings only (long
  // ones rarely repeat, and hex digests are skipped fast anyway).
  static constexpr size_t kCacheEntries = 4096;
  static constexpr size_t kCacheLength = 48;
  StringSet accepted;

  bool PersonalData(std::string_view s) {
    if (s.size() < 6 || s.size() > kCacheLength) return LooksLikePersonalData(s);
    if (accepted.find(s) != accepted.end()) return false;
    if (LooksLikePersonalData(s)) return true;
    if (accepted.size() >= kCacheEntries) accepted.clear();
    accepted.emplace(s);
    return false;
  }

  // `name`: the member name `e` is the value of ("" at the top and in arrays).
  Status Emit(element e, std::string& out, size_t depth, const EntryStamp* stamp,
              std::string_view name = {}) {
    switch (e.type()) {
      case element_type::OBJECT: {
        if (members.size() <= depth) members.resize(depth + 1);
        std::vector<Member>& m = members[depth];
        m.clear();
        // Copies, not references into the temporary results.
        const simdjson::dom::object object = e.get_object().value_unsafe();
        for (auto field : object) {
          if (Any8(field.key, NotPrintable8, NotPrintable))
            return Refused("keys must be printable ASCII");
          if (PersonalData(field.key)) {
            return Refused(
                "a key holds what looks like personal data; a ledger entry must never carry any");
          }
          if (stamp && IsStampKey(field.key)) {
            std::string what = "\"";
            what.append(field.key);
            what += "\" is set by the ledger, not the event";
            return Error(ErrorCode::kInvalidArgument, std::move(what));
          }
          if (stamp && field.key == "action" && !stamp->action.empty()) continue;
          m.push_back({field.key, field.value, nullptr});
        }
        if (stamp) {
          m.push_back({"seq", {}, &stamp_seq});
          m.push_back({"time", {}, &stamp_time});
          m.push_back({"v", {}, &stamp_v});
          if (!stamp->action.empty()) m.push_back({"action", {}, &stamp_action});
        }
        std::sort(m.begin(), m.end(), [](const Member& a, const Member& b) {
          // Most keys differ in their first byte (keys hold no NUL: "" sorts first).
          const unsigned char ca = a.key.empty() ? 0 : a.key[0];
          const unsigned char cb = b.key.empty() ? 0 : b.key[0];
          return ca != cb ? ca < cb : a.key < b.key;
        });
        for (size_t i = 1; i < m.size(); ++i) {
          if (m[i].key == m[i - 1].key) {
            std::string what = "duplicate key \"";
            what.append(m[i].key);
            what += '"';
            return Refused(std::move(what));
          }
        }
        if (stamp && !std::any_of(m.begin(), m.end(), [](const Member& x) {
              return x.key == "action" && (x.literal || x.value.is_string());
            })) {
          return Error(ErrorCode::kInvalidArgument, "the event has no \"action\"",
                       "pass --action NAME or put \"action\" in each event");
        }
        out += '{';
        // Deeper objects reuse members[depth + 1...]: copy this level's list out
        // of the way of the recursion.
        std::vector<Member> mine;
        mine.swap(m);
        for (size_t i = 0; i < mine.size(); ++i) {
          if (i) out += ',';
          AppendString(out, mine[i].key);
          out += ':';
          if (mine[i].literal) {
            out += *mine[i].literal;
          } else {
            CORDON_TRY(Emit(mine[i].value, out, depth + 1, nullptr, MemberName(name, mine[i].key)));
          }
        }
        mine.swap(members[depth]);  // `m` may dangle: deeper levels grew `members`
        out += '}';
        return Ok();
      }
      case element_type::ARRAY: {
        out += '[';
        bool first = true;
        const simdjson::dom::array array = e.get_array().value_unsafe();
        for (element child : array) {
          if (!first) out += ',';
          first = false;
          CORDON_TRY(Emit(child, out, depth + 1, nullptr));
        }
        out += ']';
        return Ok();
      }
      case element_type::STRING: {
        std::string_view s = e.get_string().value_unsafe();
        if (PersonalData(s) && LooksLikePersonalField(name, s)) {
          return Refused(
              "a field holds what looks like personal data; a ledger entry must never "
              "carry any");
        }
        AppendString(out, s);
        return Ok();
      }
      case element_type::INT64: {
        int64_t v = e.get_int64().value_unsafe();
        if (detect::LooksLikePersonalNumber(v < 0 ? 0 - static_cast<uint64_t>(v)
                                                  : static_cast<uint64_t>(v))) {
          return Refused(kPersonalNumber);
        }
        if (v < 0) {
          out += '-';
          AppendUnsigned(out, 0 - static_cast<uint64_t>(v));
        } else {
          AppendUnsigned(out, static_cast<uint64_t>(v));
        }
        return Ok();
      }
      case element_type::UINT64: {
        const uint64_t v = e.get_uint64().value_unsafe();
        if (detect::LooksLikePersonalNumber(v)) return Refused(kPersonalNumber);
        AppendUnsigned(out, v);
        return Ok();
      }
      case element_type::DOUBLE:
        return Refused("floating-point numbers have no canonical form here; use an integer");
      case element_type::BOOL:
        out += e.get_bool().value_unsafe() ? "true" : "false";
        return Ok();
      case element_type::NULL_VALUE:
        out += "null";
        return Ok();
    }
    return Refused("unknown JSON value");
  }
};

EntryCanonicalizer::EntryCanonicalizer() : impl_(std::make_unique<Impl>()) {}
EntryCanonicalizer::~EntryCanonicalizer() = default;

Result<std::string> EntryCanonicalizer::Canonical(std::string_view event, const EntryStamp& stamp) {
  element root;
  if (auto err = impl_->parser.parse(event.data(), event.size()).get(root); err) {
    return Error(ErrorCode::kMalformed, std::string("not JSON: ") + simdjson::error_message(err));
  }
  if (!root.is_object()) return Refused("an entry is a JSON object");
  impl_->stamp_seq.clear();
  AppendUnsigned(impl_->stamp_seq, stamp.seq);
  impl_->stamp_time.clear();
  AppendString(impl_->stamp_time, stamp.time);
  impl_->stamp_v = std::to_string(kEntryVersion);
  impl_->stamp_action.clear();
  if (!stamp.action.empty()) {
    if (LooksLikePersonalData(stamp.action)) return Refused("the action looks like personal data");
    AppendString(impl_->stamp_action, stamp.action);
  }
  std::string out;
  out.reserve(event.size() + 64);
  CORDON_TRY(impl_->Emit(root, out, 0, &stamp));
  if (out.size() > kMaxEntrySize) return Refused("larger than 64 KiB");
  return out;
}

}  // namespace cordon::ledger
