// Column transforms: what `extract` does to a value on its way out, per the
// order's fate for that column (docs/order-format.md, "Column transforms").
// Every transform is deterministic (same key, domain and value → same
// output), so an extraction split into parts gives the rows of a single run.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "order/fate.h"
#include "order/order.h"
#include "order/value.h"
#include "pseudo/avoid_real.h"
#include "pseudo/key.h"

namespace cordon::pseudo {

// A direct identifier of the row (its name, its NIR…), for "redact".
struct RowIdentifier {
  std::string_view value;
  std::string_view placeholder;  // "[NAME]", "[NIR]"…
};

// What a transform may see beyond its own value.
struct RowContext {
  std::string_view subject;  // the table's subject column (shift-date)
  char sex = 0;              // 'M' or 'F' from the row's NIR or CPR, 0 if unknown
  std::vector<RowIdentifier> identifiers;
};

// Not thread-safe (transforms keep scratch state): one per thread, as the
// pipeline's TransformPool makes them.
class Transform {
 public:
  virtual ~Transform() = default;
  // Writes the transformed value to `out`. An empty value stays empty (NULL
  // stays NULL). Errors never quote the value: it is personal data.
  virtual Status Apply(std::string_view value, const RowContext& row, std::string& out) = 0;
};

struct TransformSetup {
  const PseudonymKey* key = nullptr;  // null when the order names none
  std::string domain;
  order::ColumnType type;     // the column's declared type (dates)
  int32_t reference_day = 0;  // age bands of birth dates: age on this day (the order's not_after)
  // pseudonym_scope = "recipients": the order's recipients, canonical
  // (CanonicalRecipients); empty: keys shared by the whole domain.
  std::vector<std::string> recipients;
  // `extract --avoid-real`: whether an identifier of a kind is in the
  // production watchlist (thread-safe). With it, pseudonym:nir and
  // pseudonym:cpr never write a value it holds, and refuse a value it does
  // not hold (pseudo/avoid_real.h).
  const RealIdentifiers* is_real = nullptr;  // borrowed
};

// The recipients an order's keys are bound to: its canonical recipients
// with pseudonym_scope = "recipients", none (the domain alone) otherwise.
std::vector<std::string> ScopeRecipients(const order::Order& order);

// A transform as the factories return it.
template <typename T, typename... Args>
Result<std::unique_ptr<Transform>> Made(Args&&... args) {
  return std::unique_ptr<Transform>(std::make_unique<T>(std::forward<Args>(args)...));
}

// Not for "keep" and "keep:free-text" (nothing to do).
Result<std::unique_ptr<Transform>> MakeTransform(const order::Fate& fate,
                                                 const TransformSetup& setup);

// The placeholder "redact" writes for a column's value in free text, when
// the column identifies the row: by its fate, or (for columns that do not
// leave) by its name (NOM, PRENOM, NIR, TEL, EMAIL, ADRESSE…). Empty when the
// column is not a direct identifier.
std::string_view IdentifierPlaceholder(std::string_view column, const order::Fate* fate);

}  // namespace cordon::pseudo
