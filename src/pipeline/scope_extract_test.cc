// Extractions under pseudonym_scope = "recipients": the pseudonyms a package
// holds depend on who it is for (two recipients, two sets of pseudonyms),
// and successive deliveries to the same recipients still join.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "age/keys.h"
#include "age/recipients.h"
#include "core/file.h"
#include "detect/validators.h"
#include "pipeline/extract.h"
#include "source/csv_source.h"
#include "testdata/lis_fr.h"

namespace cordon::pipeline {
namespace {
namespace fs = std::filesystem;

class ScopedExtract : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cordon-scope-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_TRUE(testdata::WriteLisFr(Path("src"), {.patients = 50, .seed = 7}).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }

  // Extracts NUM_DOSSIER (kept) and NIR (pseudonym:nir) for `recipients`
  // into `out`, and opens it as the first recipient: NUM_DOSSIER → NIR.
  std::map<std::string, std::string> ExtractAndOpen(
      const std::vector<const age::X25519Identity*>& recipients, const std::string& scope,
      const std::string& out) {
    std::string list;
    for (const auto* r : recipients)
      list += (list.empty() ? "\"" : ", \"") + r->Recipient().Encode() + "\"";
    std::string order =
        "[order]\nid = \"T1\"\ncontroller = \"Lab\"\nprocessor = \"Vendor\"\n"
        "purpose = \"Test\"\ncontract = \"DPA\"\nnot_after = 2030-01-01\n"
        "retention_days = 10\nrecipients = [" +
        list + "]\npseudonym_key_id = \"" + key_.id() + "\"\npseudonym_domain = \"lab-test\"\n" +
        scope +
        "[[table]]\nname = \"patients\"\n[table.columns]\nNUM_DOSSIER = \"keep\"\n"
        "NIR = \"pseudonym:nir\"\n";
    const std::string order_path = Path(out + ".toml");
    EXPECT_TRUE(WriteFileAtomic(order_path, AsBytes(order)).ok());
    MemorySource m(AsBytes(order));
    EXPECT_TRUE(WriteFileAtomic(order_path + ".minisig",
                                AsBytes(sign::Sign(controller_, m, "ok")->Format()))
                    .ok());
    auto src = source::CsvSource::Open(Path("src"), {});
    EXPECT_TRUE(src.ok());
    auto r = Extract({.order_path = order_path,
                      .controller_key = controller_.public_key(),
                      .manifest_signer = ManifestSigner::NobodyOnPurpose(),
                      .pseudonym_key = &key_,
                      .out_dir = Path(out),
                      .clock = {order::DaysFromCivil(2029, 1, 1), "2029-01-01T00:00:00Z"}},
                     *src);
    EXPECT_TRUE(r.ok()) << r.error().message();
    if (!r.ok()) return {};
    manifests_[out] = r->manifest;
    std::vector<std::unique_ptr<age::Identity>> ids;
    SecretBuffer identity = recipients.front()->Encode();
    ids.push_back(age::MakeX25519Identity(
        age::X25519Identity::Parse(AsChars(identity.RevealBytes())).value()));
    auto opened = OpenPackage({.package_dir = Path(out),
                               .identities = ids,
                               .skip_manifest_signature = true,
                               .out_dir = Path(out + "-open"),
                               .clock = {order::DaysFromCivil(2029, 1, 1), ""}});
    EXPECT_TRUE(opened.ok()) << opened.error().message();
    Bytes csv = ReadFileLimited(Path(out + "-open/patients.csv"), 1 << 20).value();
    std::map<std::string, std::string> rows;
    std::string_view text = AsChars(csv);
    bool header = true;
    while (!text.empty()) {
      size_t nl = text.find("\r\n");
      std::string_view line = text.substr(0, nl);
      text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 2);
      if (std::exchange(header, false)) {
        EXPECT_EQ(line, "NUM_DOSSIER,NIR");
        continue;
      }
      size_t comma = line.find(',');
      rows[std::string(line.substr(0, comma))] = std::string(line.substr(comma + 1));
    }
    return rows;
  }

  fs::path dir_;
  sign::SecretKey controller_ = sign::SecretKey::Generate();
  pseudo::PseudonymKey key_ = pseudo::PseudonymKey::Generate();
  age::X25519Identity alice_ = age::X25519Identity::Generate();
  age::X25519Identity bob_ = age::X25519Identity::Generate();
  std::map<std::string, std::string> manifests_;
};

TEST_F(ScopedExtract, TwoRecipientsGetOtherPseudonymsAndOneRecipientsDeliveriesJoin) {
  const std::string kScope = "pseudonym_scope = \"recipients\"\n";
  auto to_alice = ExtractAndOpen({&alice_}, kScope, "alice1");
  auto to_bob = ExtractAndOpen({&bob_}, kScope, "bob1");
  auto to_alice_again = ExtractAndOpen({&alice_}, kScope, "alice2");
  auto shared = ExtractAndOpen({&alice_}, "", "domain1");
  auto shared_bob = ExtractAndOpen({&bob_}, "", "domain2");
  ASSERT_EQ(to_alice.size(), 50u);
  ASSERT_EQ(to_bob.size(), 50u);
  size_t differ = 0, nonempty = 0;
  for (const auto& [num, nir] : to_alice) {
    if (nir.empty()) continue;
    ++nonempty;
    EXPECT_NE(detect::ValidateNir(nir), detect::Confidence::kNone);
    EXPECT_NE(detect::ValidateNir(to_bob[num]), detect::Confidence::kNone);
    differ += nir != to_bob[num];
    EXPECT_NE(nir, shared[num]) << "a recipients pseudonym is not the domain's";
  }
  ASSERT_GT(nonempty, 40u);
  EXPECT_EQ(differ, nonempty) << "every patient has another pseudonym in Bob's package";
  EXPECT_EQ(to_alice_again, to_alice) << "Alice's second delivery joins her first";
  EXPECT_EQ(shared_bob, shared) << "the default scope is shared by the domain";
  // The manifest says so, and only when it is not the default.
  EXPECT_NE(manifests_["alice1"].find("\"scope\": \"recipients\""), std::string::npos);
  EXPECT_EQ(manifests_["domain1"].find("\"scope\""), std::string::npos);
}

}  // namespace
}  // namespace cordon::pipeline
