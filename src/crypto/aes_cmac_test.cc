// AES-CMAC: the examples of RFC 4493 (AES-128) and NIST SP 800-38B
// (AES-256), and OpenSSL's own CMAC (EVP_MAC) on messages of every length
// from 0 to 100 bytes, one at a time and in mixed batches.
#include "crypto/aes_cmac.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <random>
#include <string>

#include "core/encoding.h"

namespace cordon::crypto {
namespace {

SecretBuffer KeyFromHex(std::string_view hex) {
  Bytes raw = *HexDecode(hex);
  SecretBuffer key(raw.size());
  std::copy(raw.begin(), raw.end(), key.RevealMutable().begin());
  return key;
}

const std::string kMessage =
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

std::string MacHex(AesCmac& cmac, size_t bytes) {
  Bytes m = *HexDecode(std::string_view(kMessage).substr(0, 2 * bytes));
  Mac128 mac = cmac.Mac(m);
  return HexEncode(ByteView(mac.data(), mac.size()));
}

TEST(AesCmac, Rfc4493Aes128) {
  auto cmac = AesCmac::Create(KeyFromHex("2b7e151628aed2a6abf7158809cf4f3c"));
  ASSERT_TRUE(cmac.ok());
  EXPECT_EQ(MacHex(*cmac, 0), "bb1d6929e95937287fa37d129b756746");
  EXPECT_EQ(MacHex(*cmac, 16), "070a16b46b4d4144f79bdd9dd04a287c");
  EXPECT_EQ(MacHex(*cmac, 40), "dfa66747de9ae63030ca32611497c827");
  EXPECT_EQ(MacHex(*cmac, 64), "51f0bebf7e3b9d92fc49741779363cfe");
}

TEST(AesCmac, Sp800_38bAes256) {
  auto cmac = AesCmac::Create(
      KeyFromHex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"));
  ASSERT_TRUE(cmac.ok());
  EXPECT_EQ(MacHex(*cmac, 0), "028962f61b7bf89efc6b551f4667d983");
  EXPECT_EQ(MacHex(*cmac, 16), "28a7023f452e8f82bd4bf28d8c37c35c");
  EXPECT_EQ(MacHex(*cmac, 40), "aaf3d8f1de5640c232f5b169b9c911e6");
  EXPECT_EQ(MacHex(*cmac, 64), "e1992190549f6ed5696a2c056c315410");
}

// OpenSSL's CMAC, one message at a time: the oracle.
Mac128 OpenSslCmac(const SecretBuffer& key, ByteView m) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char cipher[] = "AES-256-CBC";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                         OSSL_PARAM_construct_end()};
  EXPECT_EQ(EVP_MAC_init(ctx, key.RevealBytes().data(), key.size(), params), 1);
  EXPECT_EQ(EVP_MAC_update(ctx, m.data(), m.size()), 1);
  Mac128 out{};
  size_t len = 0;
  EXPECT_EQ(EVP_MAC_final(ctx, out.data(), &len, out.size()), 1);
  EXPECT_EQ(len, 16u);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return out;
}

TEST(AesCmac, BatchesEqualOpenSslOneByOne) {
  std::mt19937 rng(11);
  SecretBuffer key(32);
  for (uint8_t& b : key.RevealMutable()) b = static_cast<uint8_t>(rng());
  auto cmac = AesCmac::Create(key);
  ASSERT_TRUE(cmac.ok());
  std::vector<Bytes> messages;
  for (size_t len = 0; len <= 100; ++len) {
    Bytes m(len);
    for (uint8_t& b : m) b = static_cast<uint8_t>(rng());
    messages.push_back(std::move(m));
  }
  std::shuffle(messages.begin(), messages.end(), rng);  // lengths mixed in the batch
  std::vector<ByteView> views(messages.begin(), messages.end());
  std::vector<Mac128> batch(views.size());
  cmac->MacMany(views, batch);
  auto clone = cmac->Clone();
  ASSERT_TRUE(clone.ok());
  for (size_t i = 0; i < views.size(); ++i) {
    const Mac128 want = OpenSslCmac(key, views[i]);
    EXPECT_EQ(batch[i], want) << "length " << views[i].size();
    EXPECT_EQ(cmac->Mac(views[i]), want) << "length " << views[i].size();
    EXPECT_EQ(clone->Mac(views[i]), want) << "length " << views[i].size();
  }
  // A second batch on the same object (buffers reused) gives the same.
  std::vector<Mac128> again(views.size());
  cmac->MacMany(views, again);
  EXPECT_EQ(again, batch);
  cmac->MacMany({}, std::span<Mac128>());  // an empty batch is fine
}

TEST(AesCmac, RefusesOtherKeySizes) {
  for (size_t n : {0, 8, 24, 64}) {
    auto r = AesCmac::Create(SecretBuffer(n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace cordon::crypto
