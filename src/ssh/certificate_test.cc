#include "ssh/certificate.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "crypto/ed25519.h"
#include "ssh/public_key.h"
#include "ssh/ssh_keygen_oracle.h"
#include "ssh/wire.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::ssh {
namespace {

using oracle::Q;
using test_support::ScopedTempDir;

const std::string kVectors = std::string(CORDON_VECTORS_DIR) + "/ssh/";
constexpr uint64_t kAfter = 1796083200;   // 2026-12-01T00:00:00Z
constexpr uint64_t kBefore = 1796112000;  // 2026-12-01T08:00:00Z

CertificateSpec Spec(const crypto::Ed25519PublicKey& key) {
  CertificateSpec spec;
  spec.public_key = key;
  spec.serial = 29951;
  spec.key_id = "grant-42 alice@vendor.example order=O-117";
  spec.principals = {"pacs01", "bastion"};
  spec.valid_after = kAfter;
  spec.valid_before = kBefore;
  spec.force_command = "/usr/lib/cordon/session";
  spec.source_address = "192.0.2.7/32,2001:db8::/48";
  spec.extensions = {"permit-pty"};
  return spec;
}

Bytes BlobOfLine(const std::string& line) {
  size_t a = line.find(' ') + 1;
  return *Base64Decode(line.substr(a, line.find(' ', a) - a));
}

// A vendor key made by ssh-keygen, as a vendor would make it.
crypto::Ed25519PublicKey VendorKey(const ScopedTempDir& dir, const std::string& name = "id") {
  auto run = oracle::Run("ssh-keygen -q -t ed25519 -N '' -C 'alice@vendor' -f " + Q(dir / name));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  return *ParsePublicKeyLine(oracle::FirstLine(dir / (name + ".pub")));
}

TEST(SshCertificate, EveryFieldReadsBackInSshKeygen) {
  ScopedTempDir dir;
  CaKey ca = CaKey::Generate();
  CertificateSpec spec = Spec(VendorKey(dir));
  auto blob = SignUserCertificate(ca, spec);
  ASSERT_TRUE(blob.ok()) << blob.error().message();
  oracle::WriteText(dir / "id-cert.pub", CertificateLine(*blob, "alice@vendor") + "\n");
  // ssh-keygen -L verifies the CA signature while it parses.
  auto l = oracle::Run("TZ=UTC ssh-keygen -L -f " + Q(dir / "id-cert.pub"));
  ASSERT_EQ(l.exit_code, 0) << l.output;
  const std::string& out = l.output;
  EXPECT_NE(out.find("Type: ssh-ed25519-cert-v01@openssh.com user certificate"), std::string::npos)
      << out;
  EXPECT_NE(out.find("Public key: ED25519-CERT " + Fingerprint(spec.public_key)),
            std::string::npos);
  EXPECT_NE(
      out.find("Signing CA: ED25519 " + Fingerprint(ca.public_key()) + " (using ssh-ed25519)"),
      std::string::npos);
  EXPECT_NE(out.find("Key ID: \"grant-42 alice@vendor.example order=O-117\""), std::string::npos);
  EXPECT_NE(out.find("Serial: 29951"), std::string::npos);
  EXPECT_NE(out.find("Valid: from 2026-12-01T00:00:00 to 2026-12-01T08:00:00"), std::string::npos);
  EXPECT_NE(out.find("Principals: \n                pacs01\n                bastion\n"),
            std::string::npos);
  EXPECT_NE(out.find("Critical Options: \n                force-command /usr/lib/cordon/session\n"
                     "                source-address 192.0.2.7/32,2001:db8::/48\n"),
            std::string::npos);
  EXPECT_NE(out.find("Extensions: \n                permit-pty\n"), std::string::npos);

  auto cert = ParseCertificate(AsBytes(*blob));
  ASSERT_TRUE(cert.ok()) << cert.error().message();
  EXPECT_EQ(cert->spec, spec);
  EXPECT_EQ(cert->type, kUserCertificate);
  EXPECT_EQ(cert->ca_key, ca.public_key());
  EXPECT_EQ(cert->nonce.size(), 32u);
}

// ssh-keygen signs; cordon parses that certificate and signs the same
// fields again with ssh-keygen's nonce: the bytes must be identical.
void ExpectByteIdentical(const ScopedTempDir& dir, const CaKey& ca, const std::string& ca_path,
                         const std::string& flags,
                         const std::vector<std::string>& cordon_extensions) {
  crypto::Ed25519PublicKey key = VendorKey(dir, "v");
  auto s = oracle::Run("ssh-keygen -q -s " + Q(ca_path) + " " + flags + " " + Q(dir / "v.pub"));
  ASSERT_EQ(s.exit_code, 0) << s.output;
  std::string line = oracle::FirstLine(dir / "v-cert.pub");
  auto theirs = ParseCertificateLine(line);
  ASSERT_TRUE(theirs.ok()) << theirs.error().message();
  EXPECT_EQ(theirs->spec.public_key, key);
  EXPECT_EQ(theirs->ca_key, ca.public_key());
  CertificateSpec spec = theirs->spec;
  spec.extensions = cordon_extensions;  // given unsorted: cordon sorts them
  auto ours = SignUserCertificate(ca, spec, AsBytes(theirs->nonce));
  ASSERT_TRUE(ours.ok()) << ours.error().message();
  Bytes expected = BlobOfLine(line);
  EXPECT_EQ(HexEncode(AsBytes(*ours)), HexEncode(expected)) << flags;
  EXPECT_EQ(CertificateLine(*ours, "alice@vendor"), line);
  ::unlink((dir / "v").c_str());
  ::unlink((dir / "v.pub").c_str());
  ::unlink((dir / "v-cert.pub").c_str());
}

TEST(SshCertificate, ByteIdenticalToSshKeygenWithItsNonce) {
  ScopedTempDir dir;
  // A CA key saved by cordon, used by ssh-keygen -s.
  CaKey ca = CaKey::Generate();
  ASSERT_TRUE(ca.Save(dir / "ca", "cordon").ok());
  const std::string window = "-V 0x6B0E0A00:0x6B0E7C00 ";
  ExpectByteIdentical(dir, ca, dir / "ca",
                      "-I 'grant-42 alice@vendor.example order=O-117' -z 29951 -n pacs01,bastion " +
                          window +
                          "-O clear -O permit-pty -O force-command=/usr/lib/cordon/session "
                          "-O source-address=192.0.2.7/32,10.0.0.0/8",
                      {"permit-pty"});
  ExpectByteIdentical(dir, ca, dir / "ca", "-I g -z 1 -n p " + window + "-O clear", {});
  ExpectByteIdentical(dir, ca, dir / "ca", "-I g -z 18446744073709551615 -n p -V always:forever",
                      {"permit-user-rc", "permit-pty", "permit-port-forwarding",
                       "permit-agent-forwarding", "permit-X11-forwarding", "permit-pty"});
  ExpectByteIdentical(
      dir, ca, dir / "ca",
      "-I g -z 7 -n p " + window +
          "-O clear -O no-touch-required -O permit-agent-forwarding -O force-command='echo a b'",
      {"permit-agent-forwarding", "no-touch-required"});
}

TEST(SshCertificate, ByteIdenticalWithACaKeyMadeBySshKeygen) {
  ScopedTempDir dir;
  ASSERT_EQ(oracle::Run("ssh-keygen -q -t ed25519 -N '' -f " + Q(dir / "ca")).exit_code, 0);
  auto ca = CaKey::Load(dir / "ca");
  ASSERT_TRUE(ca.ok()) << ca.error().message();
  ExpectByteIdentical(dir, *ca, dir / "ca",
                      "-I id -z 99 -n a,b,c -V 0x6B0E0A00:0x6B0E7C00 -O clear -O permit-pty",
                      {"permit-pty"});
}

TEST(SshCertificateVectors, ParsesOpenSshTestHostCertificate) {
  std::string line = oracle::FirstLine(kVectors + "ed25519_1-cert.pub");
  auto cert = ParseCertificateLine(line);
  ASSERT_TRUE(cert.ok()) << cert.error().message();
  auto key = *ParsePublicKeyLine(oracle::FirstLine(kVectors + "ed25519_1.pub"));
  EXPECT_EQ(cert->type, kHostCertificate);
  EXPECT_EQ(cert->spec.public_key, key);
  EXPECT_EQ(cert->ca_key, key);  // self-signed by ed25519_1
  EXPECT_EQ(cert->spec.serial, 8u);
  EXPECT_EQ(cert->spec.key_id, "julius");
  EXPECT_EQ(cert->spec.principals, (std::vector<std::string>{"host1", "host2"}));
  EXPECT_EQ(cert->spec.valid_after, 915145200u);    // 19990101 in CET
  EXPECT_EQ(cert->spec.valid_before, 1293836400u);  // 20110101 in CET
  EXPECT_FALSE(cert->spec.force_command || cert->spec.source_address);
  EXPECT_TRUE(cert->spec.extensions.empty());
  EXPECT_FALSE(cert->ValidAt(1796083200));
  // Re-encoding the parsed fields gives back the signed bytes.
  Bytes blob = BlobOfLine(line);
  std::string signed_part =
      CertificateSignedPart(cert->spec, cert->type, AsBytes(cert->nonce), cert->ca_key);
  EXPECT_EQ(HexEncode(AsBytes(signed_part)), HexEncode(ByteView(blob).first(signed_part.size())));
}

TEST(SshCertificate, ValidityIsAfterInclusiveBeforeExclusive) {
  Certificate cert;
  cert.spec.valid_after = 100;
  cert.spec.valid_before = 200;
  EXPECT_FALSE(cert.ValidAt(99));
  EXPECT_TRUE(cert.ValidAt(100));
  EXPECT_TRUE(cert.ValidAt(199));
  EXPECT_FALSE(cert.ValidAt(200));
}

TEST(SshCertificate, SignerRefusesWhatWouldBeUnsafeOrMalformed) {
  CaKey ca = CaKey::Generate();
  crypto::Ed25519PublicKey key{};
  key[0] = 1;
  auto refused = [&](auto mutate, const char* why) {
    CertificateSpec spec = Spec(key);
    mutate(spec);
    auto blob = SignUserCertificate(ca, spec);
    EXPECT_FALSE(blob.ok()) << why;
    if (!blob.ok()) {
      EXPECT_EQ(blob.error().code(), ErrorCode::kInvalidArgument) << why;
    }
    return blob.ok() ? std::string() : blob.error().message();
  };
  EXPECT_NE(refused([](CertificateSpec& s) { s.principals.clear(); }, "no principals").find("ANY"),
            std::string::npos);
  refused([](CertificateSpec& s) { s.principals = {"a", ""}; }, "empty principal");
  refused([](CertificateSpec& s) { s.principals = {"a", "a"}; }, "duplicate principal");
  refused([](CertificateSpec& s) { s.principals = {"a\nb"}; }, "control char principal");
  refused([](CertificateSpec& s) { s.valid_before = s.valid_after; }, "empty window");
  refused([](CertificateSpec& s) { s.valid_before = s.valid_after - 1; }, "inverted window");
  refused([](CertificateSpec& s) { s.serial = 0; }, "serial 0");
  refused([](CertificateSpec& s) { s.key_id.clear(); }, "empty key id");
  refused([](CertificateSpec& s) { s.key_id = std::string(257, 'k'); }, "long key id");
  refused([](CertificateSpec& s) { s.key_id = "grant-1\x1b[2J"; }, "escape in key id");
  refused([](CertificateSpec& s) { s.key_id = std::string("a\0b", 3); }, "NUL in key id");
  refused(
      [](CertificateSpec& s) {
        s.extensions = {"permit-pty", "permit-everything"};
      },
      "unknown extension");
  refused([](CertificateSpec& s) { s.extensions = {"login@github.com"}; }, "custom extension");
  refused([](CertificateSpec& s) { s.force_command = ""; }, "empty force-command");
  refused([](CertificateSpec& s) { s.source_address = "any"; }, "bad source-address");
  refused([](CertificateSpec& s) { s.source_address = "10.0.0.1,"; }, "bad source-address");
  refused([](CertificateSpec& s) { s.source_address = ""; }, "empty source-address");

  CertificateSpec ok = Spec(key);
  ok.key_id = std::string(256, 'k');
  EXPECT_TRUE(SignUserCertificate(ca, ok).ok());
  std::array<uint8_t, 15> short_nonce{};
  EXPECT_FALSE(SignUserCertificate(ca, ok, short_nonce).ok());
  std::array<uint8_t, 33> long_nonce{};
  EXPECT_FALSE(SignUserCertificate(ca, ok, long_nonce).ok());
}

TEST(SshCertificate, ExtensionsAreSortedAndDeduplicated) {
  CaKey ca = CaKey::Generate();
  CertificateSpec spec = Spec(crypto::Ed25519PublicKey{});
  spec.extensions = {"permit-pty", "permit-X11-forwarding", "permit-pty", "no-touch-required"};
  std::array<uint8_t, 32> nonce{};
  auto blob = SignUserCertificate(ca, spec, nonce);
  ASSERT_TRUE(blob.ok());
  auto cert = ParseCertificate(AsBytes(*blob));
  ASSERT_TRUE(cert.ok()) << cert.error().message();
  EXPECT_EQ(cert->spec.extensions,
            (std::vector<std::string>{"no-touch-required", "permit-X11-forwarding", "permit-pty"}));
  // Same fields, same nonce: same bytes (Ed25519 is deterministic).
  EXPECT_EQ(*SignUserCertificate(ca, spec, nonce), *blob);
}

// Builds a certificate blob field by field and signs it with a raw key, so
// that a test can make the malformed certificates the signer refuses to.
struct RawCert {
  std::string type = std::string(kEd25519CertificateType);
  std::string nonce = std::string(32, 'n');
  std::string key = std::string(32, 'k');
  uint64_t serial = 5;
  uint32_t cert_type = 1;
  std::string key_id = "id";
  std::vector<std::string> principals = {"p"};
  uint64_t after = 1, before = 2;
  std::vector<std::pair<std::string, std::string>> critical, extensions;
  std::string reserved;
  std::string sig_type = "ssh-ed25519";

  std::string Build(const crypto::Ed25519KeyPair& ca,
                    const crypto::Ed25519PublicKey* named_ca = nullptr,
                    size_t sig_size = 64) const {
    WireWriter w;
    w.String(type);
    w.String(nonce);
    w.String(key);
    w.U64(serial);
    w.U32(cert_type);
    w.String(key_id);
    WireWriter p;
    for (const auto& s : principals) p.String(s);
    w.String(p.bytes());
    w.U64(after);
    w.U64(before);
    for (const auto* list : {&critical, &extensions}) {
      WireWriter o;
      for (const auto& [name, data] : *list) {
        o.String(name);
        o.String(data);
      }
      w.String(o.bytes());
    }
    w.String(reserved);
    w.String(KeyBlob(named_ca ? *named_ca : ca.public_key));
    auto sig = crypto::Ed25519Sign(ca.secret_key, AsBytes(w.bytes()));
    WireWriter s;
    s.String(sig_type);
    s.String(ByteView(sig).first(std::min<size_t>(sig_size, 64)));
    w.String(s.bytes());
    return w.Take();
  }
};

std::string Nested(std::string_view value) {
  WireWriter w;
  w.String(value);
  return w.Take();
}

TEST(SshCertificate, ParserRefusesTamperingAndNonCanonicalForms) {
  auto ca = crypto::GenerateEd25519();
  auto other = crypto::GenerateEd25519();
  RawCert base;
  base.critical = {{"force-command", Nested("/bin/rec")},
                   {"source-address", Nested("10.0.0.1/32")}};
  base.extensions = {{"permit-X11-forwarding", ""}, {"permit-pty", ""}};
  std::string good = base.Build(ca);
  auto parsed = ParseCertificate(AsBytes(good));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(*parsed->spec.force_command, "/bin/rec");

  auto code = [](const std::string& blob) {
    auto c = ParseCertificate(AsBytes(blob));
    return c.ok() ? std::optional<ErrorCode>() : c.error().code();
  };
  // A flipped bit anywhere in the signed part or the signature.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x04;
    EXPECT_TRUE(code(bad).has_value()) << "bit flip at " << i;
  }
  std::string flipped = good;
  flipped[good.size() - 1] ^= 0x01;
  EXPECT_EQ(code(flipped), ErrorCode::kAuthFailed);
  std::string id_changed = good;
  id_changed[id_changed.find("id")] = 'I';
  EXPECT_EQ(code(id_changed), ErrorCode::kAuthFailed);
  // Signed by one CA, labelled as another's.
  EXPECT_EQ(code(base.Build(other, &ca.public_key)), ErrorCode::kAuthFailed);
  // Every truncation, and trailing bytes.
  for (size_t n = 0; n < good.size(); ++n) EXPECT_TRUE(code(good.substr(0, n)).has_value()) << n;
  EXPECT_EQ(code(good + '\0'), ErrorCode::kMalformed);

  auto refused = [&](auto mutate, std::optional<ErrorCode> want, const char* why) {
    RawCert c = base;
    mutate(c);
    EXPECT_EQ(code(c.Build(ca)), want) << why;
  };
  refused([](RawCert& c) { c.principals.clear(); }, ErrorCode::kMalformed, "empty principals");
  refused([](RawCert& c) { std::swap(c.critical[0], c.critical[1]); }, ErrorCode::kMalformed,
          "unsorted critical options");
  refused([](RawCert& c) { c.critical[1] = c.critical[0]; }, ErrorCode::kMalformed,
          "duplicate critical option");
  refused([](RawCert& c) { std::swap(c.extensions[0], c.extensions[1]); }, ErrorCode::kMalformed,
          "unsorted extensions");
  refused([](RawCert& c) { c.extensions.push_back(c.extensions[1]); }, ErrorCode::kMalformed,
          "duplicate extension");
  refused(
      [](RawCert& c) {
        c.critical.push_back({"verify-required", ""});
      },
      ErrorCode::kUnsupported, "unknown critical option");
  refused([](RawCert& c) { c.critical[0].second = "/bin/rec"; }, ErrorCode::kTruncated,
          "option value not nested");
  refused([](RawCert& c) { c.critical[0].second = Nested("/bin/rec") + "x"; },
          ErrorCode::kMalformed, "bytes after a nested value");
  refused([](RawCert& c) { c.extensions[1].second = "x"; }, ErrorCode::kUnsupported,
          "extension with data");
  refused([](RawCert& c) { c.type = "ssh-rsa-cert-v01@openssh.com"; }, ErrorCode::kUnsupported,
          "RSA certificate");
  refused([](RawCert& c) { c.type = "ssh-ed25519"; }, ErrorCode::kMalformed, "plain key");
  refused([](RawCert& c) { c.cert_type = 3; }, ErrorCode::kMalformed, "type 3");
  refused([](RawCert& c) { c.nonce = "short"; }, ErrorCode::kMalformed, "short nonce");
  refused([](RawCert& c) { c.key = std::string(31, 'k'); }, ErrorCode::kMalformed, "short key");
  refused([](RawCert& c) { c.reserved = "x"; }, ErrorCode::kMalformed, "reserved field");
  refused([](RawCert& c) { c.after = 2, c.before = 2; }, ErrorCode::kMalformed, "empty window");
  refused([](RawCert& c) { c.key_id = "a\nb"; }, ErrorCode::kMalformed, "control in key id");
  refused([](RawCert& c) { c.sig_type = "ssh-rsa"; }, ErrorCode::kMalformed, "signature type");
  refused([](RawCert& c) { c.cert_type = 2; }, std::nullopt, "host certificates are read");
  EXPECT_EQ(code(base.Build(ca, nullptr, 63)), ErrorCode::kMalformed);
}

TEST(SshCertificate, LineParserRefusesOtherLines) {
  EXPECT_EQ(ParseCertificateLine(oracle::FirstLine(kVectors + "ed25519_1.pub")).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ParseCertificateLine("").ok());
  EXPECT_FALSE(ParseCertificateLine("ssh-ed25519-cert-v01@openssh.com").ok());
  EXPECT_FALSE(ParseCertificateLine("ssh-ed25519-cert-v01@openssh.com AAAA=").ok());
  EXPECT_EQ(ParseCertificateLine("ssh-rsa-cert-v01@openssh.com AAAA").error().code(),
            ErrorCode::kUnsupported);
  std::string line = oracle::FirstLine(kVectors + "ed25519_1-cert.pub");
  EXPECT_TRUE(ParseCertificateLine("  " + line + "\r\n").ok());
  EXPECT_FALSE(ParseCertificateLine(line + "\n" + line).ok());
}

TEST(SshCertificate, ParsesSshKeygenCertificatesItCannotRepresentAsUnsupported) {
  ScopedTempDir dir;
  ASSERT_EQ(oracle::Run("ssh-keygen -q -t ed25519 -N '' -f " + Q(dir / "ca")).exit_code, 0);
  VendorKey(dir, "v");
  ASSERT_EQ(oracle::Run("ssh-keygen -q -s " + Q(dir / "ca") + " -I x -n p -O verify-required " +
                        Q(dir / "v.pub"))
                .exit_code,
            0);
  auto cert = ParseCertificateLine(oracle::FirstLine(dir / "v-cert.pub"));
  ASSERT_FALSE(cert.ok());
  EXPECT_EQ(cert.error().code(), ErrorCode::kUnsupported);
  ASSERT_EQ(
      oracle::Run("ssh-keygen -q -s " + Q(dir / "ca") + " -I x " + Q(dir / "v.pub")).exit_code, 0);
  auto any = ParseCertificateLine(oracle::FirstLine(dir / "v-cert.pub"));
  ASSERT_FALSE(any.ok());
  EXPECT_NE(any.error().message().find("ANY principal"), std::string::npos);
}

}  // namespace
}  // namespace cordon::ssh
