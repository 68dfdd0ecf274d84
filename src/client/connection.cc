#include "client/connection.h"

#include "client/answer.h"

namespace cordon::client {

PinPlan PlanPin(const ConnectOptions& options, const StoredPin& stored) {
  PinPlan plan;
  plan.client.url = options.url;
  plan.client.timeout = options.timeout;
  plan.client.trust = net::Trust::kPinned;
  if (!options.fingerprint.empty()) {
    plan.client.pin = options.fingerprint;  // the person vouches for it
  } else if (!stored.key_sha256.empty() || !stored.legacy_certificate_sha256.empty()) {
    plan.client.pin = stored.key_sha256;
    plan.client.legacy_certificate_pin = stored.legacy_certificate_sha256;
  } else {
    plan.client.trust = net::Trust::kFirstUse;
    plan.first_use = true;
  }
  return plan;
}

Status AcceptFirstUse(const ConnectOptions& options, const std::string& pin_key,
                      const std::string& key_sha256) {
  const bool confirmed = options.first_use == FirstUse::kAskPerson && options.confirm &&
                         options.confirm(options.url, key_sha256);
  if (confirmed) return Ok();
  return Error(ErrorCode::kRefused,
               "first connection to " + pin_key + ": its key " + key_sha256 +
                   " is not confirmed, so nothing was sent",
               "pass --fingerprint with the key fingerprint `cordon serve` printed (the "
               "exchange's admin has it), or run on a terminal to confirm it");
}

Connection::Connection(net::HttpClient http, SessionStore store, std::string url,
                       std::string pin_key, PinChange change)
    : http_(std::move(http)),
      store_(std::move(store)),
      url_(std::move(url)),
      pin_key_(std::move(pin_key)),
      pin_change_(change) {}

Result<Connection> Connection::Open(const ConnectOptions& given, SessionStore store) {
  ConnectOptions options = given;
  while (!options.url.empty() && options.url.back() == '/') options.url.pop_back();
  CORDON_ASSIGN_OR_RETURN(net::ServerEndpoint endpoint, net::ParseServerUrl(options.url));
  if (!endpoint.tls && !net::IsLoopbackHost(endpoint.host)) {
    return Error(ErrorCode::kRefused, options.url + ": the exchange is reached over https:// only",
                 "plain http:// is for a server on this machine (localhost, 127.0.0.0/8, "
                 "[::1]) only");
  }
  const std::string pin_key = endpoint.PinKey();
  // Read before connecting: a damaged store stops here, before anything is sent.
  CORDON_ASSIGN_OR_RETURN(const StoredPin stored, store.Pin(pin_key, options.url));
  CORDON_ASSIGN_OR_RETURN(std::string token, store.Token(options.url));
  const PinPlan plan = PlanPin(options, stored);
  CORDON_ASSIGN_OR_RETURN(net::HttpClient http, net::HttpClient::Connect(plan.client));
  PinChange change = PinChange::kNone;
  if (endpoint.tls) {
    const std::string& key = http.key_fingerprint();
    if (plan.first_use) {
      CORDON_TRY(AcceptFirstUse(options, pin_key, key));
      change = PinChange::kPinnedFirstUse;
    } else if (plan.client.pin.empty()) {
      change = PinChange::kUpgradedLegacy;
    } else if (!options.fingerprint.empty() && stored.key_sha256 != key) {
      change = PinChange::kFingerprint;
    }
    CORDON_TRY(store.SavePin(pin_key, options.url, key));
  }
  Connection c(std::move(http), std::move(store), options.url, pin_key, change);
  c.token_ = std::move(token);
  return c;
}

Result<Connection> Connection::OpenMachine(const ConnectOptions& given, std::string token) {
  ConnectOptions options = given;
  while (!options.url.empty() && options.url.back() == '/') options.url.pop_back();
  CORDON_ASSIGN_OR_RETURN(net::ServerEndpoint endpoint, net::ParseServerUrl(options.url));
  if (!endpoint.tls && !net::IsLoopbackHost(endpoint.host)) {
    return Error(ErrorCode::kRefused, options.url + ": the exchange is reached over https:// only",
                 "plain http:// is for a server on this machine (localhost, 127.0.0.0/8, "
                 "[::1]) only");
  }
  if (endpoint.tls && options.fingerprint.empty()) {
    return Error(ErrorCode::kRefused, "no fingerprint for " + options.url + ": nothing was sent",
                 "write the exchange's key fingerprint (what `cordon serve` printed) into the "
                 "bastion's configuration (fingerprint = \"...\")");
  }
  if (token.empty()) {
    return Error(ErrorCode::kInvalidArgument, "the machine credential is empty",
                 "`cordon admin bastion add` writes it; point token_file at that file");
  }
  options.first_use = FirstUse::kRefuse;
  const PinPlan plan = PlanPin(options, StoredPin{});
  CORDON_ASSIGN_OR_RETURN(net::HttpClient http, net::HttpClient::Connect(plan.client));
  Connection c(std::move(http), SessionStore(""), options.url, endpoint.PinKey(), PinChange::kNone);
  c.token_ = std::move(token);
  return c;
}

net::HttpClient::Headers Connection::Auth() const {
  if (token_.empty()) return {};
  return {{"Authorization", "Bearer " + token_}};
}

Result<nlohmann::json> Connection::Call(std::string_view method, std::string_view target,
                                        std::initializer_list<int> ok, std::string_view body) {
  return ExpectJson(http_.Send(method, target, Auth(), body), ok);
}

Status Connection::SaveSession(const std::string& token) {
  CORDON_TRY(store_.SaveToken(url_, token));
  token_ = token;
  return Ok();
}

}  // namespace cordon::client
