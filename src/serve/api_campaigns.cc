// Access review campaigns over the API (issue 16) with each decision a
// signature (issue 17): an approver keeps or removes each of a vendor's
// accounts by signing, with a passkey in the pages or a registered SSH key
// from the command line, the decision document of exchange/campaigns.h.
// The signature is verified here, kept with the decision in one
// transaction with its ledger event, and checked offline with
// `ssh-keygen -Y verify`. At the deadline every account not kept is
// disabled (Campaigns::CloseDue, the minute sweep).
#include <variant>

#include "core/encoding.h"
#include "core/utc_time.h"
#include "crypto/hash.h"
#include "exchange/campaigns.h"
#include "exchange/passkeys.h"
#include "exchange/ssh_keys.h"
#include "exchange/targets.h"
#include "serve/api_internal.h"
#include "ssh/sshsig.h"

namespace cordon::serve {

using api_internal::AccountJson;
using api_internal::Fail;
using api_internal::HasRole;
using api_internal::Int;
using api_internal::json;
using api_internal::Json;
using api_internal::Opt;
using api_internal::ParseIso;
using api_internal::Role;
using api_internal::SignedNamespace;
using api_internal::SignerKeyLine;
using api_internal::SshKeygenVerify;
using api_internal::Str;
using api_internal::Unrecorded;

namespace {

// How many campaigns GET /reviews/campaigns lists, newest first.
constexpr int kListedCampaigns = 50;

bool IsOpen(const exchange::Campaign& c, int64_t now) { return !c.closed_at && now < c.deadline; }

std::string DocumentFile(int64_t campaign, int64_t account, std::string_view decision) {
  return "review-" + std::to_string(campaign) + "-account-" + std::to_string(account) + "-" +
         std::string(decision) + ".json";
}

}  // namespace

std::string Api::ReviewNamespace() const {
  return std::string(exchange::kReviewNamespace) + "@" + options_.web.rp_id;
}

Result<json> Api::CampaignJson(Call& call, const exchange::Campaign& c, bool detailed) {
  json out = {{"id", c.id},
              {"organisation", c.organisation},
              {"opened_by", c.opened_by},
              {"opened_at", FormatUtc(c.opened_at)},
              {"deadline", FormatUtc(c.deadline)},
              {"closed_at", Opt(c.closed_at)},
              {"open", IsOpen(c, call.now)},
              {"accounts", c.accounts}};
  json decisions = json::array();
  for (const auto& d : c.decisions) {
    json entry = {{"account", d.account_id},
                  {"decision", d.decision},
                  {"decided_by", d.decided_by},
                  {"at", FormatUtc(d.at)},
                  {"signed", d.signature.has_value()}};
    if (detailed && d.signature) {
      const auto& s = *d.signature;
      CORDON_ASSIGN_OR_RETURN(exchange::Account signer, call.s.accounts.Get(d.decided_by));
      entry["signer_email"] = signer.email;
      entry["passkey_id"] = s.passkey_id ? json(*s.passkey_id) : json(nullptr);
      entry["ssh_key_id"] = s.ssh_key_id ? json(*s.ssh_key_id) : json(nullptr);
      entry["document_base64"] = Base64Encode(AsBytes(s.document));
      entry["sshsig"] = s.sshsig;
      entry["ssh_public_key"] = SignerKeyLine(call.s.db, d.decided_by, s.passkey_id, s.ssh_key_id);
      entry["verify"] = SshKeygenVerify(
          signer.email, SignedNamespace(exchange::kReviewNamespace, s.document, ReviewNamespace()),
          DocumentFile(c.id, d.account_id, d.decision));
    }
    decisions.push_back(std::move(entry));
  }
  out["decisions"] = std::move(decisions);
  if (!detailed) return out;

  // The accounts under review with what a reviewer decides on: role,
  // state, expiry, last login and last use; from where, only to the
  // vendor's own people (and auditors, admins): a hospital does not learn
  // its vendor's addresses (attack review of 2026-12-05, finding 3).
  const bool addresses =
      HasRole(call, {Role::kAuditor, Role::kAdmin}) || call.who->organisation == c.organisation;
  json reviewed = json::array();
  for (int64_t id : c.accounts) {
    CORDON_ASSIGN_OR_RETURN(exchange::Account a, call.s.accounts.Get(id));
    json shown = AccountJson(a);
    if (!addresses) shown["last_login_ip"] = nullptr;
    shown["last_used_at"] = Opt(a.last_used_at);
    reviewed.push_back(std::move(shown));
  }
  out["reviewed"] = std::move(reviewed);

  // What this approver can sign now: for each account, the exact document
  // of each decision and its WebAuthn challenge (the SSHSIG signed data),
  // so that the page computes nothing it could get wrong.
  if (HasRole(call, {Role::kApprover}) && options_.web.on() && IsOpen(c, call.now)) {
    CORDON_ASSIGN_OR_RETURN(
        bool reached, exchange::VendorReaches(call.s.db, c.organisation, call.who->organisation));
    if (call.who->organisation == c.organisation) {
      out["not_yours"] = "an organisation never reviews its own accounts";
    } else if (!reached) {
      out["not_yours"] =
          "only approvers of a hospital whose targets the vendor's accounts requested review them";
    } else {
      const std::string ns = ReviewNamespace();
      json to_sign = json::object();
      for (int64_t id : c.accounts) {
        if (id == call.who->id) continue;  // nobody reviews their own account
        CORDON_ASSIGN_OR_RETURN(exchange::Account a, call.s.accounts.Get(id));
        if (exchange::SameName(a.name, call.who->name)) continue;  // nor another of theirs
        json both = json::object();
        for (const char* verb : {"keep", "remove"}) {
          const std::string doc =
              exchange::CampaignDecisionDocument(c, a, verb, options_.web.origin);
          both[verb] = {
              {"document_base64", Base64Encode(AsBytes(doc))},
              {"challenge", Base64UrlEncode(AsBytes(ssh::SshsigSignedData(ns, AsBytes(doc))))}};
        }
        to_sign[std::to_string(id)] = std::move(both);
      }
      out["sign"] = {{"namespace", ns}, {"decisions", std::move(to_sign)}};
    }
  }
  return out;
}

Result<bool> Api::MaySeeCampaign(Call& call, const exchange::Campaign& c) {
  // Auditors and admins see every campaign; an approver those over their
  // own organisation (a vendor sees who is under review) and, at a
  // hospital, those over the vendors that reach it (their accounts
  // requested its targets) — not another vendor's, nor those of a vendor
  // that never maintained this hospital.
  if (!HasRole(call, {Role::kApprover}) || call.who->organisation == c.organisation) return true;
  return exchange::VendorReaches(call.s.db, c.organisation, call.who->organisation);
}

Response Api::ListCampaigns(Call& call) {
  auto recent = exchange::Campaigns(call.s.db).Recent(kListedCampaigns);
  if (!recent.ok()) return Fail(recent.error());
  json list = json::array();
  for (const auto& c : *recent) {
    auto may = MaySeeCampaign(call, c);
    if (!may.ok()) return Fail(may.error());
    if (!*may) continue;
    auto j = CampaignJson(call, c, false);
    if (!j.ok()) return Fail(j.error());
    list.push_back(std::move(*j));
  }
  return Json(200, {{"campaigns", std::move(list)}});
}

Response Api::OpenCampaign(Call& call) {
  auto org = Str(call.body, "organisation");
  auto deadline_text = Str(call.body, "deadline");
  if (!org || !deadline_text) {
    return Fail(400, "send {\"organisation\", \"deadline\": \"YYYY-MM-DDTHH:MM:SSZ\"}");
  }
  auto deadline = ParseIso(*deadline_text);
  if (!deadline) return Fail(400, "deadline: write YYYY-MM-DDTHH:MM:SSZ (UTC)");
  exchange::Campaigns campaigns(call.s.db);
  auto id = campaigns.Open(*call.who, *org, *deadline, call.now);
  if (!id.ok()) {
    RecordRefusal(call, "review.campaign.open", "refused",
                  {{"organisation", *org}, {"error", id.error().message()}});
    return Fail(id.error());
  }
  if (auto seq = Record(call, "review.campaign.open", "ok",
                        {{"campaign", *id}, {"organisation", *org}, {"deadline", *deadline_text}});
      !seq.ok()) {
    return Unrecorded();
  }
  auto c = campaigns.Get(*id);
  if (!c.ok()) return Fail(c.error());
  auto j = CampaignJson(call, *c, true);
  if (!j.ok()) return Fail(j.error());
  return Json(201, *j);
}

Response Api::GetCampaign(Call& call, int64_t id) {
  auto c = exchange::Campaigns(call.s.db).Get(id);
  if (!c.ok()) return Fail(c.error());
  auto may = MaySeeCampaign(call, *c);
  if (!may.ok()) return Fail(may.error());
  if (!*may) return Fail(404, "no campaign " + std::to_string(id));
  auto j = CampaignJson(call, *c, true);
  if (!j.ok()) return Fail(j.error());
  return Json(200, *j);
}

Response Api::DecideInCampaign(Call& call, int64_t id) {
  const char* action = "review.campaign.decide";
  auto account = Int(call.body, "account");
  auto decision = Str(call.body, "decision");
  if (!account || *account <= 0 || !decision || !exchange::IsCampaignDecision(*decision)) {
    return Fail(400, "send {\"account\", \"decision\": \"keep\" or \"remove\"}",
                "signed: with the passkey's answer (the pages) or {\"sshsig\"} (cordon remote "
                "campaign decide --sign-with)");
  }
  json ev = {{"campaign", id}, {"account", *account}, {"decision", *decision}};
  const bool by_passkey = call.body.contains("credential_id");
  const bool by_key = call.body.contains("sshsig");
  const std::string cli = "cordon remote campaign decide " + std::to_string(id) + " --account " +
                          std::to_string(*account) + " --decision " + *decision;

  exchange::Campaigns campaigns(call.s.db);
  auto c = campaigns.Get(id);
  if (!c.ok() && c.error().code() != ErrorCode::kNotFound) return Fail(c.error());
  // Who may not decide learns nothing, signed or not: not whether the
  // campaign or the account exists, whom it reviews, whether it is closed,
  // nor whether a guessed document is right (attack reviews of
  // 2026-12-05).
  auto may = c.ok() ? MaySeeCampaign(call, *c) : Result<bool>(false);
  if (!may.ok()) return Fail(may.error());
  if (!*may) {
    ev["why"] = "no such campaign";
    RecordRefusal(call, action, "refused", ev);
    return Fail(404, "no campaign " + std::to_string(id));
  }
  if (Status st = campaigns.MayDecide(*call.who, *c, *account, call.now); !st.ok()) {
    ev["why"] = st.error().message();
    RecordRefusal(call, action, "refused", ev);
    return Fail(st.error());
  }

  // The decision's signature, when signed, over the document derived here
  // from the stored campaign and account: these bytes or nothing.
  std::optional<exchange::CampaignSignature> signature;
  if (by_passkey || by_key) {
    auto who = call.s.accounts.Get(*account);
    if (!who.ok()) return Fail(who.error());
    const std::string doc =
        exchange::CampaignDecisionDocument(*c, *who, *decision, options_.web.origin);
    const std::string document_sha = HexEncode(crypto::Sha256::Hash(AsBytes(doc)));
    ev["decision_document_sha256"] = document_sha;
    const json details = ev;
    auto made = SignedByCaller(call, AsBytes(doc), ReviewNamespace(), action, details, ev,
                               cli + " --sign-with KEY");
    if (auto* refused = std::get_if<Response>(&made)) return std::move(*refused);
    auto& sig = std::get<CallerSignature>(made);
    signature =
        exchange::CampaignSignature{sig.passkey_id, sig.ssh_key_id, doc, std::move(sig.sshsig)};
  } else if (auto refused = RefuseUnsigned(
                 call, action, ev,
                 "open the campaign in the exchange's pages (/ui/, review) and decide there",
                 cli)) {
    return std::move(*refused);
  }

  // The decision is evidence: recorded in its transaction, or not made.
  Status st = campaigns.Decide(
      *call.who, id, *account, *decision, call.now,
      [&]() -> Status {
        auto seq = Record(call, action, "ok", ev);
        if (!seq.ok()) return seq.error();
        return Ok();
      },
      signature ? &*signature : nullptr);
  if (!st.ok()) {
    if (st.error().code() == ErrorCode::kIo) return Unrecorded();
    ev["error"] = st.error().message();
    RecordRefusal(call, action, "refused", ev);
    return Fail(st.error());
  }
  auto after = campaigns.Get(id);
  if (!after.ok()) return Fail(after.error());
  auto j = CampaignJson(call, *after, true);
  if (!j.ok()) return Fail(j.error());
  return Json(200, *j);
}

}  // namespace cordon::serve
