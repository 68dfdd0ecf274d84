// SSH signing keys (issue 17): what an account's holder signs their
// decisions with from the command line, as the pages sign with a passkey.
// A key is registered with a proof that its holder has it (a signature by
// it over a document naming the account and this exchange); a decision is
// an SSHSIG over the same decision document the pages sign, verified here
// and kept with the decision, verifiable offline with `ssh-keygen -Y
// verify`. Nobody's approval is then a bare row.
#include <variant>

#include "core/encoding.h"
#include "core/utc_time.h"
#include "crypto/hash.h"
#include "exchange/passkeys.h"
#include "exchange/ssh_keys.h"
#include "serve/api_internal.h"
#include "ssh/signing_key.h"
#include "ssh/sshsig.h"

namespace cordon::serve {

using api_internal::Fail;
using api_internal::json;
using api_internal::Json;
using api_internal::Opt;
using api_internal::Str;
using api_internal::Unrecorded;

namespace {

// A public key line or an armored signature is a few hundred bytes; this
// bounds a hostile one before it is parsed.
constexpr size_t kMaxKeyText = 8192;

json KeyJson(const exchange::SshSigningKey& k) {
  return {{"id", k.id},
          {"key_type", std::string(k.key.TypeName())},
          {"security_key", k.key.OnSecurityKey()},
          {"fingerprint", k.key.Fingerprint()},
          {"public_key", k.key.Line()},
          {"created_at", FormatUtc(k.created_at)},
          {"last_used_at", Opt(k.last_used_at)},
          {"revoked_at", Opt(k.revoked_at)}};
}

}  // namespace

std::string Api::SshKeyNamespace() const {
  return std::string(exchange::kSshKeyNamespace) + "@" + options_.web.rp_id;
}

Response Api::ListSshKeys(Call& call) {
  auto mine = exchange::SshSigningKeys(call.s.db).ForAccount(call.who->id);
  if (!mine.ok()) return Fail(mine.error());
  json out = json::array();
  for (const auto& k : *mine) out.push_back(KeyJson(k));
  return Json(200, {{"ssh_keys", out}});
}

// POST /ssh-keys {"public_key"}: the document to sign, nothing kept.
// POST /ssh-keys {"public_key", "proof"}: the key registered.
Response Api::AddSshKey(Call& call) {
  json ev = json::object();
  const auto refuse = [&](int status, const Error& why) {
    ev["error"] = why.message();
    RecordRefusal(call, "ssh_key.register", "refused", ev);
    return Fail(status, why.message(), why.hint());
  };
  // Signatures name the exchange by its web origin: without one there is
  // nothing to bind them to.
  if (!options_.web.on()) {
    return Fail(503, "signing keys are off on this exchange",
                "its operator sets [web] origin = \"https://…\" in the configuration "
                "(docs/ui.md)");
  }
  // A passkey's rules (api_passkeys.cc RefuseRegistration): from a fresh
  // login — a stolen session token must not become a signing key of its
  // own, outliving the session — and, once the account has a passkey, from
  // a session opened with it.
  auto passkeys = exchange::Passkeys(call.s.db).CountActive(call.who->id);
  if (!passkeys.ok()) return Fail(passkeys.error());
  if (*passkeys > 0 && call.session.mfa != "passkey") {
    return refuse(403, Error(ErrorCode::kRefused,
                             "this account has a passkey: add an SSH key from a session opened "
                             "with it",
                             "log in with your passkey in the pages"));
  }
  if (call.now - call.session.created_at > api_internal::kFreshLoginSeconds) {
    return refuse(
        403, Error(ErrorCode::kRefused, "an SSH key is registered within 10 minutes of logging in",
                   "log in again (cordon remote login), then add it"));
  }
  auto line = Str(call.body, "public_key");
  // Every refusal from here on is evidence, malformed keys included.
  if (!line || line->size() > kMaxKeyText) {
    return refuse(400, Error(ErrorCode::kInvalidArgument,
                             "send {\"public_key\": \"the line of your KEY.pub\"}",
                             "then {\"public_key\", \"proof\"}: the document this answers, signed "
                             "with the key"));
  }
  auto key = ssh::SigningKey::FromLine(*line);
  if (!key.ok()) return refuse(400, key.error());
  ev["fingerprint"] = key->Fingerprint();
  ev["key_type"] = std::string(key->TypeName());
  const std::string doc = exchange::SshKeyProofDocument(call.who->email, options_.web.origin, *key);
  const std::string ns = SshKeyNamespace();
  auto proof = Str(call.body, "proof");
  if (!proof) {
    return Json(200, {{"document_base64", Base64Encode(AsBytes(doc))},
                      {"namespace", ns},
                      {"next", "sign the document with the key (ssh-keygen -Y sign -n " + ns +
                                   " -f KEY document) and send it as \"proof\""}});
  }
  if (proof->size() > kMaxKeyText)
    return refuse(400, Error(ErrorCode::kInvalidArgument, "proof too long"));
  auto verified = ssh::VerifyKeySignature(*proof, AsBytes(doc), *key, {ns});
  if (!verified.ok()) {
    const ErrorCode code = verified.error().code();
    return refuse(code == ErrorCode::kAuthFailed ? 401 : 400, verified.error());
  }
  bool unrecorded = false;
  auto added = exchange::SshSigningKeys(call.s.db).Add(
      call.who->id, *key, call.now,
      [&](const exchange::SshSigningKey& k) -> Status {
        json e = ev;
        e["ssh_key"] = k.id;
        e["security_key"] = k.key.OnSecurityKey();
        auto seq = Record(call, "ssh_key.register", "ok", e);
        if (!seq.ok()) {
          unrecorded = true;
          return seq.error();
        }
        return Ok();
      },
      verified->counter);
  if (!added.ok()) {
    if (unrecorded || added.error().code() == ErrorCode::kIo) return Unrecorded();
    return refuse(409, added.error());
  }
  // Its owner hears of it: a key they did not add shows at once.
  Alert(AlertKind::kSshKeyRegistered, {{"account", call.who->id},
                                       {"ssh_key", added->id},
                                       {"fingerprint", added->key.Fingerprint()},
                                       {"security_key", added->key.OnSecurityKey()},
                                       {"ip", call.request.client_ip}});
  return Json(201, KeyJson(*added));
}

Response Api::RevokeSshKey(Call& call, int64_t id) {
  bool unrecorded = false;
  Status st =
      exchange::SshSigningKeys(call.s.db).Revoke(call.who->id, id, call.now, [&]() -> Status {
        auto seq = Record(call, "ssh_key.revoke", "ok", {{"ssh_key", id}});
        if (!seq.ok()) {
          unrecorded = true;
          return seq.error();
        }
        return Ok();
      });
  if (!st.ok()) {
    if (unrecorded || st.error().code() == ErrorCode::kIo) return Unrecorded();
    RecordRefusal(call, "ssh_key.revoke", "refused",
                  {{"ssh_key", id}, {"error", st.error().message()}});
    return Fail(st.error());
  }
  return Json(200, {{"ssh_key", id}, {"revoked", true}});
}

std::variant<Api::SshKeySignature, Response> Api::SignedWithSshKey(Call& call, ByteView message,
                                                                   std::string_view ns,
                                                                   std::string_view action,
                                                                   json details,
                                                                   std::string_view how) {
  // Every refusal of a signature is evidence, malformed ones included.
  const auto refuse = [&](int status, const Error& why) -> Response {
    details["why"] = why.message();
    RecordRefusal(call, action, "refused", details);
    return Fail(status, why.message(), why.hint());
  };
  if (!options_.web.on()) {
    return refuse(503, Error(ErrorCode::kUnsupported, "signed decisions are off on this exchange",
                             "its operator sets [web] origin (docs/ui.md)"));
  }
  auto armored = Str(call.body, "sshsig");
  if (!armored || armored->size() > kMaxKeyText) {
    return refuse(400, Error(ErrorCode::kInvalidArgument,
                             "send {\"sshsig\": \"-----BEGIN SSH SIGNATURE-----…\"}",
                             std::string(how) + " makes it"));
  }
  // The key the signature names must be one of the caller's: someone
  // else's key signs nothing for this account.
  auto envelope = ssh::ParseSshsigEnvelope(*armored);
  if (!envelope.ok()) return refuse(400, envelope.error());
  auto named = ssh::SigningKey::FromBlob(AsBytes(envelope->public_key));
  if (!named.ok()) return refuse(400, named.error());
  exchange::SshSigningKeys keys(call.s.db);
  auto stored = keys.FindActive(call.who->id, named->Fingerprint());
  if (!stored.ok()) {
    if (stored.error().code() != ErrorCode::kNotFound) return Fail(stored.error());
    return refuse(403, stored.error());
  }
  details["ssh_key"] = stored->id;
  ssh::KeySignaturePolicy policy{std::string(ns)};
  if (stored->sign_counter != 0) policy.counter_above = stored->sign_counter;
  auto verified = ssh::VerifyKeySignature(*armored, message, stored->key, policy);
  if (!verified.ok()) {
    const ErrorCode code = verified.error().code();
    return refuse(code == ErrorCode::kAuthFailed ? 401 : 400, verified.error());
  }
  if (Status used = keys.RecordUse(stored->id, stored->sign_counter, verified->counter, call.now);
      !used.ok()) {
    if (used.error().code() != ErrorCode::kAuthFailed) return Fail(used.error());
    return refuse(401, used.error());
  }
  return SshKeySignature{std::move(*stored), std::move(*armored)};
}

std::variant<Api::CallerSignature, Response> Api::SignedByCaller(
    Call& call, ByteView message, std::string_view ns, std::string_view action, const json& details,
    json& evidence, std::string_view how) {
  CallerSignature out;
  if (call.body.contains("credential_id")) {
    auto made = SignWithPasskey(call, message, ns, action, details);
    if (auto* refused = std::get_if<Response>(&made)) return std::move(*refused);
    auto& sig = std::get<PasskeySignature>(made);
    out.passkey_id = sig.passkey.id;
    out.sshsig = std::move(sig.sshsig);
    out.key_line = sig.passkey.key.Line();
    evidence["passkey"] = sig.passkey.id;
    evidence["fingerprint"] = sig.passkey.key.Fingerprint();
  } else {
    auto made = SignedWithSshKey(call, message, ns, action, details, how);
    if (auto* refused = std::get_if<Response>(&made)) return std::move(*refused);
    auto& sig = std::get<SshKeySignature>(made);
    out.ssh_key_id = sig.key.id;
    out.sshsig = std::move(sig.sshsig);
    out.key_line = sig.key.key.Line();
    evidence["ssh_key"] = sig.key.id;
    evidence["fingerprint"] = sig.key.key.Fingerprint();
    evidence["security_key"] = sig.key.key.OnSecurityKey();
  }
  evidence["signed"] = true;
  evidence["signature_sha256"] = HexEncode(crypto::Sha256::Hash(AsBytes(out.sshsig)));
  return out;
}

std::optional<Response> Api::RefuseUnsigned(Call& call, std::string_view action, json details,
                                            std::string_view in_pages, std::string_view cli) {
  // Whoever has (or had) a passkey decides with one: each of their
  // decisions is then a signature anyone verifies offline, never a bare
  // row — also after a revocation, until a new passkey is registered.
  auto passkeys = exchange::Passkeys(call.s.db).CountEver(call.who->id);
  if (!passkeys.ok()) return Fail(passkeys.error());
  if (*passkeys > 0) {
    details["error"] = "unsigned decision by an approver with a passkey";
    RecordRefusal(call, action, "refused", details);
    return Fail(403, "you have a passkey: decide with it, so that your decision is a signature",
                std::string(in_pages) + " (after a revocation, register your new passkey first)");
  }
  // The same once they registered an SSH signing key: from the command
  // line, their decisions are signed with it.
  auto ssh_keys = exchange::SshSigningKeys(call.s.db).CountEver(call.who->id);
  if (!ssh_keys.ok()) return Fail(ssh_keys.error());
  if (*ssh_keys > 0) {
    details["error"] = "unsigned decision by an approver with an SSH key";
    RecordRefusal(call, action, "refused", details);
    return Fail(403, "you registered an SSH signing key: sign your decision with it",
                std::string(cli) + " --sign-with ~/.ssh/id_ed25519_sk (the key's private file)");
  }
  return std::nullopt;
}

}  // namespace cordon::serve
