// The API's periodic work, driven directly (the HTTP paths are covered by
// tests/exchange_serve_test.sh and tests/exchange_matrix.py on a real server).
#include "serve/api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cordon::serve {
namespace {
namespace fs = std::filesystem;

TEST(ApiTest, ALedgerAlteredUnderTheServerRaisesAnAlert) {
  const fs::path dir = fs::temp_directory_path() / ("cordon-api-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string d = dir.string();
  ASSERT_TRUE(ledger::Ledger::Init(d + "/ledger", "test.example/exchange",
                                   sign::SecretKey::Generate(), nullptr)
                  .ok());
  auto l = ledger::Ledger::Open(d + "/ledger", ledger::Ledger::Access::kAppend);
  ASSERT_TRUE(l.ok());
  auto alerts = Alerts::Open({d + "/alerts.jsonl", false, {}, {}});
  ASSERT_TRUE(alerts.ok());
  ApiOptions o;
  o.data_dir = d;
  auto api = Api::Open(o, std::move(*l), **alerts);
  ASSERT_TRUE(api.ok()) << api.error().message();
  Request health;
  health.method = "GET";
  health.path = "/api/v1/health";
  EXPECT_EQ((*api)->Handle(health).status, 200);

  (*api)->CheckLedger();  // intact: no alert
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
  (*api)->CheckLedger();
  std::ifstream in(dir / "alerts.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_NE(line.find("\"kind\":\"ledger_verification_failed\""), std::string::npos) << line;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cordon::serve
