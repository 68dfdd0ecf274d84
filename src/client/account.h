// A person's own account on the exchange: logging in and out, and enrolment
// from the one-time token an admin gave (authenticator secret first, then
// the password). Passwords arrive as SecretBuffers and travel in bodies built
// inside SecretBuffers (client/secret_json.h).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "client/connection.h"
#include "core/result.h"
#include "core/secret_buffer.h"

namespace cordon::client {

struct LoginResult {
  std::string email, role;
  int64_t idle_timeout_seconds = 900;
  nlohmann::json answer;  // the server's JSON, as it came
};

// Logs in (password and a TOTP or recovery code); the session token is kept
// in the store for the connection's URL. kAuthFailed: wrong credentials.
Result<LoginResult> Login(Connection& connection, std::string_view email,
                          const SecretBuffer& password, std::string_view code);

// Ends the session on the server (when there is one; its answer does not
// matter) and forgets the token.
Status Logout(Connection& connection);

struct EnrolmentSecret {
  std::string otpauth_uri, secret;  // for the authenticator app
  nlohmann::json answer;
};
Result<EnrolmentSecret> BeginEnrolment(Connection& connection, std::string_view token);

struct Enrolment {
  std::vector<std::string> recovery_codes;  // each works once instead of a code
  nlohmann::json answer;
};
// Sets the password; `code` proves the authenticator app holds the secret.
Result<Enrolment> FinishEnrolment(Connection& connection, std::string_view token,
                                  const SecretBuffer& password, std::string_view code);

}  // namespace cordon::client
