// Fuzzes the minisign signature parser and verification against a fixed key.
#include "sign/minisign.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto key =
      cordon::sign::PublicKey::Parse("RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3")
          .value();
  auto sig = cordon::sign::Signature::Parse({reinterpret_cast<const char*>(data), size});
  if (!sig.ok()) return 0;
  auto again = cordon::sign::Signature::Parse(sig->Format());
  if (!again.ok()) __builtin_trap();
  cordon::MemorySource message(cordon::AsBytes("fuzz"));
  (void)cordon::sign::Verify(key, *sig, message);
  return 0;
}
