// What an order does to a column: keep it, or transform it on the way out
// (docs/order-format.md, "Column transforms"). Parsed from the strings of
// [table.columns]: "keep", "pseudonym:nir", "shift-date:30", "mask:2:2"…
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace cordon::order {

enum class FateKind {
  kKeep,               // "keep"
  kKeepFreeText,       // "keep:free-text": a free-text column kept on purpose
  kPseudonym,          // "pseudonym": keyed token, same input → same token
  kPseudonymNir,       // "pseudonym:nir[:keep=…]": a valid NIR by FF1
  kPseudonymCpr,       // "pseudonym:cpr[:keep=…]": a valid CPR by FF1
  kFpeDigits,          // "fpe:digits": FF1 over the digits, the rest kept
  kShiftDate,          // "shift-date:N": per-subject offset within ±N days
  kGeneralizeYear,     // "generalize:year"
  kGeneralizeMonth,    // "generalize:month"
  kGeneralizeDept,     // "generalize:dept": postcode → department
  kGeneralizeAgeBand,  // "generalize:age-band:W"
  kMask,               // "mask[:FIRST[:LAST]]"
  kNull,               // "null": the column leaves, empty
  kSynthetic,          // "synthetic:first_name|last_name|address|city|phone|email[:fr|:da]"
  kRedact,             // "redact": free text with identifiers replaced
};

// Parts of a NIR or CPR that a pseudonym keeps (the rest is encrypted).
enum KeepPart : unsigned { kKeepSex = 1, kKeepYear = 2, kKeepMonth = 4 };

struct Fate {
  FateKind kind = FateKind::kKeep;
  std::string text = "keep";  // as written, for plans and manifests
  int number = 0;             // shift-date: days; age-band: width; mask: first kept
  int last = 0;               // mask: last kept
  unsigned keep = 0;          // pseudonym:nir/cpr: KeepPart bits
  std::string synthetic;      // synthetic: what to make ("first_name"…)
  std::string locale;         // synthetic: "fr" (default) or "da"

  // Needs the pseudonym key (the order must name one).
  bool keyed() const;
  // The column leaves as it is in the source.
  bool kept_as_is() const { return kind == FateKind::kKeep || kind == FateKind::kKeepFreeText; }
  // A value this column takes is a direct identifier of the row (its NIR,
  // its name…): "redact" removes it from the row's free text.
  bool identifies() const;
};

// Parses a fate. Errors say what was expected ("shift-date needs a number of
// days: write \"shift-date:30\"").
Result<Fate> ParseFate(std::string_view text);

}  // namespace cordon::order
