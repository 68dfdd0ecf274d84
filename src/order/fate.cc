#include "order/fate.h"

#include <charconv>
#include <vector>

namespace cordon::order {
namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    size_t at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

bool Number(std::string_view s, int lo, int hi, int& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && out >= lo && out <= hi;
}

Error Bad(std::string_view text, std::string what, std::string hint) {
  std::string message = "\"";
  message.append(text).append("\": ").append(what);
  return Error(ErrorCode::kInvalidArgument, std::move(message), std::move(hint));
}

constexpr std::string_view kAllFates =
    "keep, keep:free-text, pseudonym, pseudonym:nir, pseudonym:cpr, fpe:digits, shift-date:DAYS, "
    "generalize:year|month|dept|age-band:WIDTH, mask[:FIRST[:LAST]], null, "
    "synthetic:first_name|last_name|address|city|phone|email, redact";

// "keep=sex,year,month" or "keep=none" (after "pseudonym:nir:").
Result<unsigned> KeepList(std::string_view text, std::string_view option, bool cpr) {
  // A CPR keeps at most its sex: its date digits are what makes the domain
  // large enough for FF1 (NIST: at least a million values).
  const std::string allowed = cpr ? "sex" : "sex, year, month";
  const std::string hint = "write keep= followed by none or any of " + allowed +
                           " (comma-separated), e.g. " +
                           (cpr ? "pseudonym:cpr:keep=sex" : "pseudonym:nir:keep=sex,year");
  if (!option.starts_with("keep=")) return Bad(text, "unknown option", hint);
  option.remove_prefix(5);
  if (option == "none") return 0u;
  unsigned keep = 0;
  for (std::string_view part : Split(option, ',')) {
    if (part == "sex") {
      keep |= kKeepSex;
    } else if (part == "year" && !cpr) {
      keep |= kKeepYear;
    } else if (part == "month" && !cpr) {
      keep |= kKeepMonth;
    } else {
      return Bad(text, "cannot keep \"" + std::string(part) + "\"", hint);
    }
  }
  return keep;
}

}  // namespace

bool Fate::keyed() const {
  switch (kind) {
    case FateKind::kPseudonym:
    case FateKind::kPseudonymNir:
    case FateKind::kPseudonymCpr:
    case FateKind::kFpeDigits:
    case FateKind::kShiftDate:
    case FateKind::kSynthetic:
      return true;
    default:
      return false;
  }
}

bool Fate::identifies() const {
  switch (kind) {
    case FateKind::kPseudonym:
    case FateKind::kPseudonymNir:
    case FateKind::kPseudonymCpr:
    case FateKind::kFpeDigits:
    case FateKind::kSynthetic:
    case FateKind::kMask:
    case FateKind::kNull:
      return true;
    default:
      return false;
  }
}

Result<Fate> ParseFate(std::string_view text) {
  Fate f;
  f.text = std::string(text);
  std::vector<std::string_view> p = Split(text, ':');
  const std::string_view head = p[0];
  auto arity = [&](size_t lo, size_t hi) { return p.size() >= lo && p.size() <= hi; };
  if (head == "keep" && p.size() == 1) {
    f.kind = FateKind::kKeep;
  } else if (text == "keep:free-text") {
    f.kind = FateKind::kKeepFreeText;
  } else if (text == "pseudonym") {
    f.kind = FateKind::kPseudonym;
  } else if (head == "pseudonym" && arity(2, 3) && (p[1] == "nir" || p[1] == "cpr")) {
    bool cpr = p[1] == "cpr";
    f.kind = cpr ? FateKind::kPseudonymCpr : FateKind::kPseudonymNir;
    // By default a NIR keeps sex, birth year and month (what test systems
    // check against the birth date); a CPR keeps the sex (its last digit's parity).
    f.keep = cpr ? kKeepSex : kKeepSex | kKeepYear | kKeepMonth;
    if (p.size() == 3) {
      CORDON_ASSIGN_OR_RETURN(f.keep, KeepList(text, p[2], cpr));
    }
  } else if (text == "fpe:digits") {
    f.kind = FateKind::kFpeDigits;
  } else if (head == "shift-date") {
    f.kind = FateKind::kShiftDate;
    if (!arity(2, 2) || !Number(p[1], 1, 3650, f.number)) {
      return Bad(text, "shift-date needs the largest shift in days, 1 to 3650",
                 "write \"shift-date:30\": each subject's dates move by the same offset, "
                 "between -30 and +30 days (never 0)");
    }
  } else if (head == "generalize" && arity(2, 3)) {
    if (p.size() == 2 && p[1] == "year") {
      f.kind = FateKind::kGeneralizeYear;
    } else if (p.size() == 2 && p[1] == "month") {
      f.kind = FateKind::kGeneralizeMonth;
    } else if (p.size() == 2 && p[1] == "dept") {
      f.kind = FateKind::kGeneralizeDept;
    } else if (p[1] == "age-band" && p.size() == 3 && Number(p[2], 1, 100, f.number)) {
      f.kind = FateKind::kGeneralizeAgeBand;
    } else {
      return Bad(text, "unknown generalization",
                 "write generalize:year, generalize:month, generalize:dept or "
                 "generalize:age-band:10");
    }
  } else if (head == "mask" && arity(1, 3)) {
    f.kind = FateKind::kMask;
    if ((p.size() >= 2 && !Number(p[1], 0, 64, f.number)) ||
        (p.size() == 3 && !Number(p[2], 0, 64, f.last))) {
      return Bad(text, "mask takes the number of characters kept at the start and at the end",
                 "write \"mask\" (hide all), \"mask:2\" (keep the first 2) or \"mask:0:4\" (keep "
                 "the last 4)");
    }
  } else if (text == "null") {
    f.kind = FateKind::kNull;
  } else if (head == "synthetic" && arity(2, 3) &&
             (p[1] == "first_name" || p[1] == "last_name" || p[1] == "address" || p[1] == "city" ||
              p[1] == "phone" || p[1] == "email") &&
             (p.size() == 2 || p[2] == "fr" || p[2] == "da")) {
    f.kind = FateKind::kSynthetic;
    f.synthetic = std::string(p[1]);
    f.locale = p.size() == 3 ? std::string(p[2]) : "fr";
  } else if (head == "synthetic") {
    return Bad(text, "unknown synthetic value",
               "write synthetic: followed by first_name, last_name, address, city, phone or "
               "email, and :da for Danish data (synthetic:last_name:da)");
  } else if (text == "redact") {
    f.kind = FateKind::kRedact;
  } else {
    return Bad(text, "unknown fate",
               "use one of " + std::string(kAllFates) +
                   "; a column that must not leave is simply not listed");
  }
  return f;
}

}  // namespace cordon::order
