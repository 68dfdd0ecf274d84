// Test-only: a passkey simulated exactly (WebAuthn §6.3.3, §7.2) — a P-256
// key made with OpenSSL, authenticatorData = SHA-256(rpId) ‖ flags ‖
// counter ‖ extensions, an ES256 signature over authenticatorData ‖
// SHA-256(clientDataJSON). Header-only, for *_test.cc files (ssh's SSHSIG
// tests and auth's WebAuthn tests share it); never part of a library.
#pragma once

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/encoding.h"
#include "crypto/ecdsa_p256.h"
#include "crypto/hash.h"
#include "ssh/sshsig.h"

namespace cordon::ssh::testkit {

inline constexpr std::string_view kFakeRp = "cordon.chu-exemple.fr";
inline constexpr std::string_view kFakeOrigin = "https://cordon.chu-exemple.fr";
inline constexpr std::string_view kFakeNamespace = "cordon-order@chu-exemple.fr";

class FakePasskey {
 public:
  explicit FakePasskey(std::string_view rp_id = kFakeRp) : rp_(rp_id) {
    pkey_.reset(EVP_EC_gen("P-256"));
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(pkey_.get(), OSSL_PKEY_PARAM_PUB_KEY, point_.data(),
                                    point_.size(), &len);
    EXPECT_EQ(len, 65u);
  }

  SkEcdsaKey Key() const { return *SkEcdsaKey::Make(point_, rp_); }
  const crypto::P256Point& Point() const { return point_; }
  const std::string& RpId() const { return rp_; }

  // An ES256 signature (DER) over `data` by this passkey's key.
  Bytes SignRaw(ByteView data) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    size_t sig_len = 80;
    Bytes der(sig_len);
    EXPECT_EQ(EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, pkey_.get()), 1);
    EXPECT_EQ(EVP_DigestSign(md.get(), der.data(), &sig_len, data.data(), data.size()), 1);
    der.resize(sig_len);
    return der;
  }

  struct Options {
    uint8_t flags = kUserPresent | kUserVerified;
    uint32_t counter = 7;
    std::string origin = std::string(kFakeOrigin);
    std::string type = "webauthn.get";
    std::string rp;  // the site the authenticator answers for; default rp_
    Bytes extensions;
    std::string tail = R"(,"crossOrigin":false})";
  };

  // An assertion whose challenge is the base64url of `challenge`.
  WebauthnAssertion SignChallenge(ByteView challenge, const Options& o) const {
    WebauthnAssertion a;
    a.client_data_json = R"({"type":")" + o.type + R"(","challenge":")" +
                         Base64UrlEncode(challenge) + R"(","origin":")" + o.origin + "\"" + o.tail;
    const auto rp_hash = crypto::Sha256::Hash(AsBytes(o.rp.empty() ? rp_ : o.rp));
    a.authenticator_data.assign(rp_hash.begin(), rp_hash.end());
    a.authenticator_data.push_back(o.flags);
    for (int shift : {24, 16, 8, 0}) a.authenticator_data.push_back(uint8_t(o.counter >> shift));
    a.authenticator_data.insert(a.authenticator_data.end(), o.extensions.begin(),
                                o.extensions.end());
    Bytes signed_data = a.authenticator_data;
    const auto client_hash = crypto::Sha256::Hash(AsBytes(a.client_data_json));
    signed_data.insert(signed_data.end(), client_hash.begin(), client_hash.end());
    a.signature_der = SignRaw(signed_data);
    return a;
  }

  // An assertion over SSHSIG's signed data for `message` (ssh/sshsig.h).
  WebauthnAssertion Sign(std::string_view ns, std::string_view message, const Options& o) const {
    return SignChallenge(AsBytes(SshsigSignedData(ns, AsBytes(message))), o);
  }
  WebauthnAssertion Sign(std::string_view ns, std::string_view message) const {
    return Sign(ns, message, Options{});
  }

  // The assertion wrapped as an armored SSH signature as it is, checked by
  // nothing: for signatures a verifier must refuse (UV cleared, another
  // site's RP id hash...). authenticatorData's rpIdHash is not in the
  // signature: the verifier rebuilds it from the key's application.
  std::string Armored(std::string_view ns, std::string_view message, const Options& o) const {
    const WebauthnAssertion a = Sign(ns, message, o);
    Sshsig sig;
    sig.key = Key();
    sig.ns = std::string(ns);
    sig.signature.ecdsa = crypto::ParseEcdsaDer(a.signature_der).value();
    sig.signature.flags = o.flags;
    sig.signature.counter = o.counter;
    sig.signature.extensions = o.extensions;
    sig.signature.origin = o.origin;
    sig.signature.client_data_json = a.client_data_json;
    return ArmorSshsig(sig);
  }
  std::string Armored(std::string_view ns, std::string_view message) const {
    return Armored(ns, message, Options{});
  }

 private:
  std::string rp_;
  crypto::P256Point point_{};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey_{nullptr, EVP_PKEY_free};
};

}  // namespace cordon::ssh::testkit

// The names the signed-plan tests use.
namespace cordon::ssh::testing_passkey {
using testkit::FakePasskey;
inline constexpr std::string_view kRp = testkit::kFakeRp;
inline constexpr std::string_view kOrigin = testkit::kFakeOrigin;
inline constexpr std::string_view kNs = testkit::kFakeNamespace;
}  // namespace cordon::ssh::testing_passkey
