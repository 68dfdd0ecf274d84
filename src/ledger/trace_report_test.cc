#include "ledger/trace_report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "core/file.h"
#include "core/io.h"
#include "crypto/hash.h"
#include "ledger/provenance_deletion.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::ledger {
namespace {

using pipeline::Provenance;
using pipeline::TraceKey;

TraceKey FixedKey() {
  auto k = TraceKey::Parse(AsBytes(std::string_view(
      "# test\nCORDON-TRACE-KEY-1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")));
  EXPECT_TRUE(k.ok());
  return std::move(*k);
}

// Three patients per package; package i's file numbers and NIRs its own.
const std::vector<std::vector<std::string>> kRows[2] = {
    {{"00000101", "184127645108946", "MARTIN"},
     {"00000102", "268109741144456", "PETIT"},
     {"00000103", "239112B03387780", "THOMAS"}},
    {{"00000201", "197109712044443", "LAURENT"},
     {"00000202", "255083523814915", "MARTIN"},
     {"00000203", "169035412301154", "DURAND"}}};

class TraceReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        Ledger::Init(dir_ / "ledger", "lab.example/ledger", sign::SecretKey::Generate()).ok());
    auto l = Ledger::Open(dir_ / "ledger", Ledger::Access::kAppend);
    ASSERT_TRUE(l.ok());
    ledger_.emplace(std::move(*l));
    for (int i = 0; i < 2; ++i) Extract(i, i == 1 ? "recipients" : "");
  }

  // A package's provenance file, and the extract event committing it.
  void Extract(int i, const std::string& scope) {
    pipeline::ProvenanceBuilder b(key_, "patients", {true, true, true});
    for (const auto& r : kRows[i]) {
      std::vector<std::string_view> cells(r.begin(), r.end());
      b.Row(cells);
    }
    Provenance p{.package_sha256 = std::string(63, 'a') + std::to_string(i),
                 .order_id = "ORDER-" + std::to_string(i),
                 .key_id = key_.id(),
                 .created = "2026-11-01T10:00:00Z",
                 .delete_by = "2028-11-01",
                 .tables = {b.Finish()}};
    Bytes bytes = p.Serialize();
    files_.push_back(dir_ / ("p" + std::to_string(i) + ".provenance"));
    ASSERT_TRUE(WriteFileAtomic(files_.back(), bytes, 0600).ok());
    nlohmann::json order = {{"id", p.order_id}, {"controller", "Lab"}, {"processor", "Vendor"}};
    if (!scope.empty()) order["pseudonym_scope"] = scope;
    ASSERT_TRUE(ledger_
                    ->Append({{{"action", "extract"},
                               {"outcome", "ok"},
                               {"order", order},
                               {"recipients", {"age1r" + std::to_string(i)}},
                               {"tables", {{{"name", "patients"}, {"rows_written", 3}}}},
                               {"package",
                                {{"manifest_sha256", p.package_sha256},
                                 {"provenance_sha256", HexEncode(crypto::Sha256::Hash(bytes))},
                                 {"provenance_delete_by", p.delete_by}}}}})
                    .ok());
  }

  TraceReport Trace(std::string_view leak_text, uint64_t min_rows = 3) {
    auto leak = pipeline::ReadLeakedFile(AsBytes(leak_text));
    EXPECT_TRUE(leak.ok());
    pipeline::LeakIndex index(key_, *leak);
    auto x = ReadExtractions(*ledger_);
    EXPECT_TRUE(x.ok());
    PackageEvents events;
    EXPECT_TRUE(CollectPackageEvents(*ledger_, events).ok());
    auto r =
        TraceLeak(index, *x, files_, events, {.min_rows = min_rows, .trace_key_id = key_.id()});
    EXPECT_TRUE(r.ok());
    return std::move(*r);
  }

  test_support::ScopedTempDir dir_;
  TraceKey key_ = FixedKey();
  std::optional<Ledger> ledger_;
  std::vector<std::string> files_;
};

TEST_F(TraceReportTest, ReadsTheExtractionsThatCommittedAProvenance) {
  ASSERT_TRUE(ledger_->Append({{{"action", "extract"}, {"outcome", "ok"}}}).ok());  // none
  auto x = ReadExtractions(*ledger_);
  ASSERT_TRUE(x.ok());
  ASSERT_EQ(x->size(), 2u);
  EXPECT_EQ((*x)[1].order_id, "ORDER-1");
  EXPECT_EQ((*x)[1].controller, "Lab");
  EXPECT_EQ((*x)[1].pseudonym_scope, "recipients");
  EXPECT_EQ((*x)[1].recipients, std::vector<std::string>{"age1r1"});
  EXPECT_EQ((*x)[1].rows, 3u);
}

TEST_F(TraceReportTest, NamesThePackageFromMinRows) {
  TraceReport r = Trace("00000101;x\n00000102;y\n00000103;z\n");
  ASSERT_EQ(r.packages.size(), 1u);
  EXPECT_TRUE(r.packages[0].named);
  EXPECT_EQ(r.packages[0].extraction.order_id, "ORDER-0");
  EXPECT_EQ(r.searched, 2u);
  EXPECT_TRUE(r.problems.empty());
  // Two rows: shown, not named.
  TraceReport two = Trace("00000101;x\n00000102;y\n");
  ASSERT_EQ(two.packages.size(), 1u);
  EXPECT_FALSE(two.packages[0].named);
  EXPECT_FALSE(two.any_named());
  EXPECT_TRUE(Trace("00000101;x\n00000102;y\n", 2).any_named());
}

TEST_F(TraceReportTest, OnePerRecipientPseudonymNamesItsPackage) {
  // Package 1's order has per-recipient pseudonyms: one NIR of it names it;
  // one of package 0 (shared pseudonyms, or real data) does not.
  TraceReport r = Trace("197109712044443\n");
  ASSERT_EQ(r.packages.size(), 1u);
  EXPECT_TRUE(r.packages[0].named);
  EXPECT_EQ(r.packages[0].recipient_pseudonyms, 1u);
  EXPECT_FALSE(Trace("184127645108946\n").any_named());
}

TEST_F(TraceReportTest, APseudonymHeldByTwoSetsOfRecipientsNamesNobody) {
  // The same NIR in a third package, for another recipient: it is not one
  // recipient set's pseudonym.
  pipeline::ProvenanceBuilder b(key_, "patients", {true, true, true});
  std::vector<std::string_view> cells = {"00000901", "197109712044443", "X"};
  b.Row(cells);
  Provenance p{.package_sha256 = std::string(64, 'c'),
               .order_id = "ORDER-2",
               .key_id = key_.id(),
               .created = "2026-11-01T10:00:00Z",
               .delete_by = "2028-11-01",
               .tables = {b.Finish()}};
  Bytes bytes = p.Serialize();
  files_.push_back(dir_ / "p2.provenance");
  ASSERT_TRUE(WriteFileAtomic(files_.back(), bytes, 0600).ok());
  ASSERT_TRUE(ledger_
                  ->Append({{{"action", "extract"},
                             {"outcome", "ok"},
                             {"order", {{"id", "ORDER-2"}, {"pseudonym_scope", "recipients"}}},
                             {"recipients", {"age1other"}},
                             {"package",
                              {{"manifest_sha256", p.package_sha256},
                               {"provenance_sha256", HexEncode(crypto::Sha256::Hash(bytes))}}}}})
                  .ok());
  TraceReport r = Trace("197109712044443\n");
  EXPECT_EQ(r.packages.size(), 2u);
  EXPECT_FALSE(r.any_named());
}

TEST_F(TraceReportTest, AFileTheLedgerDidNotCommitIsReportedNotMatched) {
  // Package 0's file rewritten (a row added, checksum and all): its rows
  // would match, but the ledger's SHA-256 differs.
  auto bytes = ReadFileLimited(files_[0], 1 << 20);
  auto p = Provenance::Parse(*bytes);
  ASSERT_TRUE(p.ok());
  p->tables[0].rows.push_back(~uint64_t{0});
  ASSERT_TRUE(WriteFileAtomic(files_[0], p->Serialize(), 0600).ok());
  TraceReport r = Trace("00000101;x\n00000102;y\n00000103;z\n");
  EXPECT_FALSE(r.any_named());
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].problem.find("not the one the ledger committed"), std::string::npos)
      << r.problems[0].problem;
  ASSERT_EQ(r.not_searched.size(), 1u);
  EXPECT_EQ(r.not_searched[0].order_id, "ORDER-0");
}

TEST_F(TraceReportTest, ListsProvenanceFilesOfDirectories) {
  auto files = ProvenanceFiles({dir_.path()});
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(*files, files_);
  EXPECT_EQ(ProvenanceFiles({dir_ / "missing"}).error().code(), ErrorCode::kNotFound);
}

TEST_F(TraceReportTest, TheNotificationHasBothLanguagesAndNoValue) {
  ASSERT_TRUE(
      ledger_
          ->Append({{{"action", "exchange.download"},
                     {"outcome", "ok"},
                     {"package", std::string(63, 'a') + "0"},
                     {"grant", 7},
                     {"bytes", 1234},
                     {"actor", {{"account", 3}, {"role", "recipient"}, {"ip", "10.0.0.9"}}}}})
          .ok());
  TraceReport r = Trace("00000101;184127645108946;MARTIN\n00000102;x\n00000103;y\n");
  ASSERT_TRUE(r.any_named());
  ASSERT_EQ(r.packages[0].events.size(), 1u);
  EXPECT_EQ(r.packages[0].events[0].what, "downloaded");
  std::string md = RenderNotification(r, {.now = "2026-12-01T00:00:00Z", .leak_name = "leak"});
  for (std::string_view s :
       {"RGPD, art. 33", "GDPR Art. 33", "Responsable du traitement: Lab", "Processor: Vendor",
        "age1r0", "ORDER-0", "account 3", "[à compléter]", "[to complete]", ": 3 / 3"}) {
    EXPECT_NE(md.find(s), std::string::npos) << s << "\n" << md;
  }
  for (std::string_view v : {"184127645108946", "00000101", "MARTIN"})
    EXPECT_EQ(md.find(v), std::string::npos) << v;
}

TEST_F(TraceReportTest, DeletesExpiredProvenanceWithACertificate) {
  sign::SecretKey signer = sign::SecretKey::Generate();
  const uint64_t size = ledger_->size();
  auto committed = ReadExtractions(*ledger_);
  ASSERT_TRUE(committed.ok());
  // Both files are due by 2028-11-01: on 2028-10-31 none goes.
  auto kept = DeleteExpiredProvenance(*ledger_, {.files = files_,
                                                 .extractions = *committed,
                                                 .today = "2028-10-31",
                                                 .now = "2028-10-31T09:00:00Z",
                                                 .actor = {{"user", "ana"}},
                                                 .signer = &signer});
  ASSERT_TRUE(kept.ok()) << kept.error().message();
  EXPECT_EQ(kept->kept, files_);
  EXPECT_TRUE(kept->deleted.empty());
  EXPECT_EQ(ledger_->size(), size);
  auto run = DeleteExpiredProvenance(*ledger_, {.files = {files_[0]},
                                                .extractions = *committed,
                                                .today = "2028-11-01",
                                                .now = "2028-11-01T09:00:00Z",
                                                .actor = {{"user", "ana"}},
                                                .signer = &signer});
  ASSERT_TRUE(run.ok()) << run.error().message();
  ASSERT_EQ(run->deleted.size(), 1u);
  EXPECT_FALSE(PathExists(files_[0]));
  EXPECT_TRUE(PathExists(files_[1]));
  auto entry = ledger_->Entry(run->deleted[0].ledger_index);
  ASSERT_TRUE(entry.ok());
  EXPECT_NE(std::string(AsChars(*entry)).find("trace.provenance.deleted"), std::string::npos);
  auto cert = ReadFileLimited(run->deleted[0].certificate_path, 1 << 20);
  auto sig = ReadFileLimited(run->deleted[0].certificate_path + ".minisig", 1 << 20);
  ASSERT_TRUE(cert.ok() && sig.ok());
  auto parsed = sign::Signature::Parse(std::string(AsChars(*sig)));
  ASSERT_TRUE(parsed.ok());
  MemorySource m(*cert);
  EXPECT_TRUE(sign::Verify(signer.public_key(), *parsed, m).ok());
  auto c = nlohmann::json::parse(AsChars(*cert));
  EXPECT_EQ(c["order_id"], "ORDER-0");
  EXPECT_EQ(c["ledger"]["index"], run->deleted[0].ledger_index);
  // Without a signer nothing is deleted (a dry run needs none).
  EXPECT_FALSE(
      DeleteExpiredProvenance(*ledger_, {.files = {files_[1]}, .today = "2099-01-01"}).ok());
  EXPECT_TRUE(PathExists(files_[1]));
}

// A deletion it did not make is never certified: a symlink or a second
// hard link to a provenance file is skipped and the data stays; a file no
// extract event committed is skipped as "not committed".
TEST_F(TraceReportTest, NeverCertifiesADeletionItDidNotMake) {
  sign::SecretKey signer = sign::SecretKey::Generate();
  auto committed = ReadExtractions(*ledger_);
  ASSERT_TRUE(committed.ok());
  const std::string link = dir_ / "link.provenance", hard = dir_ / "hard.provenance";
  ASSERT_EQ(::symlink(files_[0].c_str(), link.c_str()), 0);
  ASSERT_EQ(::link(files_[1].c_str(), hard.c_str()), 0);
  const uint64_t size = ledger_->size();
  auto run = DeleteExpiredProvenance(*ledger_, {.files = {link, hard},
                                                .extractions = *committed,
                                                .today = "2099-01-01",
                                                .now = "2099-01-01T09:00:00Z",
                                                .actor = {{"user", "ana"}},
                                                .signer = &signer});
  ASSERT_TRUE(run.ok()) << run.error().message();
  EXPECT_TRUE(run->deleted.empty());
  ASSERT_EQ(run->skipped.size(), 2u);
  EXPECT_NE(run->skipped[0].second.find("symbolic link"), std::string::npos);
  EXPECT_NE(run->skipped[1].second.find("hard links"), std::string::npos);
  EXPECT_TRUE(PathExists(files_[0]) && PathExists(files_[1]));
  EXPECT_EQ(ledger_->size(), size);
  // Not committed: the same file, but the ledger given holds no extraction.
  ASSERT_EQ(::unlink(hard.c_str()), 0);
  auto forged = DeleteExpiredProvenance(*ledger_, {.files = {files_[1]},
                                                   .today = "2099-01-01",
                                                   .now = "2099-01-01T09:00:00Z",
                                                   .actor = {{"user", "ana"}},
                                                   .signer = &signer});
  ASSERT_TRUE(forged.ok()) << forged.error().message();
  EXPECT_TRUE(forged->deleted.empty());
  ASSERT_EQ(forged->skipped.size(), 1u);
  EXPECT_TRUE(forged->skipped[0].second.starts_with("not committed"));
  EXPECT_TRUE(PathExists(files_[1]));
  EXPECT_EQ(ledger_->size(), size);
}

}  // namespace
}  // namespace cordon::ledger
