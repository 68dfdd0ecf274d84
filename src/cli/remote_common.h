// What every `cordon remote` command shares: the exchange's address and
// pin flags, the connection (asking on the terminal about a key seen for
// the first time), and printing JSON or text. The commands themselves are
// in cmd_remote.cc (account, packages, grants, review),
// cmd_remote_maintenance.cc (targets, SSH certificates, ssh, campaigns) and
// cmd_remote_orders.cc (orders for validation), cmd_remote_ssh_keys.cc (SSH
// signing keys).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "client/connection.h"
#include "core/result.h"

namespace cordon::cli {

struct RemoteArgs {
  std::string server;
  std::string fingerprint;
  bool json = false;
};

// --server, --fingerprint, --json.
void AddRemoteOptions(CLI::App* cmd, RemoteArgs& a);
// Connects to the exchange named by --server or $CORDON_SERVER, asking on
// the terminal about a key seen for the first time, and says what happened
// to the pin.
Result<client::Connection> Connect(const RemoteArgs& a);
// A line typed on stdin after `prompt` (on stderr).
std::string Ask(const char* prompt);
// The server's JSON with --json, else what `human` prints.
void Print(const RemoteArgs& a, const nlohmann::json& j, const std::function<void()>& human);

// The subcommands of `cordon remote` registered by the other files.
void RegisterRemoteMaintenanceCommands(CLI::App* remote, const std::shared_ptr<RemoteArgs>& ra,
                                       int* exit_code);
void RegisterRemoteOrderCommands(CLI::App* remote, const std::shared_ptr<RemoteArgs>& ra,
                                 int* exit_code);
void RegisterRemoteSshKeyCommands(CLI::App* remote, const std::shared_ptr<RemoteArgs>& ra,
                                  int* exit_code);

}  // namespace cordon::cli
