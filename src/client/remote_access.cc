#include "client/remote_access.h"

#include <cctype>

#include "client/answer.h"

namespace cordon::client {

using nlohmann::json;

Result<TargetList> ListTargets(Connection& connection) {
  CORDON_ASSIGN_OR_RETURN(json j, connection.Call("GET", "/api/v1/targets", {200}));
  TargetList r;
  for (const json& t : ArrayField(j, "targets")) {
    r.targets.push_back({TextField(t, "name"), TextField(t, "address"), TextField(t, "principal"),
                         TextField(t, "organisation"), IntField(t, "approvals", 1)});
  }
  r.answer = std::move(j);
  return r;
}

Result<SshCertificate> IssueSshCertificate(Connection& connection, int64_t grant_id,
                                           const std::string& public_key_line) {
  CORDON_ASSIGN_OR_RETURN(
      json j,
      connection.Call("POST", "/api/v1/grants/" + std::to_string(grant_id) + "/ssh-certificate",
                      {200, 201}, json{{"public_key", public_key_line}}.dump()));
  SshCertificate c;
  c.certificate = TextField(j, "certificate");
  c.serial = IntField(j, "serial");
  c.key_id = TextField(j, "key_id");
  c.valid_before = TimeField(j, "valid_before");
  c.bastion = TextField(j, "bastion");
  if (c.certificate.empty()) {
    return Error(ErrorCode::kMalformed, "the exchange answered without a certificate");
  }
  c.answer = std::move(j);
  return c;
}

namespace {

// A name or an e-mail travels in the path: all but unreserved bytes
// percent-encoded.
std::string PathSegment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

}  // namespace

Status ResumeOrganisation(Connection& connection, const std::string& name) {
  CORDON_TRY(connection.Call("POST", "/api/v1/organisations/" + PathSegment(name) + "/resume",
                             {200}, "{}"));
  return Ok();
}

Result<json> UnlockAccount(Connection& connection, const std::string& email,
                           const std::string& reason) {
  return connection.Call("POST", "/api/v1/accounts/" + PathSegment(email) + "/unlock", {200},
                         json{{"reason", reason}}.dump());
}

Result<json> ListPasskeys(Connection& connection, const std::string& email) {
  return connection.Call("GET", "/api/v1/passkeys?email=" + PathSegment(email), {200});
}

Result<json> RevokePasskey(Connection& connection, int64_t passkey_id, const std::string& reason) {
  return connection.Call("POST", "/api/v1/passkeys/" + std::to_string(passkey_id) + "/revoke",
                         {200}, json{{"reason", reason}}.dump());
}

Result<json> OpenCampaign(Connection& connection, const std::string& organisation,
                          const std::string& deadline) {
  return connection.Call("POST", "/api/v1/reviews/campaigns", {201},
                         json{{"organisation", organisation}, {"deadline", deadline}}.dump());
}

Result<json> GetCampaign(Connection& connection, int64_t id) {
  return connection.Call("GET", "/api/v1/reviews/campaigns/" + std::to_string(id), {200});
}

Result<json> DecideInCampaign(Connection& connection, int64_t id, int64_t account,
                              const std::string& decision) {
  return connection.Call("POST", "/api/v1/reviews/campaigns/" + std::to_string(id) + "/decisions",
                         {200, 201}, json{{"account", account}, {"decision", decision}}.dump());
}

}  // namespace cordon::client
