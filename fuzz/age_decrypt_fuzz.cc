// Fuzzes whole-file decryption with a fixed X25519 identity and a fixed
// passphrase (work factor capped low so the fuzzer stays fast).
// Properties: only authenticated plaintext is released, so a binary file
// that decrypts to the end must fail once its last byte is cut (STREAM's
// last-chunk tag), and decrypting the same file twice gives the same bytes.
#include <cstdlib>
#include <string_view>

#include "age/age.h"

namespace {

const char kIdentity[] =
    "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0";

// The whole plaintext, or nullopt when opening or any chunk fails.
std::optional<cordon::Bytes> DecryptAll(cordon::ByteView file) {
  std::vector<std::unique_ptr<cordon::age::Identity>> ids;
  ids.push_back(
      cordon::age::MakeX25519Identity(cordon::age::X25519Identity::Parse(kIdentity).value()));
  ids.push_back(cordon::age::MakeScryptIdentity(
      cordon::SecretBuffer::CopyOf(cordon::AsBytes("password")), 4));
  cordon::MemorySource in(file);
  auto dec = cordon::age::Decryptor::Open(in, ids);
  if (!dec.ok()) return std::nullopt;
  cordon::Bytes out;
  uint8_t buf[8192];
  for (;;) {
    auto n = (*dec)->Read(buf);
    if (!n.ok()) return std::nullopt;
    if (*n == 0) return out;
    out.insert(out.end(), buf, buf + *n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const cordon::ByteView file(data, size);
  auto plaintext = DecryptAll(file);
  if (!plaintext) return 0;
  if (DecryptAll(file) != plaintext) std::abort();  // same file, same plaintext
  constexpr std::string_view kBinary = "age-encryption.org/v1\n";
  if (size > kBinary.size() && cordon::AsChars(file.first(kBinary.size())) == kBinary &&
      DecryptAll(file.first(size - 1))) {
    std::abort();  // a truncated file decrypted to the end
  }
  return 0;
}
