// Remote maintenance, the engineer's side: the targets the exchange knows,
// and an SSH certificate for an open grant (the exchange is the CA; it signs
// only inside the grant's approved window, docs/remote-maintenance.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "client/connection.h"
#include "client/grants.h"
#include "core/result.h"

namespace cordon::client {

struct Target {
  std::string name, address, principal, organisation;
  int64_t approvals = 1;
};
struct TargetList {  // NOLINT(bugprone-exception-escape): nlohmann::json member
  std::vector<Target> targets;
  nlohmann::json answer;
};
Result<TargetList> ListTargets(Connection& connection);

struct SshCertificate {     // NOLINT(bugprone-exception-escape): nlohmann::json member
  std::string certificate;  // "ssh-ed25519-cert-v01@openssh.com AAAA… key id"
  int64_t serial = 0;
  std::string key_id;
  int64_t valid_before = 0;  // Unix seconds
  std::string bastion;       // where to connect: [user@]host[:port], may be empty
  nlohmann::json answer;
};
// `public_key_line`: the engineer's "ssh-ed25519 AAAA…" line (the private
// half never leaves the machine).
Result<SshCertificate> IssueSshCertificate(Connection& connection, int64_t grant_id,
                                           const std::string& public_key_line);

// An approver of another organisation lifts a suspension an admin asked to
// resume (`cordon admin organisation resume` first).
Status ResumeOrganisation(Connection& connection, const std::string& name);

// An approver of another organisation re-opens a vendor's locked or dormant
// account, saying why; the answer says what was lifted ("lifted").
Result<nlohmann::json> UnlockAccount(Connection& connection, const std::string& email,
                                     const std::string& reason);

// An admin lists an account's passkeys (revoked ones included), and
// approves the revocation of a lost one: the second admin's approval
// revokes it ("revoked" in the answer).
Result<nlohmann::json> ListPasskeys(Connection& connection, const std::string& email);
Result<nlohmann::json> RevokePasskey(Connection& connection, int64_t passkey_id,
                                     const std::string& reason);

// Access review campaigns of a vendor's accounts (approvers of a hospital
// the vendor reaches decide; no decision by the deadline is removal).
Result<nlohmann::json> OpenCampaign(Connection& connection, const std::string& organisation,
                                    const std::string& deadline);
Result<nlohmann::json> GetCampaign(Connection& connection, int64_t id);
Result<nlohmann::json> ListCampaigns(Connection& connection);  // the most recent, newest first
// `decision`: "keep" or "remove". Unsigned: only for an approver who
// never had a passkey nor an SSH signing key.
Result<nlohmann::json> DecideInCampaign(Connection& connection, int64_t id, int64_t account,
                                        const std::string& decision);
// The exchange's document for `decision` on `account` in campaign `id`, to
// sign with the approver's SSH key; kRefused when the exchange offers no
// such decision to this approver, or offers a document that is not that
// decision for the exchange the client reaches (CheckCampaignDecisionDocument).
Result<DecisionToSign> FetchCampaignDecisionToSign(Connection& connection, int64_t id,
                                                   int64_t account, const std::string& decision);
// Refuses (kRefused) a document that is not the canonical document of
// `decision` on `account` in campaign `id` on the exchange at `host`, under
// namespace cordon-review@ + that host.
Status CheckCampaignDecisionDocument(const DecisionToSign& d, int64_t id, int64_t account,
                                     std::string_view decision, std::string_view host);
// The decision, with the armored SSH signature over that document.
Result<nlohmann::json> DecideInCampaignSigned(Connection& connection, int64_t id, int64_t account,
                                              const std::string& decision,
                                              const std::string& sshsig);

// The recorded sessions the caller may see (approvers: their
// organisation's targets; auditors and admins: all), newest first, each
// with its last anchor and whether the exchange holds a copy.
Result<nlohmann::json> ListRemoteSessions(Connection& connection);

struct FetchedRecording {
  uint64_t bytes = 0;
  std::string verified;  // "verified: …", the check against the anchor
};
// The exchange's sealed copy of session `id`'s recording, written to `out`
// (atomically, never over an existing file) only once its chain matches the
// session's last anchor as the exchange lists it — the same check the
// replay page makes. kNotFound when there is no copy (yet); kAuthFailed when
// the bytes are not the anchored recording.
Result<FetchedRecording> FetchRecording(Connection& connection, int64_t id, const std::string& out);

}  // namespace cordon::client
