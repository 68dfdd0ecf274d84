// Fuzzes the openssh-key-v1 private key parser (ssh/ca_key.h ParseCaKey).
// A key that parses must be usable: a certificate it signs verifies under
// the public key the file names.
#include "ssh/ca_key.h"
#include "ssh/certificate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cordon::ssh;
  auto ca = ParseCaKey({reinterpret_cast<const char*>(data), size});
  if (!ca.ok()) return 0;
  CertificateSpec spec;
  spec.serial = 1;
  spec.key_id = "fuzz";
  spec.principals = {"p"};
  spec.valid_after = 0;
  spec.valid_before = 1;
  auto blob = SignUserCertificate(*ca, spec);
  if (!blob.ok()) __builtin_trap();
  auto cert = ParseCertificate(cordon::AsBytes(*blob));
  if (!cert.ok() || cert->ca_key != ca->public_key()) __builtin_trap();
  return 0;
}
