// Real packages pinned in tests/vectors/cordon/package/ (manifest version
// 1) and package-v2/ (version 2, with column types), each made once by
// `cordon extract` with the vectors' signing key: today's manifest reader
// must still accept them, read the same facts, and check their signatures,
// so a package sealed by an earlier cordon still opens. tests/check_vectors.py
// checks the same packages independently (and age -d -i recipient.key opens
// them).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "age/keys.h"
#include "age/recipients.h"
#include "core/file.h"
#include "pipeline/extract.h"
#include "pipeline/manifest.h"
#include "sign/minisign.h"
#include "source/sqlite_target.h"
#include "testing/golden.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::pipeline {
namespace {

TEST(ManifestVectors, APackageOfVersionOneStillReadsAndVerifies) {
  auto text = ReadFileLimited(test_support::VectorPath("package/manifest.json"), 1 << 16);
  ASSERT_TRUE(text.ok());
  auto m = ParseManifest(*text);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->order_id, "VECTORS-2026-11");
  EXPECT_EQ(m->order_sha256, "be35720c90278bf64aa1c277da8480ba7195717106be11ef710d8c5f08458381");
  EXPECT_EQ(m->delete_by_text, "2026-12-30");
  ASSERT_EQ(m->recipients.size(), 1u);
  EXPECT_EQ(m->recipients[0], "age19up2rvg876nevh90e28ygldrd6vlxvlt887enqzhude0ksp8afxqc5h6fz");
  ASSERT_EQ(m->tables.size(), 1u);
  EXPECT_EQ(m->tables[0].file, "patients.csv.age");
  EXPECT_EQ(m->tables[0].ciphertext_size, 220u);
  EXPECT_EQ(m->tables[0].ciphertext_sha256,
            "d1fcc267a9ca901cdfcb82e54527da10a8aeb253f89a059c02db6e9518c8439e");

  auto pub_text = ReadFileLimited(test_support::VectorPath("signing.key.pub"), 4096);
  ASSERT_TRUE(pub_text.ok());
  auto pub = sign::PublicKey::Parse(AsChars(*pub_text));
  ASSERT_TRUE(pub.ok());
  auto sig_text = ReadFileLimited(test_support::VectorPath("package/manifest.json.minisig"), 4096);
  ASSERT_TRUE(sig_text.ok());
  auto sig = sign::Signature::Parse(AsChars(*sig_text));
  ASSERT_TRUE(sig.ok());
  MemorySource manifest(*text);
  EXPECT_TRUE(sign::Verify(*pub, *sig, manifest).ok());
  Bytes altered = *text;
  altered[altered.size() / 2] ^= 1;
  MemorySource forged(altered);
  EXPECT_FALSE(sign::Verify(*pub, *sig, forged).ok());
}

// The vectors' recipient key, as open's identities.
std::vector<std::unique_ptr<age::Identity>> VectorIdentities() {
  std::vector<std::unique_ptr<age::Identity>> ids;
  auto text = ReadFileLimited(test_support::VectorPath("package/recipient.key"), 4096);
  EXPECT_TRUE(text.ok());
  if (!text.ok()) return ids;
  auto parsed = age::ParseIdentityFile(*text, "recipient.key");
  EXPECT_TRUE(parsed.ok());
  if (!parsed.ok()) return ids;
  for (auto& id : *parsed) ids.push_back(age::MakeX25519Identity(std::move(id)));
  return ids;
}

// Every row of `sql`, fields joined by '|', rows by '\n'.
std::string Query(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::string out;
  sqlite3_exec(
      db, sql,
      [](void* o, int n, char** values, char**) {
        auto* s = static_cast<std::string*>(o);
        for (int i = 0; i < n; ++i) *s += std::string(i ? "|" : "") + (values[i] ? values[i] : "");
        *s += '\n';
        return 0;
      },
      &out, nullptr);
  sqlite3_close(db);
  return out;
}

TEST(ManifestVectors, APackageOfVersionTwoCarriesColumnTypes) {
  auto text = ReadFileLimited(test_support::VectorPath("package-v2/manifest.json"), 1 << 16);
  ASSERT_TRUE(text.ok());
  auto m = ParseManifest(*text);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->version, 2);
  EXPECT_EQ(m->order_id, "VECTORS-2026-11-V2");
  ASSERT_EQ(m->tables.size(), 1u);
  const auto& cols = m->tables[0].columns;
  ASSERT_EQ(cols.size(), 5u);
  std::string types;
  for (const ManifestColumn& c : cols) {
    ASSERT_TRUE(c.type.has_value()) << c.name;
    types += c.name + "=" + FormatColumnType(*c.type) + " ";
  }
  EXPECT_EQ(types, "NUM=int NOM=text VISITE=date:%d/%m/%Y POIDS=decimal NAISSANCE=text ");

  auto pub = sign::PublicKey::Parse(
      AsChars(*ReadFileLimited(test_support::VectorPath("signing.key.pub"), 4096)));
  ASSERT_TRUE(pub.ok());
  auto sig = sign::Signature::Parse(AsChars(
      *ReadFileLimited(test_support::VectorPath("package-v2/manifest.json.minisig"), 4096)));
  ASSERT_TRUE(sig.ok());
  MemorySource manifest(*text);
  EXPECT_TRUE(sign::Verify(*pub, *sig, manifest).ok());

  // Opened --into a database with --create-tables: typed columns, the date
  // in ISO 8601 (the source wrote 03/02/2021), the decimal comma a point.
  test_support::ScopedTempDir dir;
  const std::string db = dir / "typed.db";
  auto ids = VectorIdentities();
  auto opened = OpenPackageInto(
      {.package_dir = test_support::VectorPath("package-v2"),
       .identities = ids,
       .processor_key = *pub,
       .clock = {order::DaysFromCivil(2026, 12, 1), "2026-12-01T00:00:00Z"}},
      [&]() -> Result<std::unique_ptr<source::TableTarget>> {
        CORDON_ASSIGN_OR_RETURN(auto t, source::SqliteTarget::Open(db, {.create_tables = true}));
        return std::unique_ptr<source::TableTarget>(std::move(t));
      });
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(Query(db,
                  "SELECT group_concat(name || ' ' || type, ', ') FROM "
                  "pragma_table_info('patients')"),
            "NUM INTEGER, NOM TEXT, VISITE DATE, POIDS NUMERIC, NAISSANCE TEXT\n");
  EXPECT_EQ(Query(db,
                  "SELECT NUM, typeof(NUM), NOM, VISITE, POIDS, typeof(POIDS), NAISSANCE "
                  "FROM patients ORDER BY NUM"),
            "1|integer|M*****|2021-02-03|72.5|real|1984\n3|integer|P****|2022-11-28||null|1979\n");
}

TEST(ManifestVectors, VersionOnePackagesLoadAsText) {
  test_support::ScopedTempDir dir;
  const std::string db = dir / "text.db";
  auto ids = VectorIdentities();
  auto opened = OpenPackageInto(
      {.package_dir = test_support::VectorPath("package"),
       .identities = ids,
       .skip_manifest_signature = true,
       .allow_expired = true,
       .clock = {order::DaysFromCivil(2026, 12, 1), "2026-12-01T00:00:00Z"}},
      [&]() -> Result<std::unique_ptr<source::TableTarget>> {
        CORDON_ASSIGN_OR_RETURN(auto t, source::SqliteTarget::Open(db, {.create_tables = true}));
        return std::unique_ptr<source::TableTarget>(std::move(t));
      });
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(Query(db, "SELECT group_concat(type, ',') FROM pragma_table_info('patients')"),
            "TEXT,TEXT\n");
  EXPECT_EQ(Query(db, "SELECT NUM, VISITE FROM patients"), "1|2021\n");
}

TEST(ManifestParse, VersionsAndTypes) {
  auto manifest = [](int version, const std::string& column) {
    return "{\"format\": \"cordon-manifest\", \"version\": " + std::to_string(version) +
           ", \"order\": {\"id\": \"X\"}, \"delete_by\": \"2030-01-01\", \"tables\": "
           "[{\"name\": \"t\", \"file\": \"t.csv.age\", \"ciphertext_size\": 1, "
           "\"ciphertext_sha256\": \"" +
           std::string(64, 'a') + "\", \"columns\": [" + column + "]}]}";
  };
  auto parse = [](const std::string& s) { return ParseManifest(AsBytes(s)); };
  EXPECT_TRUE(parse(manifest(1, R"({"name": "A", "fate": "keep"})")).ok());
  EXPECT_FALSE(parse(manifest(1, R"({"name": "A", "fate": "keep"})"))->tables[0].columns[0].type);
  auto v2 = parse(manifest(2, R"({"name": "A", "fate": "keep", "type": "date:%d/%m/%Y"})"));
  ASSERT_TRUE(v2.ok()) << v2.error().message();
  EXPECT_EQ(v2->tables[0].columns[0].type->date_format, "%d/%m/%Y");
  // Version 2 needs every column's type, a valid one, and a short format.
  EXPECT_FALSE(parse(manifest(2, R"({"name": "A", "fate": "keep"})")).ok());
  EXPECT_FALSE(parse(manifest(2, R"({"name": "A", "type": "varchar"})")).ok());
  EXPECT_FALSE(parse(manifest(2, R"({"name": "A", "type": 3})")).ok());
  EXPECT_FALSE(
      parse(manifest(2, R"({"name": "A", "type": "date:%d/%m/%Y)" + std::string(40, '-') + R"("})"))
          .ok());
  EXPECT_FALSE(
      parse(manifest(2, R"({"name": "A", "type": "int"}, {"name": "A", "type": "int"})")).ok());
  auto v3 = parse(manifest(3, R"({"name": "A", "type": "int"})"));
  ASSERT_FALSE(v3.ok());
  EXPECT_EQ(v3.error().code(), ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace cordon::pipeline
