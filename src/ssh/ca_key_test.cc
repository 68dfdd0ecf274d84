#include "ssh/ca_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/encoding.h"
#include "ssh/public_key.h"
#include "ssh/ssh_keygen_oracle.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::ssh {
namespace {

using oracle::Q;
using test_support::ScopedTempDir;

const std::string kVectors = std::string(CORDON_VECTORS_DIR) + "/ssh/";

// The binary inside an openssh-key-v1 file, and back (tests alter it).
Bytes Unarmor(const std::string& text) {
  std::string b64;
  size_t begin = text.find('\n') + 1;
  size_t end = text.find("-----END");
  for (char c : text.substr(begin, end - begin)) {
    if (c != '\n') b64 += c;
  }
  return *Base64Decode(b64);
}
std::string Armor(const Bytes& binary) {
  std::string b64 = Base64Encode(binary);
  std::string text = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
  for (size_t i = 0; i < b64.size(); i += 70) text += b64.substr(i, 70) + "\n";
  return text + "-----END OPENSSH PRIVATE KEY-----\n";
}

TEST(SshCaKey, SavedKeyIsReadBySshKeygenAsTheSameKey) {
  ScopedTempDir dir;
  CaKey ca = CaKey::Generate();
  ASSERT_TRUE(ca.Save(dir / "ca", "cordon user CA").ok());
  struct stat st {};
  ASSERT_EQ(::stat((dir / "ca").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto y = oracle::Run("ssh-keygen -y -f " + Q(dir / "ca"));
  ASSERT_EQ(y.exit_code, 0) << y.output;
  EXPECT_EQ(y.output, ca.PublicKeyLine("cordon user CA") + "\n");
  // The file is laid out as ssh-keygen lays out its own: 70 columns.
  std::string text = oracle::ReadText(dir / "ca");
  EXPECT_TRUE(text.starts_with(
      "-----BEGIN OPENSSH PRIVATE "
      "KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"));

  auto loaded = CaKey::Load(dir / "ca");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(loaded->public_key(), ca.public_key());
  EXPECT_EQ(loaded->comment(), "cordon user CA");
}

TEST(SshCaKey, NeverOverwritesAKey) {
  ScopedTempDir dir;
  CaKey ca = CaKey::Generate();
  ASSERT_TRUE(ca.Save(dir / "ca", "").ok());
  auto again = CaKey::Generate().Save(dir / "ca", "");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(CaKey::Load(dir / "ca")->public_key(), ca.public_key());
}

TEST(SshCaKey, LoadsAKeyMadeBySshKeygen) {
  ScopedTempDir dir;
  for (const char* comment :
       {"", "hospital user CA", "a comment long enough to need some padding xy"}) {
    std::string path = dir / ("k" + std::to_string(std::string(comment).size()));
    auto run = oracle::Run("ssh-keygen -q -t ed25519 -N '' -C '" + std::string(comment) + "' -f " +
                           Q(path));
    ASSERT_EQ(run.exit_code, 0) << run.output;
    auto ca = CaKey::Load(path);
    ASSERT_TRUE(ca.ok()) << ca.error().message();
    EXPECT_EQ(ca->public_key(), *ParsePublicKeyLine(oracle::FirstLine(path + ".pub")));
    EXPECT_EQ(ca->comment(), comment);
  }
}

TEST(SshCaKeyVectors, ParsesOpenSshTestKey) {
  auto ca = ParseCaKey(oracle::ReadText(kVectors + "ed25519_1"));
  ASSERT_TRUE(ca.ok()) << ca.error().message();
  EXPECT_EQ(ca->PublicKeyLine("ED25519 test key #1"),
            oracle::FirstLine(kVectors + "ed25519_1.pub"));
  EXPECT_EQ(ca->comment(), "ED25519 test key #1");
}

TEST(SshCaKey, RefusesAKeyOthersCanRead) {
  ScopedTempDir dir;
  ASSERT_TRUE(CaKey::Generate().Save(dir / "ca", "").ok());
  for (mode_t mode : {0640, 0604, 0620}) {
    ASSERT_EQ(::chmod((dir / "ca").c_str(), mode), 0);
    auto ca = CaKey::Load(dir / "ca");
    ASSERT_FALSE(ca.ok());
    EXPECT_EQ(ca.error().code(), ErrorCode::kRefused);
    EXPECT_EQ(ca.error().hint(), "chmod 600 " + (dir / "ca"));
  }
  ASSERT_EQ(::chmod((dir / "ca").c_str(), 0400), 0);
  EXPECT_TRUE(CaKey::Load(dir / "ca").ok());
  EXPECT_EQ(CaKey::Load(dir / "missing").error().code(), ErrorCode::kNotFound);
}

TEST(SshCaKey, RefusesEncryptedAndNonEd25519Keys) {
  ScopedTempDir dir;
  ASSERT_EQ(
      oracle::Run("ssh-keygen -q -t ed25519 -N 'a passphrase' -f " + Q(dir / "enc")).exit_code, 0);
  auto enc = CaKey::Load(dir / "enc");
  ASSERT_FALSE(enc.ok());
  EXPECT_EQ(enc.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(enc.error().message().find("unencrypted"), std::string::npos);
  EXPECT_NE(enc.error().message().find("root-only"), std::string::npos);

  ASSERT_EQ(oracle::Run("ssh-keygen -q -t ecdsa -N '' -f " + Q(dir / "ecdsa")).exit_code, 0);
  auto ecdsa = CaKey::Load(dir / "ecdsa");
  ASSERT_FALSE(ecdsa.ok());
  EXPECT_EQ(ecdsa.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(ecdsa.error().message().find("must be Ed25519"), std::string::npos);

  ASSERT_EQ(oracle::Run("ssh-keygen -q -t rsa -m PEM -N '' -f " + Q(dir / "pem")).exit_code, 0);
  auto pem = CaKey::Load(dir / "pem");
  ASSERT_FALSE(pem.ok());
  EXPECT_EQ(pem.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(pem.error().hint().find("ssh-keygen -t ed25519"), std::string::npos);
}

TEST(SshCaKey, RefusesDamagedKeys) {
  const Bytes good = Unarmor(oracle::ReadText(kVectors + "ed25519_1"));
  ASSERT_TRUE(ParseCaKey(Armor(good)).ok());
  // Offsets in a one-key Ed25519 file: the private section starts at 98
  // (check-ints), the secret key's bytes at 161 (seed) and 193 (public half).
  struct Case {
    const char* what;
    size_t offset;
  };
  const std::string seed_hex = HexEncode(ByteView(good).subspan(161, 32));
  for (Case c : {Case{"check-int", 98}, Case{"key type", 113}, Case{"public half", 130},
                 Case{"seed", 170}, Case{"secret's public half", 200}, Case{"public key", 70},
                 Case{"magic", 3}, Case{"padding", good.size() - 1}}) {
    Bytes bad = good;
    bad[c.offset] ^= 0x01;
    auto key = ParseCaKey(Armor(bad));
    ASSERT_FALSE(key.ok()) << c.what;
    // The error says what is wrong, never what the key is.
    const std::string said = key.error().message() + key.error().hint();
    EXPECT_EQ(said.find(seed_hex.substr(0, 16)), std::string::npos) << c.what;
    EXPECT_EQ(said.find(Armor(bad).substr(36, 70)), std::string::npos) << c.what;
  }
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_FALSE(ParseCaKey(Armor(longer)).ok());
  for (size_t n : {size_t{10}, size_t{97}, size_t{150}, good.size() - 1}) {
    EXPECT_FALSE(ParseCaKey(Armor(Bytes(good.begin(), good.begin() + n))).ok()) << n;
  }
  std::string text = Armor(good);
  EXPECT_FALSE(ParseCaKey(text.substr(0, text.size() - 10)).ok());
  EXPECT_FALSE(ParseCaKey(text + "junk\n").ok());
  EXPECT_FALSE(ParseCaKey("").ok());
  EXPECT_FALSE(ParseCaKey(oracle::FirstLine(kVectors + "ed25519_1.pub")).ok());
}

}  // namespace
}  // namespace cordon::ssh
