#include "age/age.h"

#include <gtest/gtest.h>

#include <cstring>

#include "crypto/random.h"

namespace cordon::age {
namespace {

struct Keys {
  std::vector<std::unique_ptr<Recipient>> recipients;
  std::vector<std::unique_ptr<Identity>> identities;
};

Keys X25519Keys() {
  Keys k;
  X25519Identity id = X25519Identity::Generate();
  k.recipients.push_back(MakeX25519Recipient(id.Recipient()));
  k.identities.push_back(MakeX25519Identity(std::move(id)));
  return k;
}

Bytes Encrypt(const Keys& k, ByteView plain, Armor armor = Armor::kNo) {
  MemorySink out;
  auto enc = Encryptor::Create(k.recipients, out, armor);
  EXPECT_TRUE(enc.ok());
  // Write in uneven pieces to exercise chunk boundaries.
  size_t pos = 0, step = 1;
  while (pos < plain.size()) {
    size_t n = std::min(step, plain.size() - pos);
    EXPECT_TRUE((*enc)->Write(plain.subspan(pos, n)).ok());
    pos += n;
    step = step * 3 + 1;
  }
  EXPECT_TRUE((*enc)->Close().ok());
  return out.bytes();
}

// Reads in pieces of `read_size`: below a chunk, plaintext is copied out of
// the reader; from a chunk up, whole chunks are opened into the caller's
// buffer, several per read.
Result<Bytes> Decrypt(const Keys& k, ByteView file, Bytes* released = nullptr,
                      size_t read_size = 7000) {
  MemorySource in(file);
  CORDON_ASSIGN_OR_RETURN(auto dec, Decryptor::Open(in, k.identities));
  Bytes out;
  Bytes buf(read_size);
  for (;;) {
    auto n = dec->Read(buf);
    if (!n.ok()) {
      if (released) *released = out;
      return n.error();
    }
    if (*n == 0) return out;
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<long>(*n));
  }
}

Bytes RandomData(size_t n) {
  Bytes b(n);
  crypto::RandomBytes(b);
  return b;
}

TEST(Age, RoundTripsAtEveryChunkBoundary) {
  Keys k = X25519Keys();
  for (size_t size : {size_t{0}, size_t{1}, kChunkSize - 1, kChunkSize, kChunkSize + 1,
                      2 * kChunkSize, 3 * kChunkSize + 17}) {
    Bytes plain = RandomData(size);
    for (Armor armor : {Armor::kNo, Armor::kYes}) {
      Bytes file = Encrypt(k, plain, armor);
      auto back = Decrypt(k, file);
      ASSERT_TRUE(back.ok()) << size << ": " << back.error().message();
      EXPECT_EQ(*back, plain) << size;
    }
  }
}

TEST(Age, ReleasesTheSameBytesWhateverTheReadSize) {
  Keys k = X25519Keys();
  for (size_t size : {size_t{0}, kChunkSize, 5 * kChunkSize + 100}) {
    Bytes plain = RandomData(size);
    Bytes file = Encrypt(k, plain);
    for (size_t read :
         {size_t{1}, kChunkSize - 1, kChunkSize, kChunkSize + 1, 4 * kChunkSize, size_t{1} << 20}) {
      auto back = Decrypt(k, file, nullptr, read);
      ASSERT_TRUE(back.ok()) << size << "/" << read << ": " << back.error().message();
      EXPECT_EQ(*back, plain) << size << "/" << read;
    }
  }
}

TEST(Age, EncryptsToSeveralRecipientsAndAPassphrase) {
  Keys a = X25519Keys(), b = X25519Keys();
  Keys both;
  both.recipients.push_back(MakeX25519Recipient(
      X25519Recipient::Parse(X25519Identity::Generate().Recipient().Encode()).value()));
  both.recipients.push_back(std::move(a.recipients[0]));
  both.recipients.push_back(std::move(b.recipients[0]));
  Bytes file = Encrypt(both, AsBytes("shared"));
  EXPECT_EQ(AsChars(*Decrypt(a, file)), "shared");
  EXPECT_EQ(AsChars(*Decrypt(b, file)), "shared");

  Keys pass;
  pass.recipients.push_back(
      MakeScryptRecipient(SecretBuffer::CopyOf(AsBytes("correct horse")), 10));
  pass.identities.push_back(MakeScryptIdentity(SecretBuffer::CopyOf(AsBytes("correct horse"))));
  EXPECT_EQ(AsChars(*Decrypt(pass, Encrypt(pass, AsBytes("by passphrase")))), "by passphrase");
}

TEST(Age, RefusesPassphraseMixedWithRecipientsAndNoRecipient) {
  Keys k = X25519Keys();
  k.recipients.push_back(MakeScryptRecipient(SecretBuffer::CopyOf(AsBytes("x")), 10));
  MemorySink out;
  EXPECT_EQ(Encryptor::Create(k.recipients, out, Armor::kNo).error().code(),
            ErrorCode::kInvalidArgument);
  std::vector<std::unique_ptr<Recipient>> none;
  EXPECT_EQ(Encryptor::Create(none, out, Armor::kNo).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(out.bytes().empty());
}

TEST(Age, ReportsNoMatchForAnotherKey) {
  Keys k = X25519Keys(), other = X25519Keys();
  auto r = Decrypt(other, Encrypt(k, AsBytes("x")));
  EXPECT_EQ(r.error().code(), ErrorCode::kNoMatch);
}

TEST(Age, WrongPassphraseIsNoMatchAndHighWorkFactorIsRefused) {
  Keys k;
  k.recipients.push_back(MakeScryptRecipient(SecretBuffer::CopyOf(AsBytes("right")), 12));
  Bytes file = Encrypt(k, AsBytes("x"));
  Keys wrong;
  wrong.identities.push_back(MakeScryptIdentity(SecretBuffer::CopyOf(AsBytes("wrong"))));
  EXPECT_EQ(Decrypt(wrong, file).error().code(), ErrorCode::kNoMatch);
  Keys capped;
  capped.identities.push_back(MakeScryptIdentity(SecretBuffer::CopyOf(AsBytes("right")), 11));
  auto r = Decrypt(capped, file);
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_NE(r.error().hint().find("--max-work-factor 12"), std::string::npos);
}

TEST(Age, DetectsAlteredHeader) {
  Keys k = X25519Keys();
  Bytes file = Encrypt(k, AsBytes("x"));
  // Add a grease stanza: stanzas are covered by the MAC.
  std::string text(AsChars(file));
  text.insert(text.find("-> "), "-> grease\n\n");
  auto r = Decrypt(k, AsBytes(text));
  EXPECT_EQ(r.error().code(), ErrorCode::kAuthFailed);
  EXPECT_EQ(r.error().message().rfind("header: MAC", 0), 0u);
}

TEST(Age, AlteredOrTruncatedPayloadReleasesOnlyAuthenticatedChunks) {
  Keys k = X25519Keys();
  Bytes plain = RandomData(3 * kChunkSize + 100);
  Bytes file = Encrypt(k, plain);
  size_t header_end = std::string_view(AsChars(file)).find("\n---") + 49;  // "\n--- " + 43 + "\n"
  size_t payload_start = header_end + 16;                                  // nonce

  // Small reads, and reads with room for every chunk at once.
  for (size_t read : {size_t{7000}, size_t{1} << 20}) {
    Bytes flipped = file;
    flipped[payload_start + kEncryptedChunkSize + 5] ^= 0x80;  // second chunk
    Bytes released;
    auto r = Decrypt(k, flipped, &released, read);
    EXPECT_EQ(r.error().code(), ErrorCode::kAuthFailed);
    EXPECT_EQ(released, Bytes(plain.begin(), plain.begin() + kChunkSize));

    for (size_t cut : {payload_start, payload_start + 10, payload_start + kEncryptedChunkSize,
                       payload_start + 3 * kEncryptedChunkSize, file.size() - 1}) {
      Bytes truncated(file.begin(), file.begin() + static_cast<long>(cut));
      Bytes got;
      auto t = Decrypt(k, truncated, &got, read);
      ASSERT_FALSE(t.ok()) << "cut at " << cut;
      EXPECT_EQ(t.error().message().rfind("payload", 0), 0u) << t.error().message();
      EXPECT_LT(got.size(), plain.size());
      EXPECT_EQ(got, Bytes(plain.begin(), plain.begin() + static_cast<long>(got.size())));
    }
    Bytes extended = file;
    extended.push_back(0);
    Bytes got;
    auto e = Decrypt(k, extended, &got, read);
    ASSERT_FALSE(e.ok());
    // The last chunk, one byte longer, no longer authenticates; the full ones do.
    EXPECT_EQ(e.error().code(), ErrorCode::kAuthFailed);
    EXPECT_EQ(got, Bytes(plain.begin(), plain.begin() + 3 * kChunkSize));
  }
}

TEST(Age, RefusesHugeHeaderLineQuickly) {
  // 1 GiB of 'a' with no newline, produced lazily: must fail after reading
  // no more than the header line limit.
  class Endless final : public ByteSource {
   public:
    Result<size_t> Read(std::span<uint8_t> out) override {
      if (served_ == 0) {
        std::string v = "age-encryption.org/v1\n-> X25519 ";
        std::memcpy(out.data(), v.data(), v.size());
        served_ += v.size();
        return v.size();
      }
      if (served_ >= (size_t{1} << 30)) return size_t{0};
      std::memset(out.data(), 'a', out.size());
      served_ += out.size();
      return out.size();
    }
    size_t served_ = 0;
  } endless;
  Keys k = X25519Keys();
  auto dec = Decryptor::Open(endless, k.identities);
  ASSERT_FALSE(dec.ok());
  EXPECT_EQ(dec.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_LT(endless.served_, size_t{256 * 1024});
}

TEST(Age, RejectsNonAgeInputWithAClearMessage) {
  Keys k = X25519Keys();
  for (std::string_view junk :
       {"", "hello\n", "age-encryption.org/v2\n", "age-encryption.org/v1\n"}) {
    auto r = Decrypt(k, AsBytes(junk));
    ASSERT_FALSE(r.ok()) << junk;
    EXPECT_EQ(r.error().message().rfind("header", 0), 0u) << r.error().message();
  }
}

TEST(Keys, ParseErrorsNeverEchoTheSecret) {
  X25519Identity id = X25519Identity::Generate();
  SecretBuffer text = id.Encode();
  std::string damaged(AsChars(text.RevealBytes()));
  damaged.back() = damaged.back() == 'Q' ? 'P' : 'Q';
  auto r = X25519Identity::Parse(damaged);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().find(damaged.substr(20, 20)), std::string::npos);
  auto file = ParseIdentityFile(AsBytes("# comment\n" + damaged + "\n"), "k.txt");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message().find("k.txt line 2"), std::string::npos);
  EXPECT_EQ(file.error().message().find(damaged.substr(20, 20)), std::string::npos);
}

TEST(Keys, ReadsAgeKeygenFilesAndRecipientLists) {
  X25519Identity id = X25519Identity::Generate();
  SecretBuffer file = FormatIdentityFile(id, "2026-01-01T00:00:00Z");
  std::string_view text = AsChars(file.RevealBytes());
  EXPECT_EQ(text.rfind("# created: 2026-01-01T00:00:00Z\n# public key: age1", 0), 0u);
  auto ids = ParseIdentityFile(file.RevealBytes(), "id");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ((*ids)[0].Recipient().Encode(), id.Recipient().Encode());

  std::string list = "# lab DPO\n" + id.Recipient().Encode() + "\r\n\n";
  EXPECT_EQ(ParseRecipientsFile(list, "r")->size(), 1u);
  auto bad = ParseRecipientsFile("age1qqqq\n", "r.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("r.txt line 1"), std::string::npos);
  EXPECT_FALSE(X25519Recipient::Parse("AGE1" + id.Recipient().Encode().substr(4)).ok());
}

}  // namespace
}  // namespace cordon::age
