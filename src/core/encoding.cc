#include "core/encoding.h"

#include <array>
#include <cctype>
#include <utility>

#include "core/secret_buffer.h"

namespace cordon {

std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n), s;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

std::string PercentEncodePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '/' || c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kBech32Alphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::array<int8_t, 256> MakeBase64Table() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (size_t i = 0; i < kBase64Alphabet.size(); ++i) {
    table[static_cast<uint8_t>(kBase64Alphabet[i])] = static_cast<int8_t>(i);
  }
  return table;
}
constexpr auto kBase64Table = MakeBase64Table();

Error Base64Error(std::string_view why) {
  return Error(ErrorCode::kMalformed, std::string("invalid base64: ") + std::string(why));
}

uint32_t Bech32Polymod(const std::vector<uint8_t>& values) {
  constexpr std::array<uint32_t, 5> kGen = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                            0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint8_t top = static_cast<uint8_t>(chk >> 25);
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1) chk ^= kGen[i];
    }
  }
  return chk;
}

std::vector<uint8_t> HrpExpand(std::string_view hrp) {
  std::vector<uint8_t> out;
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

// Regroups bits; with pad=false rejects leftover non-zero bits (canonical form).
Result<Bytes> ConvertBits(ByteView in, int from, int to, bool pad) {
  uint32_t acc = 0;
  int bits = 0;
  Bytes out;
  // Sized once: the groups of a secret key are never left behind by a
  // reallocation (the caller wipes `out`).
  out.reserve((in.size() * static_cast<size_t>(from) + static_cast<size_t>(to) - 1) /
              static_cast<size_t>(to));
  const uint32_t maxv = (1u << to) - 1;
  for (uint8_t value : in) {
    if ((value >> from) != 0) return Error(ErrorCode::kMalformed, "invalid bech32 data");
    acc = (acc << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push_back(static_cast<uint8_t>((acc >> bits) & maxv));
    }
  }
  if (pad) {
    if (bits > 0) out.push_back(static_cast<uint8_t>((acc << (to - bits)) & maxv));
  } else if (bits >= from || ((acc << (to - bits)) & maxv) != 0) {
    return Error(ErrorCode::kMalformed, "invalid bech32 padding");
  }
  return out;
}

}  // namespace

std::string HexEncode(ByteView data) {
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 15]);
  }
  return out;
}

Result<Bytes> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) return Error(ErrorCode::kMalformed, "invalid hex: odd length");
  Bytes out(text.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(text[2 * i]);
    int lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return Error(ErrorCode::kMalformed, "invalid hex: not a hex digit");
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string Base64Encode(ByteView data, Base64Padding padding) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = data[i] << 16 | data[i + 1] << 8 | data[i + 2];
    out.push_back(kBase64Alphabet[v >> 18]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back(kBase64Alphabet[v & 63]);
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t v = data[i] << 16 | (rest == 2 ? data[i + 1] << 8 : 0);
    out.push_back(kBase64Alphabet[v >> 18]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    if (padding == Base64Padding::kPadded) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

std::string Base64UrlEncode(ByteView data) {
  std::string out = Base64Encode(data, Base64Padding::kUnpadded);
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

Result<Bytes> Base64UrlDecode(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '+' || c == '/') return Base64Error("character outside the base64url alphabet");
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  return Base64Decode(standard, Base64Padding::kUnpadded);
}

Result<Bytes> Base64Decode(std::string_view text, Base64Padding padding) {
  if (padding == Base64Padding::kPadded) {
    if (text.size() % 4 != 0) return Base64Error("length is not a multiple of 4");
    size_t pads = 0;
    while (pads < 2 && pads < text.size() && text[text.size() - 1 - pads] == '=') ++pads;
    text.remove_suffix(pads);
  }
  if (text.size() % 4 == 1) return Base64Error("impossible length");
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int8_t v = kBase64Table[static_cast<uint8_t>(c)];
    if (v < 0)
      return Base64Error(c == '=' ? "unexpected padding" : "character outside the alphabet");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) return Base64Error("non-canonical trailing bits");
  return out;
}

std::string Bech32Encode(std::string_view hrp, ByteView data) {
  std::string lower_hrp;
  for (char c : hrp)
    lower_hrp.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  // The data may be a secret key (age identities): every intermediate copy
  // is wiped, and sized up front so that no reallocation leaves one behind.
  Bytes five = ConvertBits(data, 8, 5, true).value();
  std::vector<uint8_t> values = HrpExpand(lower_hrp);
  values.reserve(values.size() + five.size() + 6);
  WipeOnExit wipe(five, values);
  values.insert(values.end(), five.begin(), five.end());
  values.insert(values.end(), 6, 0);
  uint32_t mod = Bech32Polymod(values) ^ 1;
  std::string out;
  out.reserve(lower_hrp.size() + 1 + five.size() + 6);
  out = lower_hrp + "1";
  for (uint8_t v : five) out.push_back(kBech32Alphabet[v]);
  for (int i = 0; i < 6; ++i) out.push_back(kBech32Alphabet[(mod >> (5 * (5 - i))) & 31]);
  return out;
}

Result<Bech32Decoded> Bech32Decode(std::string_view text) {
  bool has_lower = false, has_upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) return Error(ErrorCode::kMalformed, "invalid bech32: bad character");
    if (std::islower(static_cast<unsigned char>(c))) has_lower = true;
    if (std::isupper(static_cast<unsigned char>(c))) has_upper = true;
  }
  if (has_lower && has_upper) return Error(ErrorCode::kMalformed, "invalid bech32: mixed case");
  size_t sep = text.rfind('1');
  if (sep == std::string_view::npos || sep < 1 || sep + 7 > text.size()) {
    return Error(ErrorCode::kMalformed, "invalid bech32: separator misplaced");
  }
  // The text may be a secret key (AGE-SECRET-KEY-1…): the lower-cased copy,
  // its 5-bit groups and the checksum input are wiped on every path.
  std::string lower;
  std::vector<uint8_t> values, check;
  Bytes data;
  lower.reserve(text.size());
  values.reserve(text.size());
  WipeOnExit wipe(lower, values, check, data);
  for (char c : text)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::string hrp = lower.substr(0, sep);
  for (size_t i = sep + 1; i < lower.size(); ++i) {
    size_t pos = kBech32Alphabet.find(lower[i]);
    if (pos == std::string_view::npos)
      return Error(ErrorCode::kMalformed, "invalid bech32: bad character");
    values.push_back(static_cast<uint8_t>(pos));
  }
  check = HrpExpand(hrp);
  check.reserve(check.size() + values.size());
  check.insert(check.end(), values.begin(), values.end());
  if (Bech32Polymod(check) != 1)
    return Error(ErrorCode::kMalformed, "invalid bech32: bad checksum");
  values.resize(values.size() - 6);
  CORDON_ASSIGN_OR_RETURN(data, ConvertBits(values, 5, 8, false));
  // The caller owns (and wipes) the decoded bytes; `data` is left empty.
  return Bech32Decoded{std::move(hrp), std::exchange(data, Bytes{})};
}

std::string Base32Encode(ByteView data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t b : data) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

Result<Bytes> Base32Decode(std::string_view text) {
  Bytes out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a';
    } else if (c >= '2' && c <= '7') {
      v = c - '2' + 26;
    } else {
      return Error(ErrorCode::kMalformed, "not base32 (A–Z, 2–7)");
    }
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
  }
  // Leftover bits must be zero padding of fewer than 5 bits (canonical).
  if (bits >= 5 || (buffer & ((1u << bits) - 1)) != 0) {
    return Error(ErrorCode::kMalformed, "base32: non-canonical ending");
  }
  return out;
}

}  // namespace cordon
