#include "client/secret_json.h"

namespace cordon::client {
namespace {

// Writes the escaped string (with its quotes) at `out` when it is not null;
// returns its length either way (one pass to size the buffer, one to fill).
size_t EscapeString(ByteView s, uint8_t* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t n = 0;
  auto put = [&](uint8_t c) {
    if (out) out[n] = c;
    ++n;
  };
  put('"');
  for (uint8_t c : s) {
    if (c == '"' || c == '\\') {
      put('\\');
      put(c);
    } else if (c < 0x20 || c == 0x7f) {
      for (uint8_t e : {uint8_t{'\\'}, uint8_t{'u'}, uint8_t{'0'}, uint8_t{'0'},
                        static_cast<uint8_t>(kHex[c >> 4]), static_cast<uint8_t>(kHex[c & 15])}) {
        put(e);
      }
    } else {
      put(c);
    }
  }
  put('"');
  return n;
}

size_t Write(const std::vector<std::pair<std::string_view, ByteView>>& members, uint8_t* out) {
  size_t n = 0;
  auto put = [&](uint8_t c) {
    if (out) out[n] = c;
    ++n;
  };
  put('{');
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) put(',');
    const auto& [name, value] = members[i];
    n += EscapeString(AsBytes(name), out ? out + n : nullptr);
    put(':');
    n += EscapeString(value, out ? out + n : nullptr);
  }
  put('}');
  return n;
}

}  // namespace

SecretBuffer SecretJsonObject(const std::vector<std::pair<std::string_view, ByteView>>& members) {
  SecretBuffer out(Write(members, nullptr));
  Write(members, out.RevealMutable().data());
  return out;
}

}  // namespace cordon::client
