// Fuzzes the minisign secret key parser.
#include "sign/minisign.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto key = cordon::sign::SecretKey::Parse({data, size});
  if (key.ok() && !cordon::sign::SecretKey::Parse(key->Format().RevealBytes()).ok())
    __builtin_trap();
  return 0;
}
