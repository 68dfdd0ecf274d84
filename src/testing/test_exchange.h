// Test-only: an exchange's API on a scratch data directory with a new
// ledger, for serve's *_test.cc files (never part of the library).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "serve/alerts.h"
#include "serve/api.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::serve::testkit {

// A scratch data directory with a new ledger; Start() opens alerts and the
// API on it, both logging into `logged`.
struct TestExchange {
  TestExchange() { std::filesystem::create_directories(dir); }

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
    if (tweak) tweak(o);
    auto opened = Api::Open(o, std::move(*l), *alerts);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    api = std::move(*opened);
  }

  const test_support::ScopedTempDir scratch;
  const std::filesystem::path dir = std::filesystem::path(scratch.path()) / "exchange";
  const std::string d = dir.string();
  std::vector<std::string> logged;
  const LogSink log = [this](std::string_view m) { logged.emplace_back(m); };
  std::function<void(ApiOptions&)> tweak;  // before Start: options of the test's own
  std::unique_ptr<Alerts> alerts;          // outlives the API, which raises through it
  std::unique_ptr<Api> api;
};

}  // namespace cordon::serve::testkit
