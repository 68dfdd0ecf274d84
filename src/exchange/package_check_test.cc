#include "exchange/package_check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "age/age.h"
#include "age/keys.h"
#include "core/file.h"
#include "exchange/accounts.h"
#include "exchange/certificate.h"
#include "exchange/package_store.h"
#include "order/value.h"
#include "pipeline/extract.h"
#include "pseudo/key.h"
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
    auto made =
        pipeline::Extract({.order_path = Path("order.toml"),
                           .controller_key = controller_.public_key(),
                           .manifest_signer = pipeline::ManifestSigner::Processor(processor_),
                           .out_dir = Path("pkg"),
                           .clock = {order::DaysFromCivil(2029, 1, 1), "2029-01-01T00:00:00Z"}},
                          *src);
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
  // A manifest of version 2: every column typed (here, text).
  EXPECT_EQ(c.result->manifest.version, 2);
  ASSERT_FALSE(c.result->manifest.tables[0].columns.empty());
  EXPECT_TRUE(c.result->manifest.tables[0].columns[0].type.has_value());
  EXPECT_EQ(c.result->signer, processor_.key_id());
  EXPECT_EQ(c.result->manifest_sha256.size(), 64u);
}

// Per-recipient pseudonyms put "scope" in the manifest: accepted as extract
// writes it (and any other value refused, since it could carry data).
TEST_F(PackageCheckTest, AcceptsAPackageOfPerRecipientPseudonyms) {
  pseudo::PseudonymKey key = pseudo::PseudonymKey::Generate();
  std::string recipient = age::X25519Identity::Generate().Recipient().Encode();
  std::string order =
      "[order]\nid = \"T2\"\ncontroller = \"Lab\"\nprocessor = \"Vendor\"\n"
      "purpose = \"Test\"\ncontract = \"DPA\"\nnot_after = 2030-01-01\n"
      "retention_days = 10\nrecipients = [\"" +
      recipient + "\"]\npseudonym_key_id = \"" + key.id() +
      "\"\npseudonym_domain = \"lab-test\"\npseudonym_scope = \"recipients\"\n"
      "[[table]]\nname = \"patients\"\n[table.columns]\nNUM_DOSSIER = \"keep\"\n"
      "NIR = \"pseudonym:nir\"\n";
  ASSERT_TRUE(WriteFileAtomic(Path("scoped.toml"), AsBytes(order)).ok());
  MemorySource m(AsBytes(order));
  ASSERT_TRUE(WriteFileAtomic(Path("scoped.toml.minisig"),
                              AsBytes(sign::Sign(controller_, m, "ok")->Format()))
                  .ok());
  auto src = source::CsvSource::Open(Path("src"), {});
  ASSERT_TRUE(src.ok());
  auto made =
      pipeline::Extract({.order_path = Path("scoped.toml"),
                         .controller_key = controller_.public_key(),
                         .manifest_signer = pipeline::ManifestSigner::Processor(processor_),
                         .pseudonym_key = &key,
                         .out_dir = Path("scoped"),
                         .clock = {order::DaysFromCivil(2029, 1, 1), "2029-01-01T00:00:00Z"}},
                        *src);
  ASSERT_TRUE(made.ok()) << made.error().message();
  Bytes manifest = *ReadFileLimited(Path("scoped/manifest.json"), 1 << 20);
  ASSERT_NE(AsChars(manifest).find("\"scope\""), std::string_view::npos) << AsChars(manifest);
  PackageCheck c = CheckPackage(Path("scoped"), {processor_.public_key()});
  ASSERT_TRUE(c.result.ok()) << c.result.error().message();
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

// The store: staged uploads become visible atomically, content-addressed;
// refused ones leave nothing; deletion and retention remove exactly what
// they should; a crash in any step is finished or undone at the next start.
TEST_F(PackageCheckTest, StorePublishesDeletesAndRecovers) {
  const std::string data = Path("exchange");
  auto accounts = Accounts::Open(data);
  ASSERT_TRUE(accounts.ok());
  ASSERT_TRUE(
      accounts->AddUser("Op Erator", "op@vendor.example", Role::kOperator, 4102444800, 1).ok());
  const int64_t uploader = accounts->Find("op@vendor.example")->id;
  auto store = PackageStore::Open(data);
  ASSERT_TRUE(store.ok()) << store.error().message();
  auto stage = [&]() {
    auto s = store->NewStaging();
    EXPECT_TRUE(s.ok());
    for (const auto& e : fs::directory_iterator(Path("pkg"))) {
      fs::copy_file(e.path(), fs::path(*s) / e.path().filename());
    }
    return *s;
  };
  const std::vector<sign::PublicKey> keys = {processor_.public_key()};
  const int64_t now = int64_t{order::DaysFromCivil(2029, 1, 1)} * 86400;

  uint64_t next_seq = 0;
  RecordEvent record = [&]() -> Result<uint64_t> { return next_seq++; };
  PublishEvent publish = [&](const CheckedPackage&) -> Result<uint64_t> { return next_seq++; };
  const RetentionPolicy retention;

  // A plaintext upload: refused, flagged, nothing kept.
  std::string bad = stage();
  fs::copy_file(Path("src/patients.csv"), fs::path(bad) / "patients.csv.age",
                fs::copy_options::overwrite_existing);
  PackageCheck refused = store->Publish(bad, keys, uploader, now, retention, publish);
  EXPECT_FALSE(refused.result.ok());
  EXPECT_TRUE(refused.plaintext_suspected);
  EXPECT_FALSE(fs::exists(bad));
  EXPECT_TRUE(fs::is_empty(data + "/packages"));
  EXPECT_EQ(next_seq, 0u);

  // Retention beyond the exchange's policy, or already past: refused (F16).
  std::string too_long = stage();
  EXPECT_EQ(store->Publish(too_long, keys, uploader, now, RetentionPolicy{5}, publish)
                .result.error()
                .code(),
            ErrorCode::kRefused);
  EXPECT_FALSE(fs::exists(too_long));
  EXPECT_FALSE(
      store->Publish(stage(), keys, uploader, now + 30 * 86400, retention, publish).result.ok());

  // A ledger that cannot record: nothing is published (F13).
  RecordEvent broken = []() -> Result<uint64_t> { return Error(ErrorCode::kIo, "disk full"); };
  PublishEvent broken_publish = [](const CheckedPackage&) -> Result<uint64_t> {
    return Error(ErrorCode::kIo, "disk full");
  };
  std::string unrecorded = stage();
  EXPECT_EQ(store->Publish(unrecorded, keys, uploader, now, retention, broken_publish)
                .result.error()
                .code(),
            ErrorCode::kIo);
  EXPECT_TRUE(fs::is_empty(data + "/packages"));
  EXPECT_FALSE(fs::exists(unrecorded));

  PackageCheck ok = store->Publish(stage(), keys, uploader, now, retention, publish);
  ASSERT_TRUE(ok.result.ok()) << ok.result.error().message();
  const std::string id = ok.result->manifest_sha256;
  EXPECT_EQ(next_seq, 1u);
  EXPECT_EQ(store->Get(id)->signer, sign::KeyIdHex(processor_.public_key().key_id));
  EXPECT_FALSE(store->Get(id)->recipients.empty());
  EXPECT_TRUE(fs::exists(data + "/packages/" + id + "/patients.csv.age"));
  EXPECT_TRUE(fs::is_empty(data + "/staging"));
  EXPECT_EQ(store->Publish(stage(), keys, uploader, now, retention, publish).result.error().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_TRUE(fs::exists(data + "/packages/" + id + "/patients.csv.age"));  // F14: still there
  EXPECT_TRUE(store->FilePath(id, "resultats.csv.age").ok());
  // Found by the order it names, and by no other (nor by a pattern).
  auto of_order = store->OfOrder("T1");
  ASSERT_TRUE(of_order.ok()) << of_order.error().message();
  ASSERT_EQ(of_order->size(), 1u);
  EXPECT_EQ(of_order->front().id, id);
  for (const char* other : {"T2", "T%", "%", ""}) EXPECT_TRUE(store->OfOrder(other)->empty());
  for (const char* hostile : {"../exchange.db", "patients.csv", "/etc/passwd", ".", ""}) {
    EXPECT_FALSE(store->FilePath(id, hostile).ok()) << hostile;
  }
  EXPECT_FALSE(store->Get("../../etc").ok());

  // Deletion whose event cannot be recorded: nothing changes.
  EXPECT_FALSE(store->BeginDeletion(id, "confirmed", uploader, now + 60, broken).ok());
  EXPECT_EQ(store->Get(id)->status, "available");
  EXPECT_TRUE(fs::exists(data + "/packages/" + id));

  // A crash after the deletion was marked and recorded, before its files
  // went: the next start lists it as unfinished; finishing removes the
  // files and closes its grants.
  auto begun = store->BeginDeletion(id, "confirmed", uploader, now + 60, record);
  ASSERT_TRUE(begun.ok()) << begun.error().message();
  EXPECT_EQ(begun->ledger_seq, 1u);
  EXPECT_EQ(begun->package.status, "deleting");
  std::string half = stage();
  fs::create_directories(data + "/packages/" + std::string(64, 'f'));
  auto reopened = PackageStore::Open(data);
  ASSERT_TRUE(reopened.ok());
  EXPECT_FALSE(fs::exists(half));
  EXPECT_FALSE(fs::exists(data + "/packages/" + std::string(64, 'f')));
  auto unfinished = reopened->Unfinished();
  ASSERT_TRUE(unfinished.ok());
  ASSERT_EQ(unfinished->size(), 1u);
  EXPECT_EQ((*unfinished)[0].id, id);
  // Beginning again (a retried confirm) records nothing more.
  ASSERT_TRUE(reopened->BeginDeletion(id, "confirmed", uploader, now + 61, record).ok());
  EXPECT_EQ(next_seq, 2u);
  auto gone = reopened->FinishDeletion(id);
  ASSERT_TRUE(gone.ok()) << gone.error().message();
  EXPECT_EQ(gone->confirmed_by, uploader);
  EXPECT_EQ(gone->ledger_seq, 1u);
  EXPECT_EQ(gone->package.files.size(), 2u);
  EXPECT_EQ(reopened->Get(id)->status, "deleted");
  EXPECT_TRUE(fs::is_empty(data + "/packages"));
  EXPECT_EQ(reopened->Unfinished()->size(), 1u);  // deleted, but no certificate yet
  ASSERT_TRUE(reopened->StoreCertificate(id, "{}", "sig").ok());
  EXPECT_TRUE(reopened->Unfinished()->empty());
  EXPECT_EQ(reopened->Certificate(id)->second, "sig");
  // A deleted package never comes back (F15).
  PackageCheck again = reopened->Publish(stage(), keys, uploader, now, retention, publish);
  ASSERT_FALSE(again.result.ok());
  EXPECT_EQ(again.result.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(again.result.error().hint().find("/certificate"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(data + "/packages"));

  // Its certificate: signed by the exchange, naming every file and hash.
  sign::SecretKey exchange_key = sign::SecretKey::Generate();
  LedgerEvidence evidence{7, 9, "bGVhZg==", {"cHJvb2Y="}, "checkpoint\n"};
  auto cert = MakeDeletionCertificate(*gone, evidence, exchange_key);
  ASSERT_TRUE(cert.ok()) << cert.error().message();
  auto checked = VerifyDeletionCertificate(*cert, exchange_key.public_key());
  ASSERT_TRUE(checked.ok());
  EXPECT_NE(checked->find(ok.result->manifest.tables[0].ciphertext_sha256), std::string::npos);
  EXPECT_NE(checked->find("\"reason\":\"confirmed\""), std::string::npos);
  Certificate forged = *cert;
  forged.json.replace(forged.json.find("confirmed"), 9, "retention");
  EXPECT_FALSE(VerifyDeletionCertificate(forged, exchange_key.public_key()).ok());
  EXPECT_FALSE(VerifyDeletionCertificate(*cert, sign::SecretKey::Generate().public_key()).ok());
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

// Manifest v2 gives each column a type: accepted as extract writes it, and
// a version 1 manifest (no types) still is; a "type" that could carry a
// value is refused and alerted.
TEST(ManifestStrict, ColumnTypesOfVersionTwo) {
  auto manifest = [](const std::string& version, const std::string& column) {
    return "{\"format\": \"cordon-manifest\", \"version\": " + version +
           ", \"tables\": [{\"name\": \"patients\", \"columns\": [" + column + "]}]}";
  };
  for (const char* type : {"int", "decimal", "text", "date:%Y-%m-%d", "date:%d/%m/%Y %H:%M"}) {
    std::string column = "{\"name\": \"X\", \"fate\": \"keep\", \"type\": \"";
    column += type;
    column += "\"}";
    bool suspected = false;
    EXPECT_TRUE(CheckManifestStrict(AsBytes(manifest("2", column)), &suspected).ok()) << type;
    EXPECT_FALSE(suspected);
  }
  EXPECT_TRUE(
      CheckManifestStrict(AsBytes(manifest("1", "{\"name\": \"X\", \"fate\": \"keep\"}")), nullptr)
          .ok());
  for (const char* type : {"date:%d/%m/%Y DUPONT", "varchar", "date:", "Jean Dupont",
                           "date:%Y-%m-%d%Y-%m-%d%Y-%m-%d%Y-%m-%d %H"}) {
    std::string column = "{\"name\": \"X\", \"fate\": \"keep\", \"type\": \"";
    column += type;
    column += "\"}";
    bool suspected = false;
    EXPECT_FALSE(CheckManifestStrict(AsBytes(manifest("2", column)), &suspected).ok()) << type;
    EXPECT_TRUE(suspected) << type;
  }
  bool suspected = false;
  EXPECT_FALSE(
      CheckManifestStrict(AsBytes(manifest("2", "{\"name\": \"X\", \"type\": 12}")), &suspected)
          .ok());
}

// extract --avoid-real records the watch key's id and the watchlist's size
// under "pseudonyms": accepted in exactly that shape, refused (and alerted)
// in any shape with room for a value.
TEST(ManifestStrict, AvoidRealHoldsAKeyIdAndACountOnly) {
  auto manifest = [](const std::string& avoid_real) {
    return R"({"format": "cordon-manifest", "version": 2, "pseudonyms": {"key_id": "k", )"
           R"("domain": "lab", "avoid_real": )" +
           avoid_real + "}}";
  };
  bool suspected = false;
  EXPECT_TRUE(
      CheckManifestStrict(
          AsBytes(manifest(R"({"watch_key_id": "0123456789abcdef", "digests": 200})")), &suspected)
          .ok());
  EXPECT_FALSE(suspected);
  // Key ids that happen to be a Belgian IBAN's or a card number's shape are
  // still key ids (ledger::LooksLikePersonalField).
  EXPECT_TRUE(CheckManifestStrict(
                  AsBytes(R"({"format": "cordon-manifest", "version": 2, "pseudonyms": )"
                          R"({"key_id": "4619861821932647", "domain": "lab", "avoid_real": )"
                          R"({"watch_key_id": "2547251652380176", "digests": 200}}})"),
                  &suspected)
                  .ok());
  EXPECT_FALSE(suspected);
  for (const char* bad : {R"({"watch_key_id": "0123456789abcdef"})",
                          R"({"watch_key_id": "184127645108946X", "digests": 1})",
                          R"({"watch_key_id": "0123456789ABCDEF", "digests": 1})",
                          R"({"watch_key_id": "0123456789abcdef", "digests": "DUPONT"})",
                          R"({"watch_key_id": "0123456789abcdef", "digests": -1})",
                          R"({"watch_key_id": "0123456789abcdef", "digests": 1, "nir": "1"})",
                          R"("0123456789abcdef")"}) {
    suspected = false;
    EXPECT_FALSE(CheckManifestStrict(AsBytes(manifest(bad)), &suspected).ok()) << bad;
    EXPECT_TRUE(suspected) << bad;
  }
}

// extract --controller-allowed-signers and --plan add order.signature,
// order.plan_sha256 and order.plan_tolerance: accepted as extract writes
// them (and manifests without them still are), refused (and alerted) in
// any shape with room for a value.
TEST(ManifestStrict, PasskeySignatureAndSignedPlanAsExtractWritesThem) {
  auto manifest = [](const std::string& order_fields) {
    return R"({"format": "cordon-manifest", "version": 2, "order": {"id": "LAB42")" + order_fields +
           "}}";
  };
  const std::string sig = R"(, "signature": {"type": "sshsig-webauthn-sk-ecdsa", )"
                          R"("key": "SHA256:f1xu/sPzm5/YJujMASCq8+hUwP4F11m7x7m3/XiaGck", )";
  const std::string digest(64, 'a');
  for (const std::string& good : std::vector<std::string>{
           std::string(), sig + R"("principal": "dpo"})",
           sig + R"("principal_sha256": ")" + digest + "\"}",
           R"(, "plan_sha256": ")" + digest + R"(", "plan_tolerance": "2.5%")",
           R"(, "controller_key_id": "BC1C9D23E9A33C9B", "plan_sha256": ")" + digest + "\""}) {
    bool suspected = false;
    auto r = CheckManifestStrict(AsBytes(manifest(good)), &suspected);
    EXPECT_TRUE(r.ok()) << good << ": " << r.error().message();
    EXPECT_FALSE(suspected);
  }
  for (const std::string& bad : std::vector<std::string>{
           sig + R"("principal": "dpo@chu-exemple.fr"})",  // personal data
           sig + R"("principal": "dpo", "principal_sha256": ")" + digest + "\"}",
           sig + "\"principal_sha256\": \"DUPONT\"}",
           sig + R"("principal": "dpo", "nir": "x"})",
           sig + R"("principal": "dpo", "type": "other"})",
           std::string(R"(, "signature": {"type": "sshsig-webauthn-sk-ecdsa", "key": "DUPONT", )"
                       R"("principal": "dpo"})"),
           std::string(R"(, "signature": {"type": "sshsig-webauthn-sk-ecdsa", )"
                       R"("key": "SHA256:f1xu/sPzm5/YJujMASCq8+hUwP4F11m7x7m3/XiaGc ", )"
                       R"("principal": "dpo"})"),
           R"(, "plan_sha256": "DUPONT")",
           R"(, "plan_sha256": ")" + std::string(64, 'A') + "\"",
           R"(, "plan_tolerance": "Jean Dupont")",
           R"(, "plan_tolerance": 2)",
       }) {
    bool suspected = false;
    EXPECT_FALSE(CheckManifestStrict(AsBytes(manifest(bad)), &suspected).ok()) << bad;
    EXPECT_TRUE(suspected) << bad;
  }
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
