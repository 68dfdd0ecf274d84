// Fuzzes whole-file decryption with a fixed X25519 identity and a fixed
// passphrase (work factor capped low so the fuzzer stays fast).
#include "age/age.h"

namespace {
const char kIdentity[] =
    "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::unique_ptr<cordon::age::Identity>> ids;
  ids.push_back(
      cordon::age::MakeX25519Identity(cordon::age::X25519Identity::Parse(kIdentity).value()));
  ids.push_back(cordon::age::MakeScryptIdentity(
      cordon::SecretBuffer::CopyOf(cordon::AsBytes("password")), 4));
  cordon::MemorySource in({data, size});
  auto dec = cordon::age::Decryptor::Open(in, ids);
  if (!dec.ok()) return 0;
  uint8_t buf[8192];
  for (;;) {
    auto n = (*dec)->Read(buf);
    if (!n.ok() || *n == 0) break;
  }
  return 0;
}
