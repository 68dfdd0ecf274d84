// The command line's login for accounts that log in with their passkey in
// the pages (DPOs, approvers, admins once they have one): after their
// password and code, a signature by an SSH key registered to the account —
// a FIDO security key (sk-) recommended — over a one-time challenge of the
// exchange, in the namespace cordon-login@RP_ID. A phished password and
// code still open nothing: the key never leaves its holder.
#include "core/encoding.h"
#include "core/utc_time.h"
#include "exchange/passkeys.h"
#include "exchange/ssh_keys.h"
#include "serve/api_internal.h"

namespace cordon::serve {

using api_internal::Base64UrlField;
using api_internal::Fail;
using api_internal::json;
using api_internal::Json;
using api_internal::Str;

std::string Api::KeyLoginNamespace() const {
  return std::string(exchange::kKeyLoginNamespace) + "@" + options_.web.rp_id;
}

std::optional<Response> Api::OfferKeyLogin(Call& call, const exchange::Account& who) {
  if (!options_.web.on()) return std::nullopt;
  auto keys = exchange::SshSigningKeys(call.s.db).ForAccount(who.id);
  if (!keys.ok()) return Fail(keys.error());
  bool any = false;
  for (const auto& k : *keys) any = any || !k.revoked_at;
  if (!any) return std::nullopt;
  // A login challenge bound to the account: a passkey login (bound to no
  // account) cannot spend it, nor a key login of another account.
  auto challenge = exchange::Passkeys(call.s.db).NewChallenge(
      exchange::Ceremony::kLogin, who.id, exchange::BanKey(call.request.client_ip), call.now);
  if (!challenge.ok()) {
    if (challenge.error().code() == ErrorCode::kLimitExceeded) {
      return Fail(429, challenge.error().message(), challenge.error().hint());
    }
    return Fail(challenge.error());
  }
  const std::string encoded = Base64UrlEncode(*challenge);
  const std::string doc = exchange::KeyLoginDocument(who.email, options_.web.origin, encoded);
  return Json(401, {{"code", "key_signature_required"},
                    {"error",
                     "your account logs in with its passkey: from the command line, sign this "
                     "login with an SSH key registered to it"},
                    {"hint", "cordon remote login --sign-with KEY (your registered key's file)"},
                    {"key_login",
                     {{"namespace", KeyLoginNamespace()},
                      {"challenge", encoded},
                      {"document_base64", Base64Encode(AsBytes(doc))},
                      {"expires_in_seconds", exchange::kChallengeSeconds}}}});
}

Response Api::KeyLogin(Call& call) {
  if (auto off = RefusePasskeysOff()) return std::move(*off);
  if (auto refused = RefuseBanned(call)) return std::move(*refused);
  auto email = Str(call.body, "email");
  auto challenge = Base64UrlField(call.body, "challenge");
  if (!email || !challenge || !call.body.contains("sshsig")) {
    return Fail(400,
                "send {\"email\", \"challenge\", \"sshsig\"}: the challenge POST /login gave, "
                "its document signed with ssh-keygen -Y sign -n " +
                    KeyLoginNamespace(),
                "cordon remote login --sign-with KEY does it");
  }
  json details = {{"mfa", "ssh_key"}};
  // A challenge not given to this account, spent, or expired: one answer,
  // counted as a failed login.
  const auto refuse = [&](const Error& why) {
    details["login_outcome"] = "wrong_credentials";
    details["why"] = why.message();
    RecordRefusal(call, "login", "refused", details);
    CountFailure(call);
    return Fail(401, "this key login was not accepted",
                "log in again with your password and code, then sign the new challenge");
  };
  auto account = call.s.accounts.Find(*email);
  if (!account.ok()) {
    if (account.error().code() != ErrorCode::kNotFound) return Fail(account.error());
    return refuse(account.error());
  }
  if (Status spent = exchange::Passkeys(call.s.db).SpendChallenge(
          *challenge, exchange::Ceremony::kLogin, account->id, call.now);
      !spent.ok()) {
    return refuse(spent.error());
  }
  details["account"] = account->id;
  // The signature is checked as a decision's is (SignedWithSshKey: a key
  // of this account, active, its counter above the last), over the
  // document derived again here.
  call.who = *account;
  const std::string doc =
      exchange::KeyLoginDocument(account->email, options_.web.origin, Base64UrlEncode(*challenge));
  auto made = SignedWithSshKey(call, AsBytes(doc), KeyLoginNamespace(), "login", details,
                               "cordon remote login --sign-with KEY");
  call.who.reset();
  if (auto* refused = std::get_if<Response>(&made)) {
    CountFailure(call);
    return std::move(*refused);
  }
  const auto& sig = std::get<SshKeySignature>(made);
  details["ssh_key"] = sig.key.id;
  details["fingerprint"] = sig.key.key.Fingerprint();
  details["security_key"] = sig.key.key.OnSecurityKey();
  return OpenVerifiedSession(call, account->id, "ssh_key", std::move(details), false);
}

}  // namespace cordon::serve
