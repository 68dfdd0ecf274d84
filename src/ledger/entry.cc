#include "ledger/entry.h"

#include <algorithm>
#include <charconv>

#include "detect/matcher.h"
#include "detect/personal_data.h"

namespace cordon::ledger {
namespace {

Error Refused(const std::string& path, const std::string& what) {
  std::string message = "ledger entry";
  if (!path.empty()) message += " field " + path;
  message += ": ";
  message += what;
  return Error(ErrorCode::kRefused, std::move(message));
}

// A JSON integer's magnitude, checked as the text of its digits would be.
bool PersonalNumber(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return detect::LooksLikePersonalNumber(v.get<uint64_t>());
  const int64_t n = v.get<int64_t>();
  return detect::LooksLikePersonalNumber(n < 0 ? 0 - static_cast<uint64_t>(n)
                                               : static_cast<uint64_t>(n));
}

bool IsKeyId(std::string_view s) {
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
         });
}

// Checks one value and its children; `path` names it in errors ("tables[2].name").
// `name`: the member name `v` is the value of ("" at the top and in arrays).
Status CheckValue(const nlohmann::json& v, const std::string& path, std::string_view name = {}) {
  switch (v.type()) {
    case nlohmann::json::value_t::number_float:
      return Refused(path, "floating-point numbers have no canonical form here; use an integer");
    case nlohmann::json::value_t::object:
      for (const auto& [key, child] : v.items()) {
        for (unsigned char ch : key) {
          if (ch < 0x20 || ch >= 0x80) return Refused(path, "keys must be printable ASCII");
        }
        // (The key is not named: it is what must not be shown.)
        if (LooksLikePersonalData(key)) {
          return Refused(path,
                         "a key holds what looks like personal data; a ledger entry must "
                         "never carry any");
        }
        std::string child_path = path;
        if (!child_path.empty()) child_path += '.';
        child_path += key;
        CORDON_TRY(CheckValue(child, child_path, MemberName(name, key)));
      }
      return Ok();
    case nlohmann::json::value_t::array: {
      size_t i = 0;
      for (const auto& child : v)
        CORDON_TRY(CheckValue(child, path + "[" + std::to_string(i++) + "]"));
      return Ok();
    }
    case nlohmann::json::value_t::string: {
      const std::string& s = v.get_ref<const std::string&>();
      if (!LooksLikePersonalField(name, s)) return Ok();
      Status found = Ok();
      detect::FindIdentifiers(s, detect::kAllKinds, [&](const detect::Match& m) {
        if (found.ok()) {
          found = Refused(path, "holds what looks like a " + std::string(detect::KindName(m.kind)) +
                                    "; a ledger entry must never carry personal data");
        }
      });
      return found;
    }
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      if (PersonalNumber(v)) {
        return Refused(path,
                       "a number that is a NIR or a card number; a ledger entry must never "
                       "carry personal data");
      }
      return Ok();
    default:
      return Ok();
  }
}

// The same checks without building paths: the common case allocates nothing.
// Identifiers are at least 6 bytes ("a@b.fr"): shorter strings are skipped.
bool Acceptable(const nlohmann::json& v, std::string_view name = {}) {
  switch (v.type()) {
    case nlohmann::json::value_t::number_float:
      return false;
    case nlohmann::json::value_t::object:
      for (const auto& [key, child] : v.items()) {
        for (unsigned char ch : key) {
          if (ch < 0x20 || ch >= 0x80) return false;
        }
        if (LooksLikePersonalData(key) || !Acceptable(child, MemberName(name, key))) return false;
      }
      return true;
    case nlohmann::json::value_t::array:
      for (const auto& child : v) {
        if (!Acceptable(child)) return false;
      }
      return true;
    case nlohmann::json::value_t::string: {
      return !LooksLikePersonalField(name, v.get_ref<const std::string&>());
    }
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return !PersonalNumber(v);
    default:
      return true;
  }
}

}  // namespace

bool LooksLikePersonalData(std::string_view s) { return detect::LooksLikePersonalData(s); }

std::string_view MemberName(std::string_view object_name, std::string_view member) {
  return object_name == "key_ids" ? std::string_view("key_id") : member;
}

bool LooksLikePersonalField(std::string_view name, std::string_view value) {
  // The names cordon writes key ids under, exactly: not any "..._key_id"
  // (a "card_key_id" is no key's).
  const bool names_a_key_id = name == "key_id" || name == "watch_key_id" ||
                              name == "controller_key_id" || name == "pseudonym_key_id" ||
                              name == "trace_key_id";
  if (names_a_key_id && IsKeyId(value)) return false;
  return LooksLikePersonalData(value);
}

Result<std::string> CanonicalEntry(const nlohmann::json& event) {
  if (!event.is_object()) return Refused("", "an entry is a JSON object");
  if (!Acceptable(event)) {
    CORDON_TRY(CheckValue(event, ""));  // names the field
    return Refused("", "refused");      // unreachable: both checks agree
  }
  std::string out;
  try {
    // nlohmann::json keeps object keys in a std::map: sorted bytewise, which
    // is JCS's UTF-16 order for ASCII keys; dump() escapes as JCS does.
    out = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  } catch (const nlohmann::json::exception&) {
    return Refused("", "a string is not valid UTF-8");
  }
  if (out.size() > kMaxEntrySize) return Refused("", "larger than 64 KiB");
  return out;
}

std::optional<uint64_t> EntrySeq(std::string_view e) {
  // Walks the top-level object: depth counts braces and brackets outside
  // strings; a key at depth 1 is a string directly after '{' or ','.
  int depth = 0;
  char prev = 0;  // last structural character outside strings
  for (size_t i = 0; i < e.size(); ++i) {
    char c = e[i];
    if (c == '"') {
      size_t start = i + 1, j = start;
      while (j < e.size() && e[j] != '"') j += e[j] == '\\' ? 2 : 1;
      if (j >= e.size()) return std::nullopt;
      if (depth == 1 && (prev == '{' || prev == ',') && e.substr(start, j - start) == "seq" &&
          j + 1 < e.size() && e[j + 1] == ':') {
        uint64_t v = 0;
        const char* p = e.data() + j + 2;
        auto [end, ec] = std::from_chars(p, e.data() + e.size(), v);
        if (ec != std::errc() || end == p) return std::nullopt;
        return v;
      }
      i = j;
      prev = '"';
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    if (c == '{' || c == '[' || c == '}' || c == ']' || c == ',' || c == ':') prev = c;
  }
  return std::nullopt;
}

}  // namespace cordon::ledger
