// Enrolment, login, one's own and everyone's login history.
#include <sodium.h>

#include "core/encoding.h"
#include "core/utc_time.h"
#include "serve/api_internal.h"

namespace cordon::serve {

using namespace api_internal;

// ---- login and enrolment ----

Response Api::Login(Call& call) {
  const std::string& ip = call.request.client_ip;
  auto banned = call.s.defender.BannedUntil(ip, call.now);
  if (!banned.ok()) return Fail(banned.error());
  if (*banned) {
    Response r = Fail(
        429, "too many failed logins from your address; try again after " + FormatUtc(**banned));
    r.headers["Retry-After"] = std::to_string(**banned - call.now);
    return r;
  }
  auto email = Str(call.body, "email");
  auto password = Str(call.body, "password");
  auto code = Str(call.body, "code");
  if (!email || !password || !code) {
    return Fail(400,
                "send {\"email\", \"password\", \"code\"} (code: from the authenticator app, "
                "or a recovery code)");
  }
  SecretBuffer pw = SecretBuffer::CopyOf(AsBytes(*password));
  sodium_memzero(password->data(), password->size());
  exchange::LoginAttempt attempt;
  hashing_.acquire();
  auto token = call.s.accounts.Login(*email, pw, *code, ip, call.now, &attempt);
  hashing_.release();
  json details = {{"login_outcome", attempt.outcome}, {"mfa", attempt.mfa}};
  if (attempt.account_id) details["account"] = *attempt.account_id;
  if (!token.ok()) {
    Record(call, "login", "refused", details);
    auto ban = call.s.defender.RecordFailure(ip, call.now);
    if (ban.ok() && *ban) {
      Alert("failed_login_burst", {{"ip", ip}, {"banned_until", FormatUtc(**ban)}});
    }
    if (attempt.locked_now) {
      Alert("failed_login_burst",
            {{"ip", ip}, {"account", *attempt.account_id}, {"locked", "30 minutes"}});
    }
    return Fail(token.error());
  }
  auto who = call.s.accounts.Session(*token, call.now, call.request.client_ip);
  if (!who.ok()) return Fail(who.error());
  call.who = *who;
  Record(call, "login", "ok", details);
  if (attempt.new_ip) Alert("new_ip_login", {{"account", who->id}, {"ip", ip}});
  return Json(200,
              {{"token", *token},
               {"idle_timeout_seconds", options_.accounts.session_idle_seconds},
               {"expires_at", FormatUtc(call.now + options_.accounts.session_absolute_seconds)},
               {"account", AccountJson(*who)}});
}

Response Api::EnrolBegin(Call& call) {
  auto banned = call.s.defender.BannedUntil(call.request.client_ip, call.now);
  if (!banned.ok()) return Fail(banned.error());
  if (*banned) return Fail(429, "too many failures from your address; try again later");
  auto token = Str(call.body, "token");
  if (!token) return Fail(400, "send {\"token\"}: the enrolment token your admin gave you");
  auto e = call.s.accounts.BeginEnrolment(*token, call.now);
  if (!e.ok()) {
    (void)call.s.defender.RecordFailure(call.request.client_ip, call.now);
    Record(call, "enrol.begin", "refused");
    return Fail(e.error());
  }
  return Json(200, {{"account", e->account.id},
                    {"otpauth_uri", e->otpauth_uri},
                    {"secret", Base32Encode(e->totp_secret.RevealBytes())}});
}

Response Api::EnrolFinish(Call& call) {
  auto banned = call.s.defender.BannedUntil(call.request.client_ip, call.now);
  if (!banned.ok()) return Fail(banned.error());
  if (*banned) return Fail(429, "too many failures from your address; try again later");
  auto token = Str(call.body, "token");
  auto password = Str(call.body, "password");
  auto code = Str(call.body, "code");
  if (!token || !password || !code) {
    return Fail(400, "send {\"token\", \"password\", \"code\"}");
  }
  SecretBuffer pw = SecretBuffer::CopyOf(AsBytes(*password));
  sodium_memzero(password->data(), password->size());
  hashing_.acquire();
  auto codes = call.s.accounts.FinishEnrolment(*token, pw, *code, call.now);
  hashing_.release();
  if (!codes.ok()) {
    if (codes.error().code() == ErrorCode::kAuthFailed) {
      (void)call.s.defender.RecordFailure(call.request.client_ip, call.now);
    }
    Record(call, "enrol.finish", "refused");
    return Fail(codes.error());
  }
  Record(call, "enrol.finish", "ok");
  return Json(200,
              {{"recovery_codes", *codes},
               {"next", "keep the recovery codes offline; each works once instead of a code"}});
}

Response Api::Me(Call& call) {
  json me = AccountJson(*call.who);
  json granted = json::array();
  for (Role r : call.granted_roles) granted.push_back(exchange::RoleName(r));
  me["granted_roles"] = granted;
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
      whose = std::strtoll(a->second.c_str(), nullptr, 10);
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
  if (everyone) Record(call, "logins.read", "ok");
  return Json(200, {{"logins", out}});
}

}  // namespace cordon::serve
