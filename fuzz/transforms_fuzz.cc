// Fuzzes every column transform over arbitrary bytes: no crash; a transform
// that must change a value never passes it through (pseudonyms, FF1, null,
// masks); a refusal never quotes the value; NIR/CPR pseudonyms are valid.
#include <string>

#include "detect/validators.h"
#include "pseudo/transforms.h"

namespace {

const char* kFates[] = {"pseudonym",
                        "pseudonym:nir",
                        "pseudonym:nir:keep=none",
                        "pseudonym:cpr",
                        "pseudonym:cpr:keep=none",
                        "fpe:digits",
                        "shift-date:30",
                        "generalize:year",
                        "generalize:month",
                        "generalize:dept",
                        "generalize:age-band:10",
                        "mask",
                        "mask:2:2",
                        "null",
                        "redact",
                        "synthetic:first_name",
                        "synthetic:last_name:da",
                        "synthetic:address",
                        "synthetic:city",
                        "synthetic:phone",
                        "synthetic:email"};

const cordon::pseudo::PseudonymKey& Key() {
  static auto key = cordon::pseudo::PseudonymKey::Parse(cordon::AsBytes(
      std::string_view("CORDON-PSEUDONYM-KEY-1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")));
  return *key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t which = data[0] % std::size(kFates);
  const bool dated = data[1] & 1;
  std::string_view value(reinterpret_cast<const char*>(data) + 2, size - 2);
  auto fate = cordon::order::ParseFate(kFates[which]);
  if (!fate.ok()) __builtin_trap();
  cordon::pseudo::TransformSetup setup{
      &Key(), "fuzz",
      dated ? cordon::order::ColumnType{cordon::order::ValueType::kDate, "%d/%m/%Y %H:%M"}
            : cordon::order::ColumnType{},
      cordon::order::DaysFromCivil(2026, 1, 1)};
  auto t = cordon::pseudo::MakeTransform(*fate, setup);
  if (!t.ok()) __builtin_trap();
  cordon::pseudo::RowContext row;
  row.subject = value.substr(0, 8);
  row.identifiers.push_back({value.substr(0, value.size() / 2), "[NAME]"});
  std::string out;
  cordon::Status s = (*t)->Apply(value, row, out);
  if (!s.ok()) {
    // A refusal must not quote the value. A value can appear in a fixed
    // message by chance ("e.g."), so the test is whether a value of the same
    // shape (each byte's lowest bit flipped) is quoted in its refusal too.
    auto quotes = [](const cordon::Error& e, std::string_view v) {
      return v.size() >= 3 &&
             (e.message().find(v) != std::string::npos || e.hint().find(v) != std::string::npos);
    };
    std::string other(value);
    for (char& c : other) c = static_cast<char>(c ^ 1);
    std::string out2;
    cordon::Status s2 = (*t)->Apply(other, row, out2);
    if (quotes(s.error(), value) && !s2.ok() && quotes(s2.error(), other)) __builtin_trap();
    return 0;
  }
  using K = cordon::order::FateKind;
  if (!value.empty()) {
    bool must_change = fate->kind == K::kPseudonym || fate->kind == K::kPseudonymNir ||
                       fate->kind == K::kPseudonymCpr || fate->kind == K::kNull ||
                       fate->kind == K::kSynthetic || fate->kind == K::kFpeDigits;
    if (must_change && out == value) __builtin_trap();
  }
  if (fate->kind == K::kPseudonymNir && !value.empty() &&
      cordon::detect::ValidateNir(out) == cordon::detect::Confidence::kNone)
    __builtin_trap();
  if (fate->kind == K::kPseudonymCpr && !value.empty() &&
      cordon::detect::ValidateCpr(out.size() == 10 ? out.substr(0, 6) + "-" + out.substr(6)
                                                   : out) == cordon::detect::Confidence::kNone)
    __builtin_trap();
  return 0;
}
