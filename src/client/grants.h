// Access on the exchange: time-boxed grants (requested, approved by another
// person, or break-glass), the access review approvers attest, and the login
// history.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "client/connection.h"
#include "core/result.h"

namespace cordon::client {

struct GrantRequest {
  std::string package;  // one of package, role and target
  std::string role;     // a role for a while (operator, recipient, auditor)
  std::string target;   // SSH access to a registered target (remote maintenance)
  std::string ticket;   // a ticket or order reference, named in the certificate's key id
  std::string reason;   // recorded
  int64_t hours = 0;
  std::string start;         // a later opening, YYYY-MM-DDTHH:MM:SSZ; empty: now
  bool break_glass = false;  // open at once, alerts, reviewed afterwards
};

struct Grant {  // NOLINT(bugprone-exception-escape): nlohmann::json member
  int64_t id = 0;
  std::string status, package, closes_at;
  bool break_glass = false;
  bool open_now = false;
  int64_t requester_id = 0;
  nlohmann::json answer;  // the server's JSON of this grant
};

// kInvalidArgument unless exactly one of package, role and target is given.
Result<Grant> RequestGrant(Connection& connection, const GrantRequest& request);

enum class GrantVerb { kApprove, kDeny, kRevoke, kReview };
// "approve", "deny", "revoke", "review": the API's words, and the CLI's.
const char* GrantVerbName(GrantVerb verb);
Result<Grant> DecideGrant(Connection& connection, int64_t id, GrantVerb verb);

// What an approver signs to take `verb` on grant `id`, as GET /grants/{id}
// offers it to them: the exact document and the SSHSIG namespace.
// kRefused, saying why, when the exchange offers them no such decision
// (their own request, another organisation's, decided already, signing
// off on this exchange).
struct DecisionToSign {
  std::string document;
  std::string ns;
};
Result<DecisionToSign> FetchDecisionToSign(Connection& connection, int64_t id, GrantVerb verb);
// Refuses (kRefused) a document that is not the canonical decision
// document of `verb` on grant `id` on the exchange at `host` (the host the
// client is connected to: the exchange's pages and API share it), under
// namespace cordon-grant@ + that host: the client signs only what its
// person asked, for the exchange they reach.
Status CheckDecisionDocument(const DecisionToSign& d, int64_t id, std::string_view verb,
                             std::string_view host);
// "https://host[:port]" → "host" (a web origin's RP ID); empty otherwise,
// and for anything but a host name's letters, digits, '.' and '-'.
std::string RpIdOfOrigin(std::string_view origin);
// The decision, with the armored SSH signature over that document.
Result<Grant> DecideGrantSigned(Connection& connection, int64_t id, GrantVerb verb,
                                const std::string& sshsig);

struct GrantList {  // NOLINT(bugprone-exception-escape): nlohmann::json member
  std::vector<Grant> grants;
  nlohmann::json answer;
};
// Yours; approvers and auditors see everyone's.
Result<GrantList> ListGrants(Connection& connection);

struct AccessReview {  // NOLINT(bugprone-exception-escape): nlohmann::json member
  struct Account {
    int64_t id = 0;
    std::string email, role, status, last_login_ip;
    bool expired = false, locked = false;
    size_t grants = 0, open_grants = 0;
  };
  std::vector<Account> accounts;
  int64_t break_glass_to_review = 0;
  std::string sha256;  // what an attestation names
  nlohmann::json answer;
};
Result<AccessReview> FetchAccessReview(Connection& connection);
// Records in the exchange's ledger that you reviewed the list hashing to `sha256`.
Status AttestAccessReview(Connection& connection, const std::string& sha256);
// What attesting `review` signs, as the exchange offered it with the review
// (its `sign`), checked by CheckAttestationDocument for the exchange the
// client reaches. kRefused when none is offered (signing off there).
Result<DecisionToSign> AttestationToSign(const AccessReview& review, std::string_view host);
// Refuses (kRefused) a document that is not the canonical attestation of
// the review hashing to `sha256` on the exchange at `host`, under
// cordon-review@ + that host: the client signs only the review it showed.
Status CheckAttestationDocument(const DecisionToSign& d, std::string_view sha256,
                                std::string_view host);
// The attestation, with the armored SSH signature over that document; the
// exchange's answer (its `signature` with the ssh-keygen command).
Result<nlohmann::json> AttestAccessReviewSigned(Connection& connection, const std::string& sha256,
                                                const std::string& sshsig);

struct LoginRecord {
  std::string at, ip, outcome, mfa;
  int64_t account = 0;
};
struct LoginHistory {  // NOLINT(bugprone-exception-escape): nlohmann::json member
  std::vector<LoginRecord> logins;
  nlohmann::json answer;
};
// Yours; with `everyone`, everyone's (auditors).
Result<LoginHistory> ListLogins(Connection& connection, bool everyone);

}  // namespace cordon::client
