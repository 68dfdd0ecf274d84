// Passkeys (issue 17): an account registers one from a session, and logs in
// with it — a login that resists phishing (the browser binds the answer to
// the exchange's origin) and opens a browser session in a cookie. The same
// passkey later signs decisions as SSH signatures (ssh/sshsig.h), which is
// why only ES256 passkeys are taken (auth/webauthn.h).
#include <cctype>
#include <variant>

#include "core/encoding.h"
#include "core/utc_time.h"
#include "crypto/hash.h"
#include "exchange/defender.h"
#include "exchange/grants.h"
#include "exchange/passkeys.h"
#include "ledger/entry.h"
#include "serve/api_internal.h"

namespace cordon::serve {

using api_internal::AccountJson;
using api_internal::Base64UrlField;
using api_internal::CsrfToken;
using api_internal::Fail;
using api_internal::Forbidden;
using api_internal::HasRole;
using api_internal::json;
using api_internal::Json;
using api_internal::kFreshLoginSeconds;
using api_internal::Opt;
using api_internal::Role;
using api_internal::SessionCookie;
using api_internal::Str;
using api_internal::Unrecorded;
using exchange::Ceremony;

namespace {

bool HostChar(char c) {
  return std::islower(static_cast<unsigned char>(c)) ||
         std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

bool ValidHost(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.back() == '.' ||
      host.front() == '-') {
    return false;
  }
  for (char c : host) {
    if (!HostChar(c)) return false;
  }
  return host.find("..") == std::string_view::npos;
}

std::string Text(const Bytes& b) { return std::string(b.begin(), b.end()); }

json PasskeyJson(const exchange::Passkey& p) {
  return {{"id", p.id},
          {"label", p.label},
          {"ssh_public_key", p.key.Line()},
          {"fingerprint", p.key.Fingerprint()},
          {"aaguid", p.aaguid_hex},
          {"attestation", p.attestation},
          {"backup_eligible", p.backup_eligible},
          {"created_at", FormatUtc(p.created_at)},
          {"last_used_at", Opt(p.last_used_at)},
          {"revoked_at", Opt(p.revoked_at)}};
}

// The WebAuthn user handle: the account's number, never a name or address
// (authenticators keep it, and show it to whoever holds the device).
std::string UserHandle(int64_t account_id) {
  Bytes id(8);
  for (int i = 0; i < 8; ++i) id[i] = static_cast<uint8_t>(uint64_t(account_id) >> (56 - 8 * i));
  return Base64UrlEncode(id);
}

// The counter an assertion's authenticator data carries (bytes 33..36).
std::optional<uint32_t> AssertedCounter(const Bytes& ad) {
  if (ad.size() < 37) return std::nullopt;
  return uint32_t{ad[33]} << 24 | uint32_t{ad[34]} << 16 | uint32_t{ad[35]} << 8 | ad[36];
}

// A passkey's answer as the pages send it, each field base64url; none when
// one is missing or not base64url.
struct AssertionFields {
  Bytes credential_id;
  ssh::WebauthnAssertion assertion;
};

std::optional<AssertionFields> ReadAssertion(const json& body) {
  auto credential_id = Base64UrlField(body, "credential_id");
  auto authenticator_data = Base64UrlField(body, "authenticator_data");
  auto client_data = Base64UrlField(body, "client_data_json");
  auto signature = Base64UrlField(body, "signature");
  if (!credential_id || !authenticator_data || !client_data || !signature) return std::nullopt;
  return AssertionFields{
      std::move(*credential_id),
      {std::move(*authenticator_data), Text(*client_data), std::move(*signature)}};
}

// A challenge the quotas refused is "try later" (429), not a malformed request.
Response ChallengeRefused(const Error& e) {
  if (e.code() == ErrorCode::kLimitExceeded) return Fail(429, e.message(), e.hint());
  return Fail(e);
}

}  // namespace

Result<WebPolicy> MakeWebPolicy(std::string_view origin) {
  const auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidArgument, "origin \"" + PrintableText(origin) + "\": " + why,
                 "write it as the browser's address bar shows the site: https://host or "
                 "https://host:port, nothing after the host");
  };
  std::string_view rest = origin;
  if (rest.rfind("https://", 0) != 0) {
    return bad("not an https:// origin (browsers give passkeys to secure origins only)");
  }
  rest.remove_prefix(8);
  const size_t colon = rest.find(':');
  const std::string_view host = rest.substr(0, colon);
  if (!ValidHost(host)) return bad("the host is not a lowercase DNS name");
  if (colon != std::string_view::npos) {
    const std::string_view port = rest.substr(colon + 1);
    bool digits = !port.empty() && port.size() <= 5 && port.front() != '0';
    for (char c : port) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (!digits || std::stoi(std::string(port)) > 65535) return bad("the port is not 1 to 65535");
    if (port == "443") return bad("browsers write https origins without :443");
  }
  // The RP ID is the host itself, never a parent domain: a signature is
  // checked offline against https://RP_ID[:port] (ssh/allowed_signers.h),
  // with nothing but the key's application to go by.
  return WebPolicy{std::string(origin), std::string(host)};
}

std::optional<Response> Api::RefusePasskeysOff() const {
  if (options_.web.on()) return std::nullopt;
  return Fail(503, "passkeys are off on this exchange",
              "its operator sets [web] origin = \"https://…\" in the configuration (docs/ui.md)");
}

Response Api::PasskeyLoginBegin(Call& call) {
  if (auto off = RefusePasskeysOff()) return std::move(*off);
  if (auto refused = RefuseBanned(call)) return std::move(*refused);
  // No e-mail asked: the passkey names its account (a discoverable
  // credential), so this answer is the same for everyone.
  auto challenge = exchange::Passkeys(call.s.db).NewChallenge(
      Ceremony::kLogin, {}, exchange::BanKey(call.request.client_ip), call.now);
  if (!challenge.ok()) return ChallengeRefused(challenge.error());
  return Json(200, {{"challenge", Base64UrlEncode(*challenge)},
                    {"rp_id", options_.web.rp_id},
                    {"timeout_ms", exchange::kChallengeSeconds * 1000},
                    {"user_verification", "required"}});
}

Response Api::PasskeyLoginFinish(Call& call) {
  if (auto off = RefusePasskeysOff()) return std::move(*off);
  if (auto refused = RefuseBanned(call)) return std::move(*refused);
  auto challenge = Base64UrlField(call.body, "challenge");
  auto answer = ReadAssertion(call.body);
  if (!challenge || !answer) {
    return Fail(400,
                "send {\"challenge\", \"credential_id\", \"authenticator_data\", "
                "\"client_data_json\", \"signature\"}, each base64url as the browser gave it");
  }
  json details = {{"mfa", "passkey"}};
  // Every refusal below is a failed login: it counts against the address,
  // is on record with its reason, and tells the client no more than that it
  // failed (a reason per case would tell registered credential ids apart).
  const auto refuse = [&](const Error& why, int status) {
    details["login_outcome"] = "wrong_credentials";
    details["why"] = why.message();
    RecordRefusal(call, "login", "refused", details);
    CountFailure(call);
    return Fail(status, "this passkey login was not accepted",
                "start again from the login page; if it keeps failing, ask your admin (the "
                "exchange's ledger says why)");
  };
  exchange::Passkeys passkeys(call.s.db);
  if (Status spent = passkeys.SpendChallenge(*challenge, Ceremony::kLogin, {}, call.now);
      !spent.ok()) {
    return refuse(spent.error(), 401);
  }
  auto stored = passkeys.FindActive(answer->credential_id);
  if (!stored.ok()) {
    if (stored.error().code() != ErrorCode::kNotFound) return Fail(stored.error());
    return refuse(stored.error(), 401);
  }
  details["account"] = stored->account_id;
  details["passkey"] = stored->id;
  auth::AssertionOptions options;
  options.rp_id = options_.web.rp_id;
  options.origin = options_.web.origin;
  options.challenge = *challenge;
  const exchange::Passkey& key = *stored;
  auto verified = auth::VerifyLoginAssertion(
      options, {key.credential_id, key.key, key.sign_counter}, answer->credential_id,
      answer->assertion.authenticator_data, answer->assertion.client_data_json,
      answer->assertion.signature_der);
  if (!verified.ok()) {
    // A cloned authenticator is news only when its answer is otherwise
    // valid: checked again without the counter, so that anyone who knows a
    // credential id cannot raise the alert with forged answers (review F4).
    const auto counter = AssertedCounter(answer->assertion.authenticator_data);
    if (counter && key.sign_counter != 0 && *counter <= key.sign_counter &&
        auth::VerifyLoginAssertion(options, {key.credential_id, key.key, 0}, answer->credential_id,
                                   answer->assertion.authenticator_data,
                                   answer->assertion.client_data_json,
                                   answer->assertion.signature_der)
            .ok()) {
      AlertCounterWentBack(call, key, *counter);
    }
    return refuse(verified.error(), 401);
  }
  if (Status used = passkeys.RecordUse(key.id, key.sign_counter, verified->sign_counter, call.now);
      !used.ok()) {
    if (used.error().code() != ErrorCode::kAuthFailed) return Fail(used.error());
    return refuse(used.error(), 401);
  }
  return OpenVerifiedSession(call, key.account_id, "passkey", std::move(details), true);
}

Response Api::OpenVerifiedSession(Call& call, int64_t account_id, std::string_view mfa,
                                  json details, bool browser) {
  exchange::LoginAttempt attempt;
  auto token =
      call.s.accounts.LoginWithPasskey(account_id, call.request.client_ip, call.now, &attempt, mfa);
  details["login_outcome"] = exchange::LoginOutcomeName(attempt.outcome);
  if (!token.ok()) {
    RecordRefusal(call, "login", "refused", details);
    return Fail(token.error());
  }
  auto who = call.s.accounts.Session(*token, call.now, call.request.client_ip);
  if (!who.ok()) return Fail(who.error());
  call.who = *who;
  if (auto seq = Record(call, "login", "ok", details); !seq.ok()) {
    (void)call.s.accounts.Logout(*token);  // no session without its login event
    return Fail(503, "the exchange cannot record your login right now; try again later");
  }
  if (attempt.new_ip) {
    Alert(AlertKind::kNewIpLogin, {{"account", who->id}, {"ip", call.request.client_ip}});
  }
  return browser ? BrowserSession(*token, *who, call.now) : BearerSession(*token, *who, call.now);
}

// The session goes to the browser in an HttpOnly cookie only: a script on
// the page (an injection) never sees it. The CSRF token is for the page's
// own requests.
Response Api::BrowserSession(const std::string& token, const exchange::Account& who,
                             int64_t now) const {
  Response r =
      Json(200, {{"csrf_token", CsrfToken(token)},
                 {"idle_timeout_seconds", options_.accounts.session_idle_seconds},
                 {"expires_at", FormatUtc(now + options_.accounts.session_absolute_seconds)},
                 {"account", AccountJson(who)}});
  r.headers["Set-Cookie"] = SessionCookie(token, options_.accounts.session_absolute_seconds);
  return r;
}

// Whoever holds a password and a TOTP code must not be able to add a
// passkey of their own next to the owner's: once there is one, only a
// session opened with it registers another; and only a fresh session
// registers at all.
std::optional<Response> Api::RefuseRegistration(Call& call, bool has_active) {
  if (has_active && call.session.mfa != "passkey") {
    RecordRefusal(call, "passkey.register", "refused", {{"why", "session not opened by passkey"}});
    return Fail(403, "this account has a passkey: register another from a session opened with it",
                "log in with your passkey, then add the new one");
  }
  if (call.now - call.session.created_at > kFreshLoginSeconds) {
    return Fail(403, "a passkey is registered within 10 minutes of logging in",
                "log out, log in again, and register it then");
  }
  return std::nullopt;
}

void Api::AlertCounterWentBack(const Call& call, const exchange::Passkey& key, uint32_t counter) {
  Alert(AlertKind::kPasskeyCounterWentBack, {{"account", key.account_id},
                                             {"passkey", key.id},
                                             {"ip", call.request.client_ip},
                                             {"stored_counter", key.sign_counter},
                                             {"asserted_counter", counter}});
}

Response Api::PasskeyRegisterBegin(Call& call) {
  if (auto off = RefusePasskeysOff()) return std::move(*off);
  exchange::Passkeys passkeys(call.s.db);
  auto mine = passkeys.ForAccount(call.who->id);
  if (!mine.ok()) return Fail(mine.error());
  json exclude = json::array();
  bool has_active = false;
  for (const auto& p : *mine) {
    if (p.revoked_at) continue;
    has_active = true;
    exclude.push_back({{"type", "public-key"}, {"id", Base64UrlEncode(p.credential_id)}});
  }
  if (auto refused = RefuseRegistration(call, has_active)) return std::move(*refused);
  auto challenge = passkeys.NewChallenge(Ceremony::kRegister, call.who->id,
                                         exchange::BanKey(call.request.client_ip), call.now);
  if (!challenge.ok()) return ChallengeRefused(challenge.error());
  // The options of navigator.credentials.create(), in the JSON form of
  // WebAuthn Level 3 (PublicKeyCredentialCreationOptionsJSON).
  return Json(200, {{"challenge", Base64UrlEncode(*challenge)},
                    {"rp", {{"id", options_.web.rp_id}, {"name", "cordon"}}},
                    {"user",
                     {{"id", UserHandle(call.who->id)},
                      {"name", call.who->email},
                      {"displayName", call.who->name}}},
                    {"pubKeyCredParams", json::array({{{"type", "public-key"}, {"alg", -7}}})},
                    {"timeout", exchange::kChallengeSeconds * 1000},
                    {"attestation", "none"},
                    {"authenticatorSelection",
                     {{"residentKey", "required"}, {"userVerification", "required"}}},
                    {"excludeCredentials", exclude}});
}

Response Api::PasskeyRegisterFinish(Call& call) {
  if (auto off = RefusePasskeysOff()) return std::move(*off);
  auto challenge = Base64UrlField(call.body, "challenge");
  auto attestation_object = Base64UrlField(call.body, "attestation_object");
  auto client_data = Base64UrlField(call.body, "client_data_json");
  auto label = Str(call.body, "label");
  if (!challenge || !attestation_object || !client_data || !label) {
    return Fail(400,
                "send {\"challenge\", \"attestation_object\", \"client_data_json\" (base64url), "
                "\"label\"}");
  }
  exchange::Passkeys passkeys(call.s.db);
  // The rules of begin, again: a challenge taken before the owner's first
  // passkey, or by a session that has grown old since, registers nothing
  // (review F3).
  {
    auto active = passkeys.CountActive(call.who->id);
    if (!active.ok()) return Fail(active.error());
    if (auto refused = RefuseRegistration(call, *active > 0)) return std::move(*refused);
  }
  const auto refuse = [&](const Error& why) {
    RecordRefusal(call, "passkey.register", "refused", {{"why", why.message()}});
    // An answer too large to parse is a malformed one here, not a 413.
    if (why.code() == ErrorCode::kLimitExceeded) return Fail(400, why.message(), why.hint());
    return Fail(why);
  };
  if (Status spent =
          passkeys.SpendChallenge(*challenge, Ceremony::kRegister, call.who->id, call.now);
      !spent.ok()) {
    return refuse(spent.error());
  }
  auth::RegistrationOptions options;
  options.rp_id = options_.web.rp_id;
  options.origin = options_.web.origin;
  options.challenge = *challenge;
  auto credential = auth::VerifyRegistration(options, *attestation_object, Text(*client_data));
  if (!credential.ok()) return refuse(credential.error());
  // The registration record is evidence: the key every later signature of
  // this person is checked against, from the ledger alone.
  bool unrecorded = false;
  const auto record = [&](const exchange::Passkey& p) -> Status {
    const auto cred_hash = crypto::Sha256::Hash(p.credential_id);
    auto seq = Record(call, "passkey.register", "ok",
                      {{"passkey", p.id},
                       {"credential_id_sha256", HexEncode(cred_hash)},
                       // The key line's base64 part (the SSH blob names its
                       // own type); the whole line would be withheld, its
                       // "…@openssh.com" taken for an e-mail address.
                       {"ssh_public_key_base64", Base64Encode(AsBytes(p.key.Blob()))},
                       {"fingerprint", p.key.Fingerprint()},
                       {"aaguid", p.aaguid_hex},
                       {"attestation", p.attestation},
                       {"user_verified", credential->user_verified},
                       {"backup_eligible", credential->backup_eligible}});
    if (!seq.ok()) {
      unrecorded = true;  // the passkey is not kept: no passkey without its evidence
      return seq.error();
    }
    return Ok();
  };
  auto added = passkeys.Add(call.who->id, *credential, *label, call.now, record);
  if (!added.ok()) {
    if (unrecorded) return api_internal::Unrecorded();
    if (added.error().code() == ErrorCode::kIo) return Fail(added.error());
    return refuse(added.error());
  }
  Alert(AlertKind::kPasskeyRegistered, {{"account", call.who->id},
                                        {"passkey", added->id},
                                        {"fingerprint", added->key.Fingerprint()},
                                        {"ip", call.request.client_ip}});
  // Their password logs in no more (api_people.cc Login): a password
  // session opened before, a phished code's maybe, ends too (re-attack of
  // 2026-12-03). The one that registered goes on, as the page does.
  if (api_internal::SignsWithPasskey(call.who->role)) {
    Status ended = call.s.accounts.EndPasswordSessions(call.who->id, call.session_token);
    if (!ended.ok()) return Fail(ended.error());
  }
  return Json(201, {{"passkey", PasskeyJson(*added)}});
}

Response Api::ListPasskeys(Call& call) {
  // An admin lists another account's (?email=), to revoke a lost one.
  int64_t whose = call.who->id;
  if (auto it = call.request.query.find("email"); it != call.request.query.end()) {
    if (!HasRole(call, {Role::kAdmin})) return Forbidden(*call.who, "admin");
    auto account = call.s.accounts.Find(it->second);
    if (!account.ok()) return Fail(404, "no such account");
    whose = account->id;
  }
  auto mine = exchange::Passkeys(call.s.db).ForAccount(whose);
  if (!mine.ok()) return Fail(mine.error());
  json out = json::array();
  for (const auto& p : *mine) out.push_back(PasskeyJson(p));
  return Json(200, {{"passkeys", out}});
}

Response Api::RevokePasskey(Call& call, int64_t id) {
  json ev = {{"passkey", id}};
  if (!HasRole(call, {Role::kAdmin})) {
    RecordRefusal(call, "passkey.revoke", "refused", {{"passkey", id}, {"error", "not an admin"}});
    return Forbidden(*call.who, "admin");
  }
  const auto refuse = [&](const Error& why) {
    ev["error"] = why.message();
    RecordRefusal(call, "passkey.revoke", "refused", ev);
    return Fail(why);
  };
  auto reason = Str(call.body, "reason");
  if (!reason) {
    return refuse(
        Error(ErrorCode::kInvalidArgument, "send {\"reason\": \"why the passkey is revoked\"}"));
  }
  if (Status r = exchange::CheckReasonText(*reason); !r.ok()) return refuse(r.error());
  if (ledger::LooksLikePersonalData(*reason)) {
    return refuse(Error(ErrorCode::kInvalidArgument, "the reason holds a personal identifier",
                        "the ledger records it: name the case by a ticket, not by a person's "
                        "data"));
  }
  ev["reason"] = *reason;
  auto done = exchange::Passkeys(call.s.db).ApproveRevocation(
      id, *call.who, *reason, call.now, [&](const exchange::Passkeys::Revocation& r) -> Status {
        json e = ev;
        e["account"] = r.account_id;
        e["approvals"] = r.approvals;
        e["revoked"] = r.revoked;
        auto seq = Record(call, "passkey.revoke", "ok", e);
        if (!seq.ok()) return seq.error();
        return Ok();
      });
  if (!done.ok()) {
    if (done.error().code() == ErrorCode::kIo) return Unrecorded();
    return refuse(done.error());
  }
  // The owner and the other admins hear of each approval: a revocation
  // nobody asked for shows before the second admin acts.
  Alert(AlertKind::kPasskeyRevocation, {{"account", done->account_id},
                                        {"passkey", id},
                                        {"by", call.who->id},
                                        {"approvals", done->approvals.size()},
                                        {"revoked", done->revoked}});
  return Json(200,
              {{"passkey", id},
               {"account", done->account_id},
               {"approvals", done->approvals},
               {"revoked", done->revoked},
               {"next", done->revoked ? "revoked, the owner's sessions ended: they log in with "
                                        "password and code and register a new passkey"
                                      : "a second admin approves: POST /api/v1/passkeys/" +
                                            std::to_string(id) + "/revoke"}});
}

std::variant<Api::PasskeySignature, Response> Api::SignWithPasskey(Call& call, ByteView message,
                                                                   std::string_view ns,
                                                                   std::string_view action,
                                                                   json details) {
  // Every refusal of a signature is evidence, malformed answers included.
  const auto refuse = [&](const Error& why, int status) -> Response {
    details["why"] = why.message();
    RecordRefusal(call, action, "refused", details);
    return Fail(status, why.message(), why.hint());
  };
  if (auto off = RefusePasskeysOff()) {
    details["why"] = "passkeys are off";
    RecordRefusal(call, action, "refused", details);
    return std::move(*off);
  }
  auto answer = ReadAssertion(call.body);
  if (!answer) {
    return refuse(
        Error(ErrorCode::kInvalidArgument,
              "send the passkey's answer: {\"credential_id\", \"authenticator_data\", "
              "\"client_data_json\", \"signature\"}, each base64url as the browser gave it",
              "its challenge is the \"challenge\" the exchange showed with what you sign"),
        400);
  }
  exchange::Passkeys passkeys(call.s.db);
  auto stored = passkeys.FindActive(answer->credential_id);
  if (!stored.ok()) {
    if (stored.error().code() != ErrorCode::kNotFound) return Fail(stored.error());
    return refuse(stored.error(), 403);
  }
  // Someone else's passkey (a shared device) signs nothing for this account.
  if (stored->account_id != call.who->id) {
    return refuse(Error(ErrorCode::kRefused, "this passkey is not registered to your account"),
                  403);
  }
  details["passkey"] = stored->id;
  ssh::SshsigPolicy policy;
  policy.ns = std::string(ns);
  policy.origin = options_.web.origin;
  policy.require_user_verified = true;
  if (stored->sign_counter != 0) policy.counter_above = stored->sign_counter;
  const ssh::WebauthnAssertion& assertion = answer->assertion;
  auto armored = ssh::SshsigFromAssertion(stored->key, message, assertion, policy);
  if (!armored.ok()) {
    const auto counter = AssertedCounter(assertion.authenticator_data);
    ssh::SshsigPolicy without_counter = policy;
    without_counter.counter_above.reset();
    if (counter && stored->sign_counter != 0 && *counter <= stored->sign_counter &&
        ssh::SshsigFromAssertion(stored->key, message, assertion, without_counter).ok()) {
      AlertCounterWentBack(call, *stored, *counter);
    }
    const ErrorCode code = armored.error().code();
    return refuse(armored.error(),
                  code == ErrorCode::kAuthFailed || code == ErrorCode::kRefused ? 401 : 400);
  }
  const uint32_t counter = AssertedCounter(assertion.authenticator_data).value_or(0);
  if (Status used = passkeys.RecordUse(stored->id, stored->sign_counter, counter, call.now);
      !used.ok()) {
    if (used.error().code() != ErrorCode::kAuthFailed) return Fail(used.error());
    return refuse(used.error(), 401);
  }
  return PasskeySignature{std::move(*stored), std::move(*armored)};
}

}  // namespace cordon::serve
