// The IP allow-lists of accounts (cordon admin user allow-ips): CIDR blocks
// parsed, normalized and matched. Declared in exchange/accounts.h.
#include <arpa/inet.h>

#include <array>
#include <cstring>
#include <optional>
#include <string>

#include "exchange/accounts.h"

namespace cordon::exchange {

namespace {

struct Block {
  int family = 0;
  std::array<uint8_t, 16> addr{};
  int bits = 0;
};

std::optional<Block> ParseAddress(std::string_view text) {
  Block b;
  const std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), b.addr.data()) == 1) {
    b.family = AF_INET;
    b.bits = 32;
  } else if (inet_pton(AF_INET6, s.c_str(), b.addr.data()) == 1) {
    b.family = AF_INET6;
    b.bits = 128;
  } else {
    return std::nullopt;
  }
  return b;
}

std::optional<Block> ParseBlock(std::string_view text) {
  const size_t slash = text.find('/');
  auto b = ParseAddress(text.substr(0, slash));
  if (!b) return std::nullopt;
  if (slash != std::string_view::npos) {
    const std::string bits(text.substr(slash + 1));
    char* end = nullptr;
    const long n = std::strtol(bits.c_str(), &end, 10);
    if (bits.empty() || *end != '\0' || n < 0 || n > b->bits) return std::nullopt;
    b->bits = static_cast<int>(n);
  }
  for (int i = b->bits; i < 128; ++i) b->addr[i / 8] &= static_cast<uint8_t>(~(0x80 >> (i % 8)));
  return b;
}

bool Contains(const Block& block, const Block& ip) {
  if (block.family != ip.family) return false;
  for (int i = 0; i < block.bits; ++i) {
    const uint8_t mask = static_cast<uint8_t>(0x80 >> (i % 8));
    if ((block.addr[i / 8] & mask) != (ip.addr[i / 8] & mask)) return false;
  }
  return true;
}

std::string FormatBlock(const Block& b) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(b.family, b.addr.data(), text, sizeof text);
  return std::string(text) + "/" + std::to_string(b.bits);
}

}  // namespace

Result<std::string> NormalizeAllowList(const std::vector<std::string>& blocks) {
  std::string out;
  for (const auto& text : blocks) {
    auto b = ParseBlock(text);
    if (!b) {
      return Error(ErrorCode::kInvalidArgument, "\"" + text + "\" is not an address block",
                   "write 10.1.0.0/16, 192.0.2.7 or 2001:db8::/32");
    }
    if (!out.empty()) out += ",";
    out += FormatBlock(*b);
  }
  return out;
}

bool AddressAllowed(std::string_view list, std::string_view ip) {
  if (list.empty()) return true;
  auto addr = ParseAddress(ip);
  if (!addr) return false;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    auto block = ParseBlock(list.substr(0, comma));
    if (block && Contains(*block, *addr)) return true;
    if (comma == std::string_view::npos) break;
    list = list.substr(comma + 1);
  }
  return false;
}

}  // namespace cordon::exchange
