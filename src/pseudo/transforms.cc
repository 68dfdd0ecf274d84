#include "pseudo/transforms.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

#include "core/strings.h"
#include "crypto/ff1.h"
#include "crypto/kdf.h"
#include "detect/matcher.h"
#include "pseudo/identifiers.h"
#include "pseudo/synthetic.h"

namespace cordon::pseudo {
namespace {

using order::FateKind;

Error NeedsKey(const order::Fate& f) {
  return Error(ErrorCode::kInvalidArgument, "\"" + f.text + "\" needs the pseudonym key",
               "pass it with --pseudonym-key FILE");
}

// HMAC-SHA-256 under a transform's key, as bytes or as a number.
class KeyedHash {
 public:
  explicit KeyedHash(const SecretBuffer& key) : prf_(key) {}
  std::array<uint8_t, 32> Hash(std::string_view value) const { return prf_.Mac(AsBytes(value)); }
  uint64_t Number(std::string_view value) const {
    auto h = Hash(value);
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n = (n << 8) | h[static_cast<size_t>(i)];
    return n;
  }

 private:
  crypto::HmacSha256Prf prf_;
};

// "pseudonym": 16 characters of base32 (80 bits of HMAC): compact, and no
// collision in practice (10^-8 for ten million distinct values).
class TokenTransform : public Transform {
 public:
  explicit TokenTransform(const SecretBuffer& key) : hash_(key) {}
  Status Apply(std::string_view v, const RowContext&, std::string& out) override {
    out.clear();
    if (v.empty()) return Ok();
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    auto h = hash_.Hash(v);
    uint64_t bits = 0;
    int have = 0;
    size_t next = 0;
    while (out.size() < 16) {
      if (have < 5) {
        bits = (bits << 8) | h[next++];
        have += 8;
      }
      out += kAlphabet[(bits >> (have - 5)) & 31];
      have -= 5;
    }
    return Ok();
  }

 private:
  KeyedHash hash_;
};

// A pseudonym that is still a valid identifier (NirPseudonym, CprPseudonym).
// With `is_real` (extract --avoid-real), through AvoidReal.
template <typename Pseudonym>
class IdentifierTransform : public Transform {
 public:
  explicit IdentifierTransform(Pseudonym p, std::function<bool(std::string_view)> is_real = {})
      : p_(std::move(p)) {
    if (is_real) avoid_.emplace(p_, std::move(is_real));
  }
  IdentifierTransform(const IdentifierTransform&) = delete;  // avoid_ refers to p_
  IdentifierTransform& operator=(const IdentifierTransform&) = delete;
  Status Apply(std::string_view v, const RowContext&, std::string& out) override {
    out.clear();
    if (v.empty()) return Ok();
    CORDON_ASSIGN_OR_RETURN(out, avoid_ ? avoid_->Apply(v) : p_.Apply(v));
    return Ok();
  }

 private:
  Pseudonym p_;
  std::optional<AvoidReal> avoid_;
};

// The watchlist look-up of one kind, or none.
std::function<bool(std::string_view)> RealOf(const TransformSetup& s, detect::Kind kind) {
  if (s.is_real == nullptr) return {};
  return [is_real = s.is_real, kind](std::string_view v) { return is_real->IsReal(kind, v); };
}

// "fpe:digits": FF1 over the digits; every other character stays in place.
class DigitsTransform : public Transform {
 public:
  explicit DigitsTransform(crypto::Ff1 ff1) : ff1_(std::move(ff1)) {}
  Status Apply(std::string_view v, const RowContext&, std::string& out) override {
    out.assign(v);
    if (v.empty()) return Ok();
    digits_.clear();
    for (char c : v) {
      if (c >= '0' && c <= '9') digits_.push_back(static_cast<uint8_t>(c - '0'));
    }
    if (digits_.size() < 6) {
      return Error(
          ErrorCode::kInvalidArgument,
          "fpe:digits: a value has " + std::to_string(digits_.size()) + " digits, fewer than 6",
          "FF1 may not encrypt domains below a million values (NIST SP 800-38G); use "
          "\"pseudonym\" or \"null\" for this column");
    }
    CORDON_TRY(ff1_.Encrypt(digits_, AsBytes(std::string_view("digits"))));
    size_t k = 0;
    for (char& c : out) {
      if (c >= '0' && c <= '9') c = static_cast<char>('0' + digits_[k++]);
    }
    return Ok();
  }

 private:
  crypto::Ff1 ff1_;
  std::vector<uint8_t> digits_;
};

Result<int32_t> DayOf(const order::ColumnType& type, std::string_view v, const char* what) {
  order::ColumnType t = type.type == order::ValueType::kDate
                            ? type
                            : order::ColumnType{order::ValueType::kDate, "%Y-%m-%d"};
  auto parsed = order::ParseField(t, v);
  if (!parsed.ok()) {
    // The value is not quoted: it is personal data, and errors end up in logs.
    return Error(ErrorCode::kInvalidArgument,
                 std::string(what) + ": a value is not a date in format " + t.date_format,
                 "declare the column's date format under [table.types], e.g. "
                 "DATE_NAISSANCE = \"date:%d/%m/%Y\"");
  }
  return parsed->days;
}

// "shift-date:N": all dates of one subject move by the same offset in
// [-N, -1] ∪ [1, N] (never 0, which would leave some dates true).
class ShiftDateTransform : public Transform {
 public:
  ShiftDateTransform(const SecretBuffer& key, int max_days, order::ColumnType type)
      : hash_(key), max_days_(max_days), type_(std::move(type)) {}
  Status Apply(std::string_view v, const RowContext& row, std::string& out) override {
    out.clear();
    if (v.empty()) return Ok();
    if (row.subject.empty()) {
      return Error(ErrorCode::kInvalidArgument, "shift-date: a row has no subject",
                   "every row needs a value in the table's subject column");
    }
    CORDON_ASSIGN_OR_RETURN(int32_t day, DayOf(type_, v, "shift-date"));
    const auto span = static_cast<uint64_t>(2 * max_days_);
    auto pick = static_cast<int32_t>(hash_.Number(row.subject) % span);
    int32_t offset = pick < max_days_ ? pick - max_days_ : pick - max_days_ + 1;
    out = order::FormatDateLike(type_, v, day + offset);
    return Ok();
  }

 private:
  KeyedHash hash_;
  int max_days_;
  order::ColumnType type_;
};

class GeneralizeDateTransform : public Transform {
 public:
  GeneralizeDateTransform(bool month, order::ColumnType type)
      : month_(month), type_(std::move(type)) {}
  Status Apply(std::string_view v, const RowContext&, std::string& out) override {
    out.clear();
    if (v.empty()) return Ok();
    CORDON_ASSIGN_OR_RETURN(int32_t day,
                            DayOf(type_, v, month_ ? "generalize:month" : "generalize:year"));
    out = order::FormatIsoDate(day).substr(0, month_ ? 7 : 4);
    return Ok();
  }

 private:
  bool month_;
  order::ColumnType type_;
};

// Postcode → département: 2 digits, 2A/2B for Corsica (20000–20199 /
// 20200–20699), 3 digits overseas (971…988).
class DeptTransform : public Transform {
 public:
  Status Apply(std::string_view v, const RowContext&, std::string& out) override {
    out.clear();
    if (v.empty()) return Ok();
    if (v.size() != 5 ||
        !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Error(ErrorCode::kInvalidArgument,
                   "generalize:dept: a value is not a 5-digit postcode");
    }
    if (v.starts_with("20")) {
      out = v.substr(2, 3) < "200" ? "2A" : "2B";
    } else if (v.starts_with("97") || v.starts_with("98")) {
      out = v.substr(0, 3);
    } else {
      out = v.substr(0, 2);
    }
    return Ok();
  }
};

class AgeBandTransform : public Transform {
 public:
  AgeBandTransform(int width, order::ColumnType type, int32_t reference_day)
      : width_(width), type_(std::move(type)), reference_day_(reference_day) {}
  Status Apply(std::string_view v, const RowContext&, std::string& out) override {
    out.clear();
    if (v.empty()) return Ok();
    int age = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), age);
    if (ec != std::errc() || end != v.data() + v.size()) {
      // A birth date: the age on the reference day (the order's end), so
      // that two runs of one order agree.
      CORDON_ASSIGN_OR_RETURN(int32_t born, DayOf(type_, v, "generalize:age-band"));
      int by = 0, bm = 0, bd = 0, ry = 0, rm = 0, rd = 0;
      order::CivilFromDays(born, by, bm, bd);
      order::CivilFromDays(reference_day_, ry, rm, rd);
      age = ry - by - ((rm < bm || (rm == bm && rd < bd)) ? 1 : 0);
    }
    if (age < 0 || age > 150) {
      return Error(ErrorCode::kInvalidArgument, "generalize:age-band: an age is outside 0–150");
    }
    int low = age / width_ * width_;
    out = width_ == 1 ? std::to_string(low)
                      : std::to_string(low) + "-" + std::to_string(low + width_ - 1);
    return Ok();
  }

 private:
  int width_;
  order::ColumnType type_;
  int32_t reference_day_;
};

// "mask:F:L": letters and digits become '*' except the first F and last L
// characters; separators stay. Characters, not bytes: "Agnès" → "A****".
class MaskTransform : public Transform {
 public:
  MaskTransform(int first, int last) : first_(first), last_(last) {}
  Status Apply(std::string_view v, const RowContext&, std::string& out) override {
    out.clear();
    std::vector<std::string_view> chars;
    for (size_t i = 0; i < v.size();) {
      size_t n = 1;
      while (i + n < v.size() && (static_cast<unsigned char>(v[i + n]) & 0xC0) == 0x80) ++n;
      chars.push_back(v.substr(i, n));
      i += n;
    }
    for (size_t k = 0; k < chars.size(); ++k) {
      std::string_view c = chars[k];
      bool keep = k < static_cast<size_t>(first_) || k + static_cast<size_t>(last_) >= chars.size();
      bool separator = c.size() == 1 && !std::isalnum(static_cast<unsigned char>(c[0]));
      out += keep || separator ? std::string(c) : std::string("*");
    }
    return Ok();
  }

 private:
  int first_, last_;
};

class NullTransform : public Transform {
 public:
  Status Apply(std::string_view, const RowContext&, std::string& out) override {
    out.clear();
    return Ok();
  }
};

bool IsWordByte(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || u >= 0x80 || c == '_';
}

// "redact": the text stays, but every identifier the detectors find and
// every occurrence of the row's own identifiers (its name, its NIR…) become
// typed placeholders.
class RedactTransform : public Transform {
 public:
  Status Apply(std::string_view v, const RowContext& row, std::string& out) override {
    out.clear();
    if (v.empty()) return Ok();
    // 1. Identifiers by kind.
    std::string first;
    size_t at = 0;
    detect::FindIdentifiers(v, detect::kAllKinds, [&](const detect::Match& m) {
      first.append(v.substr(at, m.offset - at));
      first += Placeholder(m.kind);
      at = m.offset + m.length;
    });
    first.append(v.substr(at));
    // 2. The row's own identifiers, as whole words, in any ASCII case.
    std::string_view text = first;
    for (size_t i = 0; i < text.size();) {
      const RowIdentifier* hit = nullptr;
      if (i == 0 || !IsWordByte(text[i - 1])) {
        for (const RowIdentifier& id : row.identifiers) {
          if (id.value.size() < 2 || i + id.value.size() > text.size()) continue;
          size_t end = i + id.value.size();
          if (end < text.size() && IsWordByte(text[end]) && IsWordByte(id.value.back())) continue;
          if (EqualsIgnoringAsciiCase(text.substr(i, id.value.size()), id.value) &&
              (!hit || id.value.size() > hit->value.size())) {
            hit = &id;
          }
        }
      }
      if (hit) {
        out += hit->placeholder;
        i += hit->value.size();
      } else {
        out += text[i++];
      }
    }
    return Ok();
  }

 private:
  static std::string Placeholder(detect::Kind k) {
    switch (k) {
      case detect::Kind::kNir:
        return "[NIR]";
      case detect::Kind::kCpr:
        return "[CPR]";
      case detect::Kind::kIban:
        return "[IBAN]";
      case detect::Kind::kCard:
        return "[CARD]";
      case detect::Kind::kEmail:
        return "[EMAIL]";
      case detect::Kind::kPhone:
        return "[PHONE]";
    }
    return "[ID]";
  }
};

}  // namespace

Result<std::unique_ptr<Transform>> MakeTransform(const order::Fate& f, const TransformSetup& s) {
  if (f.keyed() && s.key == nullptr) return NeedsKey(f);
  auto derive = [&](std::string_view name) { return s.key->Derive(s.domain, name, s.recipients); };
  switch (f.kind) {
    case FateKind::kKeep:
    case FateKind::kKeepFreeText:
      return Error(ErrorCode::kInternal, "no transform for kept columns");
    case FateKind::kPseudonym:
      return Made<TokenTransform>(derive("token"));
    case FateKind::kPseudonymNir: {
      CORDON_ASSIGN_OR_RETURN(NirPseudonym p, NirPseudonym::Create(derive("nir"), f.keep));
      return Made<IdentifierTransform<NirPseudonym>>(std::move(p), RealOf(s, detect::Kind::kNir));
    }
    case FateKind::kPseudonymCpr: {
      CORDON_ASSIGN_OR_RETURN(CprPseudonym p, CprPseudonym::Create(derive("cpr"), f.keep));
      return Made<IdentifierTransform<CprPseudonym>>(std::move(p), RealOf(s, detect::Kind::kCpr));
    }
    case FateKind::kFpeDigits: {
      CORDON_ASSIGN_OR_RETURN(crypto::Ff1 ff1, crypto::Ff1::Create(derive("digits"), 10));
      return Made<DigitsTransform>(std::move(ff1));
    }
    case FateKind::kShiftDate:
      return Made<ShiftDateTransform>(derive("shift-date"), f.number, s.type);
    case FateKind::kGeneralizeYear:
    case FateKind::kGeneralizeMonth:
      return Made<GeneralizeDateTransform>(f.kind == FateKind::kGeneralizeMonth, s.type);
    case FateKind::kGeneralizeDept:
      return Made<DeptTransform>();
    case FateKind::kGeneralizeAgeBand:
      return Made<AgeBandTransform>(f.number, s.type, s.reference_day);
    case FateKind::kMask:
      return Made<MaskTransform>(f.number, f.last);
    case FateKind::kNull:
      return Made<NullTransform>();
    case FateKind::kSynthetic:
      return MakeSynthetic(f.synthetic, f.locale,
                           derive("synthetic:" + f.synthetic + ":" + f.locale));
    case FateKind::kRedact:
      return Made<RedactTransform>();
  }
  return Error(ErrorCode::kInternal, "unknown fate");
}

std::string_view IdentifierPlaceholder(std::string_view column, const order::Fate* fate) {
  std::string upper(column);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto has = [&](std::string_view word) { return upper.find(word) != std::string::npos; };
  if (fate != nullptr) {
    switch (fate->kind) {
      case FateKind::kPseudonymNir:
        return "[NIR]";
      case FateKind::kPseudonymCpr:
        return "[CPR]";
      case FateKind::kSynthetic:
        if (fate->synthetic == "first_name" || fate->synthetic == "last_name") return "[NAME]";
        if (fate->synthetic == "address") return "[ADDRESS]";
        if (fate->synthetic == "city") return "[CITY]";
        if (fate->synthetic == "phone") return "[PHONE]";
        return "[EMAIL]";
      default:
        break;
    }
  }
  if (has("PRENOM") || has("NOM") || has("NAME")) return "[NAME]";
  if (has("NIR") || has("SECU")) return "[NIR]";
  if (has("CPR")) return "[CPR]";
  if (has("TEL") || has("PHONE") || has("MOBILE")) return "[PHONE]";
  if (has("MAIL")) return "[EMAIL]";
  if (has("ADRESSE") || has("ADDRESS") || has("ADR")) return "[ADDRESS]";
  if (fate != nullptr && fate->identifies()) return "[ID]";
  return {};
}

std::vector<std::string> ScopeRecipients(const order::Order& order) {
  if (order.pseudonym_scope != order::PseudonymScope::kRecipients) return {};
  return CanonicalRecipients(order.recipients);
}

}  // namespace cordon::pseudo
