// Fuzzes the SSH signature parser (ssh/sshsig.h) — what a browser sends the
// exchange and what an auditor hands `cordon` to check: the input is tried
// as an armored signature, as the raw blob armored, and as a passkey's key
// blob. What parses must armor back to the same signature, and verifying
// it against a fixed message must never crash, whatever it holds.
#include <string>

#include "core/encoding.h"
#include "ssh/sshsig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cordon::ssh;
  const cordon::ByteView blob(data, size);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string armored_blob = "-----BEGIN SSH SIGNATURE-----\n" + cordon::Base64Encode(blob) +
                                   "\n-----END SSH SIGNATURE-----\n";
  for (const std::string_view input : {text, std::string_view(armored_blob)}) {
    auto sig = ParseSshsig(input);
    if (!sig.ok()) continue;
    auto again = ParseSshsig(ArmorSshsig(*sig));
    if (!again.ok() || ArmorSshsig(*again) != ArmorSshsig(*sig)) __builtin_trap();
    const SshsigPolicy policy{sig->ns, sig->signature.origin, true, std::nullopt};
    auto verified = VerifySshsig(input, cordon::AsBytes(std::string("message")), sig->key, policy);
    (void)verified;
  }
  auto key = SkEcdsaKey::FromBlob(blob);
  if (key.ok()) {
    auto back = SkEcdsaKey::FromBlob(cordon::AsBytes(key->Blob()));
    if (!back.ok() || back->Blob() != key->Blob()) __builtin_trap();
  }
  return 0;
}
