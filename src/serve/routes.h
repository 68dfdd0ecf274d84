// The API's endpoints and who may call them: one table, read by the router
// (Api::Route) and printed by `cordon serve --print-routes` for the test
// that holds docs/openapi.yaml to it (tests/openapi_test.py). A handler
// may refuse more finely (a recipient's package must be sealed to them);
// it never lets in a role this table keeps out.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exchange/accounts.h"

namespace cordon::serve {

enum class Endpoint {
  kHealth,
  kLogin,
  kEnrolBegin,
  kEnrolFinish,
  kPasskeyLoginBegin,
  kPasskeyLoginFinish,
  kKeyLogin,
  kPasskeys,
  kPasskeyRegisterBegin,
  kPasskeyRegisterFinish,
  kSignOrder,
  kLogout,
  kMe,
  kMyLogins,
  kLogins,
  kPackages,
  kPackage,
  kDownload,
  kConfirm,
  kCertificate,
  kNewUpload,
  kUploadFile,
  kCommitUpload,
  kAbandonUpload,
  kGrants,
  kGrant,
  kRequestGrant,
  kBreakGlass,
  kDecideGrant,
  kReview,
  kAttest,
  kAttestations,
  // Vendor remote maintenance (issue 16).
  kTargets,
  kRemoteSessions,
  kAlerts,
  kResumeOrganisation,
  kUnlockAccount,
  kRevokePasskey,
  kSshKeys,
  kAddSshKey,
  kRevokeSshKey,
  kSshCertificate,
  kCampaigns,
  kOpenCampaign,
  kCampaign,
  kCampaignDecision,
  // Orders submitted for a DPO's validation (issue 17).
  kSubmitOrder,
  kOrders,
  kOrder,
  kOrderReport,
  // A bastion's machine calls (a machine token, never a person's session).
  kBastionLogin,
  kBastionStartSession,
  kBastionSessionState,
  kBastionAnchor,
  kBastionEndSession,
  kBastionKrl,
  kBastionExpiredRecordings,
  kBastionRecordingDeleted,
  kBastionUncopiedRecordings,
  kBastionSendRecording,  // streamed: see Api::StreamsBody
  kRemoteSessionRecording,
};

struct RouteSpec {
  Endpoint endpoint;
  std::string_view method;
  std::string_view path;  // under /api/v1, OpenAPI style: /packages/{id}
  // Who may call it; empty: anyone, without a session (unless `machine`).
  std::vector<exchange::Role> roles;
  // Only a machine credential (a bastion's bearer token) reaches it; people's
  // sessions never do, and machine tokens reach nothing else.
  bool machine = false;
};

const std::vector<RouteSpec>& Routes();

// The route a request's method and path (under /api/v1, split into
// segments) fall in, with the path's {parameters} in order.
struct RouteMatch {
  const RouteSpec* spec = nullptr;
  std::vector<std::string> params;
};
std::optional<RouteMatch> MatchRoute(std::string_view method,
                                     const std::vector<std::string>& segments);

// [{"method", "path", "roles": [...], "public": bool, "machine": bool}] for
// the spec test.
nlohmann::json RoutesJson();

}  // namespace cordon::serve
