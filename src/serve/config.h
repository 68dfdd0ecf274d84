// `cordon serve --config FILE`: the exchange's settings in TOML, for what
// an operator sets once (listen address, TLS files, alert destinations,
// policies). Command-line flags override the file. Every key is checked:
// an unknown key or a value out of range is an error naming its line, so a
// typo never silently leaves a default in place.
//
//   listen = "0.0.0.0:8443"
//   workers = 16
//   [tls]        cert = "/etc/cordon/cert.pem"   key = "/etc/cordon/key.pem"
//   [alerts]     file = "…"  syslog = true  webhook = "https://…"  download_mib_per_hour = 10240
//   [accounts]   session_idle_minutes = 15  session_max_hours = 12  failures_before_delay = 5
//                failures_before_lock = 100  max_delay_minutes = 15  idle_lock_days = 90
//   [grants]     max_hours = 24  max_break_glass_hours = 4
//   [defender]   failures_before_ban = 10  window_minutes = 10  first_ban_minutes = 15
//                max_ban_hours = 24
//   [packages]   max_retention_days = 90
//   [uploads]    max_staged_mib = 65536  min_free_mib = 1024
//   [connections] per_address = 64  trusted_proxies = ["127.0.0.1/32"]
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "exchange/accounts.h"
#include "exchange/defender.h"
#include "exchange/grants.h"

namespace cordon::serve {

struct ServeConfig {
  std::optional<std::string> listen, tls_cert, tls_key, alerts_file, webhook;
  std::optional<bool> syslog;
  std::optional<uint64_t> download_alert_mib;  // per account and hour
  std::optional<int> workers;
  exchange::AccountPolicy accounts;
  exchange::GrantPolicy grants;
  exchange::DefenderPolicy defender;
  // [packages]: the longest retention the exchange accepts.
  std::optional<int> max_retention_days;
  // [uploads]: one operator's uncommitted bytes, the disk's floor.
  std::optional<uint64_t> max_staged_mib, min_free_mib;
  // [connections]: per address (or IPv6 /64); trusted reverse proxies.
  std::optional<int> per_address;
  std::vector<std::string> trusted_proxies;
};

// Parses the file's text; errors read "FILE line N: …".
Result<ServeConfig> ParseServeConfig(std::string_view text, const std::string& file_name);

}  // namespace cordon::serve
