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

// An exchange with a target, a vendor's on-call operator, two hospital
// approvers, and a bastion; people's sessions are made directly (login and
// enrolment are tested elsewhere).
struct RemoteExchange {
  RemoteExchange() {
    x.tweak = [this](ApiOptions& o) {
      o.clock = [this] { return now; };
      o.remote.bastion_source_address = "10.1.0.5/32";
      o.remote.recording_recipients = {
          "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"};
      o.remote.bastion_address = "bastion.chu.example:22";
      if (web) o.web = *MakeWebPolicy(ssh::testkit::kFakeOrigin);
    };
  }
  void Start() {
    x.Start();
    ASSERT_TRUE(x.api);
    auto accounts = exchange::Accounts::Open(x.d);
    ASSERT_TRUE(accounts.ok());
    auto db = exchange::OpenExchangeDb(x.d);
    ASSERT_TRUE(db.ok());
    auto person = [&](const std::string& name, exchange::Role role, const std::string& org,
                      bool on_call) { return AddPerson(*accounts, *db, name, role, org, on_call); };
    vendor = person("victor", exchange::Role::kOperator, "Vendor SA", true);
    approver = person("anne", exchange::Role::kApprover, "CHU Exemple", false);
    vendor_boss = person("vera", exchange::Role::kApprover, "Vendor SA", false);
    exchange::Target t;
    t.name = "pacs01";
    t.address = "10.1.2.3:22";
    t.principal = "pacs01";
    t.organisation = "CHU Exemple";
    ASSERT_TRUE(exchange::Targets(*db).Add(t, now).ok());
    auto token = exchange::Machines(*db).Add("bastion01", now);
    ASSERT_TRUE(token.ok());
    machine = *token;
  }
  // An active account with a web session; its session token.
  std::string AddPerson(exchange::Accounts& accounts, exchange::Db& db, const std::string& name,
                        exchange::Role role, const std::string& org, bool on_call) {
    const std::string email = name + "@example.org";
    EXPECT_TRUE(accounts.AddUser(name, email, role, now + 300 * 86400, now).ok());
    EXPECT_TRUE(accounts.SetOrganisation(email, org, on_call).ok());
    auto u = db.Prepare("UPDATE users SET status = 'active' WHERE email = ?");
    EXPECT_TRUE(u->Bind(1, email).Run().ok());
    const int64_t id = accounts.Find(email)->id;
    const std::string token = "session-of-" + name;
    auto h = crypto::Sha256::Hash(AsBytes(token));
    auto s = db.Prepare(
        "INSERT INTO sessions(token_hash, user_id, created_at, last_seen_at, ip) VALUES (?, ?, "
        "?, ?, '192.0.2.1')");
    EXPECT_TRUE(
        s->Bind(1, ByteView(h.data(), h.size())).Bind(2, id).Bind(3, now).Bind(4, now).Run().ok());
    ids[name] = id;
    return token;
  }
  std::string Person(const std::string& name, exchange::Role role, const std::string& org) {
    auto accounts = exchange::Accounts::Open(x.d);
    auto db = exchange::OpenExchangeDb(x.d);
    EXPECT_TRUE(accounts.ok() && db.ok());
    return AddPerson(*accounts, *db, name, role, org, false);
  }
  Response Call(const std::string& method, const std::string& path, const std::string& token,
                const nlohmann::json& body = nullptr) {
    Request r;
    r.method = method;
    r.path = "/api/v1" + path;
    r.client_ip = "192.0.2.1";
    if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
    if (!body.is_null()) r.body = body.dump();
    return x.api->Handle(r);
  }
  static nlohmann::json J(const Response& r) { return nlohmann::json::parse(r.body); }
  // Registers `key` (credential `id`) to the account of `session` (web on).
  void RegisterPasskey(const std::string& session, const testkit::FakePasskey& key,
                       const Bytes& id) {
    Response begin = Call("POST", "/passkeys/begin", session, nlohmann::json::object());
    ASSERT_EQ(begin.status, 200) << begin.body;
    nlohmann::json finish = testkit::Created(key, id, J(begin)["challenge"]);
    finish["label"] = "key";
    ASSERT_EQ(Call("POST", "/passkeys/finish", session, finish).status, 201);
  }
  std::string Ledger() const {
    std::ifstream in(x.dir / "ledger" / "ledger.log", std::ios::binary);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }
  std::string Alerts() const {
    std::ifstream in(x.dir / "alerts.jsonl");
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }

  TestExchange x;
  int64_t now = 1800000000;
  bool web = false;  // passkeys on (the fake passkey's origin)
  std::string vendor, approver, vendor_boss, machine;
  std::map<std::string, int64_t> ids;
};

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
}

TEST(ApiRemoteTest, AVendorAccountComesBackOnlyThroughTheHospitalsApprover) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
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
  EXPECT_EQ(e.Call("POST", "/accounts/anne%40example.org/unlock", e.approver, why).status, 403)
      << "not a vendor's account";
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

TEST(ApiRemoteTest, ASuspensionIsAlertedOnceAndResumedOnlyByAnotherOrganisation) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
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

std::string TestOrder(const std::string& id, const std::string& plan) {
  const std::string order = "[order]\nid = \"" + id +
                            "\"\ncontroller = \"CHU Exemple\"\nprocessor = \"Vendor SA\"\n"
                            "purpose = \"Migration\"\ncontract = \"DPA 1\"\n"
                            "not_after = 2027-06-30\nretention_days = 30\nrecipients = "
                            "[\"age1fh5kqu9qpe3htgpkh0v0ujkyf7dsx5hmxn3n5qfpjunlx3wptd4qsyhmlh\"]"
                            "\n\n[[table]]\nname = \"patients\"\n[table.columns]\nNUM = \"keep\"\n";
  return *order::WithPlanDigest(order, order::PlanSha256Hex(plan));
}

std::string TestPlan(const std::string& id, int rows = 3) {
  return "{\n  \"format\": \"cordon-plan\",\n  \"version\": 1,\n  \"order\": {\"id\": \"" + id +
         "\"},\n  \"tables\": [{\"name\": \"patients\", \"rows_selected\": " +
         std::to_string(rows) + ", \"sample_masked\": [[\"1*****\"]]}]\n}\n";
}

nlohmann::json Submission(const std::string& order, const std::string& plan) {
  return {{"order_base64", Base64Encode(AsBytes(order))},
          {"plan_base64", Base64Encode(AsBytes(plan))}};
}

std::string Unbase64(const nlohmann::json& j, const char* key) {
  auto b = Base64Decode(j[key].get<std::string>());
  EXPECT_TRUE(b.ok());
  return b.ok() ? std::string(b->begin(), b->end()) : std::string();
}

struct OrderExchange : RemoteExchange {
  void Start() {
    RemoteExchange::Start();
    dpo = Person("dora", exchange::Role::kDpo, "CHU Exemple");
    other_dpo = Person("otto", exchange::Role::kDpo, "Hopital Autre");
    auditor = Person("audrey", exchange::Role::kAuditor, "");
    recipient = Person("rita", exchange::Role::kRecipient, "CHU Exemple");
    other_vendor = Person("olga", exchange::Role::kOperator, "Other SA");
  }
  std::string dpo, other_dpo, auditor, recipient, other_vendor;
};

TEST(ApiOrdersTest, AnOperatorSubmitsAndTheOrganisationsDpoReadsTheExactBytes) {
  OrderExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string plan = TestPlan("LAB42-2027");
  const std::string order = TestOrder("LAB42-2027", plan);
  Response r = e.Call("POST", "/orders", e.vendor, Submission(order, plan));
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = RemoteExchange::J(r);
  EXPECT_EQ(j["order_id"], "LAB42-2027");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["organisation"], "CHU Exemple");  // the order's controller
  EXPECT_EQ(j["plan_sha256"], order::PlanSha256Hex(plan));
  EXPECT_EQ(j["order_sha256"], order::PlanSha256Hex(order));  // the same SHA-256

  auto list = RemoteExchange::J(e.Call("GET", "/orders", e.dpo));
  ASSERT_EQ(list["orders"].size(), 1u) << list;
  EXPECT_TRUE(RemoteExchange::J(e.Call("GET", "/orders", e.other_dpo))["orders"].empty());
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", "/orders", e.auditor))["orders"].size(), 1u);
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", "/orders", e.vendor))["orders"].size(), 1u);
  EXPECT_TRUE(RemoteExchange::J(e.Call("GET", "/orders", e.other_vendor))["orders"].empty());

  Response shown = e.Call("GET", "/orders/LAB42-2027", e.dpo);
  ASSERT_EQ(shown.status, 200) << shown.body;
  auto s = RemoteExchange::J(shown);
  EXPECT_EQ(Unbase64(s, "order_base64"), order);
  EXPECT_EQ(Unbase64(s, "plan_base64"), plan);
  EXPECT_EQ(e.Call("GET", "/orders/LAB42-2027", e.other_dpo).status, 404);
  EXPECT_EQ(e.Call("GET", "/orders/LAB42-2027", e.other_vendor).status, 404);
  EXPECT_EQ(e.Call("GET", "/orders/LAB42-2027", e.recipient).status, 403);
  EXPECT_EQ(e.Call("GET", "/orders", e.approver).status, 403);
  // A DPO reaches their own account, and nothing of packages or grants.
  EXPECT_EQ(e.Call("GET", "/me", e.dpo).status, 200);
  EXPECT_EQ(e.Call("GET", "/packages", e.dpo).status, 403);
  EXPECT_EQ(e.Call("GET", "/grants", e.dpo).status, 403);

  // The evidence: digests and ids, never the plan's content.
  const std::string ledger = e.Ledger();
  EXPECT_NE(ledger.find("exchange.order.submit"), std::string::npos);
  EXPECT_NE(ledger.find(order::PlanSha256Hex(plan)), std::string::npos);
  EXPECT_NE(ledger.find("exchange.order.read"), std::string::npos);
  EXPECT_EQ(ledger.find("1*****"), std::string::npos);
  EXPECT_EQ(ledger.find("DPA 1"), std::string::npos);
  // The organisation's DPOs are told, by account id.
  const std::string alerts = e.Alerts();
  EXPECT_NE(alerts.find("\"kind\":\"order_submitted\""), std::string::npos) << alerts;
  EXPECT_NE(alerts.find("\"dpos\":[" + std::to_string(e.ids["dora"]) + "]"), std::string::npos)
      << alerts;
}

// A DPO approves the version they read with their passkey: an SSH
// signature over the order's exact bytes, which ssh-keygen accepts with the
// passkey's key and nothing from the exchange; every other signer, version,
// message or replay is refused and recorded.
TEST(ApiOrdersTest, ADpoSignsAVersionWithAPasskeyAndTheSignatureVerifiesOffline) {
  OrderExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string second_dpo = e.Person("dany", exchange::Role::kDpo, "CHU Exemple");
  const std::string plan = TestPlan("LAB42-2027"), order = TestOrder("LAB42-2027", plan);
  ASSERT_EQ(e.Call("POST", "/orders", e.vendor, Submission(order, plan)).status, 201);
  const testkit::FakePasskey pk, other_pk;
  const Bytes cred(16, 9), other_cred(16, 10);
  ASSERT_NO_FATAL_FAILURE(e.RegisterPasskey(e.dpo, pk, cred));
  ASSERT_NO_FATAL_FAILURE(e.RegisterPasskey(second_dpo, other_pk, other_cred));

  const nlohmann::json shown = RemoteExchange::J(e.Call("GET", "/orders/LAB42-2027", e.dpo));
  const std::string ns = shown["sign"]["namespace"];
  EXPECT_EQ(ns, "cordon-order@" + std::string(ssh::testkit::kFakeRp));
  const std::string challenge = shown["sign"]["challenge"];
  EXPECT_EQ(challenge, Base64UrlEncode(AsBytes(ssh::SshsigSignedData(ns, AsBytes(order)))));
  const auto answer = [&](const testkit::FakePasskey& key, const Bytes& id, uint32_t counter,
                          const std::string& over, int64_t version) {
    testkit::FakePasskey::Options o;
    o.counter = counter;
    nlohmann::json body = testkit::Asserted(key, id, over, o);
    body["version"] = version;
    return body;
  };
  const std::string path = "/orders/LAB42-2027/signature";

  // Refused before the right one: a version that does not exist, an
  // answer over other bytes, without user verification, someone else's
  // passkey, the vendor, another organisation's DPO.
  EXPECT_EQ(e.Call("POST", path, e.dpo, answer(pk, cred, 1, challenge, 2)).status, 404);
  const std::string other_bytes =
      Base64UrlEncode(AsBytes(ssh::SshsigSignedData(ns, AsBytes(order + "\n"))));
  EXPECT_EQ(e.Call("POST", path, e.dpo, answer(pk, cred, 2, other_bytes, 1)).status, 401);
  nlohmann::json no_uv = answer(pk, cred, 3, challenge, 1);
  {
    testkit::FakePasskey::Options o;
    o.counter = 3;
    o.flags = ssh::kUserPresent;
    no_uv = testkit::Asserted(pk, cred, challenge, o);
    no_uv["version"] = 1;
  }
  EXPECT_EQ(e.Call("POST", path, e.dpo, no_uv).status, 401);
  EXPECT_EQ(e.Call("POST", path, second_dpo, answer(pk, cred, 4, challenge, 1)).status, 403);
  EXPECT_EQ(e.Call("POST", path, e.vendor, answer(pk, cred, 5, challenge, 1)).status, 403);
  EXPECT_EQ(e.Call("POST", path, e.other_dpo, answer(pk, cred, 6, challenge, 1)).status, 404);

  Response signed_ = e.Call("POST", path, e.dpo, answer(pk, cred, 10, challenge, 1));
  ASSERT_EQ(signed_.status, 201) << signed_.body;
  const std::string sshsig = RemoteExchange::J(signed_)["sshsig"];
  // Signed once per person and version; a replayed answer (its counter no
  // longer advances) is refused for the other DPO too.
  EXPECT_EQ(e.Call("POST", path, e.dpo, answer(pk, cred, 11, challenge, 1)).status, 409);
  EXPECT_EQ(e.Call("POST", path, second_dpo, answer(other_pk, other_cred, 0, challenge, 1)).status,
            201);
  const nlohmann::json after = RemoteExchange::J(e.Call("GET", "/orders/LAB42-2027", e.dpo));
  ASSERT_EQ(after["signatures"].size(), 2u);
  EXPECT_EQ(after["signatures"][0]["sshsig"], sshsig);
  EXPECT_EQ(after["signatures"][0]["signer_id"], e.ids["dora"]);
  const std::string ledger = e.Ledger();
  EXPECT_NE(ledger.find("\"action\":\"exchange.order.sign\""), std::string::npos);

  // Offline: stock ssh-keygen with the passkey's key, the order's bytes.
  if (!ssh::oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen is not installed";
  const std::string dir = e.x.d;
  ssh::oracle::WriteText(dir + "/order.toml", order);
  ssh::oracle::WriteText(dir + "/order.toml.sig", sshsig);
  ssh::oracle::WriteText(dir + "/allowed_signers",
                         *ssh::AllowedSignersLine("dora@example.org", ns, pk.Key()) + "\n");
  const std::string verify = "ssh-keygen -Y verify -f " + ssh::oracle::Q(dir + "/allowed_signers") +
                             " -I dora@example.org -n " + ns + " -s " +
                             ssh::oracle::Q(dir + "/order.toml.sig") + " < ";
  auto ok = ssh::oracle::Run(verify + ssh::oracle::Q(dir + "/order.toml"));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  ssh::oracle::WriteText(dir + "/altered.toml", order + "\n");
  EXPECT_NE(ssh::oracle::Run(verify + ssh::oracle::Q(dir + "/altered.toml")).exit_code, 0);
}

TEST(ApiOrdersTest, AResubmissionIsANewVersionAndTheOldOneStays) {
  OrderExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string plan1 = TestPlan("LAB42-2027", 3), plan2 = TestPlan("LAB42-2027", 4);
  ASSERT_EQ(
      e.Call("POST", "/orders", e.vendor, Submission(TestOrder("LAB42-2027", plan1), plan1)).status,
      201);
  Response again =
      e.Call("POST", "/orders", e.vendor, Submission(TestOrder("LAB42-2027", plan2), plan2));
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(RemoteExchange::J(again)["version"], 2);
  EXPECT_EQ(Unbase64(RemoteExchange::J(e.Call("GET", "/orders/LAB42-2027", e.dpo)), "plan_base64"),
            plan2);
  Request q;  // the query is parsed by the server: here, set by hand
  q.method = "GET";
  q.path = "/api/v1/orders/LAB42-2027";
  q.query["version"] = "1";
  q.client_ip = "192.0.2.1";
  q.headers["authorization"] = "Bearer " + e.dpo;
  Response first = e.x.api->Handle(q);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Unbase64(RemoteExchange::J(first), "plan_base64"), plan1);
  q.query["version"] = "3";
  EXPECT_EQ(e.x.api->Handle(q).status, 404);
  q.query["version"] = "01";
  EXPECT_EQ(e.x.api->Handle(q).status, 400);
  // Another vendor cannot slip a version into the chain.
  Response hijack =
      e.Call("POST", "/orders", e.other_vendor, Submission(TestOrder("LAB42-2027", plan1), plan1));
  EXPECT_EQ(hijack.status, 409) << hijack.body;
}

TEST(ApiOrdersTest, RefusesWhatIsNotAnOrderWithItsPlan) {
  OrderExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string plan = TestPlan("LAB42-2027");
  const std::string order = TestOrder("LAB42-2027", plan);
  // Only operators submit.
  EXPECT_EQ(e.Call("POST", "/orders", e.recipient, Submission(order, plan)).status, 403);
  EXPECT_EQ(e.Call("POST", "/orders", e.dpo, Submission(order, plan)).status, 403);
  // A plan that is not JSON, or not this order's (its digest matching).
  for (const std::string& bad : {std::string("not json {"), std::string("[1, 2]"),
                                 TestPlan("OTHER-ORDER"), std::string("{\"format\": \"x\"}")}) {
    Response r = e.Call("POST", "/orders", e.vendor, Submission(TestOrder("LAB42-2027", bad), bad));
    EXPECT_EQ(r.status, 400) << bad << " " << r.body;
  }
  // The digest of another plan, or none.
  EXPECT_EQ(
      e.Call("POST", "/orders", e.vendor, Submission(order, TestPlan("LAB42-2027", 9))).status,
      400);
  std::string undigested = order.substr(0, order.find("plan_sha256")) +
                           order.substr(order.find('\n', order.find("plan_sha256")) + 1);
  EXPECT_EQ(e.Call("POST", "/orders", e.vendor, Submission(undigested, plan)).status, 400);
  // Hostile ids: refused by the order parser or the exchange's own rule.
  for (const std::string& id : {std::string("../../etc"), std::string("</script><img src=x>"),
                                std::string("a b"), std::string("-rf")}) {
    const std::string p = TestPlan("X");
    std::string o = TestOrder("X", p);
    o.replace(o.find("\"X\""), 3, nlohmann::json(id).dump());
    Response r = e.Call("POST", "/orders", e.vendor, Submission(o, p));
    EXPECT_EQ(r.status, 400) << id << " " << r.body;
  }
  // Not base64, not an order, an unknown organisation.
  EXPECT_EQ(e.Call("POST", "/orders", e.vendor,
                   {{"order_base64", "%%%"}, {"plan_base64", Base64Encode(AsBytes(plan))}})
                .status,
            400);
  EXPECT_EQ(e.Call("POST", "/orders", e.vendor, Submission("[order]\nid = 1\n", plan)).status, 400);
  auto unknown = Submission(order, plan);
  unknown["organisation"] = "Nobody Inc";
  EXPECT_EQ(e.Call("POST", "/orders", e.vendor, unknown).status, 400);
  // Oversize: refused before decoding.
  auto huge = Submission(order, plan);
  huge["plan_base64"] = std::string((exchange::kMaxSubmittedPlanBytes / 3 + 2) * 4, 'A');
  EXPECT_EQ(e.Call("POST", "/orders", e.vendor, huge).status, 413);
  EXPECT_TRUE(RemoteExchange::J(e.Call("GET", "/orders", e.auditor))["orders"].empty());
  // Path ids that no order can have.
  EXPECT_EQ(e.Call("GET", "/orders/..", e.dpo).status, 404);
  EXPECT_EQ(e.Call("GET", "/orders/%3Cscript%3E", e.dpo).status, 404);
}

TEST(ApiOrdersTest, TheSubmissionStreamsAndIsAuthorizedBeforeItsBody) {
  OrderExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  Request head;
  head.method = "POST";
  head.path = "/api/v1/orders";
  head.client_ip = "192.0.2.1";
  EXPECT_TRUE(e.x.api->StreamsBody(head));
  head.headers["authorization"] = "Bearer " + e.recipient;
  auto refused = e.x.api->BeginStream(head);
  ASSERT_TRUE(std::holds_alternative<Response>(refused));
  EXPECT_EQ(std::get<Response>(refused).status, 403);
  head.headers["authorization"] = "Bearer " + e.vendor;
  auto begun = e.x.api->BeginStream(head);
  ASSERT_TRUE(std::holds_alternative<BodySink>(begun));
  BodySink sink = std::move(std::get<BodySink>(begun));
  // Larger than a JSON body may be (64 KiB): a plan of many tables.
  std::string plan = TestPlan("BIG-1");
  plan.insert(plan.size() - 3, ", \"padding\": \"" + std::string(200000, 'x') + "\"");
  const std::string body = Submission(TestOrder("BIG-1", plan), plan).dump();
  ASSERT_GT(body.size(), kMaxJsonBody);
  ASSERT_LE(body.size(), sink.max_bytes);
  ASSERT_EQ(write(sink.fd.get(), body.data(), body.size()), static_cast<ssize_t>(body.size()));
  sink.fd = UniqueFd();
  Response r = sink.finish(Ok(), body.size());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(RemoteExchange::J(r)["plan_bytes"], plan.size());
  // A declared length past the bound is refused before the body is read.
  Request too_long = head;
  too_long.headers["content-length"] = std::to_string(sink.max_bytes + 1);
  auto refused_length = e.x.api->BeginStream(too_long);
  ASSERT_TRUE(std::holds_alternative<Response>(refused_length));
  EXPECT_EQ(std::get<Response>(refused_length).status, 413);
  too_long.headers["content-length"] = "99999999999999999999999";
  EXPECT_TRUE(std::holds_alternative<Response>(e.x.api->BeginStream(too_long)));
  // A body cut short stores nothing.
  auto again = e.x.api->BeginStream(head);
  ASSERT_TRUE(std::holds_alternative<BodySink>(again));
  Response cut = std::get<BodySink>(again).finish(
      Error(ErrorCode::kLimitExceeded, "the body is larger than allowed"), 0);
  EXPECT_EQ(cut.status, 413);
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", "/orders", e.auditor))["orders"].size(), 1u);
}

// An approver with a passkey decides on a grant by signing the decision
// document GET /grants/{id} gives: the decision and its SSHSIG are kept in
// one transaction, shown with the grant, and ssh-keygen accepts them with
// the passkey's key and nothing from the exchange. Unsigned decisions,
// other bytes, another decision's challenge, another person's passkey and
// answers without user verification are refused.
TEST(ApiRemoteTest, AnApproverSignsAGrantDecisionWithAPasskeyAndItVerifiesOffline) {
  RemoteExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string colleague = e.Person("alba", exchange::Role::kApprover, "CHU Exemple");
  const std::string stranger = e.Person("olga", exchange::Role::kOperator, "Other SA");
  Response req = e.Call("POST", "/grants", e.vendor,
                        {{"target", "pacs01"},
                         {"reason", "<img src=x onerror=alert(1)> replace the disk"},
                         {"duration_hours", 4},
                         {"ticket", "CHG-78"}});
  ASSERT_EQ(req.status, 201) << req.body;
  const int64_t grant = RemoteExchange::J(req)["id"];
  const std::string g = "/grants/" + std::to_string(grant);

  const testkit::FakePasskey pk, colleague_pk;
  const Bytes cred(16, 21), colleague_cred(16, 22);
  ASSERT_NO_FATAL_FAILURE(e.RegisterPasskey(e.approver, pk, cred));
  ASSERT_NO_FATAL_FAILURE(e.RegisterPasskey(colleague, colleague_pk, colleague_cred));
  // With a passkey, a bare decision is no longer taken.
  Response bare = e.Call("POST", g + "/approve", e.approver, nlohmann::json::object());
  EXPECT_EQ(bare.status, 403);
  EXPECT_NE(bare.body.find("passkey"), std::string::npos) << bare.body;

  // What the approver sees: the grant, who asks and their history, and a
  // document to sign per open decision.
  const nlohmann::json shown = RemoteExchange::J(e.Call("GET", g, e.approver));
  EXPECT_EQ(shown["requester"]["email"], "victor@example.org");
  EXPECT_TRUE(shown["requester"]["recent_logins"].is_array());
  EXPECT_EQ(shown["reason"], "<img src=x onerror=alert(1)> replace the disk");
  const std::string ns = shown["sign"]["namespace"];
  EXPECT_EQ(ns, "cordon-grant@" + std::string(ssh::testkit::kFakeRp));
  ASSERT_TRUE(shown["sign"]["decisions"].contains("approve")) << shown;
  ASSERT_TRUE(shown["sign"]["decisions"].contains("deny")) << shown;
  EXPECT_FALSE(shown["sign"]["decisions"].contains("revoke"));
  const std::string doc = Unbase64(shown["sign"]["decisions"]["approve"], "document_base64");
  const std::string challenge = shown["sign"]["decisions"]["approve"]["challenge"];
  EXPECT_EQ(challenge, Base64UrlEncode(AsBytes(ssh::SshsigSignedData(ns, AsBytes(doc)))));
  const auto parsed = nlohmann::json::parse(doc);
  EXPECT_EQ(parsed["decision"], "approve");
  EXPECT_EQ(parsed["grant"]["id"], grant);
  EXPECT_EQ(parsed["grant"]["requester"]["email"], "victor@example.org");
  EXPECT_EQ(parsed.dump(), doc) << "canonical: sorted keys, no whitespace";
  // Others: the requester sees their grant without the approver's context;
  // an approver of another organisation is told why they cannot sign;
  // someone else's grant is not there.
  const nlohmann::json own = RemoteExchange::J(e.Call("GET", g, e.vendor));
  EXPECT_FALSE(own.contains("sign"));
  EXPECT_FALSE(own["requester"].contains("recent_logins"));
  const nlohmann::json foreign = RemoteExchange::J(e.Call("GET", g, e.vendor_boss));
  EXPECT_FALSE(foreign.contains("sign"));
  EXPECT_TRUE(foreign.contains("not_yours")) << foreign;
  EXPECT_FALSE(foreign["requester"].contains("recent_logins")) << "not theirs to decide";
  EXPECT_EQ(e.Call("GET", g, stranger).status, 404);
  EXPECT_EQ(e.Call("GET", "/grants/999", e.approver).status, 404);

  const auto answer = [&](const testkit::FakePasskey& key, const Bytes& id, uint32_t counter,
                          const std::string& over,
                          uint8_t flags = ssh::kUserPresent | ssh::kUserVerified) {
    testkit::FakePasskey::Options o;
    o.counter = counter;
    o.flags = flags;
    return testkit::Asserted(key, id, over, o);
  };
  const std::string other_bytes =
      Base64UrlEncode(AsBytes(ssh::SshsigSignedData(ns, AsBytes(doc + " "))));
  const std::string deny_challenge = shown["sign"]["decisions"]["deny"]["challenge"];
  EXPECT_EQ(e.Call("POST", g + "/approve", e.approver, answer(pk, cred, 1, other_bytes)).status,
            401);
  EXPECT_EQ(e.Call("POST", g + "/approve", e.approver, answer(pk, cred, 2, deny_challenge)).status,
            401)
      << "a deny signature does not approve";
  EXPECT_EQ(
      e.Call("POST", g + "/approve", e.approver, answer(pk, cred, 3, challenge, ssh::kUserPresent))
          .status,
      401);
  EXPECT_EQ(e.Call("POST", g + "/approve", colleague, answer(pk, cred, 4, challenge)).status, 403);
  // A malformed answer is refused, and recorded like the others.
  EXPECT_EQ(e.Call("POST", g + "/approve", e.approver, {{"credential_id", "!!!"}}).status, 400);
  EXPECT_NE(e.Ledger().find("send the passkey's answer"), std::string::npos);
  EXPECT_EQ(
      e.Call("POST", "/grants/999/approve", e.approver, answer(pk, cred, 5, challenge)).status,
      404);
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", g, e.approver))["status"], "requested");

  Response decided = e.Call("POST", g + "/approve", e.approver, answer(pk, cred, 10, challenge));
  ASSERT_EQ(decided.status, 200) << decided.body;
  const nlohmann::json d = RemoteExchange::J(decided);
  EXPECT_EQ(d["status"], "approved");
  const std::string sshsig = d["signature"]["sshsig"];
  EXPECT_EQ(d["signature"]["namespace"], ns);
  EXPECT_NE(d["signature"]["verify"].get<std::string>().find("-n " + ns), std::string::npos);
  // A replayed answer takes nothing more.
  EXPECT_NE(e.Call("POST", g + "/approve", e.approver, answer(pk, cred, 10, challenge)).status,
            200);

  const nlohmann::json after = RemoteExchange::J(e.Call("GET", g, e.approver));
  ASSERT_EQ(after["signatures"].size(), 1u) << after;
  EXPECT_EQ(after["signatures"][0]["decision"], "approve");
  EXPECT_EQ(after["signatures"][0]["signer_id"], e.ids["anne"]);
  EXPECT_EQ(after["signatures"][0]["sshsig"], sshsig);
  EXPECT_EQ(Unbase64(after["signatures"][0], "document_base64"), doc);
  EXPECT_EQ(after["signatures"][0]["ssh_public_key"], pk.Key().Line());
  EXPECT_TRUE(after["sign"]["decisions"].contains("revoke")) << after;
  EXPECT_FALSE(after["sign"]["decisions"].contains("approve"));
  const std::string ledger = e.Ledger();
  EXPECT_NE(ledger.find("\"action\":\"exchange.grant.approve\""), std::string::npos) << ledger;
  EXPECT_NE(ledger.find(HexEncode(crypto::Sha256::Hash(AsBytes(doc)))), std::string::npos);

  // Verified here, then offline by stock ssh-keygen.
  ssh::SshsigPolicy policy;
  policy.ns = ns;
  policy.origin = ssh::testkit::kFakeOrigin;
  EXPECT_TRUE(ssh::VerifySshsig(sshsig, AsBytes(doc), pk.Key(), policy).ok());
  EXPECT_FALSE(ssh::VerifySshsig(sshsig, AsBytes(doc + " "), pk.Key(), policy).ok());
  if (!ssh::oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen is not installed";
  const std::string dir = e.x.d;
  ssh::oracle::WriteText(dir + "/grant.json", doc);
  ssh::oracle::WriteText(dir + "/grant.json.sig", sshsig);
  ssh::oracle::WriteText(dir + "/allowed_signers",
                         *ssh::AllowedSignersLine("anne@example.org", ns, pk.Key()) + "\n");
  const std::string verify = "ssh-keygen -Y verify -f " + ssh::oracle::Q(dir + "/allowed_signers") +
                             " -I anne@example.org -n " + ns + " -s " +
                             ssh::oracle::Q(dir + "/grant.json.sig") + " < ";
  auto ok = ssh::oracle::Run(verify + ssh::oracle::Q(dir + "/grant.json"));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  std::string denied = doc;
  denied.replace(denied.find("\"approve\""), 9, "\"deny\"");
  ssh::oracle::WriteText(dir + "/altered.json", denied);
  EXPECT_NE(ssh::oracle::Run(verify + ssh::oracle::Q(dir + "/altered.json")).exit_code, 0);
}

// An approver who asks for a role for themselves is shown no decision to
// sign on it, and cannot take one.
TEST(ApiRemoteTest, NobodySignsADecisionOnTheirOwnRequest) {
  RemoteExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  Response req =
      e.Call("POST", "/grants", e.approver,
             {{"role", "auditor"}, {"reason", "yearly access review"}, {"duration_hours", 8}});
  ASSERT_EQ(req.status, 201) << req.body;
  const std::string g = "/grants/" + std::to_string(RemoteExchange::J(req)["id"].get<int64_t>());
  const nlohmann::json shown = RemoteExchange::J(e.Call("GET", g, e.approver));
  EXPECT_EQ(shown["own_request"], true) << shown;
  EXPECT_FALSE(shown.contains("sign"));
  EXPECT_EQ(e.Call("POST", g + "/approve", e.approver, nlohmann::json::object()).status, 403);
}

}  // namespace
}  // namespace cordon::serve
