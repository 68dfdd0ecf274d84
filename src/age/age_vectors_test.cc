// Runs every C2SP/CCTV age vector in tests/vectors/age: each must give its
// expected outcome, release exactly the plaintext the vector allows, and the
// suite reports how many passed and which were skipped (only hybrid
// post-quantum recipients may be skipped).
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "age/age.h"
#include "core/encoding.h"
#include "crypto/hash.h"

namespace cordon::age {
namespace {

struct Vector {
  std::string name;
  std::string expect;
  std::string payload_sha256;
  std::vector<std::string> identities;
  std::vector<std::string> passphrases;
  bool armored = false;
  bool compressed = false;
  Bytes body;
};

Bytes Inflate(const Bytes& in) {
  Bytes out(1 << 16);
  z_stream zs{};
  EXPECT_EQ(inflateInit(&zs), Z_OK);
  zs.next_in = const_cast<uint8_t*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  int rc;
  do {
    if (zs.total_out == out.size()) out.resize(out.size() * 2);
    zs.next_out = out.data() + zs.total_out;
    zs.avail_out = static_cast<uInt>(out.size() - zs.total_out);
    rc = inflate(&zs, Z_NO_FLUSH);
  } while (rc == Z_OK);
  EXPECT_EQ(rc, Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

Vector Load(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  Vector v;
  v.name = path.filename();
  size_t blank = all.find("\n\n");
  std::istringstream head(all.substr(0, blank));
  for (std::string line; std::getline(head, line);) {
    size_t colon = line.find(": ");
    std::string key = line.substr(0, colon), value = line.substr(colon + 2);
    if (key == "expect") v.expect = value;
    if (key == "payload") v.payload_sha256 = value;
    if (key == "identity") v.identities.push_back(value);
    if (key == "passphrase") v.passphrases.push_back(value);
    if (key == "armored") v.armored = value == "yes";
    if (key == "compressed") v.compressed = value == "zlib";
  }
  v.body.assign(all.begin() + static_cast<long>(blank) + 2, all.end());
  if (v.compressed) v.body = Inflate(v.body);
  return v;
}

std::string Classify(const Error& e) {
  const std::string& m = e.message();
  if (e.code() == ErrorCode::kNoMatch) return "no match";
  if (m.rfind("armor", 0) == 0) return "armor failure";
  if (m.rfind("header: MAC", 0) == 0) return "HMAC failure";
  if (m.rfind("header", 0) == 0) return "header failure";
  if (m.rfind("payload", 0) == 0) return "payload failure";
  return "unclassified: " + m;
}

TEST(AgeVectors, EveryVectorGivesItsExpectedResult) {
  std::filesystem::path dir = CORDON_VECTORS_DIR "/age";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 143u);
  int passed = 0;
  std::vector<std::string> skipped;
  for (const auto& path : files) {
    Vector v = Load(path);
    SCOPED_TRACE(v.name);
    bool hybrid = false;
    std::vector<std::unique_ptr<Identity>> identities;
    for (const std::string& text : v.identities) {
      if (text.rfind("AGE-SECRET-KEY-PQ-", 0) == 0) {
        hybrid = true;
        continue;
      }
      auto id = X25519Identity::Parse(text);
      ASSERT_TRUE(id.ok()) << id.error().message();
      identities.push_back(MakeX25519Identity(std::move(id).value()));
    }
    for (const std::string& p : v.passphrases) {
      identities.push_back(MakeScryptIdentity(SecretBuffer::CopyOf(AsBytes(p))));
    }
    if (hybrid) {
      skipped.push_back(v.name);
      continue;
    }
    MemorySource source(v.body);
    std::string outcome = "success";
    Bytes released;
    auto dec = Decryptor::Open(source, identities,
                               v.armored ? ArmorDetection::kArmored : ArmorDetection::kBinary);
    if (!dec.ok()) {
      outcome = Classify(dec.error());
    } else {
      uint8_t buf[4096];
      for (;;) {
        auto n = (*dec)->Read(buf);
        if (!n.ok()) {
          outcome = Classify(n.error());
          break;
        }
        if (*n == 0) break;
        released.insert(released.end(), buf, buf + *n);
      }
    }
    EXPECT_EQ(outcome, v.expect);
    if (!v.payload_sha256.empty()) {
      EXPECT_EQ(HexEncode(crypto::Sha256::Hash(released)), v.payload_sha256);
    } else {
      EXPECT_TRUE(released.empty()) << "plaintext released by a failing file";
    }
    if (outcome == v.expect) ++passed;
  }
  std::cout << "age vectors: " << passed << " passed, " << skipped.size()
            << " skipped (hybrid post-quantum):";
  for (const auto& s : skipped) std::cout << " " << s;
  std::cout << "\n";
  for (const auto& s : skipped) EXPECT_NE(s.find("hybrid"), std::string::npos) << s;
}

}  // namespace
}  // namespace cordon::age
