// cordon's SSH certificate signer, timed: loads the CA key (openssh-key-v1)
// and the vendor's public key, then signs N user certificates with distinct
// serials, as `cordon serve` signs them in-process. With OUT, the last
// certificate's line is written there, as `ssh-keygen -s` writes its
// -cert.pub (run with N=1 per process, this is the per-process figure).
// usage: ssh_sign CA_KEY VENDOR_PUB N [OUT]
//   prints {"n", "load_seconds", "sign_seconds", "per_cert_us"}
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "ssh/ca_key.h"
#include "ssh/certificate.h"
#include "ssh/public_key.h"

int main(int argc, char** argv) {
  using namespace cordon::ssh;
  using Clock = std::chrono::steady_clock;
  if (argc < 4) {
    std::fprintf(stderr, "usage: ssh_sign CA_KEY VENDOR_PUB N [OUT]\n");
    return 2;
  }
  const auto t0 = Clock::now();
  auto ca = CaKey::Load(argv[1]);
  std::ifstream pub_file(argv[2]);
  std::string pub_line;
  std::getline(pub_file, pub_line);
  auto key = ParsePublicKeyLine(pub_line);
  if (!ca.ok() || !key.ok()) {
    std::fprintf(stderr, "ssh_sign: %s\n", (!ca.ok() ? ca.error() : key.error()).message().c_str());
    return 1;
  }
  const auto t1 = Clock::now();
  const long n = std::atol(argv[3]);
  CertificateSpec spec;
  spec.public_key = *key;
  spec.key_id = "grant-42 alice@vendor.example order=O-117";
  spec.principals = {"maint"};
  spec.valid_after = 1796083200;
  spec.valid_before = 1796112000;
  spec.force_command = "/usr/lib/cordon/session";
  spec.extensions = {"permit-pty"};
  std::string blob;
  for (long i = 1; i <= n; ++i) {
    spec.serial = static_cast<uint64_t>(i);
    auto signed_blob = SignUserCertificate(*ca, spec);
    if (!signed_blob.ok()) {
      std::fprintf(stderr, "ssh_sign: %s\n", signed_blob.error().message().c_str());
      return 1;
    }
    blob = std::move(*signed_blob);
  }
  if (argc > 4) std::ofstream(argv[4]) << CertificateLine(blob, "alice@vendor") << "\n";
  const auto t2 = Clock::now();
  // Checked outside the timing: the last certificate verifies.
  if (!ParseCertificate(cordon::AsBytes(blob)).ok()) return 1;
  const double load = std::chrono::duration<double>(t1 - t0).count();
  const double sign = std::chrono::duration<double>(t2 - t1).count();
  std::printf(
      "{\"n\": %ld, \"load_seconds\": %.6f, \"sign_seconds\": %.6f, \"per_cert_us\": %.2f}\n", n,
      load, sign, n > 0 ? sign / n * 1e6 : 0.0);
  return 0;
}
