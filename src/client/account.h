// A person's own account on the exchange: logging in and out, and enrolment
// from the one-time token an admin gave (authenticator secret first, then
// the password). Passwords arrive as SecretBuffers and travel in bodies built
// inside SecretBuffers (client/secret_json.h).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/connection.h"
#include "core/result.h"
#include "core/secret_buffer.h"

namespace cordon::client {

// An account that logs in with its passkey in the pages logs in from the
// command line with a registered SSH key: after the password and code, the
// exchange gives a document to sign (its one-time challenge) in the
// namespace cordon-login@ + its RP ID.
struct KeyLoginOffer {
  std::string ns, challenge, document;
};

struct LoginResult {  // NOLINT(bugprone-exception-escape): nlohmann::json member
  std::string email, role;
  int64_t idle_timeout_seconds = 900;
  nlohmann::json answer;  // the server's JSON, as it came
  // Set when no session was given yet: the key login to sign, then finish
  // with FinishKeyLogin.
  std::optional<KeyLoginOffer> key_login;
};

// Logs in (password and a TOTP or recovery code); the session token is kept
// in the store for the connection's URL. kAuthFailed: wrong credentials.
// For an account that logs in with its passkey, either key_login is set (it
// has a registered SSH key) or the exchange's 403 comes back.
Result<LoginResult> Login(Connection& connection, std::string_view email,
                          const SecretBuffer& password, std::string_view code);

// Refuses (kRefused) an offer that is not the canonical key-login document
// for `email` on the exchange at `host` (the host the client reached) under
// cordon-login@ + that host: the key signs a login to this exchange only.
Status CheckKeyLoginOffer(const KeyLoginOffer& offer, std::string_view email,
                          std::string_view host);

// Sends the offer's signature (an armored SSHSIG made by the registered
// key); the session token is kept as Login's.
Result<LoginResult> FinishKeyLogin(Connection& connection, std::string_view email,
                                   const KeyLoginOffer& offer, std::string_view sshsig);

// Ends the session on the server (when there is one; its answer does not
// matter) and forgets the token.
Status Logout(Connection& connection);

struct EnrolmentSecret {            // NOLINT(bugprone-exception-escape): nlohmann::json member
  std::string otpauth_uri, secret;  // for the authenticator app
  nlohmann::json answer;
};
Result<EnrolmentSecret> BeginEnrolment(Connection& connection, std::string_view token);

struct Enrolment {  // NOLINT(bugprone-exception-escape): nlohmann::json member
  std::vector<std::string> recovery_codes;  // each works once instead of a code
  nlohmann::json answer;
};
// Sets the password; `code` proves the authenticator app holds the secret.
Result<Enrolment> FinishEnrolment(Connection& connection, std::string_view token,
                                  const SecretBuffer& password, std::string_view code);

}  // namespace cordon::client
