// OpenSSH key revocation lists (PROTOCOL.krl), written for sshd's
// RevokedKeys: the certificates of one CA revoked by serial and by key id
// (cordon's key id names the grant, so revoking a grant needs no list of
// serials). Unsigned: OpenSSH does not verify KRL signatures, so the file's
// integrity comes from how it is delivered (root-only, from cordon).
// Functions only; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/ed25519.h"

namespace cordon::ssh {

struct KrlSpec {
  crypto::Ed25519PublicKey ca_key{};  // the CA whose certificates are revoked
  // More CAs with the same lists: during a CA rotation sshd trusts two, and
  // serials and key ids are the exchange's, whichever CA signed.
  std::vector<crypto::Ed25519PublicKey> more_ca_keys;
  std::vector<uint64_t> serials;
  std::vector<std::string> key_ids;
  uint64_t version = 0;       // increases each time the KRL changes
  uint64_t generated_at = 0;  // seconds since the epoch
  std::string comment;
};

// The KRL's bytes: the header (KRL_MAGIC, format version 1, version, date,
// no flags, comment), then one KRL_SECTION_CERTIFICATES section for
// `ca_key` holding a KRL_SECTION_CERT_SERIAL_LIST and a
// KRL_SECTION_CERT_KEY_ID subsection (each omitted when empty). Serials and
// key ids are sorted and de-duplicated, as ssh-keygen writes them. Serial 0
// and key ids that are empty or contain a NUL are left out: OpenSSH never
// revokes by serial 0, a NUL would make sshd reject the whole file, and
// cordon signs neither (SignUserCertificate refuses them).
std::string WriteKrl(const KrlSpec& spec);

}  // namespace cordon::ssh
