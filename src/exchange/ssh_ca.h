// The exchange's two SSH certificate authorities, in its data directory,
// created on first need (like secrets.key):
//   ssh-user-ca.key    signs the vendors' certificates (principal: the
//                      bastion); the bastion's sshd trusts it
//                      (TrustedUserCAKeys).
//   ssh-egress-ca.key  signs the 2-minute certificates the bastion uses to
//                      reach a target; only the targets trust it.
// Rotation keeps the old public key trusted (listed by `cordon admin ca
// show`, file ssh-<which>-ca.old.pub) until --retire-old: certificates the
// old key signed stay valid until they expire (at most 8 hours).
// Functions only; two processes rotating one CA at once are not supported
// (an admin's act on the server).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "ssh/ca_key.h"

namespace cordon::exchange {

enum class CaKind { kUser, kEgress };
std::string_view CaKindName(CaKind kind);  // "user", "egress"
Result<CaKind> ParseCaKind(std::string_view name);

// DIR/ssh-<kind>-ca.key, made (0600) when missing.
Result<ssh::CaKey> LoadOrCreateCa(const std::string& data_dir, CaKind kind);
// The public key lines to trust: the current key, then the old one while a
// rotation is under way.
Result<std::vector<std::string>> TrustedCaLines(const std::string& data_dir, CaKind kind);
// A new key signs from now on; the old public key stays listed. kRefused
// while an earlier rotation's old key is still listed (retire it first).
Status RotateCa(const std::string& data_dir, CaKind kind);
// Stops listing the old public key (kNotFound when there is none).
Status RetireOldCa(const std::string& data_dir, CaKind kind);

}  // namespace cordon::exchange
