// Pins the deletion certificate (docs/exchange.md, "Deletion certificates")
// for a fixed deletion: its canonical JSON and its minisign signature under
// the vectors' signing key (tests/vectors/cordon/deletion-certificate.json
// and .minisig). The ledger evidence is entry 2 of ledger-entries.tsv with
// its audit path and checkpoint.txt, so `minisign -V` and
// tests/check_vectors.py check a certificate end to end.
#include <gtest/gtest.h>

#include <sstream>

#include "core/encoding.h"
#include "core/file.h"
#include "exchange/certificate.h"
#include "ledger/merkle.h"
#include "order/value.h"
#include "testing/golden.h"

namespace cordon::exchange {
namespace {

TEST(CertificateVectors, AFixedDeletionGivesTodaysCertificate) {
  auto key_text = ReadFileLimited(test_support::VectorPath("signing.key"), 4096);
  ASSERT_TRUE(key_text.ok());
  auto key = sign::SecretKey::Parse(*key_text);
  ASSERT_TRUE(key.ok());

  // The evidence: the entries' leaf hashes from the ledger vectors.
  std::vector<ledger::Hash> leaves;
  std::istringstream entries(test_support::ReadVector("ledger-entries.tsv"));
  for (std::string line; std::getline(entries, line);) {
    if (line.empty() || line[0] == '#') continue;
    leaves.push_back(
        ledger::LeafHash(AsBytes(std::string_view(line).substr(line.rfind('\t') + 1))));
  }
  ASSERT_EQ(leaves.size(), 3u);
  LedgerEvidence evidence{
      2, 3, Base64Encode(leaves[2]), {}, test_support::ReadVector("checkpoint.txt")};
  for (const auto& h : ledger::InclusionProof(leaves, 2)) evidence.proof.push_back(Base64Encode(h));

  DeletionRecord record;
  record.package.id = "9b1d4a5ed3d2c1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6";
  record.package.order_id = "LAB42-MIGRATION-2021-03";
  record.package.uploaded_at = 1796032800;  // 2026-11-30T10:00:00Z
  record.package.delete_by = *order::ParseIsoDate("2026-12-30");
  record.package.files = {{"patients", "patients.csv.age", 1048713,
                           "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"},
                          {"resultats", "resultats.csv.age", 52428950,
                           "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9"}};
  record.reason = "confirmed";
  record.confirmed_by = 7;
  record.deleted_at = 1796043600;  // 2026-11-30T13:00:00Z
  record.ledger_seq = 2;

  auto certificate = MakeDeletionCertificate(record, evidence, *key);
  ASSERT_TRUE(certificate.ok()) << certificate.error().message();
  test_support::ExpectMatchesVector("deletion-certificate.json", certificate->json + "\n");
  test_support::ExpectMatchesVector("deletion-certificate.json.minisig", certificate->signature);

  auto verified = VerifyDeletionCertificate(*certificate, key->public_key());
  EXPECT_TRUE(verified.ok());
  Certificate altered = *certificate;
  altered.json[altered.json.find("confirmed")] = 'C';
  EXPECT_FALSE(VerifyDeletionCertificate(altered, key->public_key()).ok());
}

}  // namespace
}  // namespace cordon::exchange
