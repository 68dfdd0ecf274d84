#include "client/account.h"

#include "client/answer.h"
#include "client/secret_json.h"

namespace cordon::client {

using nlohmann::json;

Result<LoginResult> Login(Connection& connection, std::string_view email,
                          const SecretBuffer& password, std::string_view code) {
  const SecretBuffer body = SecretJsonObject(
      {{"email", AsBytes(email)}, {"password", password.RevealBytes()}, {"code", AsBytes(code)}});
  CORDON_ASSIGN_OR_RETURN(
      json j,
      ExpectJson(connection.http().Send("POST", "/api/v1/login", {}, RevealText(body)), {200}));
  CORDON_TRY(connection.SaveSession(TextField(j, "token")));
  LoginResult r;
  const json& account = ObjectField(j, "account");
  r.email = TextField(account, "email");
  r.role = TextField(account, "role");
  r.idle_timeout_seconds = IntField(j, "idle_timeout_seconds", 900);
  r.answer = std::move(j);
  return r;
}

Status Logout(Connection& connection) {
  if (connection.has_session()) {
    (void)connection.http().Send("POST", "/api/v1/logout", connection.Auth(), "{}");
  }
  return connection.SaveSession("");
}

Result<EnrolmentSecret> BeginEnrolment(Connection& connection, std::string_view token) {
  CORDON_ASSIGN_OR_RETURN(
      json j, ExpectJson(connection.http().Send("POST", "/api/v1/enrol/begin", {},
                                                json{{"token", std::string(token)}}.dump()),
                         {200}));
  EnrolmentSecret r;
  r.otpauth_uri = TextField(j, "otpauth_uri");
  r.secret = TextField(j, "secret");
  r.answer = std::move(j);
  return r;
}

Result<Enrolment> FinishEnrolment(Connection& connection, std::string_view token,
                                  const SecretBuffer& password, std::string_view code) {
  const SecretBuffer body = SecretJsonObject(
      {{"token", AsBytes(token)}, {"password", password.RevealBytes()}, {"code", AsBytes(code)}});
  CORDON_ASSIGN_OR_RETURN(json j, ExpectJson(connection.http().Send("POST", "/api/v1/enrol/finish",
                                                                    {}, RevealText(body)),
                                             {200}));
  Enrolment r;
  for (const json& c : ArrayField(j, "recovery_codes")) {
    if (c.is_string()) r.recovery_codes.push_back(c.get<std::string>());
  }
  r.answer = std::move(j);
  return r;
}

}  // namespace cordon::client
