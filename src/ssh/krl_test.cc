#include "ssh/krl.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "ssh/ca_key.h"
#include "ssh/certificate.h"
#include "ssh/ssh_keygen_oracle.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::ssh {
namespace {

using oracle::Q;
using test_support::ScopedTempDir;

// Writes a certificate for `key` by `ca`, with this serial and key id.
std::string WriteCert(const ScopedTempDir& dir, const CaKey& ca, uint64_t serial,
                      const std::string& key_id) {
  CertificateSpec spec;
  spec.public_key = CaKey::Generate().public_key();
  spec.serial = serial;
  spec.key_id = key_id;
  spec.principals = {"maint"};
  spec.valid_after = 0;
  spec.valid_before = UINT64_MAX;
  auto blob = SignUserCertificate(ca, spec);
  EXPECT_TRUE(blob.ok());
  std::string path = dir / ("cert-" + std::to_string(serial) + ".pub");
  oracle::WriteText(path, CertificateLine(*blob) + "\n");
  return path;
}

// ssh-keygen -Q: exit 1 and "REVOKED" when the KRL revokes the key.
bool Revoked(const std::string& krl, const std::string& cert) {
  auto q = oracle::Run("ssh-keygen -Q -f " + Q(krl) + " " + Q(cert));
  EXPECT_TRUE((q.exit_code == 1 && q.output.find(": REVOKED") != std::string::npos) ||
              (q.exit_code == 0 && q.output.ends_with(": ok\n")))
      << q.exit_code << " " << q.output;
  return q.exit_code == 1;
}

TEST(SshKrl, SshKeygenSeesRevocationsBySerialAndByKeyId) {
  ScopedTempDir dir;
  CaKey ca = CaKey::Generate();
  std::string by_serial = WriteCert(dir, ca, 42, "grant-1 alice@vendor");
  std::string by_id = WriteCert(dir, ca, 43, "grant-2 bob@vendor order=O-9");
  std::string neither = WriteCert(dir, ca, 44, "grant-3 carol@vendor");
  std::string unrevoked_krl = dir / "empty.krl";
  oracle::WriteText(unrevoked_krl, WriteKrl({.ca_key = ca.public_key(), .version = 1}));
  EXPECT_FALSE(Revoked(unrevoked_krl, by_serial));

  KrlSpec spec;
  spec.ca_key = ca.public_key();
  spec.serials = {1000, 42, 42, 0};
  spec.key_ids = {"grant-9 x", "grant-2 bob@vendor order=O-9", ""};
  spec.version = 2;
  spec.generated_at = 1796083200;
  spec.comment = "cordon grants";
  oracle::WriteText(dir / "krl", WriteKrl(spec));
  EXPECT_TRUE(Revoked(dir / "krl", by_serial));
  EXPECT_TRUE(Revoked(dir / "krl", by_id));
  EXPECT_FALSE(Revoked(dir / "krl", neither));

  // During a rotation: both CAs' certificates revoked by one KRL.
  CaKey next = CaKey::Generate();
  std::string next_serial = WriteCert(dir, next, 1000, "grant-7 dan@vendor");
  spec.more_ca_keys = {next.public_key(), ca.public_key()};
  oracle::WriteText(dir / "both.krl", WriteKrl(spec));
  EXPECT_TRUE(Revoked(dir / "both.krl", by_serial));
  EXPECT_TRUE(Revoked(dir / "both.krl", next_serial));
  EXPECT_FALSE(Revoked(dir / "both.krl", neither));
  spec.more_ca_keys.clear();

  // The same serials and ids revoked for another CA leave this CA's alone.
  spec.ca_key = CaKey::Generate().public_key();
  oracle::WriteText(dir / "other.krl", WriteKrl(spec));
  EXPECT_FALSE(Revoked(dir / "other.krl", by_serial));
  EXPECT_FALSE(Revoked(dir / "other.krl", by_id));
}

TEST(SshKrl, ByteIdenticalToSshKeygenButForTheDate) {
  ScopedTempDir dir;
  CaKey ca = CaKey::Generate();
  oracle::WriteText(dir / "ca.pub", ca.PublicKeyLine() + "\n");
  // Sparse serials: ssh-keygen then writes a serial list (not a range or
  // bitmap, which it picks for runs of serials).
  oracle::WriteText(dir / "spec",
                    "serial: 77777\nserial: 42\nid: grant-9 x\nid: grant-2 bob\nserial: 1000\n");
  auto k = oracle::Run("ssh-keygen -k -f " + Q(dir / "krl") + " -s " + Q(dir / "ca.pub") +
                       " -z 5 " + Q(dir / "spec"));
  ASSERT_EQ(k.exit_code, 0) << k.output;
  std::string theirs = oracle::ReadText(dir / "krl");
  ASSERT_GE(theirs.size(), 28u);
  uint64_t date = 0;
  for (int i = 20; i < 28; ++i) date = (date << 8) | static_cast<uint8_t>(theirs[i]);
  KrlSpec spec{.ca_key = ca.public_key(),
               .serials = {1000, 42, 77777},
               .key_ids = {"grant-9 x", "grant-2 bob"},
               .version = 5,
               .generated_at = date};
  EXPECT_EQ(HexEncode(AsBytes(WriteKrl(spec))), HexEncode(AsBytes(theirs)));
}

TEST(SshKrl, HeaderOnlyWhenNothingIsRevoked) {
  std::string krl = WriteKrl({.version = 3, .generated_at = 4, .comment = "c"});
  EXPECT_EQ(HexEncode(AsBytes(krl)),
            "5353484b524c0a00"  // "SSHKRL\n\0"
            "00000001"          // format version 1
            "0000000000000003"  // KRL version
            "0000000000000004"  // generated date
            "0000000000000000"  // flags
            "00000000"          // reserved
            "0000000163");      // comment
}

}  // namespace
}  // namespace cordon::ssh
