// Test copies with no real identifier in them (`extract --avoid-real`,
// docs/watchlist.md). A valid pseudonym can by chance be another real
// person's number; given the production watchlist W (scan/watchlist.h), each
// identifier x is instead sent to E_t(x) for the first tweak t of a short
// list whose output is not in W and cannot be reached by another member of W
// that takes an earlier tweak — so the copy holds no value of W, two people
// never share a pseudonym, and the key holder with W reverses it.
//
// The rule (E_t, D_t: the pseudonym with tweak t and its inverse, each a
// permutation of the valid identifiers of a class):
//   valid(x, t)  ⇔  c = E_t(x) ∉ W, and for every s < t, D_s(c) ∉ W or the
//                   member D_s(c) of W does not take tweak s;
//   x takes t    ⇔  valid(x, t) and not valid(x, s) for every s < t;
//   g(x) = E_t(x) for the tweak t that x takes.
// Injective over W: if x ≠ y in W took t_x < t_y to one c, then D_{t_x}(c) = x
// is a member of W that takes t_x, so valid(y, t_y) fails (and t_x = t_y
// would make E_{t_x} send two values to one). Reversal of c: the one s such
// that y = D_s(c) ∈ W takes s; y is the answer. Tweak 0 is the pseudonym
// made without the option: the identifiers whose pseudonym is not real and
// not an earlier-tweak target keep it (joins with earlier copies hold).
//
// Every input must be in W: an identifier outside W could share its tweak-0
// pseudonym with a member of W re-derived onto it, and could itself land on
// a real value. Apply refuses it (kRefused); the remedy is a watchlist built
// from the same production snapshot the copy is made from.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "detect/validators.h"

namespace cordon::pseudo {

// Membership in the production watchlist, per kind of identifier (the CLI
// adapts scan::WatchChecker). Implementations must be thread-safe: the
// transforms of every worker thread share one.
class RealIdentifiers {
 public:
  virtual ~RealIdentifiers() = default;
  virtual bool IsReal(detect::Kind kind, std::string_view value) const = 0;
};

// A family of permutations indexed by a tweak number (NirPseudonym,
// CprPseudonym): Reverse(Apply(x, t), t) == x.
class TweakedPseudonym {
 public:
  virtual ~TweakedPseudonym() = default;
  virtual Result<std::string> Apply(std::string_view value, uint32_t tweak) const = 0;
  virtual Result<std::string> Reverse(std::string_view value, uint32_t tweak) const = 0;
};

// Not thread-safe when `pseudonym` is not (FF1 keeps a cipher context): one
// per thread; `is_real` must be thread-safe if shared (WatchChecker is).
class AvoidReal {
 public:
  // Tweaks 0..kMaxTweak: a value fails a tweak with probability about the
  // density of W in its class (0.3 % for the CPRs of a municipality), so
  // running out of all 16 is beyond reach.
  static constexpr uint32_t kMaxTweak = 15;

  // Borrows `pseudonym`. `is_real(v)`: v is in the production watchlist.
  AvoidReal(const TweakedPseudonym& pseudonym, std::function<bool(std::string_view)> is_real,
            uint32_t max_tweak = kMaxTweak)
      : p_(pseudonym), is_real_(std::move(is_real)), max_tweak_(max_tweak) {}

  // The pseudonym of `value`, never a member of W. kRefused when `value` is
  // not in W; kLimitExceeded when no tweak up to max_tweak is valid.
  Result<std::string> Apply(std::string_view value) const;
  // The member of W whose pseudonym is `pseudonym`; kNoMatch when none is
  // (another key, another watchlist, or not made with the option).
  Result<std::string> Reverse(std::string_view pseudonym) const;
  // The tweak Apply chooses for `value` (a member of W), for tests and
  // counts; nullopt-like kLimitExceeded error as Apply.
  Result<uint32_t> TweakOf(std::string_view value) const;

 private:
  // valid(x, t) above; `c` receives E_t(x). `budget` bounds the work.
  Result<bool> Valid(std::string_view x, uint32_t t, std::string& c, int& budget) const;
  // Whether the member y of W takes tweak s.
  Result<bool> Takes(std::string_view y, uint32_t s, int& budget) const;

  const TweakedPseudonym& p_;
  std::function<bool(std::string_view)> is_real_;
  uint32_t max_tweak_;
};

}  // namespace cordon::pseudo
