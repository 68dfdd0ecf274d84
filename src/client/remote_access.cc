#include "client/remote_access.h"

#include "client/answer.h"

namespace cordon::client {

using nlohmann::json;

Result<TargetList> ListTargets(Connection& connection) {
  CORDON_ASSIGN_OR_RETURN(json j, connection.Call("GET", "/api/v1/targets", {200}));
  TargetList r;
  for (const json& t : ArrayField(j, "targets")) {
    r.targets.push_back({TextField(t, "name"), TextField(t, "address"),
                         TextField(t, "principal"), TextField(t, "organisation"),
                         IntField(t, "approvals", 1)});
  }
  r.answer = std::move(j);
  return r;
}

Result<SshCertificate> IssueSshCertificate(Connection& connection, int64_t grant_id,
                                           const std::string& public_key_line) {
  CORDON_ASSIGN_OR_RETURN(
      json j, connection.Call("POST",
                              "/api/v1/grants/" + std::to_string(grant_id) + "/ssh-certificate",
                              {200, 201}, json{{"public_key", public_key_line}}.dump()));
  SshCertificate c;
  c.certificate = TextField(j, "certificate");
  c.serial = IntField(j, "serial");
  c.key_id = TextField(j, "key_id");
  c.valid_before = IntField(j, "valid_before");
  c.bastion = TextField(j, "bastion");
  if (c.certificate.empty()) {
    return Error(ErrorCode::kMalformed, "the exchange answered without a certificate");
  }
  c.answer = std::move(j);
  return c;
}

}  // namespace cordon::client
