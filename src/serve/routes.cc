#include "serve/routes.h"

namespace cordon::serve {
namespace {

using exchange::Role;
const std::vector<Role> kEveryone = {Role::kOperator, Role::kApprover, Role::kRecipient,
                                     Role::kAuditor, Role::kAdmin};
// Every person, DPOs included: a DPO reaches their own account and the
// orders of their organisation, nothing of packages or grants.
const std::vector<Role> kPeople = {Role::kOperator, Role::kApprover, Role::kRecipient,
                                   Role::kAuditor,  Role::kAdmin,    Role::kDpo};
const std::vector<Role> kOrderReaders = {Role::kOperator, Role::kDpo, Role::kAuditor};

}  // namespace

const std::vector<RouteSpec>& Routes() {
  static const std::vector<RouteSpec> routes = {
      {Endpoint::kHealth, "GET", "/health", {}},
      {Endpoint::kLogin, "POST", "/login", {}},
      {Endpoint::kEnrolBegin, "POST", "/enrol/begin", {}},
      {Endpoint::kEnrolFinish, "POST", "/enrol/finish", {}},
      {Endpoint::kPasskeyLoginBegin, "POST", "/login/passkey/begin", {}},
      {Endpoint::kPasskeyLoginFinish, "POST", "/login/passkey/finish", {}},
      // The command line's login signed with a registered SSH key (after
      // POST /login gave its challenge).
      {Endpoint::kKeyLogin, "POST", "/login/ssh-key", {}},
      {Endpoint::kPasskeys, "GET", "/passkeys", kPeople},
      // Open to every person so that the handler records the refusals.
      {Endpoint::kRevokePasskey, "POST", "/passkeys/{id}/revoke", kPeople},
      {Endpoint::kSshKeys, "GET", "/ssh-keys", kPeople},
      {Endpoint::kAddSshKey, "POST", "/ssh-keys", kPeople},
      {Endpoint::kRevokeSshKey, "POST", "/ssh-keys/{id}/revoke", kPeople},
      {Endpoint::kPasskeyRegisterBegin, "POST", "/passkeys/begin", kPeople},
      {Endpoint::kPasskeyRegisterFinish, "POST", "/passkeys/finish", kPeople},
      {Endpoint::kLogout, "POST", "/logout", kPeople},
      {Endpoint::kMe, "GET", "/me", kPeople},
      {Endpoint::kMyLogins, "GET", "/me/logins", kPeople},
      {Endpoint::kLogins, "GET", "/logins", {Role::kAuditor, Role::kAdmin}},
      {Endpoint::kPackages, "GET", "/packages", kEveryone},
      {Endpoint::kPackage, "GET", "/packages/{id}", kEveryone},
      {Endpoint::kDownload, "GET", "/packages/{id}/files/{name}", {Role::kRecipient}},
      {Endpoint::kConfirm, "POST", "/packages/{id}/confirm", {Role::kRecipient}},
      {Endpoint::kCertificate,
       "GET",
       "/packages/{id}/certificate",
       {Role::kApprover, Role::kAuditor, Role::kAdmin, Role::kRecipient}},
      {Endpoint::kNewUpload, "POST", "/uploads", {Role::kOperator}},
      {Endpoint::kUploadFile, "PUT", "/uploads/{upload}/files/{name}", {Role::kOperator}},
      {Endpoint::kCommitUpload, "POST", "/uploads/{upload}/commit", {Role::kOperator}},
      {Endpoint::kAbandonUpload, "DELETE", "/uploads/{upload}", {Role::kOperator}},
      {Endpoint::kGrants, "GET", "/grants", kEveryone},
      // One grant with its context and signed decisions: its requester, or
      // an approver, auditor or admin (the handler tells them apart).
      {Endpoint::kGrant, "GET", "/grants/{id}", kEveryone},
      // A package grant needs the recipient role, a role grant any: the
      // handler tells them apart.
      {Endpoint::kRequestGrant, "POST", "/grants", kEveryone},
      // A package's break-glass needs the recipient role, a target's an
      // on-call operator: the handler tells them apart.
      {Endpoint::kBreakGlass, "POST", "/grants/break-glass", {Role::kRecipient, Role::kOperator}},
      // Before /grants/{id}/{decision}: a literal segment wins.
      {Endpoint::kSshCertificate, "POST", "/grants/{id}/ssh-certificate", {Role::kOperator}},
      {Endpoint::kDecideGrant, "POST", "/grants/{id}/{decision}", {Role::kApprover}},
      {Endpoint::kReview,
       "GET",
       "/reviews/access",
       {Role::kApprover, Role::kAuditor, Role::kAdmin}},
      {Endpoint::kAttest, "POST", "/reviews/access/attest", {Role::kApprover}},
      {Endpoint::kAttestations,
       "GET",
       "/reviews/access/attestations",
       {Role::kApprover, Role::kAuditor, Role::kAdmin}},
      {Endpoint::kTargets,
       "GET",
       "/targets",
       {Role::kOperator, Role::kApprover, Role::kAuditor, Role::kAdmin}},
      // Recorded remote-maintenance sessions with their anchors: an
      // approver sees those on the targets of their organisation.
      {Endpoint::kRemoteSessions,
       "GET",
       "/remote-sessions",
       {Role::kApprover, Role::kAuditor, Role::kAdmin}},
      // Its sealed recording, as the bastion sent it (never readable here).
      {Endpoint::kRemoteSessionRecording,
       "GET",
       "/remote-sessions/{id}/recording",
       {Role::kApprover, Role::kAuditor, Role::kAdmin}},
      // The alerts feed: an approver sees those about their organisation.
      {Endpoint::kAlerts, "GET", "/alerts", {Role::kApprover, Role::kAuditor, Role::kAdmin}},
      {Endpoint::kCampaigns,
       "GET",
       "/reviews/campaigns",
       {Role::kApprover, Role::kAuditor, Role::kAdmin}},
      {Endpoint::kOpenCampaign, "POST", "/reviews/campaigns", {Role::kApprover}},
      {Endpoint::kCampaign,
       "GET",
       "/reviews/campaigns/{id}",
       {Role::kApprover, Role::kAuditor, Role::kAdmin}},
      {Endpoint::kCampaignDecision, "POST", "/reviews/campaigns/{id}/decisions", {Role::kApprover}},
      {Endpoint::kResumeOrganisation, "POST", "/organisations/{name}/resume", {Role::kApprover}},
      // Every role reaches the handler, which records a refusal too (an
      // operator trying to re-open an account is evidence).
      {Endpoint::kUnlockAccount, "POST", "/accounts/{email}/unlock", kPeople},
      // The body streams (up to an order and its plan): see Api::StreamsBody.
      {Endpoint::kSubmitOrder, "POST", "/orders", {Role::kOperator}},
      {Endpoint::kOrders, "GET", "/orders", kOrderReaders},
      {Endpoint::kOrder, "GET", "/orders/{id}", kOrderReaders},
      {Endpoint::kOrderReport, "GET", "/orders/{id}/report", kOrderReaders},
      {Endpoint::kSignOrder, "POST", "/orders/{id}/signature", {Role::kDpo}},
      {Endpoint::kBastionLogin, "POST", "/bastion/login", {}, true},
      {Endpoint::kBastionStartSession, "POST", "/bastion/sessions", {}, true},
      {Endpoint::kBastionSessionState, "GET", "/bastion/sessions/{id}", {}, true},
      {Endpoint::kBastionAnchor, "POST", "/bastion/sessions/{id}/anchor", {}, true},
      {Endpoint::kBastionEndSession, "POST", "/bastion/sessions/{id}/end", {}, true},
      {Endpoint::kBastionKrl, "GET", "/bastion/krl", {}, true},
      {Endpoint::kBastionExpiredRecordings, "GET", "/bastion/recordings/expired", {}, true},
      {Endpoint::kBastionRecordingDeleted,
       "POST",
       "/bastion/sessions/{id}/recording-deleted",
       {},
       true},
      {Endpoint::kBastionUncopiedRecordings, "GET", "/bastion/recordings/uncopied", {}, true},
      // The body streams (the recording): see Api::StreamsBody.
      {Endpoint::kBastionSendRecording, "PUT", "/bastion/sessions/{id}/recording", {}, true},
  };
  return routes;
}

std::optional<RouteMatch> MatchRoute(std::string_view method,
                                     const std::vector<std::string>& segments) {
  for (const RouteSpec& r : Routes()) {
    if (r.method != method) continue;
    RouteMatch m{&r, {}};
    std::string_view rest = r.path.substr(1);
    size_t i = 0;
    bool ok = true;
    while (ok) {
      const size_t slash = rest.find('/');
      const std::string_view part = rest.substr(0, slash);
      const bool param = part.size() > 2 && part.front() == '{' && part.back() == '}';
      if (i >= segments.size() || (!param && part != segments[i])) {
        ok = false;
      } else if (param) {
        ok = !segments[i].empty();  // "packages/" names no package
        m.params.push_back(segments[i]);
      }
      ++i;
      if (slash == std::string_view::npos) break;
      rest = rest.substr(slash + 1);
    }
    // A literal path wins over a parameter: /grants/break-glass is not
    // /grants/{id}/... (different lengths keep them apart here).
    if (ok && i == segments.size()) return m;
  }
  return std::nullopt;
}

nlohmann::json RoutesJson() {
  nlohmann::json out = nlohmann::json::array();
  for (const RouteSpec& r : Routes()) {
    nlohmann::json roles = nlohmann::json::array();
    for (auto role : r.roles) roles.push_back(exchange::RoleName(role));
    out.push_back({{"method", r.method},
                   {"path", r.path},
                   {"roles", roles},
                   {"public", r.roles.empty() && !r.machine},
                   {"machine", r.machine}});
  }
  return out;
}

}  // namespace cordon::serve
