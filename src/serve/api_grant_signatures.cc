// Grants as an approver sees them in the pages (issue 17): one grant with
// the context to decide on it (who asks, their last logins and requests),
// and decisions signed with the approver's passkey — SSHSIG over the
// grant's decision document (exchange/grant_decisions.h), verified here,
// kept with the decision in one transaction, and verifiable offline with
// `ssh-keygen -Y verify`.
#include <algorithm>
#include <variant>

#include "core/encoding.h"
#include "core/utc_time.h"
#include "crypto/hash.h"
#include "exchange/grant_decisions.h"
#include "exchange/passkeys.h"
#include "exchange/ssh_keys.h"
#include "serve/api_internal.h"
#include "ssh/sshsig.h"

namespace cordon::serve {

using api_internal::Fail;
using api_internal::GrantJson;
using api_internal::HasRole;
using api_internal::json;
using api_internal::Json;
using api_internal::Opt;
using api_internal::Role;
using api_internal::SignedNamespace;
using api_internal::SshKeygenVerify;

namespace {

// How many of the requester's last logins and requests the page shows.
constexpr int kContextItems = 5;

// The decisions that can still be taken on `g` now, in the order the page
// offers them.
std::vector<std::string> OpenDecisions(const exchange::Grant& g, int64_t now) {
  std::vector<std::string> out;
  if (g.status == "requested") {
    out = {"approve", "deny"};
  } else if (g.status == "approved" && g.closes_at && now < *g.closes_at) {
    out = {"revoke"};
  }
  if (g.break_glass && !g.reviewed_by) out.push_back("review");
  return out;
}

std::string VerifyCommand(std::string_view email, std::string_view ns, int64_t grant,
                          std::string_view decision) {
  return SshKeygenVerify(email, ns,
                         "grant-" + std::to_string(grant) + "-" + std::string(decision) + ".json");
}

}  // namespace

std::string Api::GrantNamespace() const {
  return std::string(exchange::kGrantNamespace) + "@" + options_.web.rp_id;
}

Response Api::ShowGrant(Call& call, int64_t id) {
  auto g = call.s.grants.Get(id);
  if (!g.ok() && g.error().code() != ErrorCode::kNotFound) return Fail(g.error());
  // Someone else's grant is, to a requester, not there; another
  // organisation's, to an approver.
  auto visible = g.ok() ? MaySeeGrant(call, *g) : Result<bool>(false);
  if (!visible.ok()) return Fail(visible.error());
  if (!*visible) return Fail(404, "no such grant", "GET /api/v1/grants lists the ones you may see");
  auto requester = call.s.accounts.Get(g->requester_id);
  if (!requester.ok()) return Fail(requester.error());
  json out = GrantJson(*g, call.now);
  // The requester's history (logins with addresses, requests) is for those
  // who decide on this grant — approvers of its subject's organisation —
  // and for auditors and admins; not for another organisation's approver.
  const Status may = call.s.grants.MayDecide(*call.who, *g);  // the subject's organisation
  const bool decides = HasRole(call, {Role::kApprover}) && may.ok();
  const bool context = decides || HasRole(call, {Role::kAuditor, Role::kAdmin});

  // The context of the decision, on the same screen: who asks, from where
  // they last logged in, and what they asked for before.
  json who = {{"id", requester->id},
              {"name", requester->name},
              {"email", requester->email},
              {"role", exchange::RoleName(requester->role)},
              {"organisation", requester->organisation},
              {"last_login_at", Opt(requester->last_login_at)},
              {"last_used_at", Opt(requester->last_used_at)}};
  if (context) {
    // Addresses are their own organisation's to read (as in the review and
    // the alerts feed), and the earlier requests those the caller may see:
    // a hospital learns nothing of what its vendor's engineer does at
    // another hospital (attack review of 2026-12-05, finding 1).
    const bool everything = HasRole(call, {Role::kAuditor, Role::kAdmin}) ||
                            requester->organisation == call.who->organisation;
    auto logins = call.s.accounts.LoginHistory(requester->id, kContextItems);
    if (!logins.ok()) return Fail(logins.error());
    json recent = json::array();
    for (const auto& l : *logins) {
      recent.push_back({{"at", FormatUtc(l.at)},
                        {"ip", everything ? json(l.ip) : json(nullptr)},
                        {"outcome", l.outcome},
                        {"mfa", l.mfa}});
    }
    who["recent_logins"] = recent;
    auto theirs = call.s.grants.List(requester->id);
    if (!theirs.ok()) return Fail(theirs.error());
    json earlier = json::array();
    for (auto it = theirs->rbegin(); it != theirs->rend() && earlier.size() < kContextItems; ++it) {
      if (it->id == id) continue;
      auto shown = everything ? Result<bool>(true) : MaySeeGrant(call, *it);
      if (!shown.ok()) return Fail(shown.error());
      if (!*shown) continue;
      earlier.push_back({{"id", it->id},
                         {"subject", it->package},
                         {"status", it->status},
                         {"requested_at", FormatUtc(it->requested_at)}});
    }
    who["recent_grants"] = earlier;
  }
  out["requester"] = who;

  auto signatures = call.s.grants.Signatures(id);
  if (!signatures.ok()) return Fail(signatures.error());
  json signed_ = json::array();
  for (const auto& s : *signatures) {
    auto signer = call.s.accounts.Get(s.signer_id);
    if (!signer.ok()) return Fail(signer.error());
    json entry = {{"decision", s.decision},
                  {"signer_id", s.signer_id},
                  {"signer_email", signer->email},
                  {"passkey_id", s.passkey_id ? json(*s.passkey_id) : json(nullptr)},
                  {"ssh_key_id", s.ssh_key_id ? json(*s.ssh_key_id) : json(nullptr)},
                  {"signed_at", FormatUtc(s.signed_at)},
                  {"document_base64", Base64Encode(AsBytes(s.document))},
                  {"sshsig", s.sshsig},
                  {"verify", VerifyCommand(signer->email,
                                           SignedNamespace(exchange::kGrantNamespace, s.document,
                                                           GrantNamespace()),
                                           id, s.decision)}};
    // The key the signature verifies with; its registration is in the
    // ledger (passkey.register), which is where a verifier takes it from.
    if (s.passkey_id) {
      if (auto keys = exchange::Passkeys(call.s.db).ForAccount(s.signer_id); keys.ok()) {
        for (const auto& k : *keys) {
          if (k.id != *s.passkey_id) continue;
          entry["ssh_public_key"] = k.key.Line();
          entry["fingerprint"] = k.key.Fingerprint();
        }
      }
    } else if (s.ssh_key_id) {
      // Its registration is in the ledger too (ssh_key.register).
      if (auto keys = exchange::SshSigningKeys(call.s.db).ForAccount(s.signer_id); keys.ok()) {
        for (const auto& k : *keys) {
          if (k.id != *s.ssh_key_id) continue;
          entry["ssh_public_key"] = k.key.Line();
          entry["fingerprint"] = k.key.Fingerprint();
          entry["security_key"] = k.key.OnSecurityKey();
        }
      }
    }
    signed_.push_back(entry);
  }
  out["signatures"] = signed_;

  // What this approver can sign now: for each open decision, the exact
  // document and the WebAuthn challenge (the SSHSIG signed data over it),
  // so that the page computes nothing it could get wrong.
  if (HasRole(call, {Role::kApprover}) && options_.web.on()) {
    if (!call.s.grants.RefuseOwn(*call.who, *g).ok()) {
      out["own_request"] = true;  // theirs, or a namesake's account's
    } else if (!may.ok()) {
      out["not_yours"] = may.error().message();
    } else {
      json decisions = json::object();
      const std::string ns = GrantNamespace();
      const bool approved_already =
          std::find(g->approvals.begin(), g->approvals.end(), call.who->id) != g->approvals.end();
      for (const std::string& verb : OpenDecisions(*g, call.now)) {
        if (verb == "approve" && approved_already) continue;  // N of M: another approver
        const std::string doc =
            exchange::DecisionDocument(*g, *requester, verb, options_.web.origin);
        decisions[verb] = {
            {"document_base64", Base64Encode(AsBytes(doc))},
            {"challenge", Base64UrlEncode(AsBytes(ssh::SshsigSignedData(ns, AsBytes(doc))))}};
      }
      out["sign"] = {{"namespace", ns}, {"decisions", decisions}};
    }
  }
  return Json(200, out);
}

// The signed path of POST /grants/{id}/{decision}: the body is the
// passkey's answer to the challenge GET /grants/{id} gave for this decision
// (the pages), or "sshsig", a signature by one of the approver's registered
// SSH keys (`cordon remote grant VERB ID --sign-with KEY`).
Response Api::DecideGrantSigned(Call& call, int64_t id, const std::string& verb) {
  const std::string action = "grant." + verb;
  auto g = call.s.grants.Get(id);
  if (!g.ok()) {
    if (g.error().code() != ErrorCode::kNotFound) return Fail(g.error());
    RecordRefusal(call, action, "refused", {{"grant", id}, {"why", "no such grant"}});
    return Fail(404, "no such grant");
  }
  auto requester = call.s.accounts.Get(g->requester_id);
  if (!requester.ok()) return Fail(requester.error());
  // The document is derived again from the stored grant: what was signed
  // must be these bytes, whatever the page or the client showed.
  const std::string doc = exchange::DecisionDocument(*g, *requester, verb, options_.web.origin);
  const std::string document_sha = HexEncode(crypto::Sha256::Hash(AsBytes(doc)));
  json details = {{"grant", id}, {"decision_document_sha256", document_sha}};
  exchange::GrantSignature kept;
  kept.grant_id = id;
  kept.signer_id = call.who->id;
  kept.decision = verb;
  kept.signed_at = call.now;
  kept.document = doc;
  json evidence = {{"decision_document_sha256", document_sha}};
  auto made =
      SignedByCaller(call, AsBytes(doc), GrantNamespace(), action, details, evidence,
                     "cordon remote grant " + verb + " " + std::to_string(id) + " --sign-with KEY");
  if (auto* refused = std::get_if<Response>(&made)) return std::move(*refused);
  auto& sig = std::get<CallerSignature>(made);
  kept.passkey_id = sig.passkey_id;
  kept.ssh_key_id = sig.ssh_key_id;
  kept.sshsig = std::move(sig.sshsig);
  return ApplySignedGrantDecision(call, kept, std::move(evidence), sig.key_line);
}

Response Api::ApplySignedGrantDecision(Call& call, const exchange::GrantSignature& kept,
                                       json evidence, std::string_view key_line) {
  Response r = ApplyGrantDecision(call, kept.grant_id, kept.decision, &kept, std::move(evidence));
  if (r.status != 200) return r;
  auto decided = call.s.grants.Get(kept.grant_id);
  if (!decided.ok()) return Fail(decided.error());
  json out = GrantJson(*decided, call.now);
  out["signature"] = {
      {"decision", kept.decision},
      {"namespace", GrantNamespace()},
      {"document_base64", Base64Encode(AsBytes(kept.document))},
      {"sshsig", kept.sshsig},
      {"ssh_public_key", std::string(key_line)},
      {"verify", VerifyCommand(call.who->email, GrantNamespace(), kept.grant_id, kept.decision)}};
  return Json(200, out);
}

}  // namespace cordon::serve
