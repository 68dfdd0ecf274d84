#include "client/ssh_keys.h"

#include "client/answer.h"
#include "core/encoding.h"

namespace cordon::client {

using nlohmann::json;

Result<SshKeyProofRequest> AskSshKeyProof(Connection& connection, const std::string& public_key) {
  const json body = {{"public_key", public_key}};
  CORDON_ASSIGN_OR_RETURN(json j, connection.Call("POST", "/api/v1/ssh-keys", {200}, body.dump()));
  auto document = Base64Decode(TextField(j, "document_base64"));
  if (!document.ok()) return document.error().WithContext("the exchange's registration document");
  return SshKeyProofRequest{std::string(document->begin(), document->end()),
                            TextField(j, "namespace")};
}

Result<json> RegisterSshKey(Connection& connection, const std::string& public_key,
                            const std::string& proof) {
  const json body = {{"public_key", public_key}, {"proof", proof}};
  return connection.Call("POST", "/api/v1/ssh-keys", {201}, body.dump());
}

Result<json> ListSshKeys(Connection& connection) {
  return connection.Call("GET", "/api/v1/ssh-keys", {200});
}

Result<json> RevokeSshKey(Connection& connection, int64_t id) {
  return connection.Call("POST", "/api/v1/ssh-keys/" + std::to_string(id) + "/revoke", {200}, "{}");
}

}  // namespace cordon::client
