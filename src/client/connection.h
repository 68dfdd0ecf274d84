// A connection to an exchange that trusts it only through a pin on its
// public key, kept per host:port in the SessionStore (docs/exchange.md).
// A key met for the first time must be vouched for before anything is sent:
// by a fingerprint the person gives (what `cordon serve` printed), or by the
// person confirming it through the caller's callback. No password, code,
// enrolment token or session token goes to a server nobody checked.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "client/session_store.h"
#include "core/result.h"
#include "net/http_client.h"

namespace cordon::client {

// What to do with a key seen for the first time at a host:port when no
// fingerprint was given. There is no "trust it" choice: a person decides.
enum class FirstUse {
  kRefuse,     // scripts: only a stored pin or a given fingerprint
  kAskPerson,  // ask ConnectOptions::confirm (a person on a terminal)
};

// Asked with the URL and the key's SHA-256 fingerprint; true only when a
// person said it is the exchange's. Called before any request is sent.
using ConfirmKey = std::function<bool(const std::string& url, const std::string& key_sha256)>;

struct ConnectOptions {
  std::string url;  // https://HOST:PORT; http:// to this machine only
  // The key's SHA-256 as `cordon serve` prints it, vouched for by the
  // person: it replaces a stored pin.
  std::string fingerprint;
  FirstUse first_use = FirstUse::kRefuse;
  ConfirmKey confirm;  // with kAskPerson; none means no
  std::chrono::seconds timeout{120};
};

// What happened to the stored pin (the caller tells the person).
enum class PinChange {
  kNone,
  kPinnedFirstUse,  // a first-seen key, confirmed, is now pinned
  kUpgradedLegacy,  // a legacy certificate pin matched; the key is now pinned
  kFingerprint,     // the given fingerprint is now the pin
};

// How the key will be checked, decided before connecting (pure: for tests).
struct PinPlan {
  net::ClientOptions client;
  bool first_use = false;  // no pin: the key must be confirmed after the handshake
};
PinPlan PlanPin(const ConnectOptions& options, const StoredPin& stored);

// After the handshake of a first-use connection: Ok when the person
// confirmed `key_sha256`, else kRefused saying nothing was sent.
Status AcceptFirstUse(const ConnectOptions& options, const std::string& pin_key,
                      const std::string& key_sha256);

// One connection (kept alive) with the session token stored for its URL.
// Not thread-safe: one command's requests, one after the other.
class Connection {
 public:
  // kInvalidArgument: a bad URL or fingerprint. kRefused: plain http:// to
  // another machine, or a first-seen key nobody confirmed. kAuthFailed:
  // another key than the pinned one. kIo: the network, or the store.
  static Result<Connection> Open(const ConnectOptions& options, SessionStore store);
  // A machine's connection (the bastion's commands): its credential is
  // `token`, the server's key must be the given fingerprint (a machine asks
  // no one, and stores nothing: it runs as several local users, none of
  // which owns a store). kRefused without a fingerprint over https://.
  static Result<Connection> OpenMachine(const ConnectOptions& options, std::string token);

  const std::string& url() const { return url_; }  // without trailing slashes
  const std::string& pin_key() const { return pin_key_; }
  // SHA-256 of the server's public key; empty over plain http://.
  const std::string& key_fingerprint() const { return http_.key_fingerprint(); }
  PinChange pin_change() const { return pin_change_; }
  bool has_session() const { return !token_.empty(); }

  // One JSON request with the session token (when there is one): the
  // answer's JSON when its status is one of `ok`, else its error
  // (client/answer.h).
  Result<nlohmann::json> Call(std::string_view method, std::string_view target,
                              std::initializer_list<int> ok, std::string_view body = {});
  // The session token as a header (none when logged out).
  net::HttpClient::Headers Auth() const;
  net::HttpClient& http() { return http_; }
  // Keeps `token` for this URL (empty: forgets it), here and in the store.
  Status SaveSession(const std::string& token);

 private:
  Connection(net::HttpClient http, SessionStore store, std::string url, std::string pin_key,
             PinChange change);
  net::HttpClient http_;
  SessionStore store_;
  std::string url_, pin_key_, token_;
  PinChange pin_change_;
};

}  // namespace cordon::client
