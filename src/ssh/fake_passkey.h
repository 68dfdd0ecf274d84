// Test-only: a passkey simulated exactly (WebAuthn §6.3.3, §7.2), for the
// tests of sshsig.h and of what builds on it. Header-only; not part of the
// library (cordon never holds a passkey's private key).
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

namespace cordon::ssh::testing_passkey {

inline constexpr std::string_view kRp = "cordon.chu-exemple.fr";
inline constexpr std::string_view kOrigin = "https://cordon.chu-exemple.fr";
inline constexpr std::string_view kNs = "cordon-order@chu-exemple.fr";

// What a passkey does, simulated exactly (WebAuthn §6.3.3, §7.2): a P-256
// key, authenticatorData = SHA-256(rpId) ‖ flags ‖ counter ‖ extensions,
// an ES256 signature over authenticatorData ‖ SHA-256(clientDataJSON).
class FakePasskey {
 public:
  explicit FakePasskey(std::string_view rp_id = kRp) : rp_(rp_id) {
    pkey_.reset(EVP_EC_gen("P-256"));
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(pkey_.get(), OSSL_PKEY_PARAM_PUB_KEY, point_.data(),
                                    point_.size(), &len);
    EXPECT_EQ(len, 65u);
  }

  SkEcdsaKey Key() const { return *SkEcdsaKey::Make(point_, rp_); }

  struct Options {
    uint8_t flags = kUserPresent | kUserVerified;
    uint32_t counter = 7;
    std::string origin = std::string(kOrigin);
    std::string type = "webauthn.get";
    std::string rp;  // the site the authenticator answers for; default rp_
    Bytes extensions;
    std::string tail = R"(,"crossOrigin":false})";
  };

  WebauthnAssertion Sign(std::string_view ns, std::string_view message, const Options& o) {
    const std::string challenge = Base64UrlEncode(AsBytes(SshsigSignedData(ns, AsBytes(message))));
    WebauthnAssertion a;
    a.client_data_json = R"({"type":")" + o.type + R"(","challenge":")" + challenge +
                         R"(","origin":")" + o.origin + "\"" + o.tail;
    const auto rp_hash = crypto::Sha256::Hash(AsBytes(o.rp.empty() ? rp_ : o.rp));
    a.authenticator_data.assign(rp_hash.begin(), rp_hash.end());
    a.authenticator_data.push_back(o.flags);
    for (int shift : {24, 16, 8, 0}) a.authenticator_data.push_back(uint8_t(o.counter >> shift));
    a.authenticator_data.insert(a.authenticator_data.end(), o.extensions.begin(),
                                o.extensions.end());
    Bytes signed_data = a.authenticator_data;
    const auto client_hash = crypto::Sha256::Hash(AsBytes(a.client_data_json));
    signed_data.insert(signed_data.end(), client_hash.begin(), client_hash.end());
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    size_t sig_len = 80;
    a.signature_der.resize(sig_len);
    EXPECT_EQ(EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, pkey_.get()), 1);
    EXPECT_EQ(EVP_DigestSign(md.get(), a.signature_der.data(), &sig_len, signed_data.data(),
                             signed_data.size()),
              1);
    a.signature_der.resize(sig_len);
    return a;
  }
  WebauthnAssertion Sign(std::string_view ns, std::string_view message) {
    return Sign(ns, message, Options{});
  }

  // The assertion wrapped as an armored SSH signature as it is, checked by
  // nothing: for signatures a verifier must refuse (UV cleared, another
  // site's RP id hash...). authenticatorData's rpIdHash is not in the
  // signature: the verifier rebuilds it from the key's application.
  std::string Armored(std::string_view ns, std::string_view message, const Options& o) {
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
  std::string Armored(std::string_view ns, std::string_view message) {
    return Armored(ns, message, Options{});
  }

 private:
  std::string rp_;
  crypto::P256Point point_{};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey_{nullptr, EVP_PKEY_free};
};

}  // namespace cordon::ssh::testing_passkey
