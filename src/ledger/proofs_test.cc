#include "ledger/proofs.h"

#include <gtest/gtest.h>

#include <sstream>

#include "core/encoding.h"
#include "ledger/append_lines.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::ledger {
namespace {

class ProofsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Ledger::Init(dir_.path() + "/l", "proofs.example/test", key_).ok());
    auto l = Ledger::Open(dir_.path() + "/l", Ledger::Access::kAppend);
    ASSERT_TRUE(l.ok());
    ledger_.emplace(std::move(*l));
  }
  void Append(int n) {
    std::vector<nlohmann::json> events;
    for (int i = 0; i < n; ++i) events.push_back({{"action", "test.event"}, {"n", i}});
    ASSERT_TRUE(ledger_->Append(std::move(events)).ok());
    ASSERT_TRUE(ledger_->Checkpoint().ok());
  }

  test_support::ScopedTempDir dir_;
  sign::SecretKey key_ = sign::SecretKey::Generate();
  std::optional<Ledger> ledger_;
};

TEST_F(ProofsTest, AnInclusionProofChecksAndCarriesTheEntry) {
  ASSERT_NO_FATAL_FAILURE(Append(6));
  auto e = ProveInclusion(*ledger_, 3);
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->tree_size, ledger_->size());
  EXPECT_EQ(LeafHash(e->entry), e->leaf_hash) << "the entry is the one the leaf hash covers";
  EXPECT_TRUE(VerifyInclusion(3, e->tree_size, e->leaf_hash, e->proof, e->root));
  auto j = e->Json();
  EXPECT_EQ(j["index"], 3);
  EXPECT_EQ(j["leaf_hash"], Base64Encode(e->leaf_hash));
  EXPECT_EQ(j["checkpoint"], ledger_->checkpoints().back());
  EXPECT_EQ(ProveInclusion(*ledger_, ledger_->size()).error().code(), ErrorCode::kNotFound);
}

TEST_F(ProofsTest, ALaterLedgerExtendsAnEarlierCheckpoint) {
  ASSERT_NO_FATAL_FAILURE(Append(3));
  const std::string kept = ledger_->checkpoints().back();
  ASSERT_NO_FATAL_FAILURE(Append(5));
  auto e = ProveConsistency(*ledger_, kept, "kept.txt");
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_LT(e->old_size, e->new_size);
  EXPECT_TRUE(VerifyConsistency(e->old_size, e->new_size, e->old_root, e->new_root, e->proof));
  EXPECT_EQ(e->Json()["new_size"], e->new_size);
}

TEST_F(ProofsTest, ACheckpointOfAnotherHistoryIsEvidenceOfARewrite) {
  ASSERT_NO_FATAL_FAILURE(Append(2));
  // Another ledger under the same key and origin: a rewritten history.
  ASSERT_TRUE(Ledger::Init(dir_.path() + "/other", "proofs.example/test", key_).ok());
  auto other = Ledger::Open(dir_.path() + "/other", Ledger::Access::kAppend);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->Append({{{"action", "forged.event"}}}).ok());
  auto forged = other->Checkpoint();
  ASSERT_TRUE(forged.ok());
  auto e = ProveConsistency(*ledger_, *forged, "forged.txt");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code(), ErrorCode::kAuthFailed);
  EXPECT_NE(e.error().message().find("forged.txt"), std::string::npos);
  // A checkpoint ahead of the ledger: entries were removed.
  ASSERT_TRUE(other->Append({{{"action", "more"}}, {{"action", "more"}}}).ok());
  auto ahead = other->Checkpoint();
  ASSERT_TRUE(ahead.ok());
  EXPECT_EQ(ProveConsistency(*ledger_, *ahead, "ahead.txt").error().code(), ErrorCode::kAuthFailed);
}

TEST_F(ProofsTest, JsonLinesAppendInBatchesAndAMultiLineObjectIsOneEvent) {
  const uint64_t before = ledger_->size();
  std::istringstream lines("{\"action\":\"a\"}\n\n{\"action\":\"b\"}\n{\"action\":\"c\"}\n");
  auto r = AppendJsonLines(*ledger_, &lines, 2, "", "events.jsonl");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->first, before);
  EXPECT_EQ(r->count, 3u);
  EXPECT_EQ(ledger_->checkpointed_size(), ledger_->size()) << "a checkpoint signs them";

  std::istringstream object("{\n  \"action\": \"x\",\n  \"n\": 1\n}\n");
  r = AppendJsonLines(*ledger_, &object, 100, "import.done", "event.json");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->count, 1u);
  auto entry = ledger_->Entry(r->first);
  ASSERT_TRUE(entry.ok());
  EXPECT_NE(std::string(AsChars(*entry)).find("\"action\":\"import.done\""), std::string::npos)
      << "the action given replaces the event's own";
}

TEST_F(ProofsTest, ARefusedEventIsNamedByItsLinesAndNothingOfItsBatchIsAppended) {
  const uint64_t before = ledger_->size();
  std::istringstream lines("{\"action\":\"a\"}\n{\"action\":\"b\",\"v\":9}\n");
  auto r = AppendJsonLines(*ledger_, &lines, 10, "", "bad.jsonl");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("bad.jsonl lines 1–2"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(ledger_->size(), before);
  std::istringstream empty("\n \n");
  EXPECT_EQ(AppendJsonLines(*ledger_, &empty, 10, "", "empty").error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(AppendJsonLines(*ledger_, nullptr, 0, "", "-").error().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cordon::ledger
