// The age v1 header: the version line, recipient stanzas and the header MAC
// (https://age-encryption.org/v1). Parsing is strict and bounded.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "core/buffered_source.h"
#include "core/bytes.h"
#include "core/result.h"

namespace cordon::age {

inline constexpr std::string_view kVersionLine = "age-encryption.org/v1";
// Bounds on untrusted headers: a line, and the whole header.
inline constexpr size_t kMaxHeaderLine = 16 * 1024;
inline constexpr size_t kMaxHeaderSize = 1024 * 1024;

struct Stanza {
  std::string type;
  std::vector<std::string> args;
  Bytes body;
};

struct Header {
  std::vector<Stanza> stanzas;
  std::string mac_input;  // the header text up to and including "---"
  std::array<uint8_t, 32> mac{};
};

// Reads a header and leaves `in` positioned at the payload nonce. Every error
// is prefixed "header: " and is kMalformed, kTruncated, kUnsupported or
// kLimitExceeded.
Result<Header> ReadHeader(BufferedSource& in);

// The header text up to and including "---" (the MAC input); the caller
// appends " " + base64(MAC) + "\n".
std::string EncodeHeaderWithoutMac(const std::vector<Stanza>& stanzas);

}  // namespace cordon::age
