// The defender's per-IP memory: failed logins from one address across all
// accounts (password spraying) ban that address, for longer each time it
// comes back. Counters live in the store, so a restart forgets nothing and
// several instances share them. IPv6 addresses count by /64 (one
// subscriber's prefix), so rotating through it evades nothing. (Per-account
// delays and locks are in accounts.h.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"
#include "exchange/db.h"

namespace cordon::exchange {

struct DefenderPolicy {
  int failures_before_ban = 10;         // failed logins from one IP...
  int64_t window_seconds = 10 * 60;     // ...within this window
  int64_t first_ban_seconds = 15 * 60;  // doubled for each ban within a day of the last
  int64_t max_ban_seconds = 24 * 3600;
};

// What the defender counts failures against: an IPv4 address, or the /64
// an IPv6 address is in ("2001:db8:0:1::/64").
std::string BanKey(std::string_view ip);

// Per-address failure counts and bans.
// Thread-safety: one connection to the store; one thread at a time (each
// server worker opens its own). Each count is one transaction, so
// instances sharing a data directory count together.
class Defender {
 public:
  static Result<Defender> Open(const std::string& data_dir, DefenderPolicy policy = {});
  // When `ip` is banned at `now`: the end of its ban.
  Result<std::optional<int64_t>> BannedUntil(std::string_view ip, int64_t now);
  // Counts a failed login; returns the end of the ban it just started, if any.
  Result<std::optional<int64_t>> RecordFailure(std::string_view ip, int64_t now);

 private:
  Defender(Db db, DefenderPolicy policy) : db_(std::move(db)), policy_(policy) {}
  Db db_;
  DefenderPolicy policy_;
};

}  // namespace cordon::exchange
