// The API's shared pieces for its translation units (api.cc: dispatch and
// the ledger; api_people.cc, api_packages.cc, api_grants.cc: the endpoints).
// Not for use outside src/serve.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/strings.h"
#include "exchange/orders.h"
#include "serve/api.h"

namespace cordon::serve {

// One worker's database connections (SQLite connections are not shared
// between threads).
struct Api::Services {
  exchange::Accounts accounts;
  exchange::Grants grants;
  exchange::PackageStore store;
  exchange::Defender defender;
  exchange::Db db;
};

// A request in progress: who asked (once authenticated) and from where.
struct Api::Call {
  const Request& request;
  Services& s;
  int64_t now;
  std::optional<exchange::Account> who;
  nlohmann::json body;                             // parsed JSON body (object), when there is one
  std::vector<exchange::Role> granted_roles = {};  // held now through open role grants
  std::optional<exchange::Machine> machine = {};   // a bastion's call (machine routes only)
  std::string session_token = {};                  // once authenticated: the bearer's or cookie's
  bool by_cookie = false;                          // a browser's session (CSRF token required)
  exchange::SessionFacts session = {};             // how the session was opened
};

class Api::Lease {
 public:
  Lease(Api* api, std::unique_ptr<Services> s) : api_(api), s_(std::move(s)) {}
  Lease(Lease&&) = default;
  ~Lease() {
    if (!s_) return;
    std::lock_guard lock(api_->pool_mu_);
    api_->pool_.push_back(std::move(s_));
  }
  Services& operator*() { return *s_; }

 private:
  Api* api_;
  std::unique_ptr<Services> s_;
};

namespace api_internal {

// A credential that outlives the session (a passkey, an SSH signing key)
// is registered from a session at most this old: a session left open on a
// desk, or a stolen token, must not be enough to add one of its own.
inline constexpr int64_t kFreshLoginSeconds = 10 * 60;

using exchange::Account;
using exchange::Role;
using nlohmann::json;

inline constexpr const char* kPrefix = "/api/v1/";

json Opt(const std::optional<int64_t>& v);  // a time or null
Response Json(int status, const json& body);
// The same with one more member, `key`, whose value is already JSON text
// (a large part written without a JSON tree: a report's thousands of
// proofs), appended to `body` (an object).
Response Json(int status, const json& body, std::string_view key, std::string_view serialized);
Response Fail(int status, std::string message, std::string hint = {});
Response Fail(const Error& e);  // the status its code means; 500s without details
// "a/b/" -> {"a", "b", ""}: a trailing slash is a different path.
std::vector<std::string> Segments(std::string_view path);
std::optional<std::string> Str(const json& j, const char* key);  // a string field, or none
std::optional<int64_t> Int(const json& j, const char* key);      // an integer field, or none
// A base64url field decoded (WebAuthn's byte fields), or none.
// A word as a POSIX shell reads it, for the commands answers show
// (`ssh-keygen -Y verify … -I EMAIL`): single-quoted unless made of
// characters no shell treats specially.
// The command that checks `file`'s SSH signature (`file`.sig) by `email`'s
// key for namespace `ns`, as the pages and answers show it.
std::string SshKeygenVerify(std::string_view email, std::string_view ns, std::string_view file);
// The namespace a stored signature was made in: `kind`@ the RP ID of the
// origin its document names ("exchange"), not of the exchange's origin
// today — an origin changed since must not turn the verify command of an
// old signature into a refusal (attack review of 2026-12-05).
// `fallback` when the document names none.
std::string SignedNamespace(std::string_view kind, std::string_view document,
                            std::string_view fallback);
// The key line a signature by `signer` verifies with — the passkey's or the
// registered SSH key's (its registration is in the ledger:
// passkey.register or ssh_key.register) — or "" if gone.
std::string SignerKeyLine(exchange::Db& db, int64_t signer, std::optional<int64_t> passkey_id,
                          std::optional<int64_t> ssh_key_id);
std::string ShellWord(std::string_view word);
std::optional<Bytes> Base64UrlField(const json& j, const char* key);
std::optional<int64_t> ParseIso(const std::string& s);  // "YYYY-MM-DDTHH:MM:SSZ"
// A positive decimal id ("12"), or none ("012", "-1", "1x", "" are none).
std::optional<int64_t> ParseId(std::string_view s);
// Strings the detectors take for personal data are withheld, and bytes
// that are not UTF-8 replaced (U+FFFD), so that an event is recorded rather
// than refused (an order id or a name someone chose must never switch the
// ledger off: F13).
void WithholdPersonalData(json& j, std::string_view name = {});
// 503: the event of what was asked could not be recorded, so it was not done.
Response Unrecorded();
json AccountJson(const Account& a);
json PackageJson(const exchange::PackageInfo& p);
json GrantJson(const exchange::Grant& g, int64_t now);
// The caller's own role, or one granted for a while (role grants).
bool HasRole(const Api::Call& call, std::initializer_list<Role> roles);
// The roles whose decisions are signatures (DPO, approver, admin): once they
// have a passkey, it is how they log in (their password no more).
inline bool SignsWithPasskey(Role r) {
  return r == Role::kDpo || r == Role::kApprover || r == Role::kAdmin;
}
// What the caller may read of the orders (and of their reports): an auditor
// everything, a DPO their organisation's, an operator their own submissions.
exchange::OrderFilter FilterFor(const Api::Call& call);
bool MayRead(const exchange::OrderFilter& f, const exchange::StoredOrder& o);
Response Forbidden(const Account& a, std::string_view needs);
std::string Bearer(const Request& r);  // the Authorization: Bearer token, or ""
// The value of a cookie of the Cookie header, or "".
std::string CookieValue(const Request& r, std::string_view name);
// The CSRF token of a browser session: derived from the session token (a
// page cannot read the HttpOnly cookie, another site cannot read the
// token), so the server keeps nothing more. base64url(SHA-256(label ‖ token)).
std::string CsrfToken(std::string_view session_token);
// The Set-Cookie value that gives a browser its session, or ends it ("").
std::string SessionCookie(std::string_view token, int64_t max_age_seconds);

}  // namespace api_internal
}  // namespace cordon::serve
