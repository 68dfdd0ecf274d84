#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "detect/validators.h"
#include "pseudo/identifiers.h"
#include "pseudo/key.h"
#include "pseudo/transforms.h"
#include "testdata/rng.h"

namespace cordon::pseudo {
namespace {

using order::ParseFate;

std::string Pad(uint32_t v, int width) {
  std::string s = std::to_string(v);
  return std::string(static_cast<size_t>(width) - s.size(), '0') + s;
}

// Valid NIRs of every form: metropolitan, Corsica, overseas, temporary.
std::vector<std::string> Nirs(size_t n) {
  testdata::Rng r(5, 1);
  static const char* kDepts[] = {"75", "69", "2A", "2B", "971", "976", "99", "13"};
  std::vector<std::string> out;
  while (out.size() < n) {
    std::string dept = kDepts[r.Below(8)];
    std::string place =
        dept.size() == 3 ? dept + Pad(1 + r.Below(99), 2) : dept + Pad(1 + r.Below(990), 3);
    std::string body = std::to_string(1 + r.Below(2)) + Pad(r.Below(100), 2) +
                       Pad(1 + r.Below(12), 2) + place + Pad(1 + r.Below(999), 3);
    int key = detect::NirKey(body);
    if (key < 0) continue;
    std::string nir = body + Pad(static_cast<uint32_t>(key), 2);
    if (detect::ValidateNir(nir) == detect::Confidence::kNone) continue;
    out.push_back(nir);
  }
  return out;
}

PseudonymKey Key() {
  auto k = PseudonymKey::Parse(AsBytes(std::string_view(
      "# test\nCORDON-PSEUDONYM-KEY-1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")));
  EXPECT_TRUE(k.ok());
  return std::move(*k);
}

TEST(PseudonymKey, FileRoundTripAndDerivation) {
  PseudonymKey a = PseudonymKey::Generate();
  EXPECT_EQ(a.id().size(), 16u);
  SecretBuffer text = a.FileText();
  auto b = PseudonymKey::Parse(text.RevealBytes());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->id(), a.id());
  EXPECT_TRUE(a.Derive("d", "nir").Equals(b->Derive("d", "nir")));
  EXPECT_FALSE(a.Derive("d", "nir").Equals(a.Derive("e", "nir"))) << "domains are unlinkable";
  EXPECT_FALSE(a.Derive("d", "nir").Equals(a.Derive("d", "cpr")));
  // info = domain ‖ 0x00 ‖ transform is injective only because no domain
  // holds a NUL (the order refuses control characters in pseudonym_domain,
  // argv cannot carry one) and no transform name does. With a NUL, two pairs
  // would share a key: the string_views carry their NUL (a "d\0x" literal
  // would stop at it and make this test vacuous).
  using std::string_view_literals::operator""sv;
  EXPECT_TRUE(a.Derive("d\0x"sv, "y").Equals(a.Derive("d", "x\0y"sv)));
  EXPECT_FALSE(a.Derive("d\0x"sv, "y").Equals(a.Derive("d", "x\0z"sv)));
  EXPECT_NE(PseudonymKey::Generate().id(), a.id());
  EXPECT_FALSE(
      PseudonymKey::Parse(AsBytes(std::string_view("CORDON-PSEUDONYM-KEY-1 AAEC\n"))).ok());
  EXPECT_FALSE(PseudonymKey::Parse(AsBytes(std::string_view("hello\n"))).ok());
  EXPECT_FALSE(PseudonymKey::Parse({}).ok());
  // SHA-256("cordon pseudonym key id v1" ‖ secret), first 8 bytes (checked with Python hashlib).
  EXPECT_EQ(Key().id(), "3a31fda6c421790f");
}

TEST(NirPseudonym, ValidDistinctReversibleAndKeepsWhatItSays) {
  PseudonymKey key = Key();
  for (unsigned keep :
       {order::kKeepSex | order::kKeepYear | order::kKeepMonth, 0u, unsigned{order::kKeepSex}}) {
    auto p = NirPseudonym::Create(key.Derive("test", "nir"), keep);
    ASSERT_TRUE(p.ok());
    std::set<std::string> outputs;
    std::vector<std::string> nirs = Nirs(3000);
    for (const std::string& nir : nirs) {
      auto out = p->Apply(nir);
      ASSERT_TRUE(out.ok()) << out.error().message();
      EXPECT_NE(detect::ValidateNir(*out), detect::Confidence::kNone) << *out;
      EXPECT_NE(*out, nir);
      outputs.insert(*out);
      if (keep & order::kKeepSex) {
        EXPECT_EQ((*out)[0], nir[0]);
      }
      if (keep & order::kKeepYear) {
        EXPECT_EQ(out->substr(1, 2), nir.substr(1, 2));
      }
      if (keep & order::kKeepMonth) {
        EXPECT_EQ(out->substr(3, 2), nir.substr(3, 2));
      }
      bool corsica = nir[6] == 'A' || nir[6] == 'B';
      if (corsica) {
        EXPECT_EQ(out->substr(5, 2), nir.substr(5, 2)) << "Corsica stays Corsica";
      }
      auto back = p->Reverse(*out);
      ASSERT_TRUE(back.ok());
      EXPECT_EQ(*back, nir);
    }
    std::set<std::string> distinct(nirs.begin(), nirs.end());
    EXPECT_EQ(outputs.size(), distinct.size()) << "two people never share a pseudonym";
  }
  auto p = NirPseudonym::Create(key.Derive("test", "nir"), order::kKeepSex);
  auto spaced = p->Apply("1 84 12 76 451 089 46");
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(spaced->size(), 21u);
  EXPECT_EQ((*spaced)[1], ' ') << "the layout is kept";
  EXPECT_NE(detect::ValidateNir(*spaced), detect::Confidence::kNone);
  auto other = NirPseudonym::Create(key.Derive("other", "nir"), order::kKeepSex);
  EXPECT_NE(*other->Apply("184127645108946"), *p->Apply("184127645108946"));
  auto bad = p->Apply("184127645108947");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message().find("1841276"), std::string::npos) << "no value in errors";
}

TEST(CprPseudonym, ValidReversibleMod11AndSexKept) {
  PseudonymKey key = Key();
  auto p = CprPseudonym::Create(key.Derive("test", "cpr"), order::kKeepSex);
  ASSERT_TRUE(p.ok());
  testdata::Rng r(9, 2);
  std::set<std::string> outputs;
  int n = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string cpr = Pad(1 + r.Below(28), 2) + Pad(1 + r.Below(12), 2) + Pad(r.Below(100), 2) +
                      "-" + Pad(r.Below(10000), 4);
    detect::Confidence c = detect::ValidateCpr(cpr);
    if (c == detect::Confidence::kNone) continue;
    ++n;
    auto out = p->Apply(cpr);
    ASSERT_TRUE(out.ok()) << out.error().message();
    EXPECT_EQ(detect::ValidateCpr(*out), c) << "mod 11 kept when the input had it, " << *out;
    EXPECT_EQ((*out)[6], '-');
    EXPECT_EQ(((*out)[10] - '0') % 2, (cpr[10] - '0') % 2) << "sex kept";
    outputs.insert(*out);
    EXPECT_EQ(*p->Reverse(*out), cpr);
    std::string bare = cpr.substr(0, 6) + cpr.substr(7);
    if (c == detect::Confidence::kHigh) {
      EXPECT_EQ(p->Apply(bare)->size(), 10u);
    }
  }
  EXPECT_GT(n, 2000);
  EXPECT_FALSE(p->Apply("310299-1234").ok()) << "31 February";
}

struct Applier {
  std::unique_ptr<Transform> t;
  std::string Apply(std::string_view v, RowContext row = {}) {
    std::string out;
    Status s = t->Apply(v, row, out);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return out;
  }
};

Applier Make(std::string_view fate, order::ColumnType type = {}, const PseudonymKey* key = nullptr,
             std::string domain = "test") {
  auto f = ParseFate(fate);
  EXPECT_TRUE(f.ok()) << fate;
  TransformSetup s{key, std::move(domain), std::move(type), order::DaysFromCivil(2026, 6, 30)};
  auto t = MakeTransform(*f, s);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message());
  return Applier{t.ok() ? std::move(*t) : nullptr};
}

TEST(Transforms, TokensAreKeyedDeterministicAndCompact) {
  PseudonymKey key = Key();
  Applier a = Make("pseudonym", {}, &key), b = Make("pseudonym", {}, &key, "other");
  std::string t = a.Apply("00000042");
  EXPECT_EQ(t.size(), 16u);
  EXPECT_EQ(t, a.Apply("00000042"));
  EXPECT_NE(t, a.Apply("00000043"));
  EXPECT_NE(t, b.Apply("00000042")) << "another domain, another pseudonym";
  EXPECT_EQ(a.Apply(""), "") << "NULL stays NULL";
  auto f = ParseFate("pseudonym");
  EXPECT_FALSE(MakeTransform(*f, {}).ok()) << "no key, no keyed transform";
}

TEST(Transforms, DigitsAndDates) {
  PseudonymKey key = Key();
  Applier digits = Make("fpe:digits", {}, &key);
  std::string phone = digits.Apply("06 12 34 56 78");
  EXPECT_EQ(phone.size(), 14u);
  EXPECT_EQ(phone[2], ' ');
  EXPECT_NE(phone, "06 12 34 56 78");
  std::string out;
  auto short_value = digits.t->Apply("12-345", {}, out);
  ASSERT_FALSE(short_value.ok());
  EXPECT_NE(short_value.error().hint().find("NIST"), std::string::npos);

  order::ColumnType fr{order::ValueType::kDate, "%d/%m/%Y"};
  Applier shift = Make("shift-date:30", fr, &key);
  RowContext alice{.subject = "patient-1"}, bob{.subject = "patient-2"};
  std::string d1 = shift.Apply("15/03/2020", alice), d2 = shift.Apply("20/03/2020", alice);
  ASSERT_EQ(d1.size(), 10u);
  int32_t o1 = order::ParseField(fr, d1)->days - order::DaysFromCivil(2020, 3, 15);
  int32_t o2 = order::ParseField(fr, d2)->days - order::DaysFromCivil(2020, 3, 20);
  EXPECT_EQ(o1, o2) << "one subject, one offset: intervals are kept";
  EXPECT_NE(o1, 0);
  EXPECT_LE(std::abs(o1), 30);
  std::set<int32_t> offsets;
  for (int i = 0; i < 200; ++i) {
    std::string s = shift.Apply("15/03/2020", RowContext{.subject = std::to_string(i)});
    int32_t o = order::ParseField(fr, s)->days - order::DaysFromCivil(2020, 3, 15);
    EXPECT_NE(o, 0);
    EXPECT_LE(std::abs(o), 30);
    offsets.insert(o);
  }
  EXPECT_GT(offsets.size(), 40u) << "offsets spread over the range";
  (void)bob;
  order::ColumnType ts{order::ValueType::kDate, "%Y-%m-%d %H:%M"};
  std::string moved = Make("shift-date:5", ts, &key).Apply("2020-03-15 08:30", alice);
  EXPECT_EQ(moved.substr(10), " 08:30") << "the time of day does not move";

  EXPECT_EQ(Make("generalize:year", fr).Apply("03/10/1968"), "1968");
  EXPECT_EQ(Make("generalize:month", fr).Apply("03/10/1968"), "1968-10");
  EXPECT_EQ(Make("generalize:age-band:10", fr).Apply("03/10/1968"), "50-59");
  EXPECT_EQ(Make("generalize:age-band:10").Apply("42"), "40-49");
  Applier dept = Make("generalize:dept");
  EXPECT_EQ(dept.Apply("76450"), "76");
  EXPECT_EQ(dept.Apply("20000"), "2A");
  EXPECT_EQ(dept.Apply("20200"), "2B");
  EXPECT_EQ(dept.Apply("97400"), "974");
}

TEST(Transforms, MaskNullAndRedact) {
  EXPECT_EQ(Make("mask").Apply("Agnès"), "*****");
  EXPECT_EQ(Make("mask:1").Apply("Agnès"), "A****");
  EXPECT_EQ(Make("mask:0:2").Apply("06 12 34 56 78"), "** ** ** ** 78");
  EXPECT_EQ(Make("null").Apply("anything"), "");
  Applier redact = Make("redact");
  RowContext row{
      .identifiers = {{"PETIT", "[NAME]"}, {"Agnès", "[NAME]"}, {"268109741144456", "[NIR]"}}};
  std::string text =
      "Mme Petit (Agnès) rappelle au 05 63 99 11 46, NIR 2 68 10 97 411 444 56, "
      "mail agnes.petit93@gmail.com. Petitjean n'est pas concerné.";
  std::string out = redact.Apply(text, row);
  EXPECT_EQ(out,
            "Mme [NAME] ([NAME]) rappelle au [PHONE], NIR [NIR], mail [EMAIL]. Petitjean n'est "
            "pas concerné.");
}

TEST(Transforms, SyntheticValuesAreDeterministicPlausibleAndUnreachable) {
  PseudonymKey key = Key();
  Applier first = Make("synthetic:first_name", {}, &key);
  EXPECT_EQ(first.Apply("Agnès"), first.Apply("Agnès"));
  RowContext female{.sex = 'F'}, male{.sex = 'M'};
  std::set<std::string> women;
  for (int i = 0; i < 50; ++i) women.insert(first.Apply("Name" + std::to_string(i), female));
  for (const std::string& w : women) EXPECT_NE(w, "Jean") << "a woman's name for a woman";
  EXPECT_GT(women.size(), 20u);
  Applier last = Make("synthetic:last_name", {}, &key);
  std::string upper = last.Apply("PETIT");
  EXPECT_EQ(upper, Make("synthetic:last_name", {}, &key).Apply("PETIT"));
  for (char c : upper) EXPECT_FALSE(c >= 'a' && c <= 'z') << upper;
  Applier phone = Make("synthetic:phone", {}, &key);
  for (int i = 0; i < 20; ++i) {
    std::string p = phone.Apply(std::to_string(i));
    bool fiction = p.starts_with("01 99 00") || p.starts_with("02 61 91") ||
                   p.starts_with("03 53 01") || p.starts_with("04 65 71") ||
                   p.starts_with("05 36 49") || p.starts_with("06 39 98");
    EXPECT_TRUE(fiction) << p;
  }
  std::string mail = Make("synthetic:email", {}, &key).Apply("a@b.fr");
  EXPECT_TRUE(mail.ends_with("@example.com") || mail.ends_with("@example.org") ||
              mail.ends_with("@example.net"))
      << mail;
  EXPECT_EQ(mail.find_first_of("\xC3"), std::string::npos) << "ASCII e-mail: " << mail;
  std::string dk = Make("synthetic:address:da", {}, &key).Apply("Vestergade 3");
  EXPECT_FALSE(dk.empty());
  const std::string da_phone = Make("synthetic:phone:da", {}, &key).Apply("+45 12 34 56 78");
  EXPECT_TRUE(da_phone.starts_with("+45 0"));
  EXPECT_EQ(std::count_if(da_phone.begin() + 3, da_phone.end(),
                          [](char c) { return c >= '0' && c <= '9'; }),
            8)
      << "a Danish number has eight digits";
  (void)male;
}

TEST(Fates, ParseWithActionableErrors) {
  EXPECT_EQ(ParseFate("pseudonym:nir")->keep,
            order::kKeepSex | order::kKeepYear | order::kKeepMonth);
  EXPECT_EQ(ParseFate("pseudonym:nir:keep=none")->keep, 0u);
  EXPECT_EQ(ParseFate("pseudonym:nir:keep=sex,year")->keep, order::kKeepSex | order::kKeepYear);
  EXPECT_FALSE(ParseFate("pseudonym:cpr:keep=year").ok());
  EXPECT_EQ(ParseFate("mask:2:3")->last, 3);
  auto shift = ParseFate("shift-date");
  ASSERT_FALSE(shift.ok());
  EXPECT_NE(shift.error().hint().find("shift-date:30"), std::string::npos);
  auto unknown = ParseFate("hash");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().hint().find("redact"), std::string::npos);
  EXPECT_FALSE(ParseFate("synthetic:ssn").ok());
  EXPECT_FALSE(ParseFate("generalize:age-band").ok());
  EXPECT_TRUE(ParseFate("keep")->kept_as_is());
  EXPECT_TRUE(ParseFate("synthetic:city")->keyed());
}

}  // namespace
}  // namespace cordon::pseudo
