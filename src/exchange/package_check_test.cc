#include "exchange/package_check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "age/age.h"
#include "age/keys.h"
#include "core/file.h"
#include "order/value.h"
#include "pipeline/extract.h"
#include "testdata/lis_fr.h"

namespace cordon::exchange {
namespace {
namespace fs = std::filesystem;

// A real package from `extract`, then damaged in every way an upload can be.
class PackageCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cordon-pkgcheck-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_TRUE(testdata::WriteLisFr(Path("src"), {.patients = 200, .seed = 3}).ok());
    std::string recipient = age::X25519Identity::Generate().Recipient().Encode();
    std::string order =
        "[order]\nid = \"T1\"\ncontroller = \"Lab\"\nprocessor = \"Vendor\"\n"
        "purpose = \"Test\"\ncontract = \"DPA\"\nnot_after = 2030-01-01\n"
        "retention_days = 10\nrecipients = [\"" +
        recipient +
        "\"]\n[[table]]\nname = \"patients\"\n[table.columns]\nNUM_DOSSIER = \"keep\"\n"
        "[[table]]\nname = \"resultats\"\nfollow = \"NUM_DOSSIER -> patients.NUM_DOSSIER\"\n"
        "[table.columns]\nNUM_DOSSIER = \"keep\"\nCODE_ANALYSE = \"keep\"\n";
    ASSERT_TRUE(WriteFileAtomic(Path("order.toml"), AsBytes(order)).ok());
    MemorySource m(AsBytes(order));
    ASSERT_TRUE(WriteFileAtomic(Path("order.toml.minisig"),
                                AsBytes(sign::Sign(controller_, m, "ok")->Format()))
                    .ok());
    auto src = source::CsvSource::Open(Path("src"), {});
    ASSERT_TRUE(src.ok());
    pipeline::ExtractRequest r;
    r.order_path = Path("order.toml");
    r.controller_key = controller_.public_key();
    r.processor_key = &processor_;
    r.out_dir = Path("pkg");
    r.clock = {order::DaysFromCivil(2029, 1, 1), "2029-01-01T00:00:00Z"};
    auto made = pipeline::Extract(r, *src);
    ASSERT_TRUE(made.ok()) << made.error().message();
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }
  PackageCheck Check() {
    return CheckPackage(Path("pkg"), {other_.public_key(), processor_.public_key()});
  }

  fs::path dir_;
  sign::SecretKey controller_ = sign::SecretKey::Generate();
  sign::SecretKey processor_ = sign::SecretKey::Generate();
  sign::SecretKey other_ = sign::SecretKey::Generate();
};

TEST_F(PackageCheckTest, AcceptsWhatExtractMade) {
  PackageCheck c = Check();
  ASSERT_TRUE(c.result.ok()) << c.result.error().message();
  EXPECT_FALSE(c.plaintext_suspected);
  EXPECT_EQ(c.result->manifest.order_id, "T1");
  EXPECT_EQ(c.result->manifest.tables.size(), 2u);
  EXPECT_EQ(c.result->signer, processor_.key_id());
  EXPECT_EQ(c.result->manifest_sha256.size(), 64u);
}

TEST_F(PackageCheckTest, RefusesAPlaintextFileAndSaysSo) {
  // The CNIL case: a CSV sent as it is, alongside or instead of a table.
  ASSERT_TRUE(
      WriteFileAtomic(Path("pkg/export.csv"), AsBytes("NIR;NOM\n184127645108946;X\n")).ok());
  PackageCheck c = Check();
  ASSERT_FALSE(c.result.ok());
  EXPECT_TRUE(c.plaintext_suspected);
  fs::remove(Path("pkg/export.csv"));
  fs::copy_file(Path("src/patients.csv"), Path("pkg/patients.csv.age"),
                fs::copy_options::overwrite_existing);
  c = Check();
  ASSERT_FALSE(c.result.ok());
  EXPECT_TRUE(c.plaintext_suspected);
  EXPECT_EQ(c.result.error().message().find("184127"), std::string::npos);
}

TEST_F(PackageCheckTest, RefusesUnsignedForeignAlteredTruncatedAndIncomplete) {
  const std::string table = Path("pkg/patients.csv.age");
  Bytes original = *ReadFileLimited(table, 64 << 20);
  // Altered: one byte of the ciphertext.
  Bytes altered = original;
  altered[altered.size() / 2] ^= 1;
  ASSERT_TRUE(WriteFileAtomic(table, altered).ok());
  EXPECT_FALSE(Check().result.ok());
  // Truncated: size and framing.
  ASSERT_TRUE(WriteFileAtomic(table, ByteView(original).first(original.size() - 5)).ok());
  EXPECT_FALSE(Check().result.ok());
  ASSERT_TRUE(WriteFileAtomic(table, original).ok());
  ASSERT_TRUE(Check().result.ok());
  // Signed by a key the exchange does not know.
  auto only_other = CheckPackage(Path("pkg"), {other_.public_key()});
  ASSERT_FALSE(only_other.result.ok());
  EXPECT_NE(only_other.result.error().message().find("not a registered processor key"),
            std::string::npos);
  // A table missing; the signature missing.
  fs::rename(table, Path("table.bak"));
  EXPECT_FALSE(Check().result.ok());
  fs::rename(Path("table.bak"), table);
  fs::remove(Path("pkg/manifest.json.minisig"));
  EXPECT_FALSE(Check().result.ok());
}

Bytes Encrypt(size_t n) {
  auto id = age::X25519Identity::Generate();
  std::vector<std::unique_ptr<age::Recipient>> rs;
  rs.push_back(age::MakeX25519Recipient(id.Recipient()));
  MemorySink out;
  auto enc = age::Encryptor::Create(rs, out, age::Armor::kNo);
  EXPECT_TRUE(enc.ok());
  Bytes plain(n, 'x');
  EXPECT_TRUE((*enc)->Write(plain).ok());
  EXPECT_TRUE((*enc)->Close().ok());
  return out.bytes();
}

bool Framed(const Bytes& file) {
  MemorySource in(file);
  return CheckPackageFile(in, file.size(), nullptr).ok();
}

TEST(AgeFraming, ChecksChunkSizesWithoutAKey) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{65536}, size_t{65537}, size_t{200000}}) {
    EXPECT_TRUE(Framed(Encrypt(n))) << n;
  }
  Bytes one = Encrypt(1);                                   // last (only) chunk: 1 + 16 bytes
  EXPECT_FALSE(Framed(Bytes(one.begin(), one.end() - 2)));  // a chunk shorter than its tag
  Bytes full = Encrypt(65536);                              // one full chunk
  full.insert(full.end(), 16, 0);  // ...then an empty one: never written by age
  EXPECT_FALSE(Framed(full));
  Bytes empty = Encrypt(0);
  EXPECT_FALSE(Framed(Bytes(empty.begin(), empty.end() - 16)));  // no payload at all
  Bytes armored = ToBytes("-----BEGIN AGE ENCRYPTED FILE-----\n");
  bool plain = false;
  MemorySource in(armored);
  EXPECT_FALSE(CheckPackageFile(in, armored.size(), &plain).ok());
  EXPECT_TRUE(plain);
}

}  // namespace
}  // namespace cordon::exchange
