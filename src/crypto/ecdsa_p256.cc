#include "crypto/ecdsa_p256.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include <memory>

namespace cordon::crypto {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct SigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Sig = std::unique_ptr<ECDSA_SIG, SigFree>;
using Bn = std::unique_ptr<BIGNUM, BnFree>;

Error KeyError() {
  return Error(ErrorCode::kInvalidArgument,
               "not a P-256 public key (the point is not on the curve)");
}

// The point as an OpenSSL key; OpenSSL checks it lies on the curve.
Result<Pkey> ImportPoint(const P256Point& point) {
  if (point[0] != 0x04) return KeyError();
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>("P-256"), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<uint8_t*>(point.data()),
                                        point.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
    return KeyError();
  }
  Pkey key(raw);
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, raw, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return KeyError();
  return key;
}

}  // namespace

Status CheckP256Point(const P256Point& point) {
  CORDON_ASSIGN_OR_RETURN(Pkey key, ImportPoint(point));
  (void)key;
  return Ok();
}

Result<bool> VerifyEcdsaP256(const P256Point& point, ByteView message,
                             const EcdsaSignature& signature) {
  CORDON_ASSIGN_OR_RETURN(Pkey key, ImportPoint(point));
  Sig sig(ECDSA_SIG_new());
  Bn r(BN_bin2bn(signature.r.data(), signature.r.size(), nullptr));
  Bn s(BN_bin2bn(signature.s.data(), signature.s.size(), nullptr));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return Error(ErrorCode::kInternal, "ecdsa: out of memory");
  }
  r.release();  // owned by sig now
  s.release();
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return Error(ErrorCode::kInternal, "ecdsa: cannot encode the signature");
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> der_owner(
      der, [](unsigned char* p) { OPENSSL_free(p); });
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1) {
    return Error(ErrorCode::kInternal, "ecdsa: cannot start a verification");
  }
  // 1 good, 0 bad; OpenSSL refuses r or s of zero or not below the order.
  return EVP_DigestVerify(md.get(), der, static_cast<size_t>(der_len), message.data(),
                          message.size()) == 1;
}

Result<EcdsaSignature> ParseEcdsaDer(ByteView der) {
  auto malformed = [] {
    return Error(ErrorCode::kMalformed,
                 "ecdsa: the signature is not a canonical DER ECDSA-Sig-Value");
  };
  const unsigned char* p = der.data();
  Sig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != der.data() + der.size()) return malformed();
  // Canonical only: re-encoding gives the same bytes (no BER leniency).
  unsigned char* again = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &again);
  const bool same =
      len == static_cast<int>(der.size()) && CRYPTO_memcmp(again, der.data(), der.size()) == 0;
  OPENSSL_free(again);
  if (!same) return malformed();
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  EcdsaSignature out;
  if (BN_is_negative(r) || BN_is_negative(s) || BN_bn2binpad(r, out.r.data(), 32) != 32 ||
      BN_bn2binpad(s, out.s.data(), 32) != 32) {
    return malformed();
  }
  return out;
}

std::array<uint8_t, 64> Sha512(ByteView data) {
  std::array<uint8_t, 64> out;
  SHA512(data.data(), data.size(), out.data());
  return out;
}

}  // namespace cordon::crypto
