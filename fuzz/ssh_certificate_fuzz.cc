// Fuzzes the OpenSSH certificate and public key parsers (ssh/certificate.h,
// ssh/public_key.h): the input is tried as a certificate blob, as a
// certificate line and as a public key line. What parses must re-encode to
// the bytes it came from.
#include <cstring>

#include "ssh/certificate.h"
#include "ssh/public_key.h"

namespace {
// A certificate's signature field: string(string "ssh-ed25519", string sig).
constexpr size_t kSignatureFieldSize = 4 + 4 + 11 + 4 + 64;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cordon::ssh;
  const cordon::ByteView blob(data, size);
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto cert = ParseCertificate(blob);
  if (cert.ok()) {
    std::string signed_part =
        CertificateSignedPart(cert->spec, cert->type, cordon::AsBytes(cert->nonce), cert->ca_key);
    if (signed_part.size() + kSignatureFieldSize != size ||
        std::memcmp(signed_part.data(), data, signed_part.size()) != 0)
      __builtin_trap();
    (void)cert->ValidAt(0);
  }
  auto line = ParseCertificateLine(text);
  if (line.ok() && line->spec.principals.empty()) __builtin_trap();  // never "any principal"

  auto key = ParsePublicKeyLine(text);
  if (key.ok()) {
    auto again = ParsePublicKeyLine(PublicKeyLine(*key, "c"));
    if (!again.ok() || *again != *key) __builtin_trap();
    auto from_blob = ParseKeyBlob(cordon::AsBytes(KeyBlob(*key)));
    if (!from_blob.ok() || *from_blob != *key) __builtin_trap();
    (void)Fingerprint(*key);
  }
  return 0;
}
