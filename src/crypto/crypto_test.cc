// Known-answer tests from the RFCs for every primitive the wrappers expose.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/encoding.h"
#include "crypto/aead.h"
#include "crypto/ecdsa_p256.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/kdf.h"
#include "crypto/random.h"
#include "crypto/x25519.h"

namespace cordon::crypto {
namespace {

Bytes H(std::string_view hex) { return HexDecode(hex).value(); }
std::string Hex(ByteView b) { return HexEncode(b); }

// RFC 6979 A.2.5: P-256, SHA-256, message "sample" (a deterministic
// signature, so a published one: verification is all cordon does).
TEST(EcdsaP256, VerifiesRfc6979Vector) {
  P256Point q{};
  const Bytes xy = *HexDecode(
      "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
      "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299");
  q[0] = 0x04;
  std::copy(xy.begin(), xy.end(), q.begin() + 1);
  EcdsaSignature sig;
  const Bytes r = *HexDecode("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716");
  const Bytes s = *HexDecode("F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
  std::copy(r.begin(), r.end(), sig.r.begin());
  std::copy(s.begin(), s.end(), sig.s.begin());
  EXPECT_TRUE(CheckP256Point(q).ok());
  EXPECT_TRUE(*VerifyEcdsaP256(q, AsBytes(std::string("sample")), sig));
  EXPECT_FALSE(*VerifyEcdsaP256(q, AsBytes(std::string("samplf")), sig));
  EcdsaSignature zero;
  EXPECT_FALSE(*VerifyEcdsaP256(q, AsBytes(std::string("sample")), zero));
  P256Point off = q;
  off[64] ^= 1;
  EXPECT_FALSE(CheckP256Point(off).ok());
  EXPECT_FALSE(VerifyEcdsaP256(off, AsBytes(std::string("sample")), sig).ok());
}

TEST(EcdsaP256, ParsesCanonicalDerOnly) {
  // SEQUENCE { INTEGER 1, INTEGER 0x80 (needs its leading zero) }
  auto sig =
      ParseEcdsaDer(*HexDecode("3007020101020200"
                               "80"));
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->r[31], 1);
  EXPECT_EQ(sig->s[31], 0x80);
  EXPECT_FALSE(ParseEcdsaDer(*HexDecode("300602010102010080")).ok());  // trailing byte
  EXPECT_FALSE(ParseEcdsaDer(*HexDecode("308107020101020200"
                                        "80"))
                   .ok());                                               // long-form length
  EXPECT_FALSE(ParseEcdsaDer(*HexDecode("30080202000102020080")).ok());  // non-minimal r
  EXPECT_FALSE(ParseEcdsaDer(*HexDecode("3006020101020180")).ok());      // negative s
  EXPECT_FALSE(ParseEcdsaDer({}).ok());
}

TEST(Hashes, Sha512MatchesFips180Abc) {
  EXPECT_EQ(HexEncode(Sha512(AsBytes(std::string("abc")))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(Hkdf, MatchesRfc5869TestCase1) {
  SecretBuffer okm =
      HkdfSha256(SecretBuffer::CopyOf(H("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b")),
                 H("000102030405060708090a0b0c"), AsChars(H("f0f1f2f3f4f5f6f7f8f9")), 42);
  EXPECT_EQ(Hex(okm.RevealBytes()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(HmacSha256, MatchesRfc4231TestCase2) {
  EXPECT_EQ(Hex(HmacSha256(SecretBuffer::CopyOf(AsBytes("Jefe")),
                           AsBytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Scrypt, MatchesRfc7914Vector2) {
  auto key = Scrypt(SecretBuffer::CopyOf(AsBytes("password")), AsBytes("NaCl"), 10, 8, 16, 64);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(Hex(key->RevealBytes()),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff1"
            "09279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
}

TEST(Scrypt, RefusesAbsurdWorkFactors) {
  EXPECT_EQ(Scrypt(SecretBuffer::CopyOf(AsBytes("p")), AsBytes("s"), 31, 8, 1, 32).error().code(),
            ErrorCode::kLimitExceeded);
  EXPECT_EQ(Scrypt(SecretBuffer::CopyOf(AsBytes("p")), AsBytes("s"), 0, 8, 1, 32).error().code(),
            ErrorCode::kLimitExceeded);
}

TEST(X25519, MatchesRfc7748DiffieHellman) {
  SecretBuffer alice =
      SecretBuffer::CopyOf(H("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  SecretBuffer bob =
      SecretBuffer::CopyOf(H("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
  EXPECT_EQ(Hex(X25519PublicKey(alice)),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  auto shared = X25519(alice, X25519PublicKey(bob));
  ASSERT_TRUE(shared.ok());
  EXPECT_EQ(Hex(shared->RevealBytes()),
            "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
}

TEST(X25519, RejectsLowOrderPoints) {
  SecretBuffer k = RandomSecret(32);
  Bytes zero(32, 0);
  EXPECT_EQ(X25519(k, zero).error().code(), ErrorCode::kMalformed);
  EXPECT_FALSE(X25519(k, Bytes(31, 9)).ok());
}

TEST(ChaCha20Poly1305, RoundTripsAndRejectsTampering) {
  auto aead = ChaCha20Poly1305::Create(RandomSecret(32)).value();
  ChaCha20Poly1305::Nonce nonce{};
  nonce[11] = 1;
  Bytes sealed = aead.Seal(nonce, AsBytes("patient 42"));
  Bytes plain(sealed.size() - 16);
  ASSERT_TRUE(aead.Open(nonce, sealed, plain).ok());
  EXPECT_EQ(AsChars(plain), "patient 42");
  sealed[3] ^= 1;
  Status bad = aead.Open(nonce, sealed, plain);
  EXPECT_EQ(bad.error().code(), ErrorCode::kAuthFailed);
  for (uint8_t b : plain) EXPECT_EQ(b, 0) << "unauthenticated plaintext must not escape";
  nonce[11] = 0;
  sealed[3] ^= 1;
  EXPECT_FALSE(aead.Open(nonce, sealed, plain).ok());
  EXPECT_FALSE(ChaCha20Poly1305::Create(RandomSecret(16)).ok());
}

// RFC 8439 §2.8.2: the AEAD test vector, which has associated data.
TEST(ChaCha20Poly1305, MatchesRfc8439AeadVectorWithAssociatedData) {
  Bytes key(32);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0x80 + i);
  auto aead = ChaCha20Poly1305::Create(SecretBuffer::CopyOf(key)).value();
  ChaCha20Poly1305::Nonce nonce;
  const Bytes n = H("070000004041424344454647");
  std::copy(n.begin(), n.end(), nonce.begin());
  const Bytes aad = H("50515253c0c1c2c3c4c5c6c7");
  const std::string plaintext =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
      "future, sunscreen would be it.";
  const std::string expected =
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
      "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
      "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
      "3ff4def08e4b7a9de576d26586cec64b6116"
      "1ae10b594f09e26a7e902ecbd0600691";  // the tag
  Bytes sealed(plaintext.size() + ChaCha20Poly1305::kTagSize);
  aead.Seal(nonce, aad, AsBytes(plaintext), sealed);
  EXPECT_EQ(Hex(sealed), expected);

  Bytes plain(plaintext.size());
  ASSERT_TRUE(aead.Open(nonce, aad, sealed, plain).ok());
  EXPECT_EQ(AsChars(plain), plaintext);
  // Other associated data, or none, and the tag does not verify.
  Bytes other = aad;
  other[0] ^= 1;
  EXPECT_EQ(aead.Open(nonce, other, sealed, plain).error().code(), ErrorCode::kAuthFailed);
  EXPECT_FALSE(aead.Open(nonce, sealed, plain).ok());
  // And a ciphertext sealed without associated data does not open with some.
  Bytes bare = aead.Seal(nonce, AsBytes(plaintext));
  EXPECT_NE(Hex(bare), expected);
  EXPECT_TRUE(aead.Open(nonce, bare, plain).ok());
  EXPECT_FALSE(aead.Open(nonce, aad, bare, plain).ok());
}

TEST(Hashes, MatchKnownAnswers) {
  EXPECT_EQ(Hex(Sha256::Hash(AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Blake2b512 b;
  b.Update(AsBytes("a"));
  b.Update(AsBytes("bc"));
  EXPECT_EQ(Hex(b.Final()),
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5"
            "de4533cc9518d38aa8dbf1925ab92386edd4009923");
}

TEST(Ed25519, MatchesRfc8032Test1AndRejectsOtherMessages) {
  Bytes seed = H("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  Bytes pub = H("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  Bytes sk_bytes = seed;
  sk_bytes.insert(sk_bytes.end(), pub.begin(), pub.end());
  SecretBuffer sk = SecretBuffer::CopyOf(sk_bytes);
  EXPECT_TRUE(Ed25519SecretKeyIsConsistent(sk.RevealBytes()));
  Ed25519Signature sig = Ed25519Sign(sk, {});
  EXPECT_EQ(Hex(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
            "701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  Ed25519PublicKey pk{};
  std::copy(pub.begin(), pub.end(), pk.begin());
  EXPECT_TRUE(Ed25519Verify(pk, {}, sig));
  EXPECT_FALSE(Ed25519Verify(pk, AsBytes("x"), sig));
  sk_bytes[40] ^= 1;
  EXPECT_FALSE(Ed25519SecretKeyIsConsistent(sk_bytes));
}

}  // namespace
}  // namespace cordon::crypto

namespace cordon::crypto {
namespace {

TEST(HmacSha256Prf, SameAsHmacSha256ForEveryKeyAndMessageLength) {
  for (size_t key_size : {0u, 1u, 32u, 63u, 64u, 65u, 200u}) {
    Bytes bytes(key_size);
    for (size_t i = 0; i < key_size; ++i) bytes[i] = static_cast<uint8_t>(i * 7 + 1);
    const SecretBuffer key = SecretBuffer::CopyOf(bytes);
    HmacSha256Prf prf(key);
    for (size_t n : {0u, 1u, 15u, 55u, 56u, 64u, 65u, 1000u}) {
      Bytes message(n);
      for (size_t i = 0; i < n; ++i) message[i] = static_cast<uint8_t>(i ^ key_size);
      EXPECT_EQ(prf.Mac(message), HmacSha256(key, message)) << key_size << " " << n;
    }
  }
  // RFC 4231 test case 2: key "Jefe".
  HmacSha256Prf jefe(SecretBuffer::CopyOf(AsBytes(std::string_view("Jefe"))));
  auto mac = jefe.Mac(AsBytes(std::string_view("what do ya want for nothing?")));
  EXPECT_EQ(HexEncode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace cordon::crypto
