// Fuzzes identity files, recipient files and bech32 key parsing.
#include "age/keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cordon::ByteView bytes(data, size);
  auto ids = cordon::age::ParseIdentityFile(bytes, "fuzz");
  if (ids.ok()) {
    for (const auto& id : *ids) {
      auto again = cordon::age::X25519Identity::Parse(cordon::AsChars(id.Encode().RevealBytes()));
      if (!again.ok()) __builtin_trap();
    }
  }
  auto recipients = cordon::age::ParseRecipientsFile(cordon::AsChars(bytes), "fuzz");
  if (recipients.ok()) {
    for (const auto& r : *recipients) {
      if (!cordon::age::X25519Recipient::Parse(r.Encode()).ok()) __builtin_trap();
    }
  }
  return 0;
}
