// OpenSSH user certificates (PROTOCOL.certkeys, ssh-ed25519-cert-v01@openssh.com)
// signed and read natively: cordon is the CA that signs a vendor's key for
// an approved grant's window, and the bastion reads certificates back. The
// bytes are exactly ssh-keygen's for the same fields and nonce (tested
// against ssh-keygen), and the parser refuses anything it could not have
// written (plus host certificates, which it reads for completeness).
// Functions only; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/ed25519.h"
#include "ssh/ca_key.h"

namespace cordon::ssh {

inline constexpr std::string_view kEd25519CertificateType = "ssh-ed25519-cert-v01@openssh.com";
inline constexpr uint32_t kUserCertificate = 1;
inline constexpr uint32_t kHostCertificate = 2;

// What a certificate grants. Times are seconds since the epoch; the
// certificate is valid for valid_after <= now < valid_before.
struct CertificateSpec {
  crypto::Ed25519PublicKey public_key{};  // the vendor's key being certified
  uint64_t serial = 0;                    // > 0: the KRL revokes by serial
  std::string key_id;                     // logged by sshd; the grant's name
  std::vector<std::string> principals;    // never empty (empty = ANY principal)
  uint64_t valid_after = 0;
  uint64_t valid_before = 0;
  // Critical options (sshd refuses a certificate whose critical option it
  // does not know): the command forced on login, and the source addresses
  // (a comma-separated CIDR list) it is accepted from.
  std::optional<std::string> force_command, source_address;
  // Flag extensions, e.g. "permit-pty"; none = no pty, no forwarding.
  std::vector<std::string> extensions;

  bool operator==(const CertificateSpec&) const = default;
};

// The flag extensions OpenSSH defines; SignUserCertificate accepts no other.
const std::vector<std::string_view>& KnownExtensions();

// Signs a user certificate and returns its blob (the binary form, see
// CertificateLine for the text). The nonce is 32 random bytes unless given
// (16 to 32 bytes; tests reuse ssh-keygen's to compare bytes). Refused
// (kInvalidArgument, the message names the field): no principals (that
// would mean any principal), an empty, duplicate or control-character
// principal; valid_after >= valid_before; serial 0 (it could not be
// revoked by serial); an empty key id, one over 256 bytes or with control
// characters; an unknown extension; an empty force-command or a
// source-address that is not a list of addresses. Extensions are sorted and
// de-duplicated here; principals keep their order.
Result<std::string> SignUserCertificate(const CaKey& ca, const CertificateSpec& spec,
                                        ByteView nonce = {});

// "ssh-ed25519-cert-v01@openssh.com AAAA…" then " comment" if any (the
// comment's control characters become '?').
std::string CertificateLine(std::string_view blob, std::string_view comment = {});

// A certificate read back, its CA signature verified.
struct Certificate {
  CertificateSpec spec;
  uint32_t type = 0;  // kUserCertificate or kHostCertificate: callers check
  std::string nonce;
  crypto::Ed25519PublicKey ca_key{};  // the signer; callers check it is theirs
  // valid_after <= now < valid_before, as sshd decides.
  bool ValidAt(uint64_t now) const { return spec.valid_after <= now && now < spec.valid_before; }
};

// Parses a certificate blob strictly and verifies its signature by the CA
// key it names (only that: whether that CA is trusted is the caller's
// check). Errors: kMalformed/kTruncated for a broken or non-canonical blob
// (trailing bytes, unsorted or duplicate options, wrong sizes, empty
// principals); kUnsupported for another key or CA algorithm, a critical
// option cordon does not know, an extension with data; kAuthFailed when the
// signature does not verify.
Result<Certificate> ParseCertificate(ByteView blob);
// The same for "ssh-ed25519-cert-v01@openssh.com AAAA… [comment]".
Result<Certificate> ParseCertificateLine(std::string_view line);

// The bytes the CA signs: the blob up to and including the signature key.
// For tests and the fuzz target, which check that a parsed certificate
// re-encodes to the bytes it came from. Does not validate `spec`.
std::string CertificateSignedPart(const CertificateSpec& spec, uint32_t type, ByteView nonce,
                                  const crypto::Ed25519PublicKey& ca_key);

}  // namespace cordon::ssh
