#include "pipeline/extract.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "age/keys.h"
#include "core/file.h"
#include "testdata/lis_fr.h"

namespace cordon::pipeline {
namespace {
namespace fs = std::filesystem;

class ExtractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cordon-extract-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_TRUE(testdata::WriteLisFr(Path("src"), {.patients = 300, .seed = 5}).ok());
    recipient_ = age::X25519Identity::Generate().Recipient().Encode();
    std::string order =
        "[order]\nid = \"T1\"\ncontroller = \"Lab\"\nprocessor = \"Vendor\"\n"
        "purpose = \"Test\"\ncontract = \"DPA\"\nnot_after = 2030-01-01\n"
        "retention_days = 10\nrecipients = [\"" +
        recipient_ +
        "\"]\n"
        "[[table]]\nname = \"patients\"\n[table.columns]\nNUM_DOSSIER = \"keep\"\n";
    ASSERT_TRUE(WriteFileAtomic(Path("order.toml"), AsBytes(order)).ok());
    MemorySource m(AsBytes(order));
    ASSERT_TRUE(WriteFileAtomic(Path("order.toml.minisig"),
                                AsBytes(sign::Sign(controller_, m, "ok")->Format()))
                    .ok());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }

  Result<ExtractResult> Run(int32_t today, const std::string& out, const sign::SecretKey* processor,
                            bool allow_unsigned = false) {
    CORDON_ASSIGN_OR_RETURN(source::CsvSource src, source::CsvSource::Open(Path("src"), {}));
    return Extract({.order_path = Path("order.toml"),
                    .controller_key = controller_.public_key(),
                    .processor_key = processor,
                    .allow_unsigned_manifest = allow_unsigned,
                    .out_dir = Path(out),
                    .clock = {today, "2029-01-01T00:00:00Z"}},
                   src);
  }
  Result<ExtractResult> Run(int32_t today, const std::string& out) {
    return Run(today, out, &processor_);
  }

  fs::path dir_;
  sign::SecretKey controller_ = sign::SecretKey::Generate();
  sign::SecretKey processor_ = sign::SecretKey::Generate();
  std::string recipient_;
};

TEST_F(ExtractTest, RefusesAnOrderPastItsLastDayAndWritesNothing) {
  auto r = Run(order::DaysFromCivil(2030, 1, 2), "pkg");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kRefused);
  EXPECT_NE(r.error().message().find("expired on 2030-01-01"), std::string::npos);
  EXPECT_FALSE(PathExists(Path("pkg")));
  EXPECT_FALSE(PathExists(Path("pkg.partial")));
  EXPECT_TRUE(Run(order::DaysFromCivil(2030, 1, 1), "pkg").ok()) << "the last day is still valid";
}

TEST_F(ExtractTest, OpenRefusesAnExpiredPackageUnlessAllowed) {
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
// every expiry check), nor an open without identities.
static_assert(!std::is_default_constructible_v<Clock>);
static_assert(!std::is_default_constructible_v<ExtractRequest>);
static_assert(!std::is_default_constructible_v<OpenRequest>);

TEST_F(ExtractTest, RefusesAnUnsignedManifestUnlessAskedAndSaysSo) {
  auto refused = Run(order::DaysFromCivil(2029, 1, 1), "pkg", nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRefused);
  EXPECT_NE(refused.error().hint().find("--unsigned-manifest"), std::string::npos);
  EXPECT_FALSE(PathExists(Path("pkg")));
  auto unsigned_pkg = Run(order::DaysFromCivil(2029, 1, 1), "pkg", nullptr, true);
  ASSERT_TRUE(unsigned_pkg.ok()) << unsigned_pkg.error().message();
  EXPECT_FALSE(nlohmann::json::parse(unsigned_pkg->manifest)["manifest_signed"].get<bool>());
  EXPECT_FALSE(PathExists(Path("pkg/manifest.json.minisig")));
  auto signed_pkg = Run(order::DaysFromCivil(2029, 1, 1), "signed");
  ASSERT_TRUE(signed_pkg.ok());
  EXPECT_TRUE(nlohmann::json::parse(signed_pkg->manifest)["manifest_signed"].get<bool>());
  EXPECT_TRUE(PathExists(Path("signed/manifest.json.minisig")));
}

TEST_F(ExtractTest, OpenRefusesWithoutAProcessorKeyUnlessSkippedOnPurpose) {
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

TEST(Mask, KeepsAQuarterAndNeverSplitsCharacters) {
  EXPECT_EQ(MaskValue("184127645108946"), "184************");
  EXPECT_EQ(MaskValue("Hélène"), "H*****");
  EXPECT_EQ(MaskValue("1 84 12 76 451 089 46"), "1 84 ** ** *** *** **");
  EXPECT_EQ(MaskValue(""), "");
}

}  // namespace
}  // namespace cordon::pipeline
