#include "client/grants.h"

#include <algorithm>
#include <cctype>

#include "client/answer.h"
#include "core/encoding.h"
#include "exchange/review.h"

namespace cordon::client {
namespace {

using nlohmann::json;

Grant GrantFrom(const json& g) {
  Grant r;
  r.id = IntField(g, "id");
  r.status = TextField(g, "status");
  r.package = TextField(g, "package");
  r.closes_at = TextField(g, "closes_at");
  r.break_glass = BoolField(g, "break_glass");
  r.open_now = BoolField(g, "open_now");
  r.requester_id = IntField(g, "requester_id");
  r.answer = g;
  return r;
}

Result<Grant> Keep(const Result<json>& j) {
  if (!j.ok()) return j.error();
  return GrantFrom(j.value());
}

}  // namespace

std::string RpIdOfOrigin(std::string_view origin) {
  if (!origin.starts_with("https://")) return {};
  std::string_view host = origin.substr(8);
  host = host.substr(0, host.find_first_of(":/"));
  // A host name's characters only: "a@evil.example", "git?x" or a line
  // break are no RP ID.
  const bool name = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
  return name ? std::string(host) : std::string();
}

Status CheckDecisionDocument(const DecisionToSign& d, int64_t id, std::string_view verb,
                             std::string_view host) {
  // What the person signs is what they typed, on this kind of document, for
  // the exchange they are connected to and under its namespace only — not
  // whatever a compromised or impostor exchange sends (attack reviews of
  // 2026-12-03: a git commit under namespace "git", "approve 7" when "deny
  // 5" was typed, a document naming another exchange, whose signature that
  // exchange would take).
  const json doc = json::parse(d.document, nullptr, false);
  const json& grant = doc.is_object() ? ObjectField(doc, "grant") : doc;
  const bool ok = doc.is_object() && TextField(doc, "format") == "cordon-grant-decision" &&
                  IntField(doc, "version") == 1 && TextField(doc, "decision") == verb && id > 0 &&
                  IntField(grant, "id") == id && doc.dump() == d.document && !host.empty() &&
                  RpIdOfOrigin(TextField(doc, "exchange")) == host &&
                  d.ns == "cordon-grant@" + std::string(host);
  if (!ok) {
    return Error(ErrorCode::kRefused,
                 "the exchange asked to sign something else than \"" + std::string(verb) +
                     "\" on grant " + std::to_string(id) + ": nothing signed",
                 "the exchange may be compromised or not the one you meant; tell its operator");
  }
  return Ok();
}

Result<Grant> RequestGrant(Connection& connection, const GrantRequest& request) {
  const int given = !request.package.empty() + !request.role.empty() + !request.target.empty();
  if (given != 1) {
    return Error(ErrorCode::kInvalidArgument,
                 "give --package ID, --role NAME or --target NAME (one of them)");
  }
  json body = {{"reason", request.reason}, {"duration_hours", request.hours}};
  if (!request.package.empty()) body["package"] = request.package;
  if (!request.role.empty()) body["role"] = request.role;
  if (!request.target.empty()) body["target"] = request.target;
  if (!request.ticket.empty()) body["ticket"] = request.ticket;
  if (!request.start.empty()) body["start"] = request.start;
  return Keep(connection.Call("POST",
                              request.break_glass ? "/api/v1/grants/break-glass" : "/api/v1/grants",
                              {201}, body.dump()));
}

const char* GrantVerbName(GrantVerb verb) {
  switch (verb) {
    case GrantVerb::kApprove:
      return "approve";
    case GrantVerb::kDeny:
      return "deny";
    case GrantVerb::kRevoke:
      return "revoke";
    case GrantVerb::kReview:
      return "review";
  }
  return "";
}

Result<Grant> DecideGrant(Connection& connection, int64_t id, GrantVerb verb) {
  return Keep(connection.Call(
      "POST", "/api/v1/grants/" + std::to_string(id) + "/" + GrantVerbName(verb), {200}, "{}"));
}

Result<DecisionToSign> FetchDecisionToSign(Connection& connection, int64_t id, GrantVerb verb) {
  CORDON_ASSIGN_OR_RETURN(json g,
                          connection.Call("GET", "/api/v1/grants/" + std::to_string(id), {200}));
  const std::string name = GrantVerbName(verb);
  if (BoolField(g, "own_request")) {
    return Error(ErrorCode::kRefused, "grant " + std::to_string(id) + " is your own request",
                 "another approver decides on it");
  }
  if (g.contains("not_yours")) {
    return Error(ErrorCode::kRefused, TextField(g, "not_yours"));
  }
  const json& sign = ObjectField(g, "sign");
  const json& decisions = ObjectField(sign, "decisions");
  const json& offered = ObjectField(decisions, name.c_str());
  const std::string b64 = TextField(offered, "document_base64");
  if (b64.empty()) {
    return Error(
        ErrorCode::kRefused,
        "the exchange offers you no \"" + name + "\" on grant " + std::to_string(id),
        sign.is_null() || sign.empty()
            ? "signed decisions need the exchange's [web] origin set, and the approver role"
            : "it is " + TextField(g, "status") + " (cordon remote grant list)");
  }
  auto document = Base64Decode(b64);
  if (!document.ok()) return document.error().WithContext("the exchange's decision document");
  DecisionToSign out{std::string(document->begin(), document->end()), TextField(sign, "namespace")};
  CORDON_TRY(CheckDecisionDocument(out, id, name, RpIdOfOrigin(connection.url())));
  return out;
}

Result<Grant> DecideGrantSigned(Connection& connection, int64_t id, GrantVerb verb,
                                const std::string& sshsig) {
  const json body = {{"sshsig", sshsig}};
  return Keep(connection.Call("POST",
                              "/api/v1/grants/" + std::to_string(id) + "/" + GrantVerbName(verb),
                              {200}, body.dump()));
}

Result<GrantList> ListGrants(Connection& connection) {
  CORDON_ASSIGN_OR_RETURN(json j, connection.Call("GET", "/api/v1/grants", {200}));
  GrantList r;
  for (const json& g : ArrayField(j, "grants")) r.grants.push_back(GrantFrom(g));
  r.answer = std::move(j);
  return r;
}

Result<AccessReview> FetchAccessReview(Connection& connection) {
  CORDON_ASSIGN_OR_RETURN(json j, connection.Call("GET", "/api/v1/reviews/access", {200}));
  AccessReview r;
  const json& review = ObjectField(j, "review");
  for (const json& acc : ArrayField(review, "accounts")) {
    AccessReview::Account a;
    a.id = IntField(acc, "id");
    a.email = TextField(acc, "email");
    a.role = TextField(acc, "role");
    a.status = TextField(acc, "status");
    a.last_login_ip = TextField(acc, "last_login_ip", "-");
    a.expired = BoolField(acc, "expired");
    a.locked = BoolField(acc, "locked");
    for (const json& g : ArrayField(acc, "grants")) {
      ++a.grants;
      if (BoolField(g, "open_now")) ++a.open_grants;
    }
    r.accounts.push_back(std::move(a));
  }
  r.break_glass_to_review = IntField(review, "break_glass_to_review");
  r.sha256 = TextField(j, "sha256");
  // The digest to attest is the one of the review shown here, derived again
  // from it (the exchange's canonical text), not taken on the exchange's word.
  if (const std::string derived = exchange::ReviewSha256(review); derived != r.sha256) {
    return Error(ErrorCode::kMalformed,
                 "the exchange named its access review " + r.sha256.substr(0, 12) +
                     "… but the review it sent hashes to " + derived.substr(0, 12) +
                     "…: nothing to attest",
                 "the exchange may be compromised or not the one you meant; tell its operator");
  }
  r.answer = std::move(j);
  return r;
}

Status AttestAccessReview(Connection& connection, const std::string& sha256) {
  CORDON_TRY(connection.Call("POST", "/api/v1/reviews/access/attest", {200},
                             json{{"sha256", sha256}}.dump()));
  return Ok();
}

Status CheckAttestationDocument(const DecisionToSign& d, std::string_view sha256,
                                std::string_view host) {
  // As for decisions: the review shown, for the exchange reached, under its
  // namespace — whatever a compromised or impostor exchange sends.
  const json doc = json::parse(d.document, nullptr, false);
  const bool ok = doc.is_object() && TextField(doc, "format") == "cordon-review-attestation" &&
                  IntField(doc, "version") == 1 && sha256.size() == 64 &&
                  TextField(doc, "review_sha256") == sha256 && doc.dump() == d.document &&
                  !host.empty() && RpIdOfOrigin(TextField(doc, "exchange")) == host &&
                  d.ns == "cordon-review@" + std::string(host);
  if (!ok) {
    return Error(ErrorCode::kRefused,
                 "the exchange asked to sign something else than your attestation of review " +
                     std::string(sha256.substr(0, 12)) + "…: nothing signed",
                 "the exchange may be compromised or not the one you meant; tell its operator");
  }
  return Ok();
}

Result<DecisionToSign> AttestationToSign(const AccessReview& review, std::string_view host) {
  const json& sign = ObjectField(review.answer, "sign");
  const std::string b64 = TextField(sign, "document_base64");
  if (b64.empty()) {
    return Error(ErrorCode::kRefused, "the exchange offers no attestation to sign",
                 "only approvers attest, and signed attestations need the exchange's [web] "
                 "origin set");
  }
  auto document = Base64Decode(b64);
  if (!document.ok()) return document.error().WithContext("the exchange's attestation document");
  DecisionToSign out{std::string(document->begin(), document->end()), TextField(sign, "namespace")};
  CORDON_TRY(CheckAttestationDocument(out, review.sha256, host));
  return out;
}

Result<json> AttestAccessReviewSigned(Connection& connection, const std::string& sha256,
                                      const std::string& sshsig) {
  return connection.Call("POST", "/api/v1/reviews/access/attest", {200},
                         json{{"sha256", sha256}, {"sshsig", sshsig}}.dump());
}

Result<LoginHistory> ListLogins(Connection& connection, bool everyone) {
  CORDON_ASSIGN_OR_RETURN(
      json j, connection.Call("GET", everyone ? "/api/v1/logins" : "/api/v1/me/logins", {200}));
  LoginHistory r;
  for (const json& l : ArrayField(j, "logins")) {
    r.logins.push_back({TextField(l, "at"), TextField(l, "ip"), TextField(l, "outcome"),
                        TextField(l, "mfa"), IntField(l, "account")});
  }
  r.answer = std::move(j);
  return r;
}

}  // namespace cordon::client
