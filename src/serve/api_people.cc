// Enrolment, login, one's own and everyone's login history.
#include <sodium.h>

#include "core/encoding.h"
#include "core/utc_time.h"
#include "exchange/passkeys.h"
#include "serve/api_internal.h"

namespace cordon::serve {

using api_internal::AccountJson;
using api_internal::Fail;
using api_internal::Forbidden;
using api_internal::HasRole;
using api_internal::json;
using api_internal::Json;
using api_internal::ParseId;
using api_internal::Role;
using api_internal::Str;
using api_internal::Unrecorded;

// ---- login and enrolment ----

namespace {

// At most two Argon2id hashes at once (64 MiB each), released on every
// path, exceptions included.
class HashingSlot {
 public:
  explicit HashingSlot(std::counting_semaphore<64>& s) : s_(s) { s_.acquire(); }
  ~HashingSlot() { s_.release(); }
  HashingSlot(const HashingSlot&) = delete;
  HashingSlot& operator=(const HashingSlot&) = delete;

 private:
  std::counting_semaphore<64>& s_;
};

}  // namespace

std::optional<Response> Api::RefuseBanned(Call& call) {
  auto banned = call.s.defender.BannedUntil(call.request.client_ip, call.now);
  if (!banned.ok()) return Fail(banned.error());
  if (!*banned) return std::nullopt;
  Response r =
      Fail(429, "too many failures from your address; try again after " + FormatUtc(**banned));
  r.headers["Retry-After"] = std::to_string(**banned - call.now);
  return r;
}

// A failure counts against the address it came from (F8: an attacker
// guessing one account's password is banned like a password sprayer).
void Api::CountFailure(Call& call) {
  auto ban = call.s.defender.RecordFailure(call.request.client_ip, call.now);
  if (!ban.ok()) {
    // The defender's memory failed: say so loudly, never "no ban".
    Log("the defender could not count a failed login: " + ban.error().message());
    Alert(AlertKind::kDefenderFailed,
          {{"ip", call.request.client_ip}, {"error", ban.error().message()}});
    return;
  }
  if (*ban) {
    Alert(AlertKind::kFailedLoginBurst,
          {{"ip", exchange::BanKey(call.request.client_ip)}, {"banned_until", FormatUtc(**ban)}});
  }
}

Response Api::Login(Call& call) {
  const std::string& ip = call.request.client_ip;
  if (auto refused = RefuseBanned(call)) return std::move(*refused);
  auto email = Str(call.body, "email");
  auto password = Str(call.body, "password");
  auto code = Str(call.body, "code");
  if (!email || !password || !code) {
    return Fail(400,
                "send {\"email\", \"password\", \"code\"} (code: from the authenticator app, "
                "or a recovery code)");
  }
  if (call.body.contains("browser") && !call.body["browser"].is_boolean()) {
    return Fail(400, "\"browser\" is true or false");
  }
  SecretBuffer pw = SecretBuffer::CopyOf(AsBytes(*password));
  sodium_memzero(password->data(), password->size());
  exchange::LoginAttempt attempt;
  Result<std::string> token = Error(ErrorCode::kInternal, "not tried");
  {
    HashingSlot slot(hashing_);
    token = call.s.accounts.Login(*email, pw, *code, ip, call.now, &attempt);
  }
  json details = {{"login_outcome", exchange::LoginOutcomeName(attempt.outcome)},
                  {"mfa", attempt.mfa}};
  if (attempt.account_id) details["account"] = *attempt.account_id;
  if (!token.ok()) {
    if (attempt.second_factor_unreadable) {
      details["second_factor"] = "unreadable";
      Alert(AlertKind::kSecondFactorUnreadable,
            {{"account", *attempt.account_id},
             {"ip", ip},
             {"why",
              "the account's sealed TOTP secret does not open: DIR/secrets.key replaced, "
              "or its row altered or copied from another account"}});
    }
    RecordRefusal(call, "login", "refused", details);
    if (token.error().code() == ErrorCode::kAuthFailed) CountFailure(call);
    if (attempt.delays_started || attempt.locked_now) {
      // The owner hears of it through every alert channel, by account.
      Alert(attempt.locked_now ? AlertKind::kAccountLocked : AlertKind::kFailedLoginBurst,
            {{"ip", ip},
             {"account", *attempt.account_id},
             {"consecutive_failures", attempt.consecutive_failures},
             {attempt.locked_now ? "locked" : "slowed_down",
              attempt.locked_now ? "until an admin unlocks it" : "growing delays between tries"}});
    }
    return Fail(token.error());
  }
  auto who = call.s.accounts.Session(*token, call.now, call.request.client_ip);
  if (!who.ok()) return Fail(who.error());
  call.who = *who;
  const bool browser = call.body.value("browser", false);
  // The people whose decisions are signatures (DPOs, approvers, admins) log
  // in with their passkey once they have one, in the pages and out of them:
  // a phished password and TOTP code then open nothing of theirs — no page,
  // and no bearer token that reads their orders and grants (re-attack F1).
  // The password comes first, so this answer tells nothing to whoever lacks
  // it; without an active passkey (none yet, or the lost one revoked by two
  // admins) the password session is how they register one.
  if (api_internal::SignsWithPasskey(who->role)) {
    auto active = exchange::Passkeys(call.s.db).CountActive(who->id);
    if (!active.ok()) {
      (void)call.s.accounts.Logout(*token);
      return Fail(active.error());
    }
    if (*active > 0) {
      (void)call.s.accounts.Logout(*token);
      // The command line (not a browser) of an account with a registered
      // SSH key: the key signs this login instead (api_key_login.cc).
      if (!browser) {
        if (auto offer = OfferKeyLogin(call, *who)) {
          if (offer->status == 401) {
            details["error"] = "passkey required: a registered SSH key's signature asked";
            RecordRefusal(call, "login", "refused", details);
          }
          return std::move(*offer);
        }
      }
      details["error"] = "passkey required";
      RecordRefusal(call, "login", "refused", details);
      return Fail(403, "your account logs in with its passkey, in the exchange's pages",
                  "choose \"Log in with a passkey\"; if it is lost, two admins revoke it, then "
                  "your password lets you register a new one");
    }
  }
  if (auto seq = Record(call, "login", "ok", details); !seq.ok()) {
    (void)call.s.accounts.Logout(*token);  // no session without its login event
    return Fail(503, "the exchange cannot record your login right now; try again later");
  }
  if (attempt.new_ip) Alert(AlertKind::kNewIpLogin, {{"account", who->id}, {"ip", ip}});
  // A browser's page asks for its session in the HttpOnly cookie, as a
  // passkey login gives it: the token then never reaches the page's script.
  if (browser) return BrowserSession(*token, *who, call.now);
  return BearerSession(*token, *who, call.now);
}

Response Api::BearerSession(const std::string& token, const exchange::Account& who,
                            int64_t now) const {
  return Json(200, {{"token", token},
                    {"idle_timeout_seconds", options_.accounts.session_idle_seconds},
                    {"expires_at", FormatUtc(now + options_.accounts.session_absolute_seconds)},
                    {"account", AccountJson(who)}});
}

Response Api::EnrolBegin(Call& call) {
  if (auto refused = RefuseBanned(call)) return std::move(*refused);
  auto token = Str(call.body, "token");
  if (!token) return Fail(400, "send {\"token\"}: the enrolment token your admin gave you");
  auto e = call.s.accounts.BeginEnrolment(*token, call.now);
  if (!e.ok()) {
    CountFailure(call);
    RecordRefusal(call, "enrol.begin", "refused", json::object());
    return Fail(e.error());
  }
  return Json(200, {{"account", e->account.id},
                    {"otpauth_uri", e->otpauth_uri},
                    {"secret", Base32Encode(e->totp_secret.RevealBytes())}});
}

Response Api::EnrolFinish(Call& call) {
  if (auto refused = RefuseBanned(call)) return std::move(*refused);
  auto token = Str(call.body, "token");
  auto password = Str(call.body, "password");
  auto code = Str(call.body, "code");
  if (!token || !password || !code) {
    return Fail(400, "send {\"token\", \"password\", \"code\"}");
  }
  SecretBuffer pw = SecretBuffer::CopyOf(AsBytes(*password));
  sodium_memzero(password->data(), password->size());
  Result<std::vector<std::string>> codes = Error(ErrorCode::kInternal, "not tried");
  {
    HashingSlot slot(hashing_);
    codes = call.s.accounts.FinishEnrolment(*token, pw, *code, call.now);
  }
  if (!codes.ok()) {
    if (codes.error().code() == ErrorCode::kAuthFailed) CountFailure(call);
    RecordRefusal(call, "enrol.finish", "refused", json::object());
    return Fail(codes.error());
  }
  // The account is active now; an event the ledger could not take is
  // logged and alerted (the enrolment itself is on record in the database).
  if (auto seq = Record(call, "enrol.finish", "ok"); !seq.ok()) {
    Alert(AlertKind::kLedgerGap, {{"action", "enrol.finish"}, {"error", seq.error().message()}});
  }
  return Json(200,
              {{"recovery_codes", *codes},
               {"next", "keep the recovery codes offline; each works once instead of a code"}});
}

Response Api::Me(Call& call) {
  json me = AccountJson(*call.who);
  json granted = json::array();
  for (Role r : call.granted_roles) granted.push_back(exchange::RoleName(r));
  me["granted_roles"] = granted;
  me["session"] = {{"opened_at", FormatUtc(call.session.created_at)}, {"mfa", call.session.mfa}};
  // A page that was reloaded finds its CSRF token here (the cookie it
  // cannot read came with the request).
  if (call.by_cookie) me["csrf_token"] = api_internal::CsrfToken(call.session_token);
  return Json(200, me);
}

Response Api::Logins(Call& call, bool everyone) {
  std::optional<int64_t> whose = call.who->id;
  if (everyone) {
    if (!HasRole(call, {Role::kAuditor, Role::kAdmin})) {
      return Forbidden(*call.who, "auditor or admin");
    }
    whose.reset();
    if (auto a = call.request.query.find("account"); a != call.request.query.end()) {
      auto id = ParseId(a->second);
      if (!id) return Fail(400, "account: an account id (a positive integer)");
      whose = *id;
    }
  }
  auto history = call.s.accounts.LoginHistory(whose, 1000);
  if (!history.ok()) return Fail(history.error());
  json out = json::array();
  for (const auto& l : *history) {
    out.push_back({{"account", l.account_id},
                   {"at", FormatUtc(l.at)},
                   {"ip", l.ip},
                   {"outcome", l.outcome},
                   {"mfa", l.mfa}});
  }
  if (everyone) {
    // Who read everyone's login history is itself evidence: no read without it.
    if (auto seq = Record(call, "logins.read", "ok"); !seq.ok()) return Unrecorded();
  }
  return Json(200, {{"logins", out}});
}

}  // namespace cordon::serve
