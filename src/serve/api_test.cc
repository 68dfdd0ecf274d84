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

#include "serve/api_internal.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::serve {
namespace {
namespace fs = std::filesystem;

// A scratch data directory with a new ledger; Start() opens alerts and the
// API on it, both logging into `logged`.
struct TestExchange {
  TestExchange() { fs::create_directories(dir); }

  Result<ledger::Ledger> NewLedger() const {
    CORDON_TRY(ledger::Ledger::Init(d + "/ledger", "test.example/exchange",
                                    sign::SecretKey::Generate(), nullptr));
    return ledger::Ledger::Open(d + "/ledger", ledger::Ledger::Access::kAppend);
  }
  void Start() {
    auto l = NewLedger();
    ASSERT_TRUE(l.ok()) << l.error().message();
    auto a = Alerts::Open({d + "/alerts.jsonl", false, {}, {}, log});
    ASSERT_TRUE(a.ok());
    alerts = std::move(*a);
    ApiOptions o;
    o.data_dir = d;
    o.log = log;
    auto opened = Api::Open(o, std::move(*l), *alerts);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    api = std::move(*opened);
  }

  const test_support::ScopedTempDir scratch;
  const fs::path dir = fs::path(scratch.path()) / "exchange";
  const std::string d = dir.string();
  std::vector<std::string> logged;
  const LogSink log = [this](std::string_view m) { logged.emplace_back(m); };
  std::unique_ptr<Alerts> alerts;  // outlives the API, which raises through it
  std::unique_ptr<Api> api;
};

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

}  // namespace
}  // namespace cordon::serve
