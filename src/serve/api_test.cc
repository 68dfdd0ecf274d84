// The API's periodic work, driven directly (the HTTP paths are covered by
// tests/exchange_serve_test.sh and tests/exchange_matrix.py on a real server).
#include "serve/api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/encoding.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "exchange/orders.h"
#include "exchange/remote_access.h"
#include "exchange/review.h"
#include "exchange/targets.h"
#include "order/plan_digest.h"
#include "serve/api_internal.h"
#include "ssh/allowed_signers.h"
#include "ssh/certificate.h"
#include "ssh/public_key.h"
#include "ssh/ssh_keygen_oracle.h"
#include "ssh/sshsig.h"
#include "testing/passkey_browser.h"
#include "testing/remote_exchange.h"
#include "testing/scoped_temp_dir.h"
#include "testing/test_exchange.h"

namespace cordon::serve {
namespace {
namespace fs = std::filesystem;

using testkit::TestExchange;

TEST(ApiTest, ALedgerAlteredUnderTheServerRaisesAnAlert) {
  TestExchange x;
  ASSERT_NO_FATAL_FAILURE(x.Start());
  const fs::path& dir = x.dir;
  auto& api = x.api;
  Request health;
  health.method = "GET";
  health.path = "/api/v1/health";
  EXPECT_EQ(api->Handle(health).status, 200);

  api->CheckLedger();  // intact: no alert
  EXPECT_FALSE(fs::exists(dir / "alerts.jsonl") && fs::file_size(dir / "alerts.jsonl") > 0);

  // One byte of the genesis entry (covered by a signed checkpoint) changed.
  {
    std::fstream f(dir / "ledger" / "ledger.log", std::ios::in | std::ios::out | std::ios::binary);
    std::stringstream all;
    all << f.rdbuf();
    const std::string text = all.str();
    const size_t at = text.find("ledger.init");
    ASSERT_NE(at, std::string::npos);
    f.seekp(static_cast<std::streamoff>(at));
    f.put('L');
  }
  api->CheckLedger();
  std::ifstream in(dir / "alerts.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_NE(line.find("\"kind\":\"ledger_verification_failed\""), std::string::npos) << line;
}

// The stale-upload sweep's database failing is said in the log, never
// taken for "nothing to sweep".
TEST(ApiTest, AStaleUploadSweepThatFailsIsLogged) {
  TestExchange x;
  ASSERT_NO_FATAL_FAILURE(x.Start());
  const std::string& d = x.d;
  auto& api = x.api;
  const auto& logged = x.logged;
  api->SweepRetention();
  EXPECT_TRUE(logged.empty()) << logged.front();
  {
    auto db = exchange::OpenExchangeDb(d);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("DROP TABLE uploads").ok());
  }
  api->SweepRetention();
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].rfind("dropping stale uploads: ", 0), 0u) << logged[0];
}

// serve/ never prints: its log is the embedder's, and is never optional.
TEST(ApiTest, OpensOnlyWithALogSink) {
  TestExchange x;
  const std::string& d = x.d;
  auto no_log = Alerts::Open({d + "/alerts.jsonl", false, {}, {}});
  ASSERT_FALSE(no_log.ok());
  EXPECT_EQ(no_log.error().code(), ErrorCode::kInvalidArgument);

  auto l = x.NewLedger();
  ASSERT_TRUE(l.ok());
  auto alerts = Alerts::Open({d + "/alerts.jsonl", false, {}, {}, [](std::string_view) {}});
  ASSERT_TRUE(alerts.ok());
  ApiOptions o;
  o.data_dir = d;
  auto api = Api::Open(o, std::move(*l), **alerts);
  ASSERT_FALSE(api.ok());
  EXPECT_EQ(api.error().code(), ErrorCode::kInvalidArgument);
}

// An alert that cannot be written is said to the log, not dropped.
TEST(AlertsTest, AnAlertThatCannotBeWrittenReachesTheLog) {
  std::vector<std::string> logged;
  auto alerts = Alerts::Open(
      {"/dev/full", false, {}, {}, [&logged](std::string_view m) { logged.emplace_back(m); }});
  ASSERT_TRUE(alerts.ok()) << alerts.error().message();
  (*alerts)->Raise(AlertKind::kBreakGlass, {{"account", 7}}, 1800000000);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("cannot write the alert file /dev/full"), std::string::npos)
      << logged[0];
}

TEST(AlertsTest, KindsHaveTheDocumentedNames) {
  const std::pair<AlertKind, const char*> kinds[] = {
      {AlertKind::kFailedLoginBurst, "failed_login_burst"},
      {AlertKind::kAccountLocked, "account_locked"},
      {AlertKind::kNewIpLogin, "new_ip_login"},
      {AlertKind::kDownloadVolume, "download_volume"},
      {AlertKind::kBreakGlass, "break_glass"},
      {AlertKind::kPlaintextUpload, "plaintext_upload"},
      {AlertKind::kLedgerVerificationFailed, "ledger_verification_failed"},
      {AlertKind::kDiskSpaceLow, "disk_space_low"},
      {AlertKind::kMonitoringFailed, "monitoring_failed"},
      {AlertKind::kDefenderFailed, "defender_failed"},
      {AlertKind::kLedgerGap, "ledger_gap"},
      {AlertKind::kSecondFactorUnreadable, "second_factor_unreadable"},
      {AlertKind::kOrganisationSuspended, "organisation_suspended"},
      {AlertKind::kBreakGlassOverdue, "break_glass_overdue"},
      {AlertKind::kVendorAccountReopened, "vendor_account_reopened"},
      {AlertKind::kOrderSubmitted, "order_submitted"},
      {AlertKind::kPasskeyRegistered, "passkey_registered"},
      {AlertKind::kPasskeyCounterWentBack, "passkey_counter_went_back"},
      {AlertKind::kPasskeyRevocation, "passkey_revocation"},
      {AlertKind::kSshKeyRegistered, "ssh_key_registered"},
      {AlertKind::kOrganisationResumed, "organisation_resumed"},
      {AlertKind::kReviewCampaignVoid, "review_campaign_void"},
  };
  for (const auto& [kind, name] : kinds) EXPECT_EQ(AlertKindName(kind), name);
}

// A 500's details (paths, SQLite messages) are for the log, never the client.
TEST(ApiTest, AServerErrorsDetailsStayOutOfTheResponse) {
  Response r = api_internal::Fail(Error(ErrorCode::kIo, "database: disk I/O error at /srv/x.db"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("/srv/x.db"), std::string::npos) << r.body;
  EXPECT_EQ(r.server_log, "database: disk I/O error at /srv/x.db");
  Response refused = api_internal::Fail(Error(ErrorCode::kNotFound, "no such upload"));
  EXPECT_EQ(refused.status, 404);
  EXPECT_TRUE(refused.server_log.empty());
}

// ---- remote maintenance over the API ----

using testkit::RemoteExchange;

TEST(ApiRemoteTest, MachineTokensAndPeoplesSessionsNeverCross) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  EXPECT_EQ(e.Call("GET", "/bastion/krl", "").status, 401);
  EXPECT_EQ(e.Call("GET", "/bastion/krl", e.vendor).status, 401) << "a person on a machine route";
  EXPECT_EQ(e.Call("GET", "/bastion/krl", e.approver).status, 401);
  EXPECT_EQ(e.Call("GET", "/grants", e.machine).status, 401) << "a machine on a person's route";
  EXPECT_EQ(e.Call("GET", "/targets", e.machine).status, 401);
  EXPECT_EQ(e.Call("POST", "/bastion/login", e.vendor, {{"user", "x"}}).status, 401);
  EXPECT_EQ(e.Call("GET", "/bastion/krl", e.machine).status, 200);
  EXPECT_EQ(e.Call("GET", "/targets", e.vendor).status, 200);
}

TEST(ApiRemoteTest, FromRequestToCertificateToSessionAndItsEnd) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  auto targets = RemoteExchange::J(e.Call("GET", "/targets", e.vendor));
  ASSERT_EQ(targets["targets"].size(), 1u);
  EXPECT_EQ(targets["targets"][0]["organisation"], "CHU Exemple");

  Response req = e.Call("POST", "/grants", e.vendor,
                        {{"target", "pacs01"},
                         {"reason", "replace the disk controller"},
                         {"duration_hours", 4},
                         {"ticket", "CHG-77"}});
  ASSERT_EQ(req.status, 201) << req.body;
  const int64_t grant = RemoteExchange::J(req)["id"];
  EXPECT_EQ(RemoteExchange::J(req)["target"], "pacs01");
  EXPECT_EQ(e.Call("POST", "/grants", e.vendor,
                   {{"target", "nope"}, {"reason", "a long reason"}, {"duration_hours", 1}})
                .status,
            404);
  const std::string g = "/grants/" + std::to_string(grant);
  // The vendor's own approver may not open it; the hospital's may.
  Response wrong = e.Call("POST", g + "/approve", e.vendor_boss, nlohmann::json::object());
  EXPECT_EQ(wrong.status, 403);
  EXPECT_NE(wrong.body.find("CHU Exemple"), std::string::npos) << wrong.body;
  const auto key = crypto::GenerateEd25519().public_key;
  const nlohmann::json key_body = {{"public_key", ssh::PublicKeyLine(key, "victor@laptop")}};
  EXPECT_EQ(e.Call("POST", g + "/ssh-certificate", e.vendor, key_body).status, 403)
      << "not approved yet";
  ASSERT_EQ(e.Call("POST", g + "/approve", e.approver, nlohmann::json::object()).status, 200);
  EXPECT_EQ(e.Call("POST", g + "/ssh-certificate", e.approver, key_body).status, 403)
      << "operators only";
  EXPECT_EQ(
      e.Call("POST", g + "/ssh-certificate", e.vendor, {{"public_key", "ssh-rsa AAAA"}}).status,
      400);
  Response cert = e.Call("POST", g + "/ssh-certificate", e.vendor, key_body);
  ASSERT_EQ(cert.status, 201) << cert.body;
  auto c = RemoteExchange::J(cert);
  const std::string key_id = "grant-" + std::to_string(grant) + " account-" +
                             std::to_string(e.ids["victor"]) + " order=CHG-77";
  EXPECT_EQ(c["key_id"], key_id);
  EXPECT_EQ(c["bastion"], "bastion.chu.example:22");
  auto parsed = ssh::ParseCertificateLine(c["certificate"].get<std::string>());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->spec.key_id, key_id);
  const int64_t serial = c["serial"];

  // The bastion's login check.
  const std::string fp = ssh::Fingerprint(key);
  auto login = [&](int64_t s) {
    return e.Call("POST", "/bastion/login", e.machine,
                  {{"user", "maint"}, {"key_id", key_id}, {"serial", s}, {"fingerprint", fp}});
  };
  Response in = login(serial);
  ASSERT_EQ(in.status, 200);
  EXPECT_EQ(RemoteExchange::J(in)["allow"], true) << in.body;
  EXPECT_EQ(RemoteExchange::J(in)["principal"], "bastion");
  Response out = login(serial + 99);
  ASSERT_EQ(out.status, 200);
  EXPECT_EQ(RemoteExchange::J(out)["allow"], false);
  EXPECT_FALSE(RemoteExchange::J(out)["reason"].get<std::string>().empty());
  EXPECT_EQ(e.Call("POST", "/bastion/login", e.machine, {{"user", "maint"}}).status, 400);

  // A session: recipients, an egress certificate for the target.
  Response started =
      e.Call("POST", "/bastion/sessions", e.machine,
             {{"key_id", key_id},
              {"serial", serial},
              {"fingerprint", fp},
              {"client", "203.0.113.9 50000 22"},
              {"egress_public_key", ssh::PublicKeyLine(crypto::GenerateEd25519().public_key)}});
  ASSERT_EQ(started.status, 201) << started.body;
  auto s = RemoteExchange::J(started);
  EXPECT_EQ(s["target"]["principal"], "pacs01");
  EXPECT_EQ(s["recipients"].size(), 1u);
  auto egress = ssh::ParseCertificateLine(s["egress_certificate"].get<std::string>());
  ASSERT_TRUE(egress.ok());
  EXPECT_EQ(egress->spec.principals, std::vector<std::string>{"pacs01"});
  const std::string session = "/bastion/sessions/" + std::to_string(s["session"].get<int64_t>());
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", session, e.machine))["open"], true);
  const std::string head(64, 'a');
  Response anchored =
      e.Call("POST", session + "/anchor", e.machine,
             {{"chunks", 2}, {"bytes", 100}, {"head", head}, {"header_sha256", head}});
  ASSERT_EQ(anchored.status, 200) << anchored.body;
  EXPECT_EQ(e.Call("POST", session + "/anchor", e.machine, {{"chunks", 2}}).status, 400);

  // Revoked: the live session's next poll closes it; the KRL lists it.
  ASSERT_EQ(e.Call("POST", g + "/revoke", e.approver, nlohmann::json::object()).status, 200);
  auto state = RemoteExchange::J(e.Call("GET", session, e.machine));
  EXPECT_EQ(state["open"], false);
  EXPECT_NE(state["reason"].get<std::string>().find("revoked"), std::string::npos);
  auto krl = RemoteExchange::J(e.Call("GET", "/bastion/krl", e.machine));
  EXPECT_EQ(krl["serials"], nlohmann::json::array({serial}));
  Response ended = e.Call("POST", session + "/end", e.machine,
                          {{"chunks", 3},
                           {"bytes", 150},
                           {"head", head},
                           {"duration_seconds", 12},
                           {"reason", "grant revoked"},
                           {"exit_status", 0}});
  EXPECT_EQ(ended.status, 200) << ended.body;
  EXPECT_EQ(RemoteExchange::J(login(serial))["allow"], false);

  const std::string ledger = e.Ledger();
  for (const char* action :
       {"exchange.grant.request", "exchange.grant.approve", "exchange.ssh.certificate",
        "exchange.bastion.login", "exchange.session.start", "exchange.session.anchor",
        "exchange.session.end"}) {
    EXPECT_NE(ledger.find(action), std::string::npos) << action;
  }
  EXPECT_EQ(ledger.find("AAAAC3NzaC1lZDI1NTE5"), std::string::npos) << "never a key in the ledger";

  // The session as the hospital's people see it, with its last anchor.
  auto listed = RemoteExchange::J(e.Call("GET", "/remote-sessions", e.approver));
  ASSERT_EQ(listed["sessions"].size(), 1u) << listed;
  const auto& one = listed["sessions"][0];
  EXPECT_EQ(one["id"], s["session"]);
  EXPECT_EQ(one["grant"], grant);
  EXPECT_EQ(one["account"], "victor@example.org");
  EXPECT_EQ(one["target"], "pacs01");
  EXPECT_EQ(one["organisation"], "CHU Exemple");
  EXPECT_EQ(one["chunks"], 3);
  EXPECT_EQ(one["bytes"], 150);
  EXPECT_EQ(one["head"], head);
  EXPECT_EQ(one["header_sha256"], head);
  EXPECT_EQ(one["end_reason"], "grant revoked");
  EXPECT_FALSE(one["ended_at"].is_null());
  // The vendor's approver approves for the vendor: not the hospital's sessions.
  EXPECT_TRUE(
      RemoteExchange::J(e.Call("GET", "/remote-sessions", e.vendor_boss))["sessions"].empty());
  EXPECT_EQ(e.Call("GET", "/remote-sessions", e.vendor).status, 403) << "operators do not list";
}

TEST(ApiRemoteTest, AVendorAccountComesBackOnlyThroughTheHospitalsApprover) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  ASSERT_NO_FATAL_FAILURE(e.VendorRequestsTheHospitalsTarget());
  {
    auto accounts = exchange::Accounts::Open(e.x.d);
    ASSERT_TRUE(
        accounts->LockFor(e.ids["victor"], "break-glass grant 7 was not countersigned").ok());
  }
  const nlohmann::json why = {{"reason", "PACS upgrade tonight, ticket CHG-1234"}};
  const std::string path = "/accounts/victor%40example.org/unlock";
  EXPECT_EQ(e.Call("POST", path, e.vendor, why).status, 401) << "the lock ended its sessions";
  {
    // An operator (here a colleague of the vendor's) is refused, and that is recorded.
    auto unlock_events = [&e] {
      const std::string ledger = e.Ledger();
      size_t n = 0;
      for (size_t at = ledger.find("exchange.account.unlock"); at != std::string::npos;
           at = ledger.find("exchange.account.unlock", at + 1)) {
        ++n;
      }
      return n;
    };
    const size_t before = unlock_events();
    const std::string colleague = e.Person("walter", exchange::Role::kOperator, "Vendor SA");
    EXPECT_EQ(e.Call("POST", path, colleague, why).status, 403);
    EXPECT_EQ(unlock_events(), before + 1) << "the refusal is in the ledger";
  }
  Response own = e.Call("POST", path, e.vendor_boss, why);
  EXPECT_EQ(own.status, 403) << "the vendor's own approver: " << own.body;
  EXPECT_EQ(e.Call("POST", path, e.approver, {{"reason", "short"}}).status, 400);
  EXPECT_EQ(
      e.Call("POST", path, e.approver, {{"reason", "asked by jean.dupont@example.org"}}).status,
      400)
      << "the ledger keeps the reason: no personal data in it";
  EXPECT_EQ(e.Call("POST", "/accounts/nobody%40example.org/unlock", e.approver, why).status, 404);
  // To an approver of an organisation the vendor does not reach, a vendor's
  // account is not there: the answer an unknown address gets, naming no
  // organisation (third attack review of 2026-12-05).
  {
    const std::string stranger = e.Person("walt", exchange::Role::kApprover, "Vendor B");
    Response existing = e.Call("POST", path, stranger, why);
    Response unknown = e.Call("POST", "/accounts/nobody%40example.org/unlock", stranger, why);
    EXPECT_EQ(existing.status, 404);
    EXPECT_EQ(existing.body, unknown.body);
    EXPECT_EQ(existing.body.find("Vendor SA"), std::string::npos);
  }
  EXPECT_EQ(e.Call("POST", "/accounts/anne%40example.org/unlock", e.approver, why).status, 404)
      << "not a vendor's account: not there, as an unknown address";
  Response ok = e.Call("POST", path, e.approver, why);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(RemoteExchange::J(ok)["lifted"], "locked: break-glass grant 7 was not countersigned");
  EXPECT_EQ(e.Call("POST", path, e.approver, why).status, 409) << "nothing left to lift";
  auto a = exchange::Accounts::Open(e.x.d)->Get(e.ids["victor"]);
  EXPECT_TRUE(a->locked_reason.empty());
  const std::string ledger = e.Ledger();
  EXPECT_NE(ledger.find("exchange.account.unlock"), std::string::npos);
  EXPECT_NE(ledger.find("CHG-1234"), std::string::npos) << "the reason is evidence";
  EXPECT_NE(e.Alerts().find("vendor_account_reopened"), std::string::npos)
      << "the hospital's channels hear of it";
  EXPECT_EQ(ledger.find("jean.dupont"), std::string::npos);
  // In the feed: both organisations see the re-opening; the address is the
  // hospital approver's, shown to the hospital only.
  auto reopened = [&](const std::string& token) {
    const nlohmann::json feed = RemoteExchange::J(e.Call("GET", "/alerts", token));
    for (const auto& alert : feed["alerts"]) {
      if (alert["kind"] == "vendor_account_reopened") return alert;
    }
    return nlohmann::json();
  };
  EXPECT_TRUE(reopened(e.approver).contains("ip"));
  ASSERT_FALSE(reopened(e.vendor_boss).is_null());
  EXPECT_FALSE(reopened(e.vendor_boss).contains("ip"));
}

TEST(ApiRemoteTest, AnUncountersignedBreakGlassLocksTheAccountAtTheSweep) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  Response bg =
      e.Call("POST", "/grants/break-glass", e.vendor,
             {{"target", "pacs01"}, {"reason", "the PACS is down tonight"}, {"duration_hours", 2}});
  ASSERT_EQ(bg.status, 201) << bg.body;
  EXPECT_EQ(RemoteExchange::J(bg)["open_now"], true);
  EXPECT_NE(e.Alerts().find("\"break_glass\""), std::string::npos);
  e.x.api->SweepRetention();
  EXPECT_EQ(e.Alerts().find("break_glass_overdue"), std::string::npos) << "not yet";
  e.now += 24 * 3600;
  e.x.api->SweepRetention();
  const std::string alerts = e.Alerts();
  EXPECT_NE(alerts.find("break_glass_overdue"), std::string::npos) << alerts;
  auto a = exchange::Accounts::Open(e.x.d)->Get(e.ids["victor"]);
  EXPECT_FALSE(a->locked_reason.empty());
  e.x.api->SweepRetention();
  EXPECT_EQ(e.Alerts(), alerts) << "alerted once";
  // The hospital's approver re-opens it (a day later their web session is
  // over: the exchange's call), and that holds: the sweep locks once per grant.
  auto accounts = exchange::Accounts::Open(e.x.d);
  EXPECT_FALSE(accounts->Unlock("victor@example.org", e.now).ok()) << "not an admin's act";
  ASSERT_TRUE(
      accounts->UnlockVendor(e.ids["victor"], *accounts->Get(e.ids["anne"]), e.now, nullptr).ok());
  e.x.api->SweepRetention();
  EXPECT_TRUE(exchange::Accounts::Open(e.x.d)->Get(e.ids["victor"])->locked_reason.empty());
  EXPECT_NE(e.Ledger().find("exchange.account.locked"), std::string::npos);
  // The review shows it red; a locked account's session is over.
  // (A day later, the approver's web session is long over: the review as
  // the API builds it.)
  auto review = exchange::AccessReview(e.x.d, e.now);
  ASSERT_TRUE(review.ok());
  auto r = nlohmann::json::parse(review->dump());
  EXPECT_EQ(r["break_glass_overdue"], 1);
  bool red = false;
  for (const auto& acc : r["accounts"]) {
    for (const auto& gr : acc["grants"]) red = red || gr.value("overdue", false);
  }
  EXPECT_TRUE(red);
  EXPECT_EQ(r["organisations"].size(), 2u);
  EXPECT_EQ(e.Call("GET", "/grants", e.vendor).status, 401) << "its sessions ended";
  EXPECT_TRUE(e.x.logged.empty()) << e.x.logged.front();
}

TEST(ApiRemoteTest, BreakGlassOnATargetNeedsTheOnCallFlagAndPackagesStayRecipients) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  // An operator's break-glass on a package is refused as before.
  EXPECT_EQ(e.Call("POST", "/grants/break-glass", e.vendor,
                   {{"package", std::string(64, 'a')},
                    {"reason", "a reason long enough"},
                    {"duration_hours", 1}})
                .status,
            403);
  EXPECT_EQ(
      e.Call("POST", "/grants/break-glass", e.approver,
             {{"target", "pacs01"}, {"reason", "a reason long enough"}, {"duration_hours", 1}})
          .status,
      403);
}

// The alerts feed: a vendor's break-glass into the hospital's PACS reaches
// the hospital's approvers (by the target) and the vendor's (by the
// account), never a third organisation's; auditors see every alert.
TEST(ApiRemoteTest, TheAlertsFeedShowsEachOrganisationItsOwn) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string other = e.Person("olga", exchange::Role::kApprover, "Clinique Autre");
  const std::string auditor = e.Person("aude", exchange::Role::kAuditor, "");
  Response opened = e.Call(
      "POST", "/grants/break-glass", e.vendor,
      {{"target", "pacs01"}, {"reason", "the PACS is down at night"}, {"duration_hours", 1}});
  ASSERT_EQ(opened.status, 201) << opened.body;
  // Lines the server did not write are skipped, never served nor fatal:
  // a kind that is not a string, a value nested deep enough to overflow the
  // stack when serialised, a line cut short.
  {
    std::ofstream file(e.x.dir / "alerts.jsonl", std::ios::app);
    file << "{\"kind\":5,\"time\":\"x\"}\n{\"kind\":\"x\",\"time\":\"x\",\"organisation\":"
            "\"CHU Exemple\",\"deep\":"
         << std::string(100000, '[') << std::string(100000, ']') << "}\n{\"kind\":\"half\n";
  }
  auto addresses = [&](const std::string& token) {
    const nlohmann::json feed = RemoteExchange::J(e.Call("GET", "/alerts", token));
    return feed["alerts"].size() == 1 && feed["alerts"][0].contains("ip");
  };
  auto kinds = [&](const std::string& token) {
    Response r = e.Call("GET", "/alerts", token);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    const nlohmann::json feed = RemoteExchange::J(r);
    for (const auto& a : feed["alerts"]) {
      out.push_back(a["kind"].get<std::string>() + " " + a.value("account_email", "") + " " +
                    a.value("target", ""));
    }
    return out;
  };
  const std::string seen = "break_glass victor@example.org pacs01";

  EXPECT_EQ(kinds(e.approver), std::vector<std::string>{seen}) << "the target's organisation";
  EXPECT_EQ(kinds(e.vendor_boss), std::vector<std::string>{seen}) << "the account's organisation";
  EXPECT_TRUE(kinds(other).empty()) << "a third organisation sees nothing of it";
  EXPECT_EQ(kinds(auditor), std::vector<std::string>{seen});
  // The vendor's address is the vendor's business: the hospital does not see it.
  EXPECT_FALSE(addresses(e.approver));
  EXPECT_TRUE(addresses(e.vendor_boss));
  EXPECT_TRUE(addresses(auditor));
  EXPECT_EQ(e.Call("GET", "/alerts", e.vendor).status, 403) << "operators have no feed";
  EXPECT_EQ(e.Call("GET", "/alerts?limit=0", auditor).status, 400);
  EXPECT_EQ(e.Call("GET", "/alerts?limit=abc", auditor).status, 400);
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", "/alerts?limit=1", auditor))["alerts"].size(), 1u);
}

TEST(ApiRemoteTest, ASuspensionIsAlertedOnceAndResumedOnlyByAnotherOrganisation) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  ASSERT_NO_FATAL_FAILURE(e.VendorRequestsTheHospitalsTarget());
  {
    auto db = exchange::OpenExchangeDb(e.x.d);
    ASSERT_TRUE(exchange::Organisations(*db).Suspend("Vendor SA", "breach", e.now).ok());
  }
  EXPECT_EQ(
      e.Call("POST", "/grants", e.vendor,
             {{"target", "pacs01"}, {"reason", "a reason long enough"}, {"duration_hours", 1}})
          .status,
      403);
  e.x.api->SweepRetention();
  e.x.api->SweepRetention();
  const std::string alerts = e.Alerts();
  EXPECT_NE(alerts.find("organisation_suspended"), std::string::npos);
  EXPECT_EQ(alerts.find("organisation_suspended"), alerts.rfind("organisation_suspended"));
  EXPECT_EQ(
      e.Call("POST", "/organisations/Vendor%20SA/resume", e.vendor_boss, nlohmann::json::object())
          .status,
      403);
  EXPECT_EQ(
      e.Call("POST", "/organisations/Vendor%20SA/resume", e.approver, nlohmann::json::object())
          .status,
      403)
      << "before the exchange's admin asks";
  const std::string stranger = e.Person("walt", exchange::Role::kApprover, "Vendor B");
  {
    auto db = exchange::OpenExchangeDb(e.x.d);
    ASSERT_TRUE(exchange::Organisations(*db).RequestResume("Vendor SA", e.now).ok());
  }
  EXPECT_EQ(e.Call("POST", "/organisations/Vendor%20SA/resume", stranger, nlohmann::json::object())
                .status,
            404)
      << "another vendor's approver";
  Response resumed =
      e.Call("POST", "/organisations/Vendor%20SA/resume", e.approver, nlohmann::json::object());
  EXPECT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_NE(e.Ledger().find("exchange.organisation.resume"), std::string::npos);
  EXPECT_EQ(
      e.Call("POST", "/organisations/Vendor%20SA/resume", e.approver, nlohmann::json::object())
          .status,
      404);
}

TEST(ApiRemoteTest, ACampaignOverTheApiClosesAtItsDeadline) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  // Before the vendor reaches the hospital, the hospital has nothing to
  // review: the same 404 as an organisation that does not exist.
  Response early = e.Call("POST", "/reviews/campaigns", e.approver,
                          {{"organisation", "Vendor SA"}, {"deadline", "2027-01-22T08:00:00Z"}});
  EXPECT_EQ(early.status, 404) << early.body;
  ASSERT_NO_FATAL_FAILURE(e.VendorRequestsTheHospitalsTarget());
  Response opened = e.Call("POST", "/reviews/campaigns", e.approver,
                           {{"organisation", "Vendor SA"}, {"deadline", "2027-01-22T08:00:00Z"}});
  ASSERT_EQ(opened.status, 201) << opened.body;
  const int64_t id = RemoteExchange::J(opened)["id"];
  const std::string c = "/reviews/campaigns/" + std::to_string(id);
  EXPECT_EQ(e.Call("POST", "/reviews/campaigns", e.vendor_boss,
                   {{"organisation", "Vendor SA"}, {"deadline", "2027-01-22T08:00:00Z"}})
                .status,
            403);
  Response kept = e.Call("POST", c + "/decisions", e.approver,
                         {{"account", e.ids["victor"]}, {"decision", "keep"}});
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_EQ(RemoteExchange::J(kept)["decisions"].size(), 1u);
  e.now = 1800000000 + 30 * 86400;  // past the deadline (2027-01-22)
  e.x.api->SweepRetention();
  auto db = exchange::OpenExchangeDb(e.x.d);
  auto accounts = exchange::Accounts::Open(e.x.d);
  EXPECT_EQ(accounts->Get(e.ids["victor"])->status, exchange::AccountStatus::kActive);
  EXPECT_EQ(accounts->Get(e.ids["vera"])->status, exchange::AccountStatus::kDisabled);
  EXPECT_NE(e.Ledger().find("exchange.review.campaign.closed"), std::string::npos);
  EXPECT_TRUE(e.x.logged.empty()) << e.x.logged.front();
}

// ---- orders submitted for validation (issue 17) ----

}  // namespace
}  // namespace cordon::serve
