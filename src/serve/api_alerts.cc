// The alerts feed of the pages (GET /api/v1/alerts): the alert file's last
// entries, each scoped to who may read it. Alerts name accounts by id; the
// feed adds the e-mail of an account its reader may see.
#include <map>
#include <set>

#include "exchange/targets.h"
#include "serve/api_internal.h"

namespace cordon::serve {

using api_internal::Fail;
using api_internal::HasRole;
using api_internal::json;
using api_internal::Json;
using api_internal::Role;

namespace {

// Alerts about the exchange's evidence itself concern every organisation
// whose decisions it holds: every reader sees them.
bool AboutTheEvidence(const json& alert) {
  const std::string kind = alert["kind"].get<std::string>();  // Recent: always a string
  return kind == "ledger_verification_failed" || kind == "ledger_gap";
}

// What a hospital hears of the vendors that reach it (ListAlerts).
bool AboutAVendor(const json& alert) {
  const std::string kind = alert["kind"].get<std::string>();
  return kind == "organisation_suspended" || kind == "organisation_resumed" ||
         kind == "vendor_account_reopened" || kind == "review_campaign_void";
}

constexpr size_t kDefaultAlerts = 100;
constexpr size_t kMaxAlerts = 1000;

}  // namespace

Response Api::ListAlerts(Call& call) {
  size_t limit = kDefaultAlerts;
  if (auto q = call.request.query.find("limit"); q != call.request.query.end()) {
    auto n = api_internal::ParseId(q->second);
    if (!n || *n > static_cast<int64_t>(kMaxAlerts)) {
      return Fail(400, "limit: a number from 1 to " + std::to_string(kMaxAlerts));
    }
    limit = static_cast<size_t>(*n);
  }
  auto people = call.s.accounts.List();
  if (!people.ok()) return Fail(people.error());
  auto targets = exchange::Targets(call.s.db).List();
  if (!targets.ok()) return Fail(targets.error());
  std::map<int64_t, const exchange::Account*> account;
  for (const auto& a : *people) account[a.id] = &a;
  std::map<std::string, std::string, std::less<>> target_organisation;
  for (const auto& t : *targets) target_organisation[t.name] = t.organisation;

  // An approver acts within their organisation: the alerts that name it,
  // one of its accounts (a DPO told of an order counts) or one of its
  // targets (a vendor's break-glass into the hospital's PACS).
  const bool everything = HasRole(call, {Role::kAuditor, Role::kAdmin});
  const std::string& mine = call.who->organisation;
  // A hospital hears of its vendors (those whose accounts requested its
  // targets): suspended, resumed, an account re-opened, a review void.
  std::set<std::string, std::less<>> my_vendors;
  if (!everything) {
    auto vendors = exchange::VendorsReaching(call.s.db, mine);
    if (!vendors.ok()) return Fail(vendors.error());
    my_vendors.insert(vendors->begin(), vendors->end());
  }
  auto of_mine = [&](const json& id) {
    if (!id.is_number_integer()) return false;
    auto a = account.find(id.get<int64_t>());
    return a != account.end() && a->second->organisation == mine;
  };
  // The fields that name an account: whom it is about, and who acted (the
  // approver who re-opened a vendor's account, the admin who revoked a
  // passkey: the hospital hears of what its own people did).
  static constexpr const char* kAccountFields[] = {"account", "approver", "by"};
  auto concerns_me = [&](const json& alert) {
    if (AboutTheEvidence(alert)) return true;
    if (alert.contains("organisation") && alert["organisation"].is_string()) {
      const std::string& named = alert["organisation"].get_ref<const std::string&>();
      if (named == mine) return true;
      // Of a vendor, what concerns the vendor as a whole only — not, say,
      // the orders submitted for an organisation that happens to have
      // requested one of our targets (attack review of 2026-12-05, 2).
      if (my_vendors.contains(named) && AboutAVendor(alert)) return true;
    }
    for (const char* field : kAccountFields) {
      if (alert.contains(field) && of_mine(alert[field])) return true;
    }
    if (alert.contains("dpos") && alert["dpos"].is_array()) {
      for (const auto& id : alert["dpos"]) {
        if (of_mine(id)) return true;
      }
    }
    if (alert.contains("target") && alert["target"].is_string()) {
      auto t = target_organisation.find(alert["target"].get<std::string>());
      if (t != target_organisation.end() && t->second == mine) return true;
    }
    return false;
  };

  // Read past what is shown: an approver's share may be sparse.
  auto recent = alerts_.Recent(everything ? limit : kMaxAlerts);
  if (!recent.ok()) {
    // The detail (a path on the server) goes to the log, not to the reader.
    Log("the alerts feed: " + recent.error().message());
    return Fail(500, "the alerts cannot be read now", "the server's log says why");
  }
  json out = json::array();
  for (json& alert : *recent) {
    if (out.size() >= limit) break;
    if (!everything && !concerns_me(alert)) continue;
    // An address is shown to the organisation of the account that used it
    // only: a hospital does not learn a vendor's addresses, nor the reverse.
    if (!everything && alert.contains("ip")) {
      // Whose address it is: the approver's when one acted (a re-opening),
      // else the account's.
      const char* user = alert.contains("approver") ? "approver" : "account";
      const bool own = alert.contains(user) && of_mine(alert[user]);
      if (!own) alert.erase("ip");
    }
    if (alert.contains("account") && alert["account"].is_number_integer()) {
      auto a = account.find(alert["account"].get<int64_t>());
      // The e-mail of an account the reader may see: theirs, or a vendor's
      // that reaches them.
      if (a != account.end() && (everything || a->second->organisation == mine ||
                                 my_vendors.contains(a->second->organisation))) {
        alert["account_email"] = a->second->email;
      }
    }
    out.push_back(std::move(alert));
  }
  return Json(200, {{"alerts", out}});
}

}  // namespace cordon::serve
