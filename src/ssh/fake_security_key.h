// Test-only: an SSH security key (sk-ssh-ed25519 or sk-ecdsa-sha2-nistp256,
// PROTOCOL.u2f) simulated exactly as OpenSSH's sk middleware answers, so
// that tests make the signatures `ssh-keygen -Y sign` makes with a FIDO key
// without one. Header-only, for *_test.cc files.
#pragma once

#include <string>
#include <string_view>

#include "crypto/ed25519.h"
#include "ssh/fake_passkey.h"
#include "ssh/signing_key.h"
#include "ssh/sshsig.h"
#include "ssh/wire.h"

namespace cordon::ssh::testkit {

inline constexpr uint8_t kSkUserPresent = 0x01;
inline constexpr uint8_t kSkUserVerified = 0x04;

// A security key simulated exactly as OpenSSH's sk middleware answers
// (PROTOCOL.u2f): it signs SHA-256(application) ‖ flags ‖ counter ‖
// SHA-256(SSHSIG signed data).
class FakeSecurityKey {
 public:
  explicit FakeSecurityKey(SigningKeyType type, std::string application = "ssh:")
      : ed_(crypto::GenerateEd25519()) {
    WireWriter w;
    if (type == SigningKeyType::kSkEd25519) {
      w.String("sk-ssh-ed25519@openssh.com");
      w.String(ByteView(ed_.public_key));
    } else {
      w.String("sk-ecdsa-sha2-nistp256@openssh.com");
      w.String("nistp256");
      w.String(ByteView(p256_.Point()));
    }
    w.String(application);
    key_ = SigningKey::FromBlob(AsBytes(w.bytes())).value();
  }
  const SigningKey& Key() const { return key_; }

  std::string Sign(std::string_view ns, std::string_view message, uint8_t flags = kSkUserPresent,
                   uint32_t counter = 9) const {
    const std::string data = SshsigSignedData(ns, AsBytes(message));
    const std::string signed_data = SkSignedData(key_, flags, counter, AsBytes(data));
    Bytes raw;
    if (key_.type() == SigningKeyType::kSkEd25519) {
      const auto sig = crypto::Ed25519Sign(ed_.secret_key, AsBytes(signed_data));
      raw.assign(sig.begin(), sig.end());
    } else {
      const auto sig = crypto::ParseEcdsaDer(p256_.SignRaw(AsBytes(signed_data))).value();
      raw.assign(sig.r.begin(), sig.r.end());
      raw.insert(raw.end(), sig.s.begin(), sig.s.end());
    }
    return ArmorSshsigEnvelope(
        {key_.Blob(), std::string(ns), SkSignatureBlob(key_, raw, flags, counter)});
  }

 private:
  crypto::Ed25519KeyPair ed_;
  testkit::FakePasskey p256_;
  SigningKey key_;
};

}  // namespace cordon::ssh::testkit
