// Fuzzes the SSH signature parsers (ssh/sshsig.h, ssh/signing_key.h) — what
// a browser or the command line sends the exchange and what an auditor
// hands `cordon` to check: the input is tried as an armored signature, as
// the raw blob armored, as a passkey's key blob and as a signing key's blob
// and line. What parses must armor back to the same signature, and
// verifying it against a fixed message must never crash, whatever it holds.
#include <string>

#include "core/encoding.h"
#include "ssh/signing_key.h"
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
  // A signature by a signing key (sk-ssh-ed25519, sk-ecdsa, ssh-ed25519):
  // the envelope round-trips, and verification against the key it names
  // refuses or accepts without crashing.
  for (const std::string_view input : {text, std::string_view(armored_blob)}) {
    auto envelope = ParseSshsigEnvelope(input);
    if (!envelope.ok()) continue;
    auto again = ParseSshsigEnvelope(ArmorSshsigEnvelope(*envelope));
    if (!again.ok() || again->signature != envelope->signature ||
        again->public_key != envelope->public_key || again->ns != envelope->ns) {
      __builtin_trap();
    }
    auto named = SigningKey::FromBlob(cordon::AsBytes(envelope->public_key));
    if (!named.ok()) continue;
    KeySignaturePolicy policy{envelope->ns};
    policy.counter_above = 1;
    (void)VerifyKeySignature(input, cordon::AsBytes(std::string("message")), *named, policy);
  }
  if (auto signing = SigningKey::FromBlob(blob); signing.ok()) {
    auto back = SigningKey::FromLine(signing->Line() + " comment");
    if (!back.ok() || back->Blob() != signing->Blob()) __builtin_trap();
  }
  (void)SigningKey::FromLine(text);
  auto key = SkEcdsaKey::FromBlob(blob);
  if (key.ok()) {
    auto back = SkEcdsaKey::FromBlob(cordon::AsBytes(key->Blob()));
    if (!back.ok() || back->Blob() != key->Blob()) __builtin_trap();
  }
  return 0;
}
