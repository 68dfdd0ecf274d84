#include "testdata/lis_fr.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/file.h"
#include "source/csv_source.h"

namespace cordon::testdata {
namespace {

std::string TempDir(const char* name) {
  auto d = std::filesystem::temp_directory_path() /
           (std::string("cordon-td-") + name + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d.string();
}

bool ValidNir(std::string nir) {
  nir.erase(std::remove(nir.begin(), nir.end(), ' '), nir.end());
  if (nir.size() != 15 || nir.substr(10, 3) == "000") return false;
  return NirKey(nir.substr(0, 13)) == std::stoi(nir.substr(13));
}

TEST(LisFr, NirKeysFollowTheOfficialRule) {
  EXPECT_EQ(NirKey("1840112345678"), 97 - static_cast<int>(1840112345678ULL % 97));
  // Corsica: 2A counts as 19, 2B as 18.
  EXPECT_EQ(NirKey("184012A123456"), 97 - static_cast<int>(1840119123456ULL % 97));
  EXPECT_EQ(NirKey("184012B123456"), 97 - static_cast<int>(1840118123456ULL % 97));
}

TEST(LisFr, WritesLegacyFilesThatReadBackWithValidIdentifiers) {
  std::string dir = TempDir("a");
  auto stats = WriteLisFr(dir, {.patients = 500, .seed = 3});
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  auto src = source::CsvSource::Open(dir, {});
  ASSERT_TRUE(src.ok());
  auto reader = src->Read(*src->Find("patients"));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->encoding(), source::TextEncoding::kWindows1252);
  EXPECT_EQ((*reader)->separator(), ';');
  size_t rows = 0, corsica = 0, overseas = 0, spaced = 0, multiline = 0;
  for (;;) {
    auto more = (*reader)->Next();
    ASSERT_TRUE(more.ok()) << more.error().message();
    if (!*more) break;
    ++rows;
    std::string nir(*(*reader)->Utf8Field(1));
    EXPECT_TRUE(ValidNir(nir)) << nir;
    std::string compact = nir;
    compact.erase(std::remove(compact.begin(), compact.end(), ' '), compact.end());
    corsica += compact[6] == 'A' || compact[6] == 'B';
    overseas += compact.substr(5, 2) == "97";
    spaced += nir.find(' ') != std::string::npos;
    multiline += std::string(*(*reader)->Utf8Field(13)).find('\n') != std::string::npos;
  }
  EXPECT_EQ(rows, 500u);
  EXPECT_GT(corsica, 0u);
  EXPECT_GT(overseas, 0u);
  EXPECT_GT(spaced, 0u);
  EXPECT_GT(multiline, 0u);
  std::filesystem::remove_all(dir);
}

TEST(LisFr, IsDeterministicForASeedAndRefusesToOverwrite) {
  std::string a = TempDir("b"), b = TempDir("c");
  ASSERT_TRUE(WriteLisFr(a, {.patients = 200, .seed = 9, .utf8 = true}).ok());
  ASSERT_TRUE(WriteLisFr(b, {.patients = 200, .seed = 9, .utf8 = true}).ok());
  EXPECT_EQ(*ReadFileLimited(a + "/patients.csv", 1 << 24),
            *ReadFileLimited(b + "/patients.csv", 1 << 24));
  EXPECT_EQ(WriteLisFr(a, {.patients = 1}).error().code(), ErrorCode::kAlreadyExists);
  std::filesystem::remove_all(a);
  std::filesystem::remove_all(b);
}

}  // namespace
}  // namespace cordon::testdata
