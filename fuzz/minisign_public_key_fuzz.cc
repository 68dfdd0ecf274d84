// Fuzzes the minisign public key parser.
#include "sign/minisign.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto key = cordon::sign::PublicKey::Parse({reinterpret_cast<const char*>(data), size});
  if (key.ok()) {
    auto again = cordon::sign::PublicKey::Parse(key->Format());
    if (!again.ok() || again->key != key->key || again->key_id != key->key_id) __builtin_trap();
  }
  return 0;
}
