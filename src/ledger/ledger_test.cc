#include "ledger/ledger.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/encoding.h"
#include "ledger/entry.h"
#include "ledger/records.h"

namespace cordon::ledger {
namespace {

namespace fs = std::filesystem;

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cordon-ledger-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ledger_ = dir_ + "/ledger";
  }
  void TearDown() override { fs::remove_all(dir_); }

  Ledger Make(int entries) {
    auto key = sign::SecretKey::Generate();
    EXPECT_TRUE(Ledger::Init(ledger_, "test.example/ledger", key).ok());
    auto l = Ledger::Open(ledger_, Ledger::Access::kAppend);
    EXPECT_TRUE(l.ok());
    std::vector<nlohmann::json> events;
    for (int i = 0; i < entries; ++i) events.push_back({{"action", "test"}, {"n", i}});
    if (entries > 0) {
      EXPECT_TRUE(l->Append(events).ok());
    }
    EXPECT_TRUE(l->Checkpoint().ok());
    return std::move(*l);
  }
  std::string Log() const { return ledger_ + "/ledger.log"; }
  // Where the records end: the preallocated zeros after them are not data.
  uint64_t DataEnd() const {
    Bytes log = *ReadFileLimited(Log(), 64 << 20);
    size_t pos = kLogMagic.size();
    while (true) {
      RecordView r = ParseRecord(ByteView(log).subspan(pos));
      if (r.status != RecordStatus::kOk) return pos;
      pos += r.size;
    }
  }
  void FlipByte(const std::string& path, uint64_t offset) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.read(&c, 1);
    c ^= 0x20;
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(&c, 1);
  }

  std::string dir_, ledger_;
};

TEST(RecordTest, RoundTripsAndDetectsDamage) {
  Bytes rec;
  const std::string payload = "{\"a\":1}";
  AppendRecord(rec, AsBytes(payload), LeafHash(AsBytes(payload)));
  RecordView r = ParseRecord(rec);
  ASSERT_EQ(r.status, RecordStatus::kOk);
  EXPECT_EQ(AsChars(r.payload), payload);
  EXPECT_EQ(r.size, rec.size());
  for (size_t cut = 1; cut < rec.size(); ++cut) {
    EXPECT_EQ(ParseRecord(ByteView(rec).first(cut)).status, RecordStatus::kIncomplete) << cut;
  }
  EXPECT_EQ(ParseRecord({}).status, RecordStatus::kEnd);
  Bytes bad = rec;
  bad[6] ^= 1;
  EXPECT_EQ(ParseRecord(bad).status, RecordStatus::kBad);
  Bytes huge = {0xff, 0xff, 0xff, 0x7f};
  EXPECT_EQ(ParseRecord(huge).status, RecordStatus::kBad);
}

TEST(EntryTest, CanonicalSortedCompactAndRefusesPersonalData) {
  auto e = CanonicalEntry({{"z", 1}, {"a", {{"y", "é"}, {"b", true}}}, {"m", nullptr}});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, "{\"a\":{\"b\":true,\"y\":\"é\"},\"m\":null,\"z\":1}");
  EXPECT_FALSE(CanonicalEntry({{"x", 1.5}}).ok());
  EXPECT_FALSE(CanonicalEntry(nlohmann::json::array()).ok());
  EXPECT_FALSE(CanonicalEntry({{"clé", 1}}).ok());
  auto nir = CanonicalEntry({{"note", {{"text", "patient 1 84 12 75 056 042 39"}}}});
  ASSERT_FALSE(nir.ok());
  EXPECT_NE(nir.error().message().find("note.text"), std::string::npos);
  EXPECT_EQ(nir.error().message().find("056"), std::string::npos);  // never the value
  EXPECT_FALSE(CanonicalEntry({{"mail", "jean.dupont@orange.fr"}}).ok());
  EXPECT_FALSE(CanonicalEntry({{"big", std::string(70000, 'x')}}).ok());
  EXPECT_TRUE(CanonicalEntry({{"time", "2026-11-22T23:10:00Z"},
                              {"sha256", "0612345678abcdef0612345678abcdef"}})
                  .ok());
}

TEST(EntryTest, SeqFoundOnlyAtTopLevel) {
  EXPECT_EQ(EntrySeq("{\"a\":{\"seq\":5},\"seq\":7}"), 7u);
  EXPECT_EQ(EntrySeq("{\"a\":\"\\\",\\\"seq\\\":9\",\"seq\":3}"), 3u);
  EXPECT_EQ(EntrySeq("{\"a\":[{\"seq\":1}]}"), std::nullopt);
  EXPECT_EQ(EntrySeq("{\"seq\":\"x\"}"), std::nullopt);
  EXPECT_EQ(EntrySeq("{\"seq\":"), std::nullopt);
}

TEST(NoteTest, SignsVerifiesAndRejectsOthers) {
  auto key = crypto::GenerateEd25519();
  Checkpoint c{"lab.example/log", 42, LeafHash(AsBytes("x")), {}};
  std::string note =
      SignNote(FormatCheckpointBody(c), "lab.example/log", key.secret_key, key.public_key);
  NoteVerifier v = NoteVerifier::For("lab.example/log", key.public_key);
  auto parsed = NoteVerifier::Parse(v.Format());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->key_id, v.key_id);
  auto opened = OpenCheckpoint(note, *parsed);
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(opened->size, 42u);
  EXPECT_EQ(opened->root, c.root);
  // Another key with the same name: its signature is ignored, so unsigned.
  auto other = crypto::GenerateEd25519();
  EXPECT_EQ(
      OpenCheckpoint(note, NoteVerifier::For("lab.example/log", other.public_key)).error().code(),
      ErrorCode::kAuthFailed);
  // A changed size no longer verifies.
  std::string forged = note;
  forged.replace(forged.find("\n42\n"), 4, "\n43\n");
  EXPECT_EQ(OpenCheckpoint(forged, v).error().code(), ErrorCode::kAuthFailed);
  // Malformed notes and keys.
  EXPECT_FALSE(ParseNote("no blank line\n").ok());
  EXPECT_FALSE(ParseNote("text\n\n— name AAAA\n").ok());
  EXPECT_FALSE(NoteVerifier::Parse("name+zz+AAAA").ok());
  std::string wrong_id = v.Format();
  wrong_id[wrong_id.find('+') + 1] ^= 1;
  EXPECT_FALSE(NoteVerifier::Parse(wrong_id).ok());
}

TEST_F(LedgerTest, ProofsFromStoredLevelsMatchTheRfc) {
  Ledger l = Make(0);
  std::vector<Hash> leaves = {*l.LeafHashAt(0)};
  for (int i = 1; i < 70; ++i) {
    ASSERT_TRUE(l.Append({{{"action", "t"}, {"i", i}}}).ok());
    leaves.push_back(*l.LeafHashAt(static_cast<uint64_t>(i)));
  }
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    std::span<const Hash> d(leaves.data(), n);
    ASSERT_EQ(*l.Root(n), RootOf(d)) << n;
    for (uint64_t i = 0; i < n; ++i) {
      ASSERT_EQ(*l.InclusionProof(i, n), InclusionProof(d, i)) << i << " " << n;
    }
    for (uint64_t m = 1; m <= n; ++m) ASSERT_EQ(*l.ConsistencyProof(m, n), ConsistencyProof(d, m));
  }
}

TEST_F(LedgerTest, ReopensAndVerifies) {
  { Make(10); }
  auto l = Ledger::Open(ledger_, Ledger::Access::kRead);
  ASSERT_TRUE(l.ok()) << l.error().message();
  EXPECT_EQ(l->size(), 11u);  // ledger.init + 10
  auto e = l->Entry(3);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(EntrySeq(AsChars(*e)), 3u);
  auto report = Verify(ledger_, std::nullopt);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->entries, 11u);
  EXPECT_EQ(report->checkpoints, 2u);
  EXPECT_TRUE(report->warnings.empty());
}

TEST_F(LedgerTest, EveryFlippedByteOfTheLogIsDetected) {
  { Make(3); }
  const auto size = DataEnd();
  Bytes original = *ReadFileLimited(Log(), 64 << 20);
  for (uint64_t off = 0; off < size; ++off) {
    FlipByte(Log(), off);
    auto r = Verify(ledger_, std::nullopt);
    EXPECT_FALSE(r.ok()) << "byte " << off << " flipped went unnoticed";
    ASSERT_TRUE(WriteFileAtomic(Log(), original).ok());
  }
  ASSERT_TRUE(Verify(ledger_, std::nullopt).ok());
}

TEST_F(LedgerTest, TornTailIsDroppedWithAWarningAndEarlierEntriesStay) {
  { Make(5); }
  {
    auto l = Ledger::Open(ledger_, Ledger::Access::kAppend);
    ASSERT_TRUE(l->Append({{{"action", "uncheckpointed"}}}).ok());
  }
  fs::resize_file(Log(), DataEnd() - 10);  // the last record cut mid-way
  auto r = Verify(ledger_, std::nullopt);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->entries, 6u);
  ASSERT_FALSE(r->warnings.empty());
  std::vector<std::string> warnings;
  auto l = Ledger::Open(ledger_, Ledger::Access::kAppend, &warnings);
  ASSERT_TRUE(l.ok()) << l.error().message();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("interrupted"), std::string::npos);
  EXPECT_EQ(l->size(), 6u);
  ASSERT_TRUE(l->Append({{{"action", "after"}}}).ok());
  ASSERT_TRUE(l->Checkpoint().ok());
  EXPECT_TRUE(Verify(ledger_, std::nullopt)->warnings.empty());
}

TEST_F(LedgerTest, GarbageInThePreallocatedSpaceIsATornTail) {
  { Make(2); }
  ASSERT_GT(fs::file_size(Log()), DataEnd());  // zeros written ahead
  FlipByte(Log(), DataEnd() + 100);
  auto r = Verify(ledger_, std::nullopt);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->warnings.empty());
  std::vector<std::string> warnings;
  auto l = Ledger::Open(ledger_, Ledger::Access::kAppend, &warnings);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(warnings.size(), 1u);
  EXPECT_EQ(l->size(), 3u);
  // Appends past the preallocated space keep the log whole.
  std::vector<nlohmann::json> big(30000, {{"action", "fill"}, {"pad", std::string(200, 'x')}});
  ASSERT_TRUE(l->Append(big).ok());
  ASSERT_TRUE(l->Checkpoint().ok());
  EXPECT_EQ(Verify(ledger_, std::nullopt)->entries, 30003u);
}

TEST_F(LedgerTest, DamageUnderACheckpointIsNeverTruncated) {
  { Make(5); }
  fs::resize_file(Log(), DataEnd() - 10);
  auto l = Ledger::Open(ledger_, Ledger::Access::kAppend);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code(), ErrorCode::kAuthFailed);
  EXPECT_FALSE(Verify(ledger_, std::nullopt).ok());
}

TEST_F(LedgerTest, IndexIsRebuiltWhenLost) {
  { Make(20); }
  fs::remove_all(ledger_ + "/tree");
  fs::remove(ledger_ + "/offsets");
  auto l = Ledger::Open(ledger_, Ledger::Access::kRead);
  ASSERT_TRUE(l.ok()) << l.error().message();
  EXPECT_EQ(l->size(), 21u);
  auto cp = OpenCheckpoint(l->checkpoints().back(), l->verifier());
  EXPECT_EQ(*l->Root(21), cp->root);
}

TEST_F(LedgerTest, DeletedOrReorderedEntriesAndForeignSignaturesAreDetected) {
  { Make(4); }
  Bytes log = *ReadFileLimited(Log(), 64 << 20);
  log.resize(DataEnd());
  // Parse the records to cut one out and to swap two.
  std::vector<Bytes> recs;
  size_t pos = kLogMagic.size();
  while (pos < log.size()) {
    RecordView r = ParseRecord(ByteView(log).subspan(pos));
    recs.emplace_back(log.begin() + static_cast<ptrdiff_t>(pos),
                      log.begin() + static_cast<ptrdiff_t>(pos + r.size));
    pos += r.size;
  }
  ASSERT_EQ(recs.size(), 5u);
  auto rebuild = [&](std::vector<size_t> order) {
    Bytes out(kLogMagic.begin(), kLogMagic.end());
    for (size_t i : order) out.insert(out.end(), recs[i].begin(), recs[i].end());
    ASSERT_TRUE(WriteFileAtomic(Log(), out).ok());
  };
  rebuild({0, 1, 3, 4});
  EXPECT_FALSE(Verify(ledger_, std::nullopt).ok());
  rebuild({0, 2, 1, 3, 4});
  auto r = Verify(ledger_, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("entry 1"), std::string::npos) << r.error().message();
  rebuild({0, 1, 2, 3, 4});
  ASSERT_TRUE(Verify(ledger_, std::nullopt).ok());
  // Checked against another verifier key, nothing verifies.
  auto other = sign::SecretKey::Generate();
  auto v = NoteVerifier::For("test.example/ledger", other.public_key().key);
  EXPECT_EQ(Verify(ledger_, v).error().code(), ErrorCode::kAuthFailed);
}

TEST_F(LedgerTest, AppendRefusesPersonalDataAndWritesNothing) {
  Ledger l = Make(2);
  auto r = l.Append({{{"action", "ok"}}, {{"action", "x"}, {"who", "1 84 12 75 056 042 39"}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(l.size(), 3u);
  EXPECT_TRUE(Verify(ledger_, std::nullopt).ok());
}

// Two writers on one ledger (the exchange and a command, two commands): each
// sees the other's appends before its own, whether the other left zeros
// ahead of its records (small appends) or ended the file at them (large
// ones), so no record is ever written over another's.
TEST_F(LedgerTest, TwoWritersSeeEachOthersAppends) {
  Make(1);
  auto a = Ledger::Open(ledger_, Ledger::Access::kAppend);
  auto b = Ledger::Open(ledger_, Ledger::Access::kAppend);
  ASSERT_TRUE(a.ok() && b.ok());
  const uint64_t base = a->size();
  const std::string filler(1000, 'x');
  auto batch = [&](const char* who, int step, int n) {
    std::vector<nlohmann::json> events;
    for (int i = 0; i < n; ++i) {
      events.push_back(
          {{"action", "two-writers"}, {"who", who}, {"step", step}, {"i", i}, {"pad", filler}});
    }
    return events;
  };
  // Small, small, large (past the space written ahead), small after it, ...
  const std::vector<std::pair<char, int>> steps = {{'a', 2}, {'b', 3},    {'a', 400},
                                                   {'b', 1}, {'b', 400},  {'a', 1},
                                                   {'b', 2}, {'a', 5000}, {'b', 1}};
  std::vector<std::pair<std::string, int>> expected;  // (who, step) of each entry, in order
  for (size_t step = 0; step < steps.size(); ++step) {
    const auto [who, n] = steps[step];
    Ledger& writer = who == 'a' ? *a : *b;
    const std::string name(1, who);
    auto first = writer.Append(batch(name.c_str(), static_cast<int>(step), n));
    ASSERT_TRUE(first.ok()) << first.error().message();
    EXPECT_EQ(*first, base + expected.size()) << "step " << step;
    for (int i = 0; i < n; ++i) expected.emplace_back(name, static_cast<int>(step));
  }
  ASSERT_TRUE(a->Checkpoint().ok());
  auto reopened = Ledger::Open(ledger_, Ledger::Access::kRead);
  ASSERT_TRUE(reopened.ok());
  ASSERT_EQ(reopened->size(), base + expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    auto e = nlohmann::json::parse(AsChars(*reopened->Entry(base + i)));
    ASSERT_EQ(e["who"], expected[i].first) << "entry " << base + i;
    ASSERT_EQ(e["step"], expected[i].second) << "entry " << base + i;
  }
  EXPECT_TRUE(Verify(ledger_, std::nullopt).ok());
}

TEST_F(LedgerTest, GroupAppenderSerializesThreads) {
  Ledger l = Make(0);
  GroupAppender g(l);
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto s = g.Append({{"action", "burst"}, {"t", t}, {"i", i}});
        ASSERT_TRUE(s.ok());
        seqs[t].push_back(*s);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(l.size(), 1u + kThreads * kEach);
  std::vector<bool> seen(l.size(), false);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEach; ++i) {
      uint64_t s = seqs[t][i];
      ASSERT_FALSE(seen[s]);
      seen[s] = true;
      auto e = nlohmann::json::parse(AsChars(*l.Entry(s)));
      EXPECT_EQ(e["t"], t);
      EXPECT_EQ(e["i"], i);
    }
  }
  ASSERT_TRUE(l.Checkpoint().ok());
  EXPECT_TRUE(Verify(ledger_, std::nullopt).ok());
}

}  // namespace
}  // namespace cordon::ledger
