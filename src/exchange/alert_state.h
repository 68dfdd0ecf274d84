// Rate limiting of alerts: when an alert of a kind was last raised about a
// subject (an account, an address), so that a flood of one condition is one
// alert an interval, across restarts and server instances.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"
#include "exchange/db.h"

namespace cordon::exchange {

// Thread-safety: a view over one connection; used by the thread that owns
// the Db (one thread at a time, like the Db itself).
class AlertState {
 public:
  explicit AlertState(Db& db) : db_(db) {}

  // True when an alert of `kind` about `subject` may be raised at `now`
  // (none was in the `interval` seconds before), and then records it; false
  // when one was. Atomic: of two instances asking at once, one gets true.
  Result<bool> TryRaise(std::string_view kind, std::string_view subject, int64_t now,
                        int64_t interval);

 private:
  Db& db_;
};

}  // namespace cordon::exchange
