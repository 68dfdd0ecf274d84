#include "exchange/defender.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace cordon::exchange {

std::string BanKey(std::string_view ip) {
  std::array<uint8_t, 16> a{};
  const std::string text(ip);
  if (inet_pton(AF_INET6, text.c_str(), a.data()) != 1) return text;  // IPv4: the address
  // One IPv6 subscriber holds a whole /64: rotating through it is one client.
  std::fill(a.begin() + 8, a.end(), 0);
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, a.data(), out, sizeof out);
  return std::string(out) + "/64";
}

Result<Defender> Defender::Open(const std::string& data_dir, DefenderPolicy policy) {
  CORDON_ASSIGN_OR_RETURN(Db db, OpenExchangeDb(data_dir));
  return Defender(std::move(db), policy);
}

Result<std::optional<int64_t>> Defender::BannedUntil(std::string_view address, int64_t now) {
  const std::string ip = BanKey(address);
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare("SELECT banned_until FROM ip_failures WHERE ip = ?"));
  q.Bind(1, ip);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (found && q.Int(0) > now) return std::optional<int64_t>(q.Int(0));
  return std::optional<int64_t>();
}

Result<std::optional<int64_t>> Defender::RecordFailure(std::string_view address, int64_t now) {
  const std::string ip = BanKey(address);
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  {
    CORDON_ASSIGN_OR_RETURN(
        Statement q,
        db_.Prepare("SELECT failures, window_start, bans, last_ban_at FROM ip_failures "
                    "WHERE ip = ?"));
    q.Bind(1, ip);
    CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
    int64_t failures = 0, window_start = now, bans = 0, last_ban = 0;
    if (found) {
      failures = q.Int(0);
      window_start = q.Int(1);
      bans = q.Int(2);
      last_ban = q.Int(3);
    }
    if (now - window_start >= policy_.window_seconds) {
      failures = 0;
      window_start = now;
    }
    if (now - last_ban >= 86400) bans = 0;  // a quiet day forgives earlier bans
    ++failures;
    std::optional<int64_t> banned;
    if (failures >= policy_.failures_before_ban) {
      const int64_t length = std::min(policy_.max_ban_seconds,
                                      policy_.first_ban_seconds << std::min<int64_t>(bans, 20));
      banned = now + length;
      ++bans;
      last_ban = now;
      failures = 0;
      window_start = now;
    }
    CORDON_ASSIGN_OR_RETURN(
        Statement u,
        db_.Prepare("INSERT INTO ip_failures(ip, failures, window_start, banned_until, bans, "
                    "last_ban_at) VALUES (?1, ?2, ?3, COALESCE(?4, 0), ?5, ?6) "
                    "ON CONFLICT(ip) DO UPDATE SET failures = ?2, window_start = ?3, "
                    "banned_until = COALESCE(?4, banned_until), bans = ?5, last_ban_at = ?6"));
    u.Bind(1, ip).Bind(2, failures).Bind(3, window_start);
    if (banned) {
      u.Bind(4, *banned);
    } else {
      u.BindNull(4);
    }
    CORDON_TRY(u.Bind(5, bans).Bind(6, last_ban).Run());
    CORDON_TRY(tx.Commit());
    return banned;
  }
}

}  // namespace cordon::exchange
