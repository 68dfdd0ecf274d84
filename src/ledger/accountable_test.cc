#include "ledger/accountable.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

namespace cordon::ledger {
namespace {

namespace fs = std::filesystem;

class AccountableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cordon-accountable-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
    dir_ = tmp_ + "/ledger";
    ASSERT_TRUE(Ledger::Init(dir_, "test.example/ledger", sign::SecretKey::Generate()).ok());
  }
  void TearDown() override { fs::remove_all(tmp_); }

  LedgerOpener Opener(Ledger::Access access = Ledger::Access::kAppend) const {
    return [this, access] { return Ledger::Open(dir_, access); };
  }
  // The last entry the ledger holds, parsed.
  nlohmann::json LastEvent() const {
    auto l = Ledger::Open(dir_, Ledger::Access::kRead);
    EXPECT_TRUE(l.ok());
    auto bytes = l->Entry(l->size() - 1);
    EXPECT_TRUE(bytes.ok());
    return nlohmann::json::parse(AsChars(*bytes));
  }
  uint64_t Size() const { return Ledger::Open(dir_, Ledger::Access::kRead)->size(); }

  std::string tmp_, dir_;
};

TEST_F(AccountableTest, RecordsActionActorOutcomeAndWhatTheBodyAdded) {
  Status s = Recorded(Opener(), "scan", [](nlohmann::json& ev) {
    ev["scan"] = {{"files", 3}};
    return Ok();
  });
  ASSERT_TRUE(s.ok());
  const nlohmann::json e = LastEvent();
  EXPECT_EQ(e["action"], "scan");
  EXPECT_EQ(e["outcome"], "ok");
  EXPECT_EQ(e["scan"]["files"], 3);
  EXPECT_FALSE(e["actor"]["user"].get<std::string>().empty());
  EXPECT_TRUE(e["actor"]["person"].is_null());
  EXPECT_FALSE(e.contains("error"));
  // And a checkpoint covers it.
  EXPECT_EQ(Ledger::Open(dir_, Ledger::Access::kRead)->checkpointed_size(), Size());
}

TEST_F(AccountableTest, BodyCannotRelabelActionOrOutcome) {
  Status s = Recorded(Opener(), "extract", [](nlohmann::json& ev) {
    ev["action"] = "plan";
    ev["outcome"] = "ok";
    return Status(Error(ErrorCode::kRefused, "the order has expired"));
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kRefused);
  const nlohmann::json e = LastEvent();
  EXPECT_EQ(e["action"], "extract");
  EXPECT_EQ(e["outcome"], "refused");
  EXPECT_EQ(e["error"], "the order has expired");
  EXPECT_EQ(e["error_code"], "refused");
}

TEST_F(AccountableTest, FailingBodyIsRecordedAsFailedWithItsError) {
  Status s = Recorded(Opener(), "open", [](nlohmann::json&) {
    return Status(Error(ErrorCode::kIo, "out.csv: disk full"));
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "out.csv: disk full");
  const nlohmann::json e = LastEvent();
  EXPECT_EQ(e["outcome"], "failed");
  EXPECT_EQ(e["error"], "out.csv: disk full");
  EXPECT_EQ(OutcomeOf(Error(ErrorCode::kAuthFailed, "x")), "refused");
  EXPECT_EQ(OutcomeOf(Error(ErrorCode::kNoMatch, "x")), "refused");
  EXPECT_EQ(OutcomeOf(Error(ErrorCode::kMalformed, "x")), "failed");
}

TEST_F(AccountableTest, PersonalDataInTheBodysFieldsLeavesOnlyTheBareFacts) {
  const std::vector<std::pair<std::string, std::string>> leaks = {
      {"phone", "/srv/export/06 12 34 56 78.csv"},
      {"nir", "/srv/export/1 84 12 75 056 042 39.csv"}};
  for (const auto& [what, path] : leaks) {
    SCOPED_TRACE(what);
    const uint64_t before = Size();
    Status s = Recorded(Opener(), "scan", [&](nlohmann::json& ev) {
      ev["scan"] = {{"path", path}};
      return Status(Error(ErrorCode::kIo, path + ": unreadable"));
    });
    EXPECT_FALSE(s.ok());
    ASSERT_EQ(Size(), before + 1);  // one event, not zero
    const nlohmann::json e = LastEvent();
    EXPECT_EQ(e["action"], "scan");
    EXPECT_EQ(e["outcome"], "failed");
    EXPECT_EQ(e["error_code"], "io");
    EXPECT_TRUE(e.contains("withheld"));
    EXPECT_FALSE(e.contains("scan"));
    EXPECT_FALSE(e.contains("error"));
    EXPECT_EQ(e.dump().find(path.substr(12, 5)), std::string::npos);
  }
}

TEST_F(AccountableTest, LedgerThatCannotBeOpenedMeansTheBodyNeverRuns) {
  bool ran = false;
  auto body = [&](nlohmann::json&) {
    ran = true;
    return Ok();
  };
  Status s =
      Recorded([] { return Result<Ledger>(Error(ErrorCode::kIo, "no disk")); }, "scan", body);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "no disk");
  EXPECT_FALSE(ran);
  // A real one: a named ledger that does not exist is not created.
  const LedgerChoice missing{tmp_ + "/nowhere", ""};
  s = Recorded([&] { return OpenForRecording(missing, {}); }, "scan", body);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(ran);
  EXPECT_FALSE(fs::exists(tmp_ + "/nowhere"));
}

TEST_F(AccountableTest, UnrecordableEventFailsTheCommandOrIsReportedBesideItsError) {
  // A ledger opened for reading cannot append: the work is done but unrecorded.
  Status s = Recorded(Opener(Ledger::Access::kRead), "scan", [](nlohmann::json&) { return Ok(); });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("ledger " + dir_), std::string::npos);
  // When the body failed too, its error is returned and the ledger's told.
  std::vector<std::string> told;
  Notices notices{.error = [&](const Error& e) { told.push_back(e.message()); }};
  s = Recorded(
      Opener(Ledger::Access::kRead), "scan",
      [](nlohmann::json&) { return Status(Error(ErrorCode::kMalformed, "bad input")); }, notices);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "bad input");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_NE(told[0].find("ledger " + dir_), std::string::npos);
}

GetEnv Env(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(LedgerDirTest, FlagThenEnvironmentThenXdgThenHome) {
  EXPECT_EQ(LedgerDir({"/flag", ""}, Env({{"CORDON_LEDGER", "/env"}})), "/flag");
  EXPECT_EQ(LedgerDir({}, Env({{"CORDON_LEDGER", "/env"}, {"XDG_DATA_HOME", "/x"}})), "/env");
  EXPECT_EQ(LedgerDir({}, Env({{"CORDON_LEDGER", ""}, {"XDG_DATA_HOME", "/x"}})),
            "/x/cordon/ledger");
  // A relative XDG_DATA_HOME is ignored (XDG spec): not a ledger in the cwd.
  EXPECT_EQ(LedgerDir({}, Env({{"XDG_DATA_HOME", "rel"}, {"HOME", "/home/ana"}})),
            "/home/ana/.local/share/cordon/ledger");
  EXPECT_TRUE(IsDefaultLedger({}, Env({{"CORDON_LEDGER", ""}})));
  EXPECT_FALSE(IsDefaultLedger({}, Env({{"CORDON_LEDGER", "/env"}})));
  EXPECT_FALSE(IsDefaultLedger({"/flag", ""}, Env({})));
}

TEST_F(AccountableTest, TheDefaultLedgerIsCreatedOnceWithItsOwnKey) {
  const GetEnv env = Env({{"XDG_DATA_HOME", tmp_ + "/xdg"}});
  std::vector<std::string> created;
  Notices notices{.created = [&](const std::string& dir, const std::string& origin) {
    created.push_back(dir + " " + origin);
  }};
  const std::string expected = tmp_ + "/xdg/cordon/ledger";
  ASSERT_TRUE(OpenForRecording({}, notices, env).ok());
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].substr(0, expected.size() + 1), expected + " ");
  EXPECT_TRUE(fs::exists(expected + "/signing.key"));
  ASSERT_TRUE(OpenForRecording({}, notices, env).ok());
  EXPECT_EQ(created.size(), 1u);
  // A named ledger is never created behind the caller's back...
  EXPECT_FALSE(OpenForRecording({tmp_ + "/named", ""}, notices, env).ok());
  // ...unless the caller says under which origin.
  ASSERT_TRUE(OpenForRecording({tmp_ + "/named", "exchange.example"}, notices, env).ok());
  EXPECT_EQ(created.back(), tmp_ + "/named exchange.example");
}

TEST(ActorTest, NamesThePersonOfTheKeyOrNobody) {
  nlohmann::json event = {{"actor", ActorJson()}};
  EXPECT_TRUE(event["actor"]["person"].is_null());
  EXPECT_FALSE(event["actor"]["host"].get<std::string>().empty());
  sign::SecretKey anonymous = sign::SecretKey::Generate();
  SetActorPerson(event, anonymous);
  EXPECT_TRUE(event["actor"]["person"].is_null());
  auto ana = sign::SecretKey::GeneratePersonal("Ana Martin");
  ASSERT_TRUE(ana.ok());
  SetActorPerson(event, *ana);
  EXPECT_EQ(event["actor"]["person"]["name"], "Ana Martin");
  EXPECT_EQ(event["actor"]["person"]["key_id"], sign::KeyIdHex(ana->key_id()));
}

}  // namespace
}  // namespace cordon::ledger
