// The server's TLS certificate: the operator's own (--tls-cert/--tls-key),
// or one generated on first start (ECDSA P-256, self-signed, valid for
// localhost, the loopback addresses and the listen host) and kept in
// DIR/tls/. Clients pin its SHA-256 fingerprint (printed at every start)
// instead of trusting a CA.
#pragma once

#include <string>

#include "core/result.h"

namespace cordon::serve {

struct TlsIdentity {
  std::string cert_file, key_file;
  std::string fingerprint;  // SHA-256 of the certificate (DER), lowercase hex
  bool generated = false;   // made just now
};

// Loads DIR/tls/{cert,key}.pem, generating them first if missing.
Result<TlsIdentity> LoadOrCreateTlsIdentity(const std::string& data_dir,
                                            const std::string& host_name);
// The identity in two given files (checked by the server when it loads them).
Result<TlsIdentity> LoadTlsIdentity(const std::string& cert_file, const std::string& key_file);

// SHA-256 of a DER certificate, lowercase hex: the pin.
std::string CertificateFingerprint(const unsigned char* der, size_t size);

}  // namespace cordon::serve
