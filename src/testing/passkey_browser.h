// Test-only: what a browser sends the exchange from a passkey (the JSON of
// the registration and login pages), built around ssh's FakePasskey —
// WebAuthn's byte layouts exactly, a "none" attestation. For serve's tests.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "auth/cbor_writer_for_tests.h"
#include "core/encoding.h"
#include "crypto/hash.h"
#include "ssh/fake_passkey.h"

namespace cordon::serve::testkit {

using nlohmann::json;
using ssh::testkit::FakePasskey;
using ssh::testkit::kFakeOrigin;
using ssh::testkit::kFakeRp;

// What navigator.credentials.create() answers (WebAuthn §6.5, "none"
// attestation), for `challenge`.
inline json Created(const FakePasskey& pk, const Bytes& credential_id,
                    const std::string& challenge_b64,
                    const std::string& origin = std::string(kFakeOrigin)) {
  namespace cbor = auth::testkit;
  const std::string client = R"({"type":"webauthn.create","challenge":")" + challenge_b64 +
                             R"(","origin":")" + origin + R"(","crossOrigin":false})";
  const auto rp_hash = crypto::Sha256::Hash(AsBytes(kFakeRp));
  Bytes ad(rp_hash.begin(), rp_hash.end());
  ad.push_back(ssh::kUserPresent | ssh::kUserVerified | ssh::kAttestedData);
  ad.insert(ad.end(), 4, 0);   // counter 0
  ad.insert(ad.end(), 16, 0);  // AAGUID: not said
  ad.push_back(static_cast<uint8_t>(credential_id.size() >> 8));
  ad.push_back(static_cast<uint8_t>(credential_id.size()));
  ad.insert(ad.end(), credential_id.begin(), credential_id.end());
  const crypto::P256Point& p = pk.Point();
  const Bytes cose = cbor::Map({{cbor::Int(1), cbor::Int(2)},
                                {cbor::Int(3), cbor::Int(-7)},
                                {cbor::Int(-1), cbor::Int(1)},
                                {cbor::Int(-2), cbor::Bstr(ByteView(p).subspan(1, 32))},
                                {cbor::Int(-3), cbor::Bstr(ByteView(p).subspan(33, 32))}});
  ad.insert(ad.end(), cose.begin(), cose.end());
  const Bytes object = cbor::Map({{cbor::Tstr("fmt"), cbor::Tstr("none")},
                                  {cbor::Tstr("attStmt"), cbor::Map({})},
                                  {cbor::Tstr("authData"), cbor::Bstr(ad)}});
  return {{"challenge", challenge_b64},
          {"attestation_object", Base64UrlEncode(object)},
          {"client_data_json", Base64UrlEncode(AsBytes(client))}};
}

// What navigator.credentials.get() answers, in the shape the login page sends.
inline json Asserted(const FakePasskey& pk, const Bytes& credential_id,
                     const std::string& challenge_b64, const FakePasskey::Options& o) {
  const Bytes challenge = *Base64UrlDecode(challenge_b64);
  const ssh::WebauthnAssertion a = pk.SignChallenge(challenge, o);
  return {{"challenge", challenge_b64},
          {"credential_id", Base64UrlEncode(credential_id)},
          {"authenticator_data", Base64UrlEncode(a.authenticator_data)},
          {"client_data_json", Base64UrlEncode(AsBytes(a.client_data_json))},
          {"signature", Base64UrlEncode(a.signature_der)}};
}

}  // namespace cordon::serve::testkit
