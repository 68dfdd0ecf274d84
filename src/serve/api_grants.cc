// Grants (request, break-glass, decisions) and the access review.
#include "core/encoding.h"
#include "core/utc_time.h"
#include "crypto/hash.h"
#include "exchange/review.h"
#include "serve/api_internal.h"

namespace cordon::serve {

using namespace api_internal;

// ---- grants ----

Response Api::ListGrants(Call& call) {
  std::optional<int64_t> whose;
  if (!HasRole(call, {Role::kApprover, Role::kAuditor, Role::kAdmin})) whose = call.who->id;
  auto list = call.s.grants.List(whose);
  if (!list.ok()) return Fail(list.error());
  json out = json::array();
  for (const auto& g : *list) out.push_back(GrantJson(g, call.now));
  return Json(200, {{"grants", out}});
}

Response Api::RequestGrant(Call& call, bool break_glass) {
  auto package = Str(call.body, "package");
  const auto role = Str(call.body, "role");
  auto reason = Str(call.body, "reason");
  auto hours = Int(call.body, "duration_hours");
  if (!(package || role) || (package && role) || !reason || !hours) {
    return Fail(400,
                "send {\"package\" (or \"role\"), \"reason\", \"duration_hours\"} (and "
                "optionally \"start\": \"YYYY-MM-DDTHH:MM:SSZ\")");
  }
  if (*hours <= 0 || *hours > 24 * 365) return Fail(400, "duration_hours: out of range");
  std::optional<int64_t> start;
  if (auto s = Str(call.body, "start")) {
    start = ParseIso(*s);
    if (!start) return Fail(400, "start: write YYYY-MM-DDTHH:MM:SSZ (UTC)");
  }
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
    if (auto p = call.s.store.Get(*package); !p.ok() || p->status != "available") {
      return Fail(404, "no such package on the exchange");
    }
  }
  auto id =
      break_glass
          ? call.s.grants.BreakGlass(*call.who, *package, *reason, *hours * 3600, call.now)
          : call.s.grants.Request(*call.who, *package, *reason, start, *hours * 3600, call.now);
  const char* action = break_glass ? "grant.break_glass" : "grant.request";
  if (!id.ok()) {
    Record(call, action, "refused", {{"package", *package}, {"error", id.error().message()}});
    return Fail(id.error());
  }
  Record(call, action, "ok", {{"grant", *id}, {"package", *package}, {"hours", *hours}});
  if (break_glass) {
    Alert("break_glass", {{"account", call.who->id},
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
  auto& g = call.s.grants;
  Status st = verb == "approve"  ? g.Approve(*call.who, id, call.now)
              : verb == "deny"   ? g.Deny(*call.who, id, call.now)
              : verb == "revoke" ? g.Revoke(*call.who, id, call.now)
                                 : g.Review(*call.who, id, call.now);
  json details = {{"grant", id}};
  if (auto before = g.Get(id); before.ok()) details["package"] = before->package;
  if (!st.ok()) details["error"] = st.error().message();
  Record(call, "grant." + verb, st.ok() ? "ok" : "refused", details);
  if (!st.ok()) return Fail(st.error());
  auto got = g.Get(id);
  if (!got.ok()) return Fail(got.error());
  return Json(200, GrantJson(*got, call.now));
}

// ---- access review ----

Response Api::Review(Call& call) {
  if (!HasRole(call, {Role::kApprover, Role::kAuditor, Role::kAdmin})) {
    return Forbidden(*call.who, "approver, auditor or admin");
  }
  auto review = exchange::AccessReview(options_.data_dir, call.now);
  if (!review.ok()) return Fail(review.error());
  const std::string text = review->dump(-1, ' ', false, json::error_handler_t::replace);
  const std::string sha = HexEncode(crypto::Sha256::Hash(AsBytes(text)));
  Record(call, "review.read", "ok", {{"review_sha256", sha}});
  return Json(200, {{"review", *review}, {"sha256", sha}});
}

Response Api::Attest(Call& call) {
  if (!HasRole(call, {Role::kApprover})) return Forbidden(*call.who, "approver");
  auto sha = Str(call.body, "sha256");
  if (!sha || !IsHex64(*sha)) {
    return Fail(400, "send {\"sha256\"}: the sha256 GET /api/v1/reviews/access returned");
  }
  Status st = exchange::AttestReview(options_.data_dir, *call.who, *sha, call.now);
  Record(call, "review.attest", st.ok() ? "ok" : "refused", {{"review_sha256", *sha}});
  if (!st.ok()) return Fail(st.error());
  return Json(200, {{"attested", *sha}, {"at", FormatUtc(call.now)}});
}

}  // namespace cordon::serve
