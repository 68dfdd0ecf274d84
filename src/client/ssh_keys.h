// The SSH signing keys of one's exchange account (issue 17): registered
// with a proof of possession, listed, revoked. What the keys sign is in
// client/grants.h (DecideGrantSigned).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "client/connection.h"
#include "core/result.h"

namespace cordon::client {

// What the key must sign to be registered to the caller's account.
struct SshKeyProofRequest {
  std::string document;
  std::string ns;
};
Result<SshKeyProofRequest> AskSshKeyProof(Connection& connection, const std::string& public_key);
// Registers the key with its proof (an armored SSH signature over the
// document); the server's JSON of the key.
Result<nlohmann::json> RegisterSshKey(Connection& connection, const std::string& public_key,
                                      const std::string& proof);
Result<nlohmann::json> ListSshKeys(Connection& connection);
Result<nlohmann::json> RevokeSshKey(Connection& connection, int64_t id);

}  // namespace cordon::client
