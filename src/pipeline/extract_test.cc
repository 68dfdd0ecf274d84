#include "pipeline/extract.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <type_traits>

#include "age/keys.h"
#include "core/encoding.h"
#include "core/file.h"
#include "crypto/hash.h"
#include "pipeline/manifest.h"
#include "testdata/lis_fr.h"

namespace cordon::pipeline {
namespace {
namespace fs = std::filesystem;

class PipelineExtract : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cordon-extract-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_TRUE(testdata::WriteLisFr(Path("src"), {.patients = 300, .seed = 5}).ok());
    recipient_ = age::X25519Identity::Generate().Recipient().Encode();
    WriteOrder("[[table]]\nname = \"patients\"\n[table.columns]\nNUM_DOSSIER = \"keep\"\n");
  }
  // Writes order.toml with `tables` and signs it with the controller's key.
  void WriteOrder(const std::string& tables) {
    std::string order =
        "[order]\nid = \"T1\"\ncontroller = \"Lab\"\nprocessor = \"Vendor\"\n"
        "purpose = \"Test\"\ncontract = \"DPA\"\nnot_after = 2030-01-01\n"
        "retention_days = 10\nrecipients = [\"" +
        recipient_ + "\"]\n" + tables;
    ASSERT_TRUE(WriteFileAtomic(Path("order.toml"), AsBytes(order)).ok());
    MemorySource m(AsBytes(order));
    ASSERT_TRUE(WriteFileAtomic(Path("order.toml.minisig"),
                                AsBytes(sign::Sign(controller_, m, "ok")->Format()))
                    .ok());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }

  Result<ExtractResult> Run(int32_t today, const std::string& out, ManifestSigner signer) {
    CORDON_ASSIGN_OR_RETURN(source::CsvSource src, source::CsvSource::Open(Path("src"), {}));
    return Extract({.order_path = Path("order.toml"),
                    .controller_key = controller_.public_key(),
                    .manifest_signer = signer,
                    .out_dir = Path(out),
                    .clock = {today, "2029-01-01T00:00:00Z"}},
                   src);
  }
  Result<ExtractResult> Run(int32_t today, const std::string& out) {
    return Run(today, out, ManifestSigner::Processor(processor_));
  }

  fs::path dir_;
  sign::SecretKey controller_ = sign::SecretKey::Generate();
  sign::SecretKey processor_ = sign::SecretKey::Generate();
  std::string recipient_;
};

TEST_F(PipelineExtract, RefusesAnOrderPastItsLastDayAndWritesNothing) {
  auto r = Run(order::DaysFromCivil(2030, 1, 2), "pkg");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kRefused);
  EXPECT_NE(r.error().message().find("expired on 2030-01-01"), std::string::npos);
  EXPECT_FALSE(PathExists(Path("pkg")));
  EXPECT_FALSE(PathExists(Path("pkg.partial")));
  EXPECT_TRUE(Run(order::DaysFromCivil(2030, 1, 1), "pkg").ok()) << "the last day is still valid";
}

TEST_F(PipelineExtract, OpenRefusesAnExpiredPackageUnlessAllowed) {
  ASSERT_TRUE(Run(order::DaysFromCivil(2029, 1, 1), "pkg").ok());
  std::vector<std::unique_ptr<age::Identity>> none;
  OpenRequest o{.package_dir = Path("pkg"),
                .identities = none,
                .processor_key = processor_.public_key(),
                .out_dir = Path("out"),
                .clock = {order::DaysFromCivil(2029, 1, 12), ""}};  // delete_by was 2029-01-11
  auto expired = OpenPackage(o);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code(), ErrorCode::kRefused);
  EXPECT_NE(expired.error().message().find("2029-01-11"), std::string::npos);
  EXPECT_FALSE(PathExists(Path("out")));
  o.allow_expired = true;  // then it gets as far as needing a key that matches
  auto no_key = OpenPackage(o);
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.error().code(), ErrorCode::kNoMatch);
  EXPECT_FALSE(PathExists(Path("out")));
  EXPECT_FALSE(PathExists(Path("out.partial")));
}

// A request cannot be made without a clock (which would be 1970 and pass
// every expiry check), nor an extract without saying who signs the
// manifest, nor an open without identities.
static_assert(!std::is_default_constructible_v<Clock>);
static_assert(!std::is_default_constructible_v<ExtractRequest>);
static_assert(!std::is_default_constructible_v<OpenRequest>);
static_assert(!std::is_default_constructible_v<ManifestSigner>);

TEST_F(PipelineExtract, RefusesAnUnsignedManifestUnlessAskedAndSaysSo) {
  auto refused = ManifestSigner::Choose(std::nullopt, /*allow_unsigned=*/false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRefused);
  EXPECT_NE(refused.error().hint().find("--unsigned-manifest"), std::string::npos);
  std::optional<sign::SecretKey> given(sign::SecretKey::Generate());
  EXPECT_EQ(ManifestSigner::Choose(given, false)->key(), &*given);
  EXPECT_EQ(ManifestSigner::Choose(given, true)->key(), &*given) << "a key given is used";
  auto unsigned_pkg = Run(order::DaysFromCivil(2029, 1, 1), "pkg",
                          *ManifestSigner::Choose(std::nullopt, /*allow_unsigned=*/true));
  ASSERT_TRUE(unsigned_pkg.ok()) << unsigned_pkg.error().message();
  EXPECT_FALSE(unsigned_pkg->manifest_signed);
  EXPECT_NE(unsigned_pkg->manifest.find("\"manifest_signed\": false"), std::string::npos);
  EXPECT_FALSE(PathExists(Path("pkg/manifest.json.minisig")));
  auto signed_pkg = Run(order::DaysFromCivil(2029, 1, 1), "signed");
  ASSERT_TRUE(signed_pkg.ok());
  EXPECT_TRUE(signed_pkg->manifest_signed);
  EXPECT_NE(signed_pkg->manifest.find("\"manifest_signed\": true"), std::string::npos);
  EXPECT_TRUE(PathExists(Path("signed/manifest.json.minisig")));
}

TEST_F(PipelineExtract, OpenRefusesWithoutAProcessorKeyUnlessSkippedOnPurpose) {
  ASSERT_TRUE(Run(order::DaysFromCivil(2029, 1, 1), "pkg").ok());
  std::vector<std::unique_ptr<age::Identity>> none;
  OpenRequest o{.package_dir = Path("pkg"),
                .identities = none,
                .out_dir = Path("out"),
                .clock = {order::DaysFromCivil(2029, 1, 2), ""}};
  auto refused = OpenPackage(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRefused);
  EXPECT_NE(refused.error().hint().find("--skip-manifest-signature"), std::string::npos);
  o.processor_key = sign::SecretKey::Generate().public_key();  // another processor's
  EXPECT_EQ(OpenPackage(o).error().code(), ErrorCode::kRefused);
  o.processor_key.reset();
  o.skip_manifest_signature = true;  // then it gets as far as needing a key that matches
  EXPECT_EQ(OpenPackage(o).error().code(), ErrorCode::kNoMatch);
  EXPECT_FALSE(PathExists(Path("out")));
}

TEST_F(PipelineExtract, ARefusedOrderWritesNothingEvenAfterAnEarlierTableWasSealed) {
  // patients is sealed first; resultats is then refused on k.
  WriteOrder(
      "[[table]]\nname = \"patients\"\n[table.columns]\nNUM_DOSSIER = \"keep\"\n"
      "[[table]]\nname = \"resultats\"\nfollow = \"NUM_DOSSIER -> patients.NUM_DOSSIER\"\n"
      "quasi_identifiers = [\"NUM_DOSSIER\"]\nmin_k = 1000\n"
      "[table.columns]\nNUM_DOSSIER = \"keep\"\n");
  auto r = Run(order::DaysFromCivil(2029, 1, 1), "pkg");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kRefused);
  EXPECT_NE(r.error().message().find("min_k = 1000"), std::string::npos) << r.error().message();
  EXPECT_FALSE(PathExists(Path("pkg")));
  EXPECT_FALSE(PathExists(Path("pkg.partial")));
}

TEST_F(PipelineExtract, ARefusedSignatureWritesNothing) {
  // The order changed after it was signed.
  Bytes order = ReadFileLimited(Path("order.toml"), 1 << 20).value();
  order.push_back('\n');
  ASSERT_TRUE(WriteFileAtomic(Path("order.toml"), order, 0644, Overwrite::kReplace).ok());
  auto r = Run(order::DaysFromCivil(2029, 1, 1), "pkg");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kRefused);
  EXPECT_FALSE(PathExists(Path("pkg")));
  EXPECT_FALSE(PathExists(Path("pkg.partial")));
}

TEST_F(PipelineExtract, ResultDescribesThePackageAsWritten) {
  auto r = Run(order::DaysFromCivil(2029, 1, 1), "pkg");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->order_id, "T1");
  EXPECT_EQ(r->delete_by, "2029-01-11");
  EXPECT_EQ(r->recipients, std::vector<std::string>{recipient_});
  Bytes manifest = ReadFileLimited(Path("pkg/manifest.json"), 1 << 20).value();
  EXPECT_EQ(AsChars(manifest), r->manifest);
  EXPECT_EQ(r->manifest_sha256, HexEncode(crypto::Sha256::Hash(manifest)));
  ASSERT_EQ(r->tables.size(), 1u);
  const PackagedTable& t = r->tables[0];
  EXPECT_EQ(t.file, "patients.csv.age");
  EXPECT_EQ(t.stats.name, "patients");
  EXPECT_EQ(t.stats.rows_read, 300u);
  EXPECT_EQ(t.stats.rows_selected, 300u);
  Bytes sealed = ReadFileLimited(Path("pkg/patients.csv.age"), 16 << 20).value();
  EXPECT_EQ(t.ciphertext_size, sealed.size());
  EXPECT_EQ(t.ciphertext_sha256, HexEncode(crypto::Sha256::Hash(sealed)));
  EXPECT_EQ(r->package_bytes, sealed.size());
  // The manifest parses back to the same tables.
  auto parsed = ParseManifest(manifest);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  ASSERT_EQ(parsed->tables.size(), 1u);
  EXPECT_EQ(parsed->tables[0].ciphertext_sha256, t.ciphertext_sha256);
}

TEST(PipelineMask, KeepsAQuarterAndNeverSplitsCharacters) {
  EXPECT_EQ(MaskValue("184127645108946"), "184************");
  EXPECT_EQ(MaskValue("Hélène"), "H*****");
  EXPECT_EQ(MaskValue("1 84 12 76 451 089 46"), "1 84 ** ** *** *** **");
  EXPECT_EQ(MaskValue(""), "");
}

}  // namespace
}  // namespace cordon::pipeline
