// pseudonym_scope = "recipients": pseudonyms that name the recipients they
// were made for (docs/trace.md), and the default scope left exactly as it was.
#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include "crypto/kdf.h"
#include "detect/validators.h"
#include "pseudo/identifiers.h"
#include "pseudo/key.h"
#include "pseudo/transforms.h"

namespace cordon::pseudo {
namespace {

// tests/vectors/cordon/pseudonym.key
PseudonymKey VectorKey() {
  auto k = PseudonymKey::Parse(AsBytes(
      std::string_view("CORDON-PSEUDONYM-KEY-1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")));
  EXPECT_TRUE(k.ok());
  return std::move(*k);
}

const std::string kAlice = "age1fh5kqu9qpe3htgpkh0v0ujkyf7dsx5hmxn3n5qfpjunlx3wptd4qsyhmlh";
const std::string kBob = "age1lggyhqrw2nlhcxprm67z43rta597azn8gknawjehu9d9dl0jq3yqqvfafg";

std::string Apply(const PseudonymKey& key, const std::string& fate_text,
                  std::vector<std::string> recipients, const std::string& value) {
  auto fate = order::ParseFate(fate_text);
  EXPECT_TRUE(fate.ok());
  TransformSetup setup{&key, "vectors", {}, 0, CanonicalRecipients(std::move(recipients))};
  auto t = MakeTransform(*fate, setup);
  EXPECT_TRUE(t.ok());
  std::string out;
  Status s = (*t)->Apply(value, RowContext{}, out);
  EXPECT_TRUE(s.ok()) << s.error().message();
  return out;
}

TEST(PseudonymScope, TheDefaultScopeIsTodaysVectors) {
  // tests/vectors/cordon/transforms.tsv: no recipients is the domain scope,
  // byte for byte.
  PseudonymKey key = VectorKey();
  EXPECT_EQ(Apply(key, "pseudonym:nir", {}, "184017645108964"), "184019309678652");
  EXPECT_EQ(Apply(key, "pseudonym:cpr", {}, "0707614005"), "0306414399");
  EXPECT_EQ(Apply(key, "pseudonym", {}, "12345"), "y73uxkofzzmlclng");
  EXPECT_TRUE(key.Derive("d", "nir", {}).Equals(key.Derive("d", "nir")));
}

TEST(PseudonymScope, SameRecipientsSamePseudonymsWhateverTheirOrderOrCase) {
  PseudonymKey key = VectorKey();
  std::string upper = kBob;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const char* fate : {"pseudonym:nir", "pseudonym", "fpe:digits"}) {
    const std::string value = std::string(fate) == "fpe:digits" ? "0612345678" : "184017645108964";
    std::string first = Apply(key, fate, {kAlice, kBob}, value);
    EXPECT_EQ(Apply(key, fate, {kBob, kAlice}, value), first) << fate;
    EXPECT_EQ(Apply(key, fate, {kBob, kAlice, kAlice, upper}, value), first) << fate;
  }
  EXPECT_EQ(CanonicalRecipients({kBob, kAlice, kBob}), (std::vector<std::string>{kAlice, kBob}));
}

TEST(PseudonymScope, OtherRecipientsGetOtherValidPseudonyms) {
  PseudonymKey key = VectorKey();
  const std::vector<std::vector<std::string>> sets = {{}, {kAlice}, {kBob}, {kAlice, kBob}};
  for (const std::string nir : {"184017645108964", "2 69 05 2A 123 456 88", "155129741101243"}) {
    std::set<std::string> seen;
    for (const auto& set : sets) {
      std::string p = Apply(key, "pseudonym:nir", set, nir);
      EXPECT_NE(detect::ValidateNir(p), detect::Confidence::kNone) << p;
      EXPECT_EQ(p.size(), nir.size()) << "the layout is kept";
      seen.insert(p);
    }
    EXPECT_EQ(seen.size(), sets.size()) << "each set of recipients has its own pseudonym";
  }
  for (const std::string cpr : {"0707614005", "070761-4285"}) {
    std::set<std::string> seen;
    for (const auto& set : sets) {
      std::string p = Apply(key, "pseudonym:cpr", set, cpr);
      EXPECT_NE(detect::ValidateCpr(p), detect::Confidence::kNone) << p;
      seen.insert(p);
    }
    EXPECT_EQ(seen.size(), sets.size());
  }
  // Still a keyed permutation: the key holder reverses it with the set.
  auto nir = NirPseudonym::Create(key.Derive("vectors", "nir", CanonicalRecipients({kAlice})),
                                  order::kKeepSex | order::kKeepYear | order::kKeepMonth);
  ASSERT_TRUE(nir.ok());
  EXPECT_EQ(*nir->Reverse(Apply(key, "pseudonym:nir", {kAlice}, "184017645108964")),
            "184017645108964");
}

TEST(PseudonymScope, TheDerivationIsHkdfOverLengthPrefixedParts) {
  PseudonymKey key = VectorKey();
  // Recomputed by hand: salt "cordon pseudonym recipients v1", info =
  // L(domain) ‖ L(transform) ‖ u32(count) ‖ L(recipient)…, L(x) = u32(|x|) ‖ x.
  auto raw = SecretBuffer(32);
  auto o = raw.RevealMutable();
  for (size_t i = 0; i < 32; ++i) o[i] = static_cast<uint8_t>(i);
  std::string info = std::string(
                         "\0\0\0\x01"
                         "d",
                         5) +
                     std::string("\0\0\0\x03nir", 7) + std::string("\0\0\0\x02", 4) +
                     std::string(
                         "\0\0\0\x01"
                         "a",
                         5) +
                     std::string(
                         "\0\0\0\x01"
                         "b",
                         5);
  SecretBuffer expected = crypto::HkdfSha256(
      raw, AsBytes(std::string_view("cordon pseudonym recipients v1")), info, 32);
  EXPECT_TRUE(key.Derive("d", "nir", std::vector<std::string>{"a", "b"}).Equals(expected));
  // Parts cannot slide into each other: {"ab"} is not {"a", "b"}, and a
  // recipients key is never the domain key.
  EXPECT_FALSE(key.Derive("d", "nir", std::vector<std::string>{"ab"})
                   .Equals(key.Derive("d", "nir", std::vector<std::string>{"a", "b"})));
  EXPECT_FALSE(
      key.Derive("d", "nir", std::vector<std::string>{"a"}).Equals(key.Derive("d", "nir")));
  EXPECT_FALSE(key.Derive("d", "nir", std::vector<std::string>{"a"})
                   .Equals(key.Derive("d", "cpr", std::vector<std::string>{"a"})));
}

}  // namespace
}  // namespace cordon::pseudo
