// `cordon serve --config FILE`: the exchange's settings in TOML, for what
// an operator sets once (listen address, TLS files, alert destinations,
// policies). Command-line flags override the file. Every key is checked:
// an unknown key or a value out of range is an error naming its line, so a
// typo never silently leaves a default in place.
//
//   listen = "0.0.0.0:8443"
//   workers = 8      (default: 4 per core, from 4 to 16)
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
//   [remote]     bastion_principal = "bastion"  bastion_address = "bastion.chu.example:22"
//                bastion_source_address = "10.1.0.5/32"  certificate_hours = 8
//                recording_recipients = ["age1..."]  recording_retention_days = 365
//   [web]        origin = "https://cordon.chu.example"  (passkeys: off without it;
//                their RP ID is the origin's host)
//   [mail]       relay = "smtp://relay.chu.example:587"  from = "cordon@vendor.example"
//                ca_file = "/etc/cordon/relay-ca.pem"  user = "cordon"
//                password_file = "/etc/cordon/relay.password"  (e-mail to DPOs)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "exchange/accounts.h"
#include "exchange/defender.h"
#include "exchange/grants.h"
#include "serve/alerts.h"
#include "serve/api.h"

namespace cordon::serve {

// Where the DPOs' notice mails go (serve/mail.h). Off when `relay` is
// empty. The relay URL is checked by the network layer (net::ParseSmtpUrl)
// when `cordon serve` starts; the password is read from its file then.
struct MailSettings {
  std::string relay;  // smtp://HOST[:PORT] (STARTTLS) or smtps://HOST[:PORT]
  std::string from;   // IsMailAddress
  std::string ca_file, user, password_file;
  bool on() const { return !relay.empty(); }
};

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
  // [remote]: vendor remote maintenance (bastion principal and addresses,
  // the recordings' age recipients, certificate lifetime).
  exchange::RemotePolicy remote;
  // [web]: the origin browsers reach the exchange at (passkeys).
  WebPolicy web;
  // [mail]: the SMTP relay that carries the DPOs' notices.
  MailSettings mail;
};

// Parses the file's text; errors read "FILE line N: …".
Result<ServeConfig> ParseServeConfig(std::string_view text, const std::string& file_name);

// What `cordon serve` was given on its command line; an unset flag falls
// back to the configuration, then to the default.
struct ServeFlags {
  std::string data;                   // --data DIR (required)
  std::optional<std::string> listen;  // default 127.0.0.1:8443
  std::optional<std::string> tls_cert, tls_key;
  bool insecure_http = false;
  std::vector<std::string> trusted_proxies;  // replaces the configuration's when given
  std::optional<std::string> alerts_file;    // default DIR/alerts.jsonl
  std::optional<std::string> webhook;
  std::optional<std::string> smtp_relay, mail_from, smtp_ca_file;  // override [mail]
  bool no_syslog = false;                      // or syslog = false in the configuration
  std::optional<uint64_t> download_alert_mib;  // default 10240 (10 GiB)
  // Default: DefaultWorkers().
  std::optional<int> workers;
};

// Workers for the blocking work: 4 per core, at least 4, at most 16. More
// of them batch more ledger events per fsync, but past a few per core they
// only compete for the cores: on 2 cores, 16 workers answered a paced
// 2,000 req/s with a p99 of 15 to 35 ms, 8 with 6 ms (bench/RESULTS.md).
int DefaultWorkers();

// Everything the exchange's process needs, resolved: a flag wins over the
// configuration, the configuration over the default.
struct ServeOptions {
  std::string data_dir;
  std::string host;  // to listen on ("localhost" is 127.0.0.1)
  uint16_t port = 0;
  bool tls = true;
  int workers = 4;                                    // ResolveServeOptions sets it
  std::string trusted_proxies;                        // normalized CIDR blocks, comma-separated
  std::optional<size_t> max_connections_per_address;  // the server's default when unset
  // Both, or neither (the generated self-signed identity in DIR/tls/).
  std::string tls_cert, tls_key;
  AlertOptions alerts;  // file, syslog, webhook; the caller gives `post`
  MailSettings mail;
  ApiOptions api;
};

// kInvalidArgument (with a hint) for a missing --data, a mail relay
// without a plain sender address (or the reverse), a listen address
// that is not ADDRESS:PORT, a bad trusted proxy, or only one of the TLS
// certificate and key; kRefused for plain HTTP on an address other than
// loopback. Pure: reads no file and opens nothing.
Result<ServeOptions> ResolveServeOptions(const ServeConfig& config, const ServeFlags& flags);

}  // namespace cordon::serve
