#include "pipeline/provenance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "age/keys.h"
#include "age/recipients.h"
#include "core/encoding.h"
#include "core/file.h"
#include "crypto/hash.h"
#include "pipeline/extract.h"
#include "source/csv_source.h"
#include "testdata/lis_fr.h"

namespace cordon::pipeline {
namespace {
namespace fs = std::filesystem;

TraceKey FixedKey() {
  auto k = TraceKey::Parse(AsBytes(std::string_view(
      "# test\nCORDON-TRACE-KEY-1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")));
  EXPECT_TRUE(k.ok());
  return std::move(*k);
}

uint64_t Row(const TraceKey& key, std::string_view table, std::vector<std::string_view> cells) {
  return key.RowDigest(table, cells);
}

TEST(TraceKey, FileRoundTripAndId) {
  TraceKey a = TraceKey::Generate();
  SecretBuffer text = a.FileText();
  auto b = TraceKey::Parse(text.RevealBytes());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->id(), a.id());
  EXPECT_EQ(a.id().size(), 16u);
  EXPECT_EQ(Row(a, "t", {"x"}), Row(*b, "t", {"x"}));
  EXPECT_NE(Row(a, "t", {"x"}), Row(TraceKey::Generate(), "t", {"x"})) << "keyed";
  EXPECT_FALSE(TraceKey::Parse(AsBytes(std::string_view("CORDON-TRACE-KEY-1 AAEC\n"))).ok());
  EXPECT_FALSE(
      TraceKey::Parse(AsBytes(std::string_view("CORDON-WATCH-KEY-1 "
                                               "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")))
          .ok())
      << "a watch key is not a trace key";
  // SHA-256("cordon trace key id v1" ‖ 00 01 … 1f), first 8 bytes.
  crypto::Sha256 h;
  h.Update(AsBytes(std::string_view("cordon trace key id v1")));
  Bytes secret(32);
  for (size_t i = 0; i < 32; ++i) secret[i] = static_cast<uint8_t>(i);
  h.Update(secret);
  auto id = h.Final();
  EXPECT_EQ(FixedKey().id(), HexEncode(ByteView(id.data(), 8)));
}

TEST(TraceKey, ReCasedAndReSpacedRowsAndValuesStillMatch) {
  TraceKey key = FixedKey();
  const uint64_t row = Row(key, "patients", {"P0001", "Dupont Jean", "2 69 05 2A 123 456 88"});
  EXPECT_EQ(Row(key, "patients", {" p0001", "DUPONT   jean ", "2 69 05 2a\t123 456 88"}), row);
  // What must not match: another table, another cell, cells split otherwise,
  // a column more or less.
  EXPECT_NE(Row(key, "results", {"P0001", "Dupont Jean", "2 69 05 2A 123 456 88"}), row);
  EXPECT_NE(Row(key, "patients", {"P0002", "Dupont Jean", "2 69 05 2A 123 456 88"}), row);
  EXPECT_NE(Row(key, "patients", {"P0001 Dupont", "Jean", "2 69 05 2A 123 456 88"}), row);
  EXPECT_NE(Row(key, "patients", {"P0001", "Dupont Jean"}), row);
  EXPECT_NE(Row(key, "patients", {"P0001", "Dupont Jean", "2 69 05 2A 123 456 88", ""}), row);
  EXPECT_EQ(NormalizeCell("  Jean\t\r\n  DUPONT  "), "jean dupont");

  // Identifiers in any written form are one value: the detectors' normal form.
  auto nir = key.ValueDigest("patients", "2 69 05 2A 123 456 88");
  ASSERT_TRUE(nir.has_value());
  EXPECT_EQ(key.ValueDigest("patients", "269052a12345688"), nir);
  EXPECT_EQ(key.ValueDigest("patients", " 269052A12345688 "), nir);
  EXPECT_EQ(key.ValueDigest("patients", "070761-4285"), key.ValueDigest("patients", "0707614285"));
  EXPECT_EQ(key.ValueDigest("patients", "Jean.Dupont@Example.FR"),
            key.ValueDigest("patients", "jean.dupont@example.fr"));
  EXPECT_EQ(key.ValueDigest("patients", "  y73UXKOFZZ  "),
            key.ValueDigest("patients", "y73uxkofzz"));
  EXPECT_NE(key.ValueDigest("results", "269052A12345688"), nir) << "tables are separate";
  EXPECT_FALSE(key.ValueDigest("patients", " \t ").has_value());
  // Rows and values are separate domains: a one-cell row is not its value.
  EXPECT_NE(Row(key, "patients", {"y73uxkofzz"}), *key.ValueDigest("patients", "y73uxkofzz"));
}

Provenance Sample(const TraceKey& key) {
  ProvenanceBuilder patients(key, "patients", {false, true});
  patients.Row(std::vector<std::string_view>{"P1", "184017645108964"});
  patients.Row(std::vector<std::string_view>{"P2", "269052A12345688"});
  patients.Row(std::vector<std::string_view>{"P1", "184017645108964"});  // a duplicate row
  patients.Row(std::vector<std::string_view>{"P3", ""});
  ProvenanceBuilder empty(key, "resultats", {false});
  return {.package_sha256 = std::string(64, 'a'),
          .order_id = "LAB42 MIGRATION",
          .key_id = key.id(),
          .created = "2029-01-01T00:00:00Z",
          .delete_by = "2030-12-31",
          .tables = {patients.Finish(), empty.Finish()}};
}

TEST(Provenance, RoundTripsAndRefusesEveryDefect) {
  TraceKey key = FixedKey();
  Provenance p = Sample(key);
  ASSERT_EQ(p.tables[0].rows.size(), 3u) << "a duplicate row is one digest";
  ASSERT_EQ(p.tables[0].values.size(), 2u) << "empty values are not digested";
  Bytes file = p.Serialize();
  auto back = Provenance::Parse(file);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->package_sha256, p.package_sha256);
  EXPECT_EQ(back->order_id, "LAB42 MIGRATION");
  EXPECT_EQ(back->key_id, key.id());
  EXPECT_EQ(back->created, "2029-01-01T00:00:00Z");
  EXPECT_EQ(back->delete_by, "2030-12-31");
  ASSERT_EQ(back->tables.size(), 2u);
  EXPECT_EQ(back->tables[0].name, "patients");
  EXPECT_EQ(back->tables[0].rows, p.tables[0].rows);
  EXPECT_EQ(back->tables[0].values, p.tables[0].values);
  EXPECT_TRUE(back->tables[1].rows.empty());
  EXPECT_EQ(back->Serialize(), file) << "canonical";
  const std::string text(file.begin(), file.end());
  EXPECT_EQ(text.find("cordon-provenance 1\npackage " + std::string(64, 'a') +
                      "\norder LAB42 MIGRATION\nkey " + key.id() +
                      "\ncreated 2029-01-01T00:00:00Z\ndelete-by 2030-12-31\ndigest "
                      "hmac-sha256-64\ntables 2\ntable patients rows 3 values 2\ntable "
                      "resultats rows 0 values 0\n\n"),
            0u);
  EXPECT_EQ(file.size(), text.find("\n\n") + 2 + 5 * 8 + 32);

  // Every byte flipped is refused (the checksum, or the header's form).
  for (size_t i = 0; i < file.size(); ++i) {
    Bytes bad = file;
    bad[i] ^= 0x01;
    EXPECT_FALSE(Provenance::Parse(bad).ok()) << "byte " << i;
  }
  for (size_t n = 0; n < file.size(); ++n) {
    EXPECT_FALSE(Provenance::Parse(ByteView(file.data(), n)).ok()) << "truncated to " << n;
  }
  // Another version is kUnsupported; unsorted digests are refused even with
  // a correct checksum.
  std::string v2 = text;
  v2.replace(0, 19, "cordon-provenance 2");
  auto other = Provenance::Parse(AsBytes(std::string_view(v2)));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code(), ErrorCode::kUnsupported);
  Provenance unsorted = p;
  std::swap(unsorted.tables[0].rows[0], unsorted.tables[0].rows[1]);
  auto refused = Provenance::Parse(unsorted.Serialize());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("strictly increasing"), std::string::npos);
  // Whatever order id extract writes reads back (an order may have a long one).
  Provenance long_id = p;
  long_id.order_id = std::string(5000, 'X');
  auto long_back = Provenance::Parse(long_id.Serialize());
  ASSERT_TRUE(long_back.ok()) << long_back.error().message();
  EXPECT_EQ(long_back->order_id, long_id.order_id);
  // A count that claims more digests than the file holds allocates nothing.
  std::string huge = text.substr(0, text.find("\n\n") + 2);
  huge.replace(huge.find("rows 3"), 6, "rows 99999999999");
  EXPECT_FALSE(Provenance::Parse(AsBytes(std::string_view(huge))).ok());
}

TEST(Provenance, PathIsBesideThePackage) {
  EXPECT_EQ(ProvenancePath("out/pkg"), "out/pkg.provenance");
  EXPECT_EQ(ProvenancePath("out/pkg//"), "out/pkg.provenance");
  EXPECT_EQ(ProvenancePath("pkg"), "pkg.provenance");
}

// Extractions with a trace key, end to end.
class ProvenanceExtract : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cordon-provenance-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_TRUE(testdata::WriteLisFr(Path("src"), {.patients = 60, .seed = 9}).ok());
    std::string order =
        "[order]\nid = \"T1\"\ncontroller = \"Lab\"\nprocessor = \"Vendor\"\n"
        "purpose = \"Test\"\ncontract = \"DPA\"\nnot_after = 2030-01-01\n"
        "retention_days = 10\nprovenance_retention_days = 400\nrecipients = [\"" +
        identity_.Recipient().Encode() +
        "\"]\n[[table]]\nname = \"patients\"\nsubject = \"NUM_DOSSIER\"\n[table.columns]\n"
        "NUM_DOSSIER = \"keep\"\nNIR = \"keep\"\nNOM = \"keep\"\nSEXE = \"keep\"\n";
    ASSERT_TRUE(WriteFileAtomic(Path("order.toml"), AsBytes(order)).ok());
    MemorySource m(AsBytes(order));
    ASSERT_TRUE(WriteFileAtomic(Path("order.toml.minisig"),
                                AsBytes(sign::Sign(controller_, m, "ok")->Format()))
                    .ok());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }

  Result<ExtractResult> Run(const std::string& out, const TraceKey* key) {
    CORDON_ASSIGN_OR_RETURN(source::CsvSource src, source::CsvSource::Open(Path("src"), {}));
    return Extract({.order_path = Path("order.toml"),
                    .controller_key = controller_.public_key(),
                    .manifest_signer = ManifestSigner::NobodyOnPurpose(),
                    .out_dir = Path(out),
                    .clock = {order::DaysFromCivil(2029, 1, 1), "2029-01-01T00:00:00Z"},
                    .trace_key = key},
                   src);
  }

  // The package's decrypted rows (CSV lines, the header first).
  std::vector<std::string> Open(const std::string& pkg) {
    std::vector<std::unique_ptr<age::Identity>> ids;
    SecretBuffer text = identity_.Encode();
    ids.push_back(
        age::MakeX25519Identity(age::X25519Identity::Parse(AsChars(text.RevealBytes())).value()));
    auto opened = OpenPackage({.package_dir = Path(pkg),
                               .identities = ids,
                               .skip_manifest_signature = true,
                               .out_dir = Path(pkg + "-open"),
                               .clock = {order::DaysFromCivil(2029, 1, 1), ""}});
    EXPECT_TRUE(opened.ok()) << opened.error().message();
    Bytes csv = ReadFileLimited(Path(pkg + "-open/patients.csv"), 1 << 20).value();
    std::vector<std::string> lines;
    std::string_view rest = AsChars(csv);
    while (!rest.empty()) {
      size_t nl = rest.find("\r\n");
      lines.emplace_back(rest.substr(0, nl));
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 2);
    }
    return lines;
  }

  fs::path dir_;
  sign::SecretKey controller_ = sign::SecretKey::Generate();
  age::X25519Identity identity_ = age::X25519Identity::Generate();
  TraceKey key_ = TraceKey::Generate();
};

std::vector<std::string_view> Cells(std::string_view line) {
  std::vector<std::string_view> out;
  while (true) {
    size_t comma = line.find(',');
    out.push_back(line.substr(0, comma));
    if (comma == std::string_view::npos) return out;
    line.remove_prefix(comma + 1);
  }
}

TEST_F(ProvenanceExtract, WritesDigestsBesideThePackageThatMatchItsRowsAndNoValue) {
  auto r = Run("pkg", &key_);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->provenance_path, Path("pkg.provenance"));
  for (const auto& entry : fs::directory_iterator(Path("pkg")))
    EXPECT_EQ(entry.path().filename().string().find("provenance"), std::string::npos)
        << "not in the package";
  Bytes file = ReadFileLimited(Path("pkg.provenance"), 1 << 20).value();
  EXPECT_EQ(r->provenance_sha256, HexEncode(crypto::Sha256::Hash(file)));
  EXPECT_EQ(fs::status(Path("pkg.provenance")).permissions() & fs::perms::others_read,
            fs::perms::none);
  auto p = Provenance::Parse(file);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->package_sha256, r->manifest_sha256);
  EXPECT_EQ(p->order_id, "T1");
  EXPECT_EQ(p->key_id, key_.id());
  EXPECT_EQ(p->delete_by, "2030-02-05") << "2029-01-01 + provenance_retention_days 400";
  EXPECT_EQ(r->provenance_delete_by, "2030-02-05");
  ASSERT_EQ(p->tables.size(), 1u);
  const ProvenanceTable& t = p->tables[0];

  // Every row of the package, re-cased and re-spaced, is in the file, and
  // so are its identifying values (NUM_DOSSIER the subject, NIR and NOM by
  // name); SEXE is not identifying.
  std::vector<std::string> lines = Open("pkg");
  ASSERT_EQ(lines.size(), 61u);
  ASSERT_EQ(lines[0], "NUM_DOSSIER,NIR,NOM,SEXE");
  std::set<uint64_t> values;
  size_t nir_values = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string_view> cells = Cells(lines[i]);
    ASSERT_EQ(cells.size(), 4u) << lines[i];
    std::string upper(lines[i]);
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    std::vector<std::string> leaked;
    for (std::string_view c : Cells(upper)) leaked.push_back("  " + std::string(c) + " ");
    std::vector<std::string_view> leaked_views(leaked.begin(), leaked.end());
    EXPECT_TRUE(
        std::binary_search(t.rows.begin(), t.rows.end(), key_.RowDigest("patients", leaked_views)))
        << "row " << i;
    for (size_t c : {0, 1, 2}) {
      auto d = key_.ValueDigest("patients", cells[c]);
      if (!d) continue;
      EXPECT_TRUE(std::binary_search(t.values.begin(), t.values.end(), *d));
      values.insert(*d);
      nir_values += c == 1;
    }
    auto sex = key_.ValueDigest("patients", cells[3]);
    if (sex && !values.count(*sex)) {
      EXPECT_FALSE(std::binary_search(t.values.begin(), t.values.end(), *sex)) << "SEXE";
    }
  }
  EXPECT_GT(nir_values, 50u);
  EXPECT_EQ(t.values.size(), values.size()) << "nothing but the identifying values";
  EXPECT_EQ(t.rows.size(), 60u);

  // The file holds no value of the package, in any form.
  const std::string_view bytes = AsChars(file);
  for (size_t i = 1; i < lines.size(); ++i) {
    for (std::string_view cell : Cells(lines[i])) {
      if (cell.size() < 4) continue;
      EXPECT_EQ(bytes.find(cell), std::string_view::npos) << "a value in the file";
      std::string normal = NormalizeCell(cell);
      EXPECT_EQ(bytes.find(normal), std::string_view::npos);
    }
  }
}

TEST_F(ProvenanceExtract, NoTraceKeyNoFileAndAnExistingFileIsNeverReplaced) {
  auto plain = Run("plain", nullptr);
  ASSERT_TRUE(plain.ok()) << plain.error().message();
  EXPECT_TRUE(plain->provenance_path.empty());
  EXPECT_TRUE(plain->provenance_sha256.empty());
  EXPECT_FALSE(PathExists(Path("plain.provenance")));
  // The manifest is the same either way: the provenance is not in the package.
  auto traced = Run("traced", &key_);
  ASSERT_TRUE(traced.ok());
  EXPECT_EQ(traced->tables[0].stats.rows_selected, plain->tables[0].stats.rows_selected);

  ASSERT_TRUE(WriteFileAtomic(Path("again.provenance"), AsBytes(std::string_view("x"))).ok());
  auto refused = Run("again", &key_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_FALSE(PathExists(Path("again"))) << "refused before anything is written";
  EXPECT_FALSE(PathExists(Path("again.partial")));
  EXPECT_EQ(AsChars(ReadFileLimited(Path("again.provenance"), 16).value()), "x");
}

}  // namespace
}  // namespace cordon::pipeline
