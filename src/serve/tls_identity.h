// The server's TLS certificate: the operator's own (--tls-cert/--tls-key),
// or one generated on first start (ECDSA P-256, self-signed, valid for
// localhost, the loopback addresses and the listen host, for 365 days) and
// kept in DIR/tls/. Clients pin the SHA-256 of its public key (printed at
// every start) instead of trusting a CA; the generated certificate is
// renewed with the same key, so the pin a client took on day one holds.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace cordon::serve {

struct TlsIdentity {
  std::string cert_file, key_file;
  // SHA-256 of the certificate's SubjectPublicKeyInfo (DER), lowercase hex:
  // the pin, the same across renewals.
  std::string fingerprint;
  bool generated = false;  // made just now
  bool renewed = false;    // re-signed just now with the same key
};

// The generated certificate lives this long, and is renewed at start when
// less than kTlsRenewBeforeDays remain.
inline constexpr int kTlsValidityDays = 365;
inline constexpr int kTlsRenewBeforeDays = 30;

// Loads DIR/tls/{cert,key}.pem, generating them first if missing, and
// renewing the certificate (same key, new serial and dates) when it expires
// in less than kTlsRenewBeforeDays at `now` (Unix seconds; tests pass their
// own). Not thread-safe against another process using the same directory.
Result<TlsIdentity> LoadOrCreateTlsIdentity(const std::string& data_dir,
                                            const std::string& host_name, int64_t now);
// The identity in two given files (checked by the server when it loads them).
Result<TlsIdentity> LoadTlsIdentity(const std::string& cert_file, const std::string& key_file);

// SHA-256 of DER bytes, lowercase hex: of a certificate (what versions
// before key pins pinned), or of a SubjectPublicKeyInfo (the pin).
std::string CertificateFingerprint(const unsigned char* der, size_t size);

// The certificate in a PEM file: its key's fingerprint (the pin), its own
// fingerprint, and its notAfter in Unix seconds.
struct CertificateInfo {
  std::string key_fingerprint, certificate_fingerprint;
  int64_t not_after = 0;
};
Result<CertificateInfo> ReadCertificateInfo(const std::string& cert_file);

}  // namespace cordon::serve
