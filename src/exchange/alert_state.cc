#include "exchange/alert_state.h"

namespace cordon::exchange {

Result<bool> AlertState::TryRaise(std::string_view kind, std::string_view subject, int64_t now,
                                  int64_t interval) {
  // One statement (an upsert that only moves last_at forward by at least
  // the interval): no read-then-write race between connections.
  CORDON_ASSIGN_OR_RETURN(
      Statement last,
      db_.Prepare("INSERT INTO alert_state(kind, subject, last_at) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT(kind, subject) DO UPDATE SET last_at = ?3 "
                  "WHERE last_at <= ?3 - ?4"));
  CORDON_TRY(last.Bind(1, kind).Bind(2, subject).Bind(3, now).Bind(4, interval).Run());
  return db_.Changes() == 1;
}

}  // namespace cordon::exchange
