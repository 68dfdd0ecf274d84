// The bastion's principals agent (`cordon-bastion agent`): a long-running
// process, under the AuthorizedPrincipalsCommandUser, that answers sshd's
// login questions on a Unix socket for the tiny `cordon-principals` client
// (src/cli/principals_main.cc). sshd starts its principals command twice at
// every login; each start of the full command pays the dynamic loader,
// OpenSSL's initialisation and a TLS handshake (some 8 ms), the agent pays
// them once and keeps its connection to the exchange open. It decides
// nothing itself and remembers no answer: each question goes to the
// exchange as before. See docs/remote-maintenance.md, "Login latency".
#pragma once

#include <string>

#include "client/bastion.h"
#include "client/bastion_config.h"
#include "client/connection.h"
#include "client/principals_wire.h"
#include "core/result.h"

namespace cordon::cli {

// One login question to the exchange: the line for sshd when allowed, the
// reason when refused (the wrong local account is refused here: a vendor
// certificate opens the vendors' account and no other). An error when the
// exchange could not be asked.
Result<client::PrincipalsAnswer> DecideLogin(const client::BastionConfig& config,
                                             const std::string& config_path,
                                             client::Connection& exchange,
                                             const client::LoginQuestion& question);

// Serves until SIGTERM, SIGINT or SIGHUP; returns the process exit code.
int RunPrincipalsAgent(const std::string& config_path);

}  // namespace cordon::cli
