#include "auth/webauthn_attestation.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>

namespace cordon::auth {
namespace {

constexpr int64_t kEs256 = -7;
// The id-fido-gen-ce-aaguid extension (WebAuthn §8.2.1).
constexpr const char* kAaguidOid = "1.3.6.1.4.1.45724.1.1.4";
constexpr size_t kMaxChain = 5;

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct StoreFree {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct ObjFree {
  void operator()(ASN1_OBJECT* p) const { ASN1_OBJECT_free(p); }
};
using Cert = std::unique_ptr<X509, X509Free>;

Error Refused(std::string what) {
  return Error(ErrorCode::kAuthFailed,
               "passkey registration refused: attestation: " + std::move(what));
}
Error Malformed(std::string what) {
  return Error(ErrorCode::kMalformed, "passkey registration: attestation: " + std::move(what));
}

Result<bool> VerifyEs256(const crypto::P256Point& point, ByteView signed_data, ByteView der) {
  CORDON_ASSIGN_OR_RETURN(crypto::EcdsaSignature sig, crypto::ParseEcdsaDer(der));
  return crypto::VerifyEcdsaP256(point, signed_data, sig);
}

// A DER certificate, exactly (no trailing bytes).
Result<Cert> ParseCert(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Cert cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return Malformed("an x5c entry is not one DER certificate");
  }
  return cert;
}

// The leaf's key as a P-256 point: an attestation signed with alg -7 must
// come from a P-256 certificate key.
Result<crypto::P256Point> LeafPoint(X509* leaf) {
  EVP_PKEY* key = X509_get0_pubkey(leaf);
  char group[32] = {};
  size_t group_len = 0;
  crypto::P256Point point{};
  size_t len = 0;
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
      EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &group_len) != 1 ||
      std::string_view(group, group_len) != "prime256v1" ||
      EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(),
                                      &len) != 1 ||
      len != point.size() || point[0] != 0x04) {
    return Refused("the attestation certificate's key is not a P-256 key (alg -7)");
  }
  return point;
}

// §8.2.1: version 3, not a CA, and an AAGUID extension, when there is one,
// naming the same authenticator model as the authenticator data.
Status CheckLeaf(X509* leaf, const std::array<uint8_t, 16>& aaguid) {
  if (X509_get_version(leaf) != X509_VERSION_3) {
    return Refused("the attestation certificate is not X.509 version 3");
  }
  if (X509_check_ca(leaf) != 0) return Refused("the attestation certificate is a CA certificate");
  std::unique_ptr<ASN1_OBJECT, ObjFree> oid(OBJ_txt2obj(kAaguidOid, 1));
  if (!oid) return Error(ErrorCode::kInternal, "openssl: cannot make the AAGUID OID");
  const int at = X509_get_ext_by_OBJ(leaf, oid.get(), -1);
  if (at < 0) return Ok();
  X509_EXTENSION* ext = X509_get_ext(leaf, at);
  if (X509_EXTENSION_get_critical(ext)) return Refused("the AAGUID extension is marked critical");
  // extnValue holds an OCTET STRING of 16 bytes: 04 10 ‖ AAGUID.
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
  const unsigned char* d = ASN1_STRING_get0_data(value);
  if (ASN1_STRING_length(value) != 18 || d[0] != 0x04 || d[1] != 0x10 ||
      !std::equal(aaguid.begin(), aaguid.end(), d + 2)) {
    return Refused("the certificate's AAGUID is not the authenticator's");
  }
  return Ok();
}

// True when leaf ‖ intermediates lead to one of `roots_pem` (at the current
// time, OpenSSL's default chain checks).
Result<bool> Chains(X509* leaf, const std::vector<Cert>& intermediates,
                    const std::vector<std::string>& roots_pem) {
  if (roots_pem.empty()) return false;
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  std::unique_ptr<STACK_OF(X509), StackFree> chain(sk_X509_new_null());
  if (!store || !chain) return Error(ErrorCode::kInternal, "openssl: out of memory");
  for (const std::string& pem : roots_pem) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    Cert root(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!root || X509_STORE_add_cert(store.get(), root.get()) != 1) {
      return Error(ErrorCode::kInvalidArgument,
                   "passkey registration: an attestation root is not a PEM certificate");
    }
  }
  for (const Cert& c : intermediates) sk_X509_push(chain.get(), c.get());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf, chain.get()) != 1) {
    return Error(ErrorCode::kInternal, "openssl: cannot start a chain check");
  }
  return X509_verify_cert(ctx.get()) == 1;
}

}  // namespace

Result<PackedResult> VerifyPackedAttestation(const CborValue& statement, ByteView signed_data,
                                             const crypto::P256Point& credential_key,
                                             const std::array<uint8_t, 16>& aaguid,
                                             const std::vector<std::string>& roots_pem) {
  for (const auto& [k, v] : statement.entries) {
    if (k.type != CborValue::Type::kText ||
        (k.bytes != "alg" && k.bytes != "sig" && k.bytes != "x5c")) {
      if (k.type == CborValue::Type::kText && k.bytes == "ecdaaKeyId") {
        return Error(ErrorCode::kUnsupported,
                     "passkey registration: ECDAA attestation is not supported");
      }
      return Malformed("unexpected key in the packed statement");
    }
  }
  const CborValue* alg = statement.Find("alg");
  const CborValue* sig = statement.Find("sig");
  const CborValue* x5c = statement.Find("x5c");
  if (alg == nullptr || !alg->Int() || sig == nullptr || sig->type != CborValue::Type::kBytes) {
    return Malformed("the packed statement needs an integer alg and a byte-string sig");
  }
  if (*alg->Int() != kEs256) {
    return Error(ErrorCode::kUnsupported,
                 "passkey registration: the attestation is signed with COSE algorithm " +
                     std::to_string(*alg->Int()) + "; cordon checks ES256 (-7) only");
  }
  if (x5c == nullptr) {
    // Self attestation: the credential key signs its own creation.
    CORDON_ASSIGN_OR_RETURN(bool good,
                            VerifyEs256(credential_key, signed_data, AsBytes(sig->bytes)));
    if (!good) return Refused("the self-attestation signature is not the credential key's");
    return PackedResult{AttestationType::kSelf, false};
  }
  if (x5c->type != CborValue::Type::kArray || x5c->items.empty() || x5c->items.size() > kMaxChain) {
    return Malformed("x5c is not an array of 1 to " + std::to_string(kMaxChain) + " certificates");
  }
  std::vector<Cert> certs;
  for (const CborValue& item : x5c->items) {
    if (item.type != CborValue::Type::kBytes) return Malformed("an x5c entry is not a byte string");
    CORDON_ASSIGN_OR_RETURN(Cert c, ParseCert(item.bytes));
    certs.push_back(std::move(c));
  }
  CORDON_ASSIGN_OR_RETURN(crypto::P256Point leaf_point, LeafPoint(certs[0].get()));
  CORDON_TRY(CheckLeaf(certs[0].get(), aaguid));
  CORDON_ASSIGN_OR_RETURN(bool good, VerifyEs256(leaf_point, signed_data, AsBytes(sig->bytes)));
  if (!good) return Refused("the signature is not the attestation certificate's");
  std::vector<Cert> intermediates;
  for (size_t i = 1; i < certs.size(); ++i) intermediates.push_back(std::move(certs[i]));
  CORDON_ASSIGN_OR_RETURN(bool trusted, Chains(certs[0].get(), intermediates, roots_pem));
  return PackedResult{AttestationType::kBasic, trusted};
}

}  // namespace cordon::auth
