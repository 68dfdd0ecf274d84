// Fuzzes the passkey checks of auth/webauthn.h and the strict CBOR reader
// under them (auth/cbor.h) — what a browser sends the exchange at
// registration and login. The input is tried as CBOR, as an attestation
// object (with client data that passes, so the CBOR, the authenticator
// data, the COSE key and the statement are reached), and as the
// authenticator data of a login assertion. Whatever it holds, nothing may
// crash, and a parsed map never holds two equal keys.
#include <string>

#include "auth/cbor.h"
#include "auth/webauthn.h"
#include "core/encoding.h"

namespace {

using namespace cordon;

constexpr std::string_view kRp = "cordon.chu-exemple.fr";
constexpr std::string_view kOrigin = "https://cordon.chu-exemple.fr";

Bytes Challenge() { return Bytes(32, 0x42); }

std::string ClientData(std::string_view type) {
  return R"({"type":")" + std::string(type) + R"(","challenge":")" + Base64UrlEncode(Challenge()) +
         R"(","origin":")" + std::string(kOrigin) + "\"}";
}

// P-256's generator: a point on the curve, as a stored key.
cordon::ssh::SkEcdsaKey StoredKey() {
  auto hex = *HexDecode(
      "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
      "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
  crypto::P256Point point;
  std::copy(hex.begin(), hex.end(), point.begin());
  return *cordon::ssh::SkEcdsaKey::Make(point, kRp);
}

void CheckUniqueKeys(const auth::CborValue& v) {
  for (const auto& item : v.items) CheckUniqueKeys(item);
  for (size_t i = 0; i < v.entries.size(); ++i) {
    CheckUniqueKeys(v.entries[i].value);
    for (size_t j = 0; j < i; ++j) {
      const auto& a = v.entries[i].key;
      const auto& b = v.entries[j].key;
      if (a.type == b.type && a.number == b.number && a.bytes == b.bytes) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView input(data, size);
  auto value = auth::ParseCbor(input);
  if (value.ok()) CheckUniqueKeys(*value);
  auto prefix = auth::ParseCborPrefix(input);
  if (prefix.ok() && prefix->second > size) __builtin_trap();

  auth::RegistrationOptions reg;
  reg.rp_id = kRp;
  reg.origin = kOrigin;
  reg.challenge = Challenge();
  auto registered = auth::VerifyRegistration(reg, input, ClientData("webauthn.create"));
  if (registered.ok() && (registered->key.application != kRp || registered->credential_id.empty() ||
                          registered->credential_id.size() > auth::kMaxCredentialId)) {
    __builtin_trap();
  }
  reg.accept_unverified_attestation = true;
  (void)auth::VerifyRegistration(reg, input, ClientData("webauthn.create"));

  static const auth::StoredCredential stored{Bytes(16, 1), StoredKey(), 0};
  const auth::AssertionOptions get{std::string(kRp), std::string(kOrigin), Challenge(), true};
  const Bytes der = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
  // No signature by the generator's key is known: a login never passes.
  if (auth::VerifyLoginAssertion(get, stored, stored.credential_id, input,
                                 ClientData("webauthn.get"), der)
          .ok()) {
    __builtin_trap();
  }
  return 0;
}
