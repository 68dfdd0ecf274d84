// Pins the ledger's formats with fixed inputs (tests/vectors/cordon/):
// canonical entries and their RFC 6962 leaf hashes (ledger-entries.tsv), the
// tree's root and an inclusion proof, and the signed C2SP checkpoint
// (checkpoint.txt) under the vectors' signing key. The two canonicalizers
// (nlohmann for Append, simdjson for AppendText) must agree on every entry.
// tests/check_vectors.py recomputes all of it with Python's own hashlib and
// Ed25519.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "core/encoding.h"
#include "core/file.h"
#include "ledger/canonical.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/merkle.h"
#include "sign/minisign.h"
#include "testing/golden.h"

namespace cordon::ledger {
namespace {

sign::SecretKey VectorKey() {
  auto text = ReadFileLimited(test_support::VectorPath("signing.key"), 4096);
  EXPECT_TRUE(text.ok());
  auto key = sign::SecretKey::Parse(*text);
  EXPECT_TRUE(key.ok()) << (key.ok() ? "" : key.error().message());
  return std::move(*key);
}

// Events as the commands record them (shapes from docs/ledger.md).
const char* const kEvents[] = {
    R"({"action":"ledger.init","actor":{"host":"lab42-ws","person":null,"user":"dpo"},"origin":"vectors.cordon.example"})",
    R"({"action":"extract","actor":{"host":"lab42-ws","person":{"key_id":"0123456789ABCDEF","name":"Jeanne Martin"},"user":"jmartin"},"order":{"id":"LAB42-MIGRATION-2021-03","sha256":"5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"},"outcome":"ok","tables":[{"name":"patients","rows":1200},{"name":"resultats","rows":48211}]})",
    R"({"action":"package.deleted","outcome":"ok","package":"9b1d4a5ed3d2c1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6","reason":"confirmed","recovered":false,"unicode":"Père Noël ✓"})",
};

TEST(LedgerVectors, EntriesLeavesRootProofAndCheckpoint) {
  const sign::SecretKey key = VectorKey();
  EntryCanonicalizer fast;
  std::vector<Hash> leaves;
  std::ostringstream entries;
  entries << "# cordon ledger entry vectors: seq, RFC 6962 leaf hash (hex), canonical entry\n";
  for (size_t i = 0; i < std::size(kEvents); ++i) {
    const std::string time = "2026-11-30T10:0" + std::to_string(i) + ":00Z";
    auto entry = fast.Canonical(kEvents[i], EntryStamp{i, time, {}});
    ASSERT_TRUE(entry.ok()) << entry.error().message();
    nlohmann::json event = nlohmann::json::parse(kEvents[i]);
    event["v"] = kEntryVersion;
    event["seq"] = i;
    event["time"] = time;
    auto slow = CanonicalEntry(event);
    ASSERT_TRUE(slow.ok());
    EXPECT_EQ(*slow, *entry) << "the two canonicalizers disagree on entry " << i;
    leaves.push_back(LeafHash(AsBytes(*entry)));
    entries << i << '\t' << HexEncode(leaves.back()) << '\t' << *entry << '\n';
  }
  test_support::ExpectMatchesVector("ledger-entries.tsv", entries.str());

  const Hash root = RootOf(leaves);
  std::ostringstream tree;
  tree << "# cordon ledger tree vectors: the root of the entries above, and the audit path\n"
       << "# of entry 1 (RFC 6962 inclusion proof), hex\n"
       << "root\t" << HexEncode(root) << '\n';
  for (const Hash& h : InclusionProof(leaves, 1)) tree << "proof 1\t" << HexEncode(h) << '\n';
  test_support::ExpectMatchesVector("ledger-tree.tsv", tree.str());
  EXPECT_TRUE(VerifyInclusion(1, leaves.size(), leaves[1], InclusionProof(leaves, 1), root));

  Checkpoint c{"vectors.cordon.example", leaves.size(), root, {}};
  const std::string note =
      SignNote(FormatCheckpointBody(c), c.origin, key.ed25519_secret(), key.public_key().key);
  test_support::ExpectMatchesVector("checkpoint.txt", note);
  const NoteVerifier verifier = NoteVerifier::For(c.origin, key.public_key().key);
  test_support::ExpectMatchesVector("checkpoint.vkey", verifier.Format() + "\n");
  auto opened = OpenCheckpoint(note, verifier);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->root, root);
}

}  // namespace
}  // namespace cordon::ledger
