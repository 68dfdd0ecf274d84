// The bastion's configuration: one small TOML file, root-owned, that sshd's
// two commands read (`cordon bastion principals`, `cordon bastion session`,
// docs/remote-maintenance.md). Every key is a string but anchor_seconds
// (1 to 60); unknown keys are refused (a misspelt key must not silently fall back to a default).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace cordon::client {

struct BastionConfig {
  std::string server;       // https://HOST:PORT of the exchange
  std::string fingerprint;  // its key's SHA-256, as `cordon serve` printed it
  std::string token_file;   // the machine credential (`cordon admin bastion add`)
  std::string known_hosts;  // the targets' host keys: the bastion checks them strictly
  std::string recordings;   // where sealed recordings are written
  std::string target_user = "cordon-maint";  // the account on the targets
  // The one bastion account vendors log in as (sshd's %u): any other is
  // refused by the principals command, whatever sshd's AllowUsers says.
  std::string login_user = "cordon";
  std::string ssh = "/usr/bin/ssh";  // the OpenSSH client run inside the pty
  std::string user_ca;               // the vendor CA's public key file (for the KRL)
  // Where `cordon-bastion agent` answers sshd's login questions for the
  // small `cordon-principals` client (optional: without an agent, sshd runs
  // `cordon-bastion principals`, which asks the exchange itself).
  std::string agent_socket;
  // How often the recording's chain is anchored in the ledger (what a
  // bastion killed mid-session can lose at most, with the unsealed chunk).
  int anchor_seconds = 60;
};

// `file` names the text in messages. Refuses non-ASCII text, unknown keys,
// non-string values, and a configuration without server, token_file,
// known_hosts or recordings.
Result<BastionConfig> ParseBastionConfig(std::string_view text, const std::string& file);
Result<BastionConfig> LoadBastionConfig(const std::string& path);

}  // namespace cordon::client
