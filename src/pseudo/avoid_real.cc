#include "pseudo/avoid_real.h"

namespace cordon::pseudo {
namespace {

// The recursion visits another member of W only when a decryption lands in
// W (rare: the density of W); this bound turns a pathological watchlist
// (almost every value real) into an error instead of an exponential search.
constexpr int kBudget = 100000;

Error OutOfBudget() {
  return Error(ErrorCode::kLimitExceeded,
               "--avoid-real: the watchlist covers so much of this identifier's class that "
               "choosing a pseudonym outside it takes too long",
               "the watchlist must hold a production snapshot's identifiers, not a class of "
               "numbers");
}

}  // namespace

Result<bool> AvoidReal::Valid(std::string_view x, uint32_t t, std::string& c, int& budget) const {
  if (--budget < 0) return OutOfBudget();
  CORDON_ASSIGN_OR_RETURN(c, p_.Apply(x, t));
  if (is_real_(c)) return false;
  for (uint32_t s = 0; s < t; ++s) {
    if (--budget < 0) return OutOfBudget();
    CORDON_ASSIGN_OR_RETURN(std::string y, p_.Reverse(c, s));
    if (!is_real_(y)) continue;
    CORDON_ASSIGN_OR_RETURN(bool taken, Takes(y, s, budget));
    if (taken) return false;
  }
  return true;
}

Result<bool> AvoidReal::Takes(std::string_view y, uint32_t s, int& budget) const {
  std::string c;
  for (uint32_t t = 0; t < s; ++t) {
    CORDON_ASSIGN_OR_RETURN(bool earlier, Valid(y, t, c, budget));
    if (earlier) return false;
  }
  return Valid(y, s, c, budget);
}

Result<uint32_t> AvoidReal::TweakOf(std::string_view value) const {
  if (!is_real_(value)) {
    return Error(ErrorCode::kRefused,
                 "--avoid-real: an identifier to pseudonymize is not in the watchlist",
                 "build the watchlist again from the same production snapshot as this copy "
                 "(`cordon watchlist build --source … --order …`): every value the order "
                 "pseudonymizes must be in it");
  }
  int budget = kBudget;
  std::string c;
  for (uint32_t t = 0; t <= max_tweak_; ++t) {
    CORDON_ASSIGN_OR_RETURN(bool valid, Valid(value, t, c, budget));
    if (valid) return t;
  }
  return Error(ErrorCode::kLimitExceeded,
               "--avoid-real: every tweak from 0 to " + std::to_string(max_tweak_) +
                   " gives this identifier a real or already taken pseudonym",
               "the watchlist covers most of this identifier's class; report it (it should not "
               "happen with a production snapshot)");
}

Result<std::string> AvoidReal::Apply(std::string_view value) const {
  CORDON_ASSIGN_OR_RETURN(uint32_t t, TweakOf(value));
  return p_.Apply(value, t);
}

Result<std::string> AvoidReal::Reverse(std::string_view pseudonym) const {
  if (!is_real_(pseudonym)) {
    int budget = kBudget;
    for (uint32_t s = 0; s <= max_tweak_; ++s) {
      CORDON_ASSIGN_OR_RETURN(std::string y, p_.Reverse(pseudonym, s));
      if (!is_real_(y)) continue;
      CORDON_ASSIGN_OR_RETURN(bool taken, Takes(y, s, budget));
      if (taken) return y;
    }
  }
  return Error(ErrorCode::kNoMatch,
               "not a pseudonym made with --avoid-real under this key and watchlist",
               "give the pseudonym key, domain, --keep, watchlist and watch key the copy was "
               "made with");
}

}  // namespace cordon::pseudo
