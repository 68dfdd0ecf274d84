// Decisions on grants as signatures (issue 17): an approver approves,
// denies, revokes or countersigns a grant by signing, with their passkey,
// a document that says which grant (as its requester asked for it), on
// which exchange, and what was decided. The signature is an SSHSIG
// (namespace cordon-grant@RP_ID) that `ssh-keygen -Y verify` checks with
// nothing but the document, the signature and the approver's key line: a
// decision is evidence a third party checks offline, not a row to trust.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "exchange/accounts.h"
#include "exchange/grants.h"

namespace cordon::exchange {

// The SSHSIG namespace of grant decisions, before "@" and the RP ID.
inline constexpr std::string_view kGrantNamespace = "cordon-grant";

// "approve", "deny", "revoke" or "review" (a break-glass countersignature).
bool IsGrantDecision(std::string_view verb);

// The bytes an approver signs to take `decision` on `g`, which `requester`
// asked for, on the exchange at `origin` (https://host[:port]).
//
// Canonical JSON (RFC 8785 for what it holds: object keys sorted, no
// whitespace, only strings, integers, booleans and null), built from what
// the requester asked — never from what changes as the grant is decided
// (status, approvals, window) — so that the page and the server derive the
// same bytes, and a verifier re-derives them from the grant. Times are UTC,
// YYYY-MM-DDTHH:MM:SSZ.
std::string DecisionDocument(const Grant& g, const Account& requester, std::string_view decision,
                             std::string_view origin);

struct GrantSignature {
  int64_t grant_id = 0;
  int64_t signer_id = 0;
  // Made with a passkey (the pages) or a registered SSH key (the command
  // line): exactly one is set.
  std::optional<int64_t> passkey_id;
  std::optional<int64_t> ssh_key_id;
  std::string decision;
  int64_t signed_at = 0;
  std::string document;  // the exact bytes signed
  std::string sshsig;    // armored, "-----BEGIN SSH SIGNATURE-----…"
};

}  // namespace cordon::exchange
