// Grants (request, break-glass, decisions) and the access review.
#include "core/encoding.h"
#include "core/utc_time.h"
#include "crypto/hash.h"
#include "exchange/campaigns.h"
#include "exchange/review.h"
#include "serve/api_internal.h"
#include "ssh/sshsig.h"

namespace cordon::serve {

using api_internal::Fail;
using api_internal::Forbidden;
using api_internal::GrantJson;
using api_internal::HasRole;
using api_internal::Int;
using api_internal::json;
using api_internal::Json;
using api_internal::ParseIso;
using api_internal::Role;
using api_internal::SignedNamespace;
using api_internal::SignerKeyLine;
using api_internal::SshKeygenVerify;
using api_internal::Str;
using api_internal::Unrecorded;

namespace {

// How many attestations GET /reviews/access/attestations lists, newest first.
constexpr int kListedAttestations = 50;

}  // namespace

// ---- grants ----

Result<bool> Api::MaySeeGrant(Call& call, const exchange::Grant& g) {
  if (HasRole(call, {Role::kAuditor, Role::kAdmin}) || g.requester_id == call.who->id) return true;
  if (!HasRole(call, {Role::kApprover})) return false;
  const std::string& mine = call.who->organisation;
  CORDON_ASSIGN_OR_RETURN(exchange::Account requester, call.s.accounts.Get(g.requester_id));
  if (requester.organisation == mine) return true;
  // On the approver's organisation's subject: theirs to decide. A target
  // removed since belongs to nobody.
  auto subject = call.s.grants.SubjectOrganisation(g);
  if (!subject.ok()) {
    if (subject.error().code() == ErrorCode::kNotFound) return false;
    return subject.error();
  }
  return *subject == mine;
}

Response Api::ListGrants(Call& call) {
  std::optional<int64_t> whose;
  if (!HasRole(call, {Role::kApprover, Role::kAuditor, Role::kAdmin})) whose = call.who->id;
  auto list = call.s.grants.List(whose);
  if (!list.ok()) return Fail(list.error());
  json out = json::array();
  for (const auto& g : *list) {
    auto visible = MaySeeGrant(call, g);
    if (!visible.ok()) return Fail(visible.error());
    if (*visible) out.push_back(GrantJson(g, call.now));
  }
  return Json(200, {{"grants", out}});
}

// The same bound as the policy's, as a 400 (docs/api.md, openapi.yaml), and
// the optional later start; the 400 to answer, if any.
std::optional<Response> Api::ReadWindow(const Call& call, bool break_glass, int64_t hours,
                                        std::optional<int64_t>& start) const {
  const int64_t max_hours = (break_glass ? options_.grants.max_break_glass_seconds
                                         : options_.grants.max_duration_seconds) /
                            3600;
  if (hours <= 0 || hours > max_hours) {
    return Fail(400, "duration_hours: from 1 to " + std::to_string(max_hours));
  }
  if (auto s = Str(call.body, "start")) {
    start = ParseIso(*s);
    if (!start) return Fail(400, "start: write YYYY-MM-DDTHH:MM:SSZ (UTC)");
  }
  return std::nullopt;
}

Response Api::RequestGrant(Call& call, bool break_glass) {
  if (call.body.contains("target")) return RequestTargetGrant(call, break_glass);
  // A package's break-glass is a recipient's (the route also lets on-call
  // operators in, for targets).
  if (break_glass && !HasRole(call, {Role::kRecipient})) return Forbidden(*call.who, "recipient");
  auto package = Str(call.body, "package");
  const auto role = Str(call.body, "role");
  auto reason = Str(call.body, "reason");
  auto hours = Int(call.body, "duration_hours");
  if (!(package || role) || (package && role) || !reason || !hours) {
    return Fail(400,
                "send {\"package\" (or \"role\"), \"reason\", \"duration_hours\"} (and "
                "optionally \"start\": \"YYYY-MM-DDTHH:MM:SSZ\")");
  }
  std::optional<int64_t> start;
  if (auto bad = ReadWindow(call, break_glass, *hours, start)) return std::move(*bad);
  if (break_glass && start) return Fail(400, "break-glass grants open at once: no start");
  if (role) {
    // A role for a while (anyone may ask; another person, an approver, decides).
    if (break_glass) return Fail(400, "break-glass is for one package, not a role");
    if (!exchange::ParseRole(*role).ok()) {
      return Fail(400, "role: operator, recipient or auditor");
    }
    package = std::string(exchange::kRoleGrantPrefix) + *role;
  } else {
    if (!HasRole(call, {Role::kRecipient})) return Forbidden(*call.who, "recipient");
    if (!IsHex64(*package)) return Fail(400, "package: a package id (64 lowercase hex digits)");
    auto p = call.s.store.Get(*package);
    if (!p.ok() && p.error().code() != ErrorCode::kNotFound) return Fail(p.error());
    // Only for a package sealed to one of the caller's own age recipients
    // (break-glass included): any other is, to them, not there (F5).
    auto bound = p.ok() ? BoundToRecipient(call, *p) : Result<bool>(false);
    if (!bound.ok()) return Fail(bound.error());
    if (!p.ok() || p->status != "available" || !*bound) {
      return Fail(404, "no such package on the exchange",
                  "packages are listed for the recipients they are sealed to; ask the admin "
                  "to bind your age recipient to your account");
    }
  }
  const char* action = break_glass ? "grant.break_glass" : "grant.request";
  exchange::GrantEvent record = [&](int64_t grant) -> Status {
    auto seq =
        Record(call, action, "ok", {{"grant", grant}, {"package", *package}, {"hours", *hours}});
    if (!seq.ok()) return seq.error();
    return Ok();
  };
  auto id = break_glass ? call.s.grants.BreakGlass(*call.who, *package, *reason, *hours * 3600,
                                                   call.now, record)
                        : call.s.grants.Request(*call.who, *package, *reason, start, *hours * 3600,
                                                call.now, record);
  if (!id.ok()) {
    if (id.error().code() == ErrorCode::kIo) return Unrecorded();
    RecordRefusal(call, action, "refused",
                  {{"package", *package}, {"error", id.error().message()}});
    return Fail(id.error());
  }
  if (break_glass) {
    Alert(AlertKind::kBreakGlass, {{"account", call.who->id},
                                   {"ip", call.request.client_ip},
                                   {"grant", *id},
                                   {"package", *package}});
  }
  auto g = call.s.grants.Get(*id);
  if (!g.ok()) return Fail(g.error());
  return Json(201, GrantJson(*g, call.now));
}

Response Api::DecideGrant(Call& call, int64_t id, const std::string& verb) {
  if (!HasRole(call, {Role::kApprover})) return Forbidden(*call.who, "approver");
  // Another organisation's grant is not there, to its approvers as to
  // anyone: the same 404 as for no grant, before any signature is read.
  {
    auto g = call.s.grants.Get(id);
    if (!g.ok() && g.error().code() != ErrorCode::kNotFound) return Fail(g.error());
    auto visible = g.ok() ? MaySeeGrant(call, *g) : Result<bool>(false);
    if (!visible.ok()) return Fail(visible.error());
    if (!*visible) {
      RecordRefusal(call, "grant." + verb, "refused", {{"grant", id}, {"why", "no such grant"}});
      return Fail(404, "no such grant", "GET /api/v1/grants lists the ones you may see");
    }
  }
  if (call.body.contains("credential_id") || call.body.contains("sshsig")) {
    return DecideGrantSigned(call, id, verb);
  }
  if (auto refused =
          RefuseUnsigned(call, "grant." + verb, {{"grant", id}},
                         "open the grant in the exchange's pages (/ui/) and " + verb + " it there",
                         "cordon remote grant " + verb + " " + std::to_string(id))) {
    return std::move(*refused);
  }
  return ApplyGrantDecision(call, id, verb, nullptr, {});
}

Response Api::ApplyGrantDecision(Call& call, int64_t id, const std::string& verb,
                                 const exchange::GrantSignature* signature, json signed_details) {
  auto& g = call.s.grants;
  json details = {{"grant", id}};
  if (auto before = g.Get(id); before.ok()) {
    if (before->target().empty()) {
      details["package"] = before->package;
    } else {
      details["target"] = std::string(before->target());
    }
  }
  bool unrecorded = false;
  exchange::GrantEvent record = [&](int64_t) -> Status {
    json ev = details;
    // N of M: each approval is evidence, with how many are in.
    if (details.contains("target") && verb == "approve") {
      if (auto now = g.Get(id); now.ok()) {
        ev["approvals"] = now->approvals.size();  // this one included (same transaction)
        ev["status"] = now->status;
      }
    }
    if (signature) {
      // The signature joins the decision's transaction: kept together or
      // not at all.
      CORDON_TRY(g.AddSignature(*signature));
      ev.update(signed_details);
    }
    auto seq = Record(call, "grant." + verb, "ok", ev);
    if (!seq.ok()) {
      unrecorded = true;
      return seq.error();
    }
    return Ok();
  };
  Status st = verb == "approve"  ? g.Approve(*call.who, id, call.now, record)
              : verb == "deny"   ? g.Deny(*call.who, id, call.now, record)
              : verb == "revoke" ? g.Revoke(*call.who, id, call.now, record)
                                 : g.Review(*call.who, id, call.now, record);
  if (!st.ok()) {
    if (unrecorded || st.error().code() == ErrorCode::kIo) return Unrecorded();
    details["error"] = st.error().message();
    RecordRefusal(call, "grant." + verb, "refused", details);
    return Fail(st.error());
  }
  auto got = g.Get(id);
  if (!got.ok()) return Fail(got.error());
  return Json(200, GrantJson(*got, call.now));
}

// ---- access review ----

Response Api::Review(Call& call) {
  if (!HasRole(call, {Role::kApprover, Role::kAuditor, Role::kAdmin})) {
    return Forbidden(*call.who, "approver, auditor or admin");
  }
  // Auditors and admins review the exchange; an approver, their
  // organisation and the vendors that reach it (exchange::ReviewScope).
  exchange::ReviewScope scope;
  if (!HasRole(call, {Role::kAuditor, Role::kAdmin})) scope.organisation = call.who->organisation;
  auto review = exchange::AccessReview(options_.data_dir, call.now, scope,
                                       options_.grants.countersign_seconds,
                                       options_.accounts.idle_account_seconds);
  if (!review.ok()) return Fail(review.error());
  // The digest is over the review's canonical text (keys sorted, no
  // whitespace, non-UTF-8 bytes replaced): the text a client re-serializes
  // from the answer, so that the command line checks the digest it attests
  // against the review it shows (client::FetchAccessReview).
  json canonical = *review;  // ordered_json → json: the keys sorted
  const std::string sha = exchange::ReviewSha256(canonical);
  // Only a review the exchange served, to the one who attests it, can be
  // attested (F22; review N20: not one served to someone else).
  if (Status st = exchange::ServedReviews(call.s.db).Record(sha, call.who->id, call.now);
      !st.ok()) {
    return Fail(st.error());
  }
  if (auto seq = Record(call, "review.read", "ok", {{"review_sha256", sha}}); !seq.ok()) {
    return Unrecorded();
  }
  json out = {{"review", std::move(canonical)}, {"sha256", sha}};
  // What an approver signs to attest this review: the exact document and
  // its WebAuthn challenge (the SSHSIG signed data), so that the page
  // computes nothing it could get wrong.
  if (HasRole(call, {Role::kApprover}) && options_.web.on()) {
    const std::string doc = exchange::AttestationDocument(sha, *call.who, options_.web.origin);
    const std::string ns = ReviewNamespace();
    out["sign"] = {
        {"namespace", ns},
        {"document_base64", Base64Encode(AsBytes(doc))},
        {"challenge", Base64UrlEncode(AsBytes(ssh::SshsigSignedData(ns, AsBytes(doc))))}};
  }
  return Json(200, out);
}

Response Api::Attest(Call& call) {
  if (!HasRole(call, {Role::kApprover})) return Forbidden(*call.who, "approver");
  auto sha = Str(call.body, "sha256");
  if (!sha || !IsHex64(*sha)) {
    return Fail(400, "send {\"sha256\"}: the sha256 GET /api/v1/reviews/access returned");
  }
  auto found = exchange::ServedReviews(call.s.db).WasServed(*sha, call.who->id);
  if (!found.ok()) return Fail(found.error());
  if (!*found) {
    RecordRefusal(call, "review.attest", "refused",
                  {{"review_sha256", *sha}, {"error", "not a review the exchange served"}});
    return Fail(404, "the exchange never served you a review with this sha256",
                "GET /api/v1/reviews/access, read it, then attest the sha256 it returned");
  }
  auto again = exchange::AlreadyAttested(call.s.db, call.who->id, *sha);
  if (!again.ok()) return Fail(again.error());
  if (*again) {
    RecordRefusal(call, "review.attest", "refused",
                  {{"review_sha256", *sha}, {"error", "attested already"}});
    return Fail(409, "you attested this review already",
                "read the review again (GET /api/v1/reviews/access) and attest the new one");
  }
  // Signed (issue 17: no approval is a bare row): the passkey's answer or
  // an SSHSIG by a registered SSH key over the document derived here.
  json ev = {{"review_sha256", *sha}};
  std::optional<exchange::AttestationSignature> signature;
  std::string key_line;
  const std::string doc = exchange::AttestationDocument(*sha, *call.who, options_.web.origin);
  if (call.body.contains("credential_id") || call.body.contains("sshsig")) {
    ev["attestation_document_sha256"] = HexEncode(crypto::Sha256::Hash(AsBytes(doc)));
    const json details = ev;
    auto made = SignedByCaller(call, AsBytes(doc), ReviewNamespace(), "review.attest", details, ev,
                               "cordon remote review --attest");
    if (auto* refused = std::get_if<Response>(&made)) return std::move(*refused);
    auto& sig = std::get<CallerSignature>(made);
    key_line = sig.key_line;
    signature =
        exchange::AttestationSignature{sig.passkey_id, sig.ssh_key_id, doc, std::move(sig.sshsig)};
  } else if (auto refused =
                 RefuseUnsigned(call, "review.attest", ev,
                                "attest in the exchange's pages (/ui/, review) with your passkey",
                                "cordon remote review --attest")) {
    return std::move(*refused);
  }
  // The attestation is evidence: recorded first, or not made.
  if (auto seq = Record(call, "review.attest", "ok", ev); !seq.ok()) return Unrecorded();
  Status st = exchange::AttestReview(options_.data_dir, *call.who, *sha, call.now,
                                     signature ? &*signature : nullptr);
  if (!st.ok()) {
    RecordRefusal(call, "review.attest", "failed", {{"review_sha256", *sha}});
    return Fail(st.error());
  }
  json out = {{"attested", *sha}, {"at", FormatUtc(call.now)}, {"signed", signature.has_value()}};
  if (signature) {
    const std::string file = "review-attestation-" + sha->substr(0, 12) + ".json";
    out["signature"] = {{"namespace", ReviewNamespace()},
                        {"document_base64", Base64Encode(AsBytes(signature->document))},
                        {"sshsig", signature->sshsig},
                        {"ssh_public_key", key_line},
                        {"verify", SshKeygenVerify(call.who->email, ReviewNamespace(), file)}};
  }
  return Json(200, out);
}

Response Api::Attestations(Call& call) {
  // Each attestation with what a third party needs to check it offline:
  // the document, the armored signature, the signer's key and the
  // ssh-keygen command (docs/ui.md).
  // An approver reads their organisation's attestations; auditors and
  // admins, all.
  std::optional<std::string> organisation;
  if (!HasRole(call, {Role::kAuditor, Role::kAdmin})) organisation = call.who->organisation;
  auto list = exchange::RecentAttestations(call.s.db, kListedAttestations, organisation);
  if (!list.ok()) return Fail(list.error());
  json out = json::array();
  for (const auto& a : *list) {
    auto who = call.s.accounts.Get(a.approver_id);
    if (!who.ok()) return Fail(who.error());
    json entry = {{"id", a.id},
                  {"approver", a.approver_id},
                  {"approver_email", who->email},
                  {"review_sha256", a.review_sha256},
                  {"at", FormatUtc(a.attested_at)},
                  {"signed", a.signature.has_value()}};
    if (a.signature) {
      const auto& s = *a.signature;
      const std::string file = "review-attestation-" + std::to_string(a.id) + ".json";
      const std::string ns =
          SignedNamespace(exchange::kReviewNamespace, s.document, ReviewNamespace());
      entry["namespace"] = ns;
      entry["document_base64"] = Base64Encode(AsBytes(s.document));
      entry["sshsig"] = s.sshsig;
      entry["ssh_public_key"] = SignerKeyLine(call.s.db, a.approver_id, s.passkey_id, s.ssh_key_id);
      entry["verify"] = SshKeygenVerify(who->email, ns, file);
    }
    out.push_back(std::move(entry));
  }
  return Json(200, {{"attestations", std::move(out)}});
}

}  // namespace cordon::serve
