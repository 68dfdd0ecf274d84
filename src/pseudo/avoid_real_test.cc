#include "pseudo/avoid_real.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crypto/random.h"
#include "detect/validators.h"
#include "order/fate.h"
#include "pseudo/identifiers.h"

namespace cordon::pseudo {
namespace {

// A small domain (0..n-1 as decimal strings) with one random permutation
// per tweak: collisions with W can be forced at any density.
class ToyPseudonym : public TweakedPseudonym {
 public:
  ToyPseudonym(int n, uint32_t tweaks, uint64_t seed) : forward_(tweaks), backward_(tweaks) {
    std::mt19937_64 rng(seed);
    for (uint32_t t = 0; t < tweaks; ++t) {
      forward_[t].resize(static_cast<size_t>(n));
      std::iota(forward_[t].begin(), forward_[t].end(), 0);
      std::shuffle(forward_[t].begin(), forward_[t].end(), rng);
      backward_[t].resize(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i)
        backward_[t][static_cast<size_t>(forward_[t][static_cast<size_t>(i)])] = i;
    }
  }
  Result<std::string> Apply(std::string_view v, uint32_t t) const override {
    ++calls;
    return std::to_string(forward_.at(t).at(static_cast<size_t>(std::stoi(std::string(v)))));
  }
  Result<std::string> Reverse(std::string_view v, uint32_t t) const override {
    ++calls;
    return std::to_string(backward_.at(t).at(static_cast<size_t>(std::stoi(std::string(v)))));
  }
  mutable int calls = 0;

 private:
  std::vector<std::vector<int>> forward_, backward_;
};

std::set<std::string> RandomSubset(int n, double density, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution in(density);
  std::set<std::string> w;
  for (int i = 0; i < n; ++i) {
    if (in(rng)) w.insert(std::to_string(i));
  }
  return w;
}

// Injective over W, never real, reversed by the key holder with W — at
// densities far above any production snapshot's (up to 25 %), where
// collisions at tweak 0 and chains across tweaks are common.
TEST(AvoidReal, InjectiveNeverRealAndReversibleOnADenseSmallDomain) {
  for (double density : {0.01, 0.1, 0.25}) {
    const int n = 20000;
    ToyPseudonym toy(n, AvoidReal::kMaxTweak + 1, 7);
    const std::set<std::string> w = RandomSubset(n, density, 11);
    AvoidReal avoid(toy, [&](std::string_view v) { return w.count(std::string(v)) > 0; });
    std::map<std::string, std::string> owner;  // pseudonym → input
    size_t moved = 0;
    for (const std::string& x : w) {
      auto c = avoid.Apply(x);
      ASSERT_TRUE(c.ok()) << density << " " << c.error().message();
      EXPECT_EQ(w.count(*c), 0u) << "a real value came out";
      auto [it, fresh] = owner.emplace(*c, x);
      ASSERT_TRUE(fresh) << x << " and " << it->second << " share " << *c;
      auto back = avoid.Reverse(*c);
      ASSERT_TRUE(back.ok()) << back.error().message();
      EXPECT_EQ(*back, x);
      moved += *toy.Apply(x, 0) != *c;
    }
    // Tweak 0 is kept wherever it is not real and not taken.
    EXPECT_GT(moved, 0u);
    EXPECT_LT(moved, w.size() * density * 3 + 10) << density;
  }
}

// The defect the rule avoids: re-applying the permutation until the result
// is not in W sends two members of W to one value when one of them is the
// other's first (real) image. Same data, AvoidReal stays injective.
TEST(AvoidReal, NaiveCycleWalkingCollidesWhereThisDoesNot) {
  const int n = 5000;
  ToyPseudonym toy(n, AvoidReal::kMaxTweak + 1, 3);
  const std::set<std::string> w = RandomSubset(n, 0.25, 5);
  auto naive = [&](const std::string& x) {
    std::string c = *toy.Apply(x, 0);
    while (w.count(c)) c = *toy.Apply(c, 0);
    return c;
  };
  std::set<std::string> naive_out, out;
  AvoidReal avoid(toy, [&](std::string_view v) { return w.count(std::string(v)) > 0; });
  for (const std::string& x : w) {
    naive_out.insert(naive(x));
    out.insert(*avoid.Apply(x));
  }
  EXPECT_LT(naive_out.size(), w.size()) << "naive walking should collide here";
  EXPECT_EQ(out.size(), w.size());
}

TEST(AvoidReal, DeterministicAndRefusesValuesNotInTheWatchlist) {
  ToyPseudonym toy(2000, AvoidReal::kMaxTweak + 1, 9);
  const std::set<std::string> w = RandomSubset(2000, 0.2, 13);
  AvoidReal a(toy, [&](std::string_view v) { return w.count(std::string(v)) > 0; });
  AvoidReal b(toy, [&](std::string_view v) { return w.count(std::string(v)) > 0; });
  for (const std::string& x : w) ASSERT_EQ(*a.Apply(x), *b.Apply(x));
  std::string outside;
  for (int i = 0; outside.empty(); ++i) {
    if (!w.count(std::to_string(i))) outside = std::to_string(i);
  }
  auto refused = a.Apply(outside);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRefused);
  EXPECT_NE(refused.error().hint().find("watchlist build"), std::string::npos);
  // A value of W is never a pseudonym made with the option.
  auto not_one = a.Reverse(*w.begin());
  ASSERT_FALSE(not_one.ok());
  EXPECT_EQ(not_one.error().code(), ErrorCode::kNoMatch);
}

TEST(AvoidReal, RunningOutOfTweaksIsAClearError) {
  const int n = 1000;
  ToyPseudonym toy(n, 2, 1);
  // Everything real: no tweak can give a value outside W.
  AvoidReal all(
      toy, [](std::string_view) { return true; }, 1);
  auto out = all.Apply("17");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_NE(out.error().message().find("every tweak from 0 to 1"), std::string::npos);
  // 95 % real and two tweaks: some members of W run out, and say so.
  const std::set<std::string> w = RandomSubset(n, 0.95, 2);
  AvoidReal dense(
      toy, [&](std::string_view v) { return w.count(std::string(v)) > 0; }, 1);
  size_t exhausted = 0;
  for (const std::string& x : w) {
    auto c = dense.Apply(x);
    if (!c.ok()) {
      EXPECT_EQ(c.error().code(), ErrorCode::kLimitExceeded);
      ++exhausted;
    }
  }
  EXPECT_GT(exhausted, 0u);
}

// The real CPR and NIR pseudonyms: tweak numbers are permutations of their
// own (reversible, and not the ordinary pseudonym), and forced collisions —
// W holding the ordinary pseudonyms of half its members — are avoided.
TEST(AvoidReal, CprAndNirPseudonymsWithForcedCollisions) {
  SecretBuffer key = crypto::RandomSecret(32);
  auto cpr = CprPseudonym::Create(key, 0);
  ASSERT_TRUE(cpr.ok());
  auto nir = NirPseudonym::Create(key, order::kKeepSex);
  ASSERT_TRUE(nir.ok());
  std::mt19937_64 rng(4);
  // Valid CPRs with mod 11 (1960s, serial 0xxx: century digit 0).
  std::vector<std::string> cprs;
  while (cprs.size() < 300) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d%02d%02d-0%03d", static_cast<int>(rng() % 28 + 1),
                  static_cast<int>(rng() % 12 + 1), static_cast<int>(rng() % 10 + 60),
                  static_cast<int>(rng() % 1000));
    if (detect::ValidateCpr(buf) == detect::Confidence::kHigh) cprs.push_back(buf);
  }
  for (const std::string& x : cprs) {
    auto p1 = cpr->Apply(x, 1);
    ASSERT_TRUE(p1.ok());
    EXPECT_NE(*p1, *cpr->Apply(x));
    EXPECT_EQ(*cpr->Reverse(*p1, 1), x);
  }
  std::set<std::string> w(cprs.begin(), cprs.end());
  for (size_t i = 0; i < cprs.size(); i += 2) w.insert(*cpr->Apply(cprs[i]));
  AvoidReal avoid(*cpr, [&](std::string_view v) { return w.count(std::string(v)) > 0; });
  std::set<std::string> out;
  size_t moved = 0;
  for (const std::string& x : w) {
    auto c = avoid.Apply(x);
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(w.count(*c), 0u);
    EXPECT_TRUE(out.insert(*c).second);
    EXPECT_EQ(*avoid.Reverse(*c), x);
    moved += *c != *cpr->Apply(x);
  }
  EXPECT_GE(moved, cprs.size() / 2);
  // NIR: the same, on a grouped layout (kept as it was).
  std::set<std::string> nirs;
  while (nirs.size() < 100) {
    std::string body = std::to_string(1 + rng() % 2) + "8" + std::to_string(rng() % 10) + "0" +
                       std::to_string(1 + rng() % 9) + "75" + std::to_string(100 + rng() % 900) +
                       std::to_string(100 + rng() % 900);
    int k = detect::NirKey(body);
    nirs.insert(body + (k < 10 ? "0" : "") + std::to_string(k));
  }
  std::set<std::string> wn(nirs);
  for (const std::string& x : nirs) wn.insert(*nir->Apply(x));
  AvoidReal avoid_nir(*nir, [&](std::string_view v) { return wn.count(std::string(v)) > 0; });
  std::set<std::string> nout;
  for (const std::string& x : wn) {
    auto c = avoid_nir.Apply(x);
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(wn.count(*c), 0u);
    EXPECT_TRUE(nout.insert(*c).second);
    EXPECT_EQ(*avoid_nir.Reverse(*c), x);
  }
}

}  // namespace
}  // namespace cordon::pseudo
