// What an approver reads is their organisation's (the exposure session 25's
// note left open): the access review, the grants, the attestations and the
// packages of another organisation are, to them, not there; a vendor's
// approver cannot make an engineer an exchange-wide auditor. Auditors and
// admins still read the whole exchange.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/encoding.h"
#include "crypto/hash.h"
#include "exchange/accounts.h"
#include "exchange/db.h"
#include "exchange/grants.h"
#include "exchange/targets.h"
#include "testing/remote_exchange.h"

namespace cordon::serve {
namespace {

using testkit::RemoteExchange;

// Another hospital (CH Ailleurs, target ris07) and another vendor (Other
// Ltd) that maintains it; Vendor SA maintains both hospitals.
struct TwoHospitals {
  explicit TwoHospitals(RemoteExchange& exchange) : e(exchange) {
    auto db = exchange::OpenExchangeDb(e.x.d);
    EXPECT_TRUE(db.ok());
    exchange::Target ris;
    ris.name = "ris07";
    ris.address = "10.9.0.7:22";
    ris.principal = "ris";
    ris.organisation = "CH Ailleurs";
    EXPECT_TRUE(exchange::Targets(*db).Add(ris, e.now).ok());
    elsewhere = e.Person("eve", exchange::Role::kApprover, "CH Ailleurs");
    other_vendor = e.Person("otto", exchange::Role::kOperator, "Other Ltd");
    e.VendorRequestsTheHospitalsTarget();  // Vendor SA → CHU Exemple (pacs01)
    pacs_grant = Request(e.vendor, "pacs01", "yearly PACS upgrade, second night");
    ris_grant = Request(e.vendor, "ris07", "RIS index rebuild at CH Ailleurs");
    other_grant = Request(other_vendor, "ris07", "RIS certificate renewal");
  }
  int64_t Request(const std::string& who, const std::string& target, const std::string& reason) {
    Response r = e.Call("POST", "/grants", who,
                        {{"target", target}, {"reason", reason}, {"duration_hours", 2}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? RemoteExchange::J(r)["id"].get<int64_t>() : 0;
  }
  RemoteExchange& e;
  std::string elsewhere, other_vendor;
  int64_t pacs_grant = 0, ris_grant = 0, other_grant = 0;
};

std::set<std::string> Emails(const nlohmann::json& review) {
  std::set<std::string> out;
  for (const auto& a : review["accounts"]) out.insert(a["email"].get<std::string>());
  return out;
}

std::set<int64_t> GrantIds(const nlohmann::json& list) {
  std::set<int64_t> out;
  for (const auto& g : list) out.insert(g["id"].get<int64_t>());
  return out;
}

const nlohmann::json* AccountIn(const nlohmann::json& review, const std::string& email) {
  for (const auto& a : review["accounts"]) {
    if (a["email"] == email) return &a;
  }
  return nullptr;
}

TEST(ApiScopedReadsTest, AHospitalsReviewShowsItsPeopleAndItsVendorsWorkOnItsTargetsOnly) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  TwoHospitals h(e);
  {
    auto db = exchange::OpenExchangeDb(e.x.d);
    ASSERT_TRUE(db.ok());
    auto s = db->Prepare("UPDATE users SET last_login_ip = '198.51.100.' || id");
    ASSERT_TRUE(s.ok() && s->Run().ok());
  }
  const nlohmann::json review = RemoteExchange::J(e.Call("GET", "/reviews/access", e.approver));
  EXPECT_EQ(review["review"]["scope"]["organisation"], "CHU Exemple") << review;
  // Its name is the digest of the text anyone re-derives from the answer:
  // keys sorted, no whitespace (what the command line checks before it
  // attests).
  EXPECT_EQ(review["sha256"], HexEncode(crypto::Sha256::Hash(AsBytes(review["review"].dump(
                                  -1, ' ', false, nlohmann::json::error_handler_t::replace)))));
  // Its approver, and the vendor that reaches it (all its accounts, as in
  // a campaign); not the other hospital, not the other vendor.
  EXPECT_EQ(Emails(review["review"]),
            (std::set<std::string>{"anne@example.org", "victor@example.org", "vera@example.org"}));
  // Of the vendor's engineer, the grants on this hospital's targets only:
  // what Vendor SA does at CH Ailleurs is CH Ailleurs' business.
  const nlohmann::json* victor = AccountIn(review["review"], "victor@example.org");
  ASSERT_NE(victor, nullptr);
  std::set<std::string> targets;
  for (const auto& g : (*victor)["grants"]) targets.insert(g["target"].get<std::string>());
  EXPECT_EQ(targets, std::set<std::string>{"pacs01"}) << *victor;
  // Addresses are their own organisation's: the hospital's approver's
  // shown, the vendor's engineer's not.
  EXPECT_TRUE((*victor)["last_login_ip"].is_null()) << *victor;
  EXPECT_EQ((*AccountIn(review["review"], "anne@example.org"))["last_login_ip"],
            "198.51.100." + std::to_string(e.ids["anne"]));
  std::set<std::string> sections;
  for (const auto& o : review["review"]["organisations"]) sections.insert(o["name"]);
  EXPECT_EQ(sections, (std::set<std::string>{"CHU Exemple", "Vendor SA"}));

  // The other hospital sees the vendors that reach it, and their work there.
  const nlohmann::json theirs = RemoteExchange::J(e.Call("GET", "/reviews/access", h.elsewhere));
  EXPECT_EQ(Emails(theirs["review"]),
            (std::set<std::string>{"eve@example.org", "victor@example.org", "vera@example.org",
                                   "otto@example.org"}));
  victor = AccountIn(theirs["review"], "victor@example.org");
  ASSERT_NE(victor, nullptr);
  ASSERT_EQ((*victor)["grants"].size(), 1u);
  EXPECT_EQ((*victor)["grants"][0]["target"], "ris07");

  // The vendor's approver reviews the vendor: all its work, nobody else.
  const nlohmann::json vendor = RemoteExchange::J(e.Call("GET", "/reviews/access", e.vendor_boss));
  EXPECT_EQ(Emails(vendor["review"]),
            (std::set<std::string>{"victor@example.org", "vera@example.org"}));
  victor = AccountIn(vendor["review"], "victor@example.org");
  ASSERT_NE(victor, nullptr);
  EXPECT_EQ((*victor)["grants"].size(), 3u) << *victor;
  EXPECT_EQ((*victor)["last_login_ip"], "198.51.100." + std::to_string(e.ids["victor"]));

  // An auditor reads the exchange.
  const std::string auditor = e.Person("aude", exchange::Role::kAuditor, "");
  const nlohmann::json all = RemoteExchange::J(e.Call("GET", "/reviews/access", auditor));
  EXPECT_EQ(all["review"]["scope"], "exchange");
  EXPECT_EQ(Emails(all["review"]).size(), 6u);
}

TEST(ApiScopedReadsTest, AnotherOrganisationsGrantIsNotThereToAnApprover) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  TwoHospitals h(e);
  // The list: the grants on the approver's targets and of its people.
  const auto listed = [&](const std::string& who) {
    return GrantIds(RemoteExchange::J(e.Call("GET", "/grants", who))["grants"]);
  };
  const std::set<int64_t> chu = listed(e.approver);
  EXPECT_TRUE(chu.contains(h.pacs_grant));
  EXPECT_FALSE(chu.contains(h.ris_grant));
  EXPECT_FALSE(chu.contains(h.other_grant));
  const std::set<int64_t> ailleurs = listed(h.elsewhere);
  EXPECT_TRUE(ailleurs.contains(h.ris_grant) && ailleurs.contains(h.other_grant));
  EXPECT_FALSE(ailleurs.contains(h.pacs_grant));
  // The vendor's approver: its engineer's requests, wherever they point.
  const std::set<int64_t> vendor = listed(e.vendor_boss);
  EXPECT_TRUE(vendor.contains(h.pacs_grant) && vendor.contains(h.ris_grant));
  EXPECT_FALSE(vendor.contains(h.other_grant));

  // One grant, and a decision on it: the same 404 as for no grant at all,
  // and the grant stays as it was.
  const std::string other = "/grants/" + std::to_string(h.other_grant);
  Response shown = e.Call("GET", other, e.approver);
  Response none = e.Call("GET", "/grants/999999", e.approver);
  EXPECT_EQ(shown.status, 404);
  EXPECT_EQ(shown.body, none.body);
  Response decided = e.Call("POST", other + "/approve", e.approver, nlohmann::json::object());
  Response decided_none =
      e.Call("POST", "/grants/999999/approve", e.approver, nlohmann::json::object());
  EXPECT_EQ(decided.status, 404);
  EXPECT_EQ(decided.body, decided_none.body);
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", other, h.elsewhere))["status"], "requested");
  // The hospital that holds the target still sees and decides it.
  EXPECT_EQ(e.Call("POST", other + "/approve", h.elsewhere, nlohmann::json::object()).status, 200);
}

TEST(ApiScopedReadsTest, AttestationsAreReadByTheAttestersOrganisation) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  TwoHospitals h(e);
  for (const std::string* who : {&e.approver, &h.elsewhere}) {
    const nlohmann::json r = RemoteExchange::J(e.Call("GET", "/reviews/access", *who));
    Response attested = e.Call("POST", "/reviews/access/attest", *who, {{"sha256", r["sha256"]}});
    ASSERT_EQ(attested.status, 200) << attested.body;
  }
  const auto attesters = [&](const std::string& who) {
    std::set<std::string> out;
    const nlohmann::json list =
        RemoteExchange::J(e.Call("GET", "/reviews/access/attestations", who));
    for (const auto& a : list["attestations"]) out.insert(a["approver_email"]);
    return out;
  };
  EXPECT_EQ(attesters(e.approver), std::set<std::string>{"anne@example.org"});
  EXPECT_EQ(attesters(h.elsewhere), std::set<std::string>{"eve@example.org"});
  EXPECT_TRUE(attesters(e.vendor_boss).empty());
  // And in the review itself: the CHU's attestation, not CH Ailleurs'.
  const nlohmann::json r = RemoteExchange::J(e.Call("GET", "/reviews/access", e.approver));
  ASSERT_EQ(r["review"]["attestations"].size(), 1u);
  EXPECT_EQ(r["review"]["attestations"][0]["approver_id"], e.ids["anne"]);
  const std::string auditor = e.Person("aude", exchange::Role::kAuditor, "");
  EXPECT_EQ(attesters(auditor).size(), 2u);
}

TEST(ApiScopedReadsTest, AVendorsApproverCannotMakeItsEngineerAnExchangeWideAuditor) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  Response asked = e.Call("POST", "/grants", e.vendor,
                          {{"role", "auditor"},
                           {"reason", "read the hospital's access review"},
                           {"duration_hours", 4}});
  EXPECT_EQ(asked.status, 403) << asked.body;
  EXPECT_NE(asked.body.find("auditor role reads the whole exchange"), std::string::npos);
  // A request from before the rule, approved then, confers nothing now;
  // one still requested is not approved.
  auto db = exchange::OpenExchangeDb(e.x.d);
  ASSERT_TRUE(db.ok());
  for (const char* status : {"approved", "requested"}) {
    auto s = db->Prepare(
        "INSERT INTO grants(requester_id, package, reason, status, requested_at, duration, "
        "opens_at, closes_at) VALUES (?, 'role:auditor', 'an old request for the role', ?, ?, "
        "3600, ?, ?)");
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->Bind(1, e.ids["victor"])
                    .Bind(2, status)
                    .Bind(3, e.now - 60)
                    .Bind(4, e.now - 60)
                    .Bind(5, e.now + 3600)
                    .Run()
                    .ok());
  }
  EXPECT_EQ(e.Call("GET", "/reviews/access", e.vendor).status, 403);
  EXPECT_EQ(e.Call("GET", "/logins", e.vendor).status, 403);
  const nlohmann::json grants = RemoteExchange::J(e.Call("GET", "/grants", e.vendor_boss));
  int64_t pending = 0;
  for (const auto& g : grants["grants"]) {
    if (g["status"] == "requested" && g["package"] == "role:auditor") pending = g["id"];
  }
  ASSERT_NE(pending, 0) << grants;
  Response approved = e.Call("POST", "/grants/" + std::to_string(pending) + "/approve",
                             e.vendor_boss, nlohmann::json::object());
  EXPECT_EQ(approved.status, 403) << approved.body;
  // The exchange's own staff (no organisation) still elevate for a while.
  const std::string staff = e.Person("sam", exchange::Role::kOperator, "");
  EXPECT_EQ(e.Call("POST", "/grants", staff,
                   {{"role", "auditor"}, {"reason", "yearly audit support"}, {"duration_hours", 4}})
                .status,
            201);
}

TEST(ApiScopedReadsTest, AnApproverListsTheirOrganisationsPackagesOnly) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  auto db = exchange::OpenExchangeDb(e.x.d);
  ASSERT_TRUE(db.ok());
  // Two packages' rows as an upload leaves them, one per organisation.
  for (const auto& [id, org] :
       {std::pair<std::string, std::string>{std::string(64, 'a'), "CHU Exemple"},
        {std::string(64, 'b'), "CH Ailleurs"}}) {
    auto s = db->Prepare(
        "INSERT INTO packages(id, order_id, uploader_id, uploaded_at, bytes, delete_by, files, "
        "status, recipients, signer, organisation) VALUES (?, 'order-1', ?, ?, 1, 99999, '[]', "
        "'available', '[]', '', ?)");
    ASSERT_TRUE(s.ok()) << s.error().message();
    ASSERT_TRUE(s->Bind(1, id).Bind(2, e.ids["victor"]).Bind(3, e.now).Bind(4, org).Run().ok());
  }
  const std::string elsewhere = e.Person("eve", exchange::Role::kApprover, "CH Ailleurs");
  const auto listed = [&](const std::string& who) {
    std::set<std::string> out;
    const nlohmann::json list = RemoteExchange::J(e.Call("GET", "/packages", who));
    for (const auto& p : list["packages"]) {
      out.insert(p["id"].get<std::string>());
    }
    return out;
  };
  EXPECT_EQ(listed(e.approver), std::set<std::string>{std::string(64, 'a')});
  EXPECT_EQ(listed(elsewhere), std::set<std::string>{std::string(64, 'b')});
  EXPECT_EQ(e.Call("GET", "/packages/" + std::string(64, 'b'), e.approver).status, 404);
  const std::string auditor = e.Person("aude", exchange::Role::kAuditor, "");
  EXPECT_EQ(listed(auditor).size(), 2u);
}

TEST(ApiScopedReadsTest, AHospitalHearsOfItsVendorsSuspensionResumeAndVoidReview) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  TwoHospitals h(e);
  // A third hospital that Vendor SA never maintained.
  const std::string third = e.Person("theo", exchange::Role::kApprover, "CH Tiers");
  const auto kinds = [&](const std::string& who) {
    std::vector<std::string> out;
    const nlohmann::json feed = RemoteExchange::J(e.Call("GET", "/alerts", who));
    for (const auto& a : feed["alerts"]) {
      out.push_back(a["kind"].get<std::string>() + (a.contains("ip") ? " with ip" : ""));
    }
    return out;
  };
  {
    auto db = exchange::OpenExchangeDb(e.x.d);
    ASSERT_TRUE(exchange::Organisations(*db).Suspend("Vendor SA", "breach", e.now).ok());
    ASSERT_TRUE(exchange::Organisations(*db).RequestResume("Vendor SA", e.now).ok());
  }
  e.x.api->SweepRetention();
  EXPECT_EQ(kinds(e.approver), std::vector<std::string>{"organisation_suspended"});
  EXPECT_EQ(kinds(h.elsewhere), std::vector<std::string>{"organisation_suspended"});
  EXPECT_TRUE(kinds(third).empty());
  ASSERT_EQ(
      e.Call("POST", "/organisations/Vendor%20SA/resume", e.approver, nlohmann::json::object())
          .status,
      200);
  // Every hospital the vendor reaches hears it is back; the address of the
  // approver who lifted it is their own organisation's only.
  EXPECT_EQ(kinds(e.approver),
            (std::vector<std::string>{"organisation_resumed with ip", "organisation_suspended"}));
  EXPECT_EQ(kinds(h.elsewhere),
            (std::vector<std::string>{"organisation_resumed", "organisation_suspended"}));
  EXPECT_EQ(kinds(e.vendor_boss),
            (std::vector<std::string>{"organisation_resumed", "organisation_suspended"}));
  EXPECT_TRUE(kinds(third).empty());

  // CH Ailleurs reviews Other Ltd; an admin then gives Other Ltd a target of
  // its own: the campaign closes void at its deadline, and it is said.
  Response opened = e.Call("POST", "/reviews/campaigns", h.elsewhere,
                           {{"organisation", "Other Ltd"}, {"deadline", "2027-01-22T08:00:00Z"}});
  ASSERT_EQ(opened.status, 201) << opened.body;
  {
    auto db = exchange::OpenExchangeDb(e.x.d);
    exchange::Target own;
    own.name = "otto-build";
    own.address = "10.9.0.9:22";
    own.principal = "build";
    own.organisation = "Other Ltd";
    ASSERT_TRUE(exchange::Targets(*db).Add(own, e.now).ok());
  }
  const int64_t opened_at = e.now;
  e.now = opened_at + 8 * 86400;
  e.x.api->SweepRetention();
  // The people's sessions were made at the opening: read the feed then
  // (the alert is in the file already).
  e.now = opened_at;
  const std::vector<std::string> seen = kinds(h.elsewhere);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), "review_campaign_void");
  EXPECT_NE(e.Alerts().find("\"void\""), std::string::npos);
  for (const std::string& kind : kinds(e.approver)) EXPECT_NE(kind, "review_campaign_void");
}

// The second attack review of the scoped reads (2026-12-05): what the
// grant's context, the alerts feed and a campaign's page told of other
// organisations.
TEST(ApiScopedReadsTest, AGrantsContextTellsNothingOfTheRequestersWorkElsewhere) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  TwoHospitals h(e);
  {
    auto db = exchange::OpenExchangeDb(e.x.d);
    ASSERT_TRUE(db.ok());
    auto s = db->Prepare(
        "INSERT INTO logins(user_id, at, ip, outcome, mfa) VALUES (?, ?, '198.51.100.7', 'ok', "
        "'totp')");
    ASSERT_TRUE(s.ok() && s->Bind(1, e.ids["victor"]).Bind(2, e.now).Run().ok());
  }
  const nlohmann::json shown =
      RemoteExchange::J(e.Call("GET", "/grants/" + std::to_string(h.pacs_grant), e.approver));
  ASSERT_TRUE(shown.contains("requester") && shown["requester"].is_object()) << shown;
  const nlohmann::json& who = shown["requester"];
  ASSERT_TRUE(who.contains("recent_grants")) << shown;
  for (const auto& g : who["recent_grants"]) {
    EXPECT_NE(g["id"], h.ris_grant) << "the vendor's request at another hospital";
  }
  ASSERT_EQ(who["recent_logins"].size(), 1u) << who;
  EXPECT_TRUE(who["recent_logins"][0]["ip"].is_null()) << "the vendor's address";
  // An auditor reads the whole context.
  const std::string auditor = e.Person("aude", exchange::Role::kAuditor, "");
  const nlohmann::json all =
      RemoteExchange::J(e.Call("GET", "/grants/" + std::to_string(h.pacs_grant), auditor));
  ASSERT_TRUE(all["requester"].contains("recent_grants")) << all;
  bool listed = false;
  for (const auto& g : all["requester"]["recent_grants"]) listed = listed || g["id"] == h.ris_grant;
  EXPECT_TRUE(listed) << all;
  EXPECT_EQ(all["requester"]["recent_logins"][0]["ip"], "198.51.100.7");
}

TEST(ApiScopedReadsTest, AHospitalHearsOfItsVendorAsAWholeNotOfEverythingNamingIt) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  TwoHospitals h(e);
  {
    // An order submitted by an account of Vendor SA's for itself: the
    // vendor's business, not its hospitals'.
    std::ofstream alerts(e.x.dir / "alerts.jsonl", std::ios::app);
    alerts << nlohmann::json({{"time", "2027-01-15T08:00:00Z"},
                              {"kind", "order_submitted"},
                              {"severity", "warning"},
                              {"organisation", "Vendor SA"},
                              {"account", e.ids["vera"]},
                              {"order", "VSA-1"}})
                  .dump()
           << "\n";
  }
  const auto kinds = [&](const std::string& who) {
    std::vector<std::string> out;
    const nlohmann::json feed = RemoteExchange::J(e.Call("GET", "/alerts", who));
    for (const auto& a : feed["alerts"]) out.push_back(a["kind"].get<std::string>());
    return out;
  };
  EXPECT_TRUE(kinds(e.approver).empty());
  EXPECT_EQ(kinds(e.vendor_boss), std::vector<std::string>{"order_submitted"});
}

TEST(ApiScopedReadsTest, ACampaignShowsAVendorsAddressesToTheVendorOnly) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  TwoHospitals h(e);
  {
    auto db = exchange::OpenExchangeDb(e.x.d);
    ASSERT_TRUE(db.ok());
    auto s = db->Prepare("UPDATE users SET last_login_ip = '198.51.100.9'");
    ASSERT_TRUE(s.ok() && s->Run().ok());
  }
  Response opened = e.Call("POST", "/reviews/campaigns", h.elsewhere,
                           {{"organisation", "Vendor SA"}, {"deadline", "2027-01-22T08:00:00Z"}});
  ASSERT_EQ(opened.status, 201) << opened.body;
  const std::string c = "/reviews/campaigns/" + RemoteExchange::J(opened)["id"].dump();
  const auto addresses = [&](const std::string& who) {
    std::set<std::string> out;
    const nlohmann::json page = RemoteExchange::J(e.Call("GET", c, who));
    for (const auto& a : page["reviewed"]) {
      out.insert(a["last_login_ip"].is_null() ? "-" : a["last_login_ip"].get<std::string>());
    }
    return out;
  };
  EXPECT_EQ(addresses(h.elsewhere), std::set<std::string>{"-"});
  EXPECT_EQ(addresses(e.approver), std::set<std::string>{"-"});
  EXPECT_EQ(addresses(e.vendor_boss), std::set<std::string>{"198.51.100.9"});
}

}  // namespace
}  // namespace cordon::serve
