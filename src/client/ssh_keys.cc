#include "client/ssh_keys.h"

#include <sstream>

#include "client/answer.h"
#include "client/grants.h"
#include "core/encoding.h"

namespace cordon::client {

using nlohmann::json;

Result<SshKeyProofRequest> AskSshKeyProof(Connection& connection, const std::string& public_key) {
  const json body = {{"public_key", public_key}};
  CORDON_ASSIGN_OR_RETURN(json j, connection.Call("POST", "/api/v1/ssh-keys", {200}, body.dump()));
  auto document = Base64Decode(TextField(j, "document_base64"));
  if (!document.ok()) return document.error().WithContext("the exchange's registration document");
  SshKeyProofRequest out{std::string(document->begin(), document->end()),
                         TextField(j, "namespace")};
  // Only the registration of this key, under its namespace (as for
  // decisions: client/grants.h CheckDecisionDocument).
  const json doc = json::parse(out.document, nullptr, false);
  std::istringstream fields(public_key);
  std::string type, base64;
  fields >> type >> base64;
  const std::string host = RpIdOfOrigin(connection.url());
  const bool ok = doc.is_object() && TextField(doc, "format") == "cordon-ssh-key-registration" &&
                  IntField(doc, "version") == 1 && TextField(doc, "key") == type + " " + base64 &&
                  doc.dump() == out.document && !host.empty() &&
                  RpIdOfOrigin(TextField(doc, "exchange")) == host &&
                  out.ns == "cordon-ssh-key@" + host;
  if (!ok) {
    return Error(ErrorCode::kRefused,
                 "the exchange asked to sign something else than this key's registration: "
                 "nothing signed",
                 "the exchange may be compromised or not the one you meant; tell its operator");
  }
  return out;
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
