#include "client/account.h"

#include "client/answer.h"
#include "client/grants.h"
#include "client/secret_json.h"
#include "core/encoding.h"

namespace cordon::client {

using nlohmann::json;

namespace {

// The session a login's answer gives, kept for the connection's URL.
Result<LoginResult> SessionFrom(Connection& connection, json j) {
  CORDON_TRY(connection.SaveSession(TextField(j, "token")));
  LoginResult r;
  const json& account = ObjectField(j, "account");
  r.email = TextField(account, "email");
  r.role = TextField(account, "role");
  r.idle_timeout_seconds = IntField(j, "idle_timeout_seconds", 900);
  r.answer = std::move(j);
  return r;
}

}  // namespace

Result<LoginResult> Login(Connection& connection, std::string_view email,
                          const SecretBuffer& password, std::string_view code) {
  const SecretBuffer body = SecretJsonObject(
      {{"email", AsBytes(email)}, {"password", password.RevealBytes()}, {"code", AsBytes(code)}});
  const auto answer = connection.http().Send("POST", "/api/v1/login", {}, RevealText(body));
  CORDON_ASSIGN_OR_RETURN(json j, ExpectJson(answer, {200, 401}));
  if (answer->status == 401) {
    // Wrong credentials, or right ones of an account whose registered key
    // must sign this login.
    const json& offer = ObjectField(j, "key_login");
    if (TextField(j, "code") != "key_signature_required" || offer.empty()) {
      return ErrorFromAnswer(answer->status, answer->body);
    }
    auto document = Base64Decode(TextField(offer, "document_base64"));
    if (!document.ok())
      return Error(ErrorCode::kMalformed, "the exchange's key login is unreadable");
    LoginResult r;
    r.email = std::string(email);
    r.key_login = KeyLoginOffer{TextField(offer, "namespace"), TextField(offer, "challenge"),
                                std::string(document->begin(), document->end())};
    r.answer = std::move(j);
    return r;
  }
  return SessionFrom(connection, std::move(j));
}

Status CheckKeyLoginOffer(const KeyLoginOffer& offer, std::string_view email,
                          std::string_view host) {
  const json doc = json::parse(offer.document, nullptr, false);
  const bool ok = doc.is_object() && TextField(doc, "format") == "cordon-key-login" &&
                  IntField(doc, "version") == 1 && TextField(doc, "account") == email &&
                  TextField(doc, "challenge") == offer.challenge && !offer.challenge.empty() &&
                  doc.dump() == offer.document && !host.empty() &&
                  RpIdOfOrigin(TextField(doc, "exchange")) == host &&
                  offer.ns == "cordon-login@" + std::string(host);
  if (!ok) {
    return Error(ErrorCode::kRefused,
                 "the exchange asked to sign something else than your login to " +
                     std::string(host) + ": nothing signed",
                 "the exchange may be compromised or not the one you meant; tell its operator");
  }
  return Ok();
}

Result<LoginResult> FinishKeyLogin(Connection& connection, std::string_view email,
                                   const KeyLoginOffer& offer, std::string_view sshsig) {
  const json body = {{"email", std::string(email)},
                     {"challenge", offer.challenge},
                     {"sshsig", std::string(sshsig)}};
  CORDON_ASSIGN_OR_RETURN(
      json j,
      ExpectJson(connection.http().Send("POST", "/api/v1/login/ssh-key", {}, body.dump()), {200}));
  return SessionFrom(connection, std::move(j));
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
