#include "client/session_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "testing/scoped_temp_dir.h"

namespace cordon::client {
namespace {
namespace fs = std::filesystem;

nlohmann::json ReadJson(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

mode_t ModeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 07777;
}

ino_t InodeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_ino;
}

TEST(SessionStoreTest, DefaultPathFollowsXdgThenHome) {
  EXPECT_EQ(SessionStore::DefaultPath("/x/cfg", "/home/r"), "/x/cfg/cordon/remote.json");
  EXPECT_EQ(SessionStore::DefaultPath("", "/home/r"), "/home/r/.config/cordon/remote.json");
  EXPECT_EQ(SessionStore::DefaultPath(nullptr, "/home/r"), "/home/r/.config/cordon/remote.json");
  EXPECT_EQ(SessionStore::DefaultPath(nullptr, nullptr), "./.config/cordon/remote.json");
}

TEST(SessionStoreTest, TheFileIsPrivateAndItsDirectoryToo) {
  const test_support::ScopedTempDir scratch;
  const fs::path dir = scratch.path();
  const fs::path path = dir / "cfg" / "cordon" / "remote.json";
  SessionStore store(path.string());
  ASSERT_TRUE(store.SaveToken("https://a.example:8443", "tok").ok());
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(ModeOf(path.parent_path()), 0700u);
  // A file another program left readable is made private again.
  ::chmod(path.c_str(), 0644);
  ASSERT_TRUE(store.SaveToken("https://a.example:8443", "tok2").ok());
  EXPECT_EQ(ModeOf(path), 0600u);
}

TEST(SessionStoreTest, TokensAreKeptPerServer) {
  const test_support::ScopedTempDir scratch;
  const fs::path dir = scratch.path();
  SessionStore store((dir / "remote.json").string());
  EXPECT_EQ(store.Token("https://a.example").value(), "");
  ASSERT_TRUE(store.SaveToken("https://a.example", "ta").ok());
  ASSERT_TRUE(store.SaveToken("https://b.example:8443", "tb").ok());
  EXPECT_EQ(store.Token("https://a.example").value(), "ta");
  EXPECT_EQ(SessionStore((dir / "remote.json").string()).Token("https://b.example:8443").value(),
            "tb");
  EXPECT_EQ(store.Token("https://b.example").value(), "");     // another URL, another session
  ASSERT_TRUE(store.SaveToken("https://a.example", "").ok());  // log out of a only
  EXPECT_EQ(store.Token("https://a.example").value(), "");
  EXPECT_EQ(store.Token("https://b.example:8443").value(), "tb");
  const auto j = ReadJson(dir / "remote.json");
  EXPECT_EQ(j["servers"]["https://a.example"], nlohmann::json::object());
}

TEST(SessionStoreTest, PinsAreKeptPerHostAndPortAndOnlyWrittenWhenTheyChange) {
  const test_support::ScopedTempDir scratch;
  const fs::path dir = scratch.path();
  const fs::path path = dir / "remote.json";
  SessionStore store(path.string());
  const std::string key(64, 'a'), other(64, 'b');
  ASSERT_TRUE(store.SavePin("a.example:443", "https://a.example", key).ok());
  EXPECT_EQ(store.Pin("a.example:443", "https://a.example/").value().key_sha256, key);
  EXPECT_EQ(store.Pin("a.example:8443", "https://a.example:8443").value().key_sha256, "");
  EXPECT_EQ(ReadJson(path)["pins"]["a.example:443"], (nlohmann::json{{"key_sha256", key}}));
  // The same pin again: the file is left alone.
  fs::remove(path);
  ASSERT_TRUE(store.SaveToken("https://a.example", "t").ok());
  ASSERT_TRUE(store.SavePin("a.example:443", "https://a.example", other).ok());
  const ino_t written = InodeOf(path);  // each save is a new file renamed over the old
  ASSERT_TRUE(store.SavePin("a.example:443", "https://a.example", other).ok());
  EXPECT_EQ(InodeOf(path), written);
  EXPECT_EQ(store.Pin("a.example:443", "").value().key_sha256, other);
  EXPECT_EQ(store.Token("https://a.example").value(), "t");  // a pin keeps the session
}

TEST(SessionStoreTest, ALegacyCertificatePinIsReadUntilTheKeyReplacesIt) {
  const test_support::ScopedTempDir scratch;
  const fs::path dir = scratch.path();
  const fs::path path = dir / "remote.json";
  const std::string cert(64, 'c'), key(64, 'd');
  std::ofstream(path) << R"({"servers":{"https://a.example:8443":{"fingerprint":")" << cert
                      << R"(","token":"t"}}})";
  SessionStore store(path.string());
  StoredPin pin = store.Pin("a.example:8443", "https://a.example:8443").value();
  EXPECT_EQ(pin.key_sha256, "");
  EXPECT_EQ(pin.legacy_certificate_sha256, cert);
  ASSERT_TRUE(store.SavePin("a.example:8443", "https://a.example:8443", key).ok());
  pin = store.Pin("a.example:8443", "https://a.example:8443").value();
  EXPECT_EQ(pin.key_sha256, key);
  EXPECT_EQ(pin.legacy_certificate_sha256, "");
  EXPECT_EQ(ReadJson(path)["servers"]["https://a.example:8443"], (nlohmann::json{{"token", "t"}}));
}

TEST(SessionStoreTest, ADamagedFileIsRefusedNeverSavedOver) {
  // Read as empty and saved over, a damaged file would lose every pin: the
  // next contact with each server would be a first use (the attacker's
  // review, L1). Reading and saving both refuse, and the file stays.
  const test_support::ScopedTempDir scratch;
  const fs::path path = fs::path(scratch.path()) / "remote.json";
  for (const char* corrupt : {"{\"pins\": {\"a.example:443\": {", "[1,2,3]", "\"text\"", ""}) {
    std::ofstream(path, std::ios::trunc) << corrupt;
    SessionStore store(path.string());
    auto token = store.Token("https://a.example");
    ASSERT_FALSE(token.ok()) << corrupt;
    EXPECT_EQ(token.error().code(), ErrorCode::kMalformed);
    EXPECT_NE(token.error().hint().find("pinned"), std::string::npos);
    EXPECT_FALSE(store.Pin("a.example:443", "https://a.example").ok()) << corrupt;
    EXPECT_FALSE(store.SaveToken("https://a.example", "t").ok()) << corrupt;
    EXPECT_FALSE(store.SavePin("a.example:443", "https://a.example", std::string(64, 'a')).ok());
    std::ifstream in(path);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), corrupt) << "left as it was";
  }
  // Members of the wrong type inside a good object are only ignored.
  std::ofstream(path, std::ios::trunc) << R"({"servers":[],"pins":"x"})";
  SessionStore store(path.string());
  EXPECT_EQ(store.Token("https://a.example").value(), "");
  ASSERT_TRUE(store.SaveToken("https://a.example", "t").ok());
  EXPECT_EQ(store.Token("https://a.example").value(), "t");
}

}  // namespace
}  // namespace cordon::client
