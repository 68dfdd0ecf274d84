// `cordon bastion session` (sshd's ForceCommand on the bastion) and `cordon
// bastion krl`: the session program and the KRL writer, apart from their
// flags (cmd_bastion.cc).
#pragma once

#include <chrono>
#include <string>

#include "client/bastion_config.h"
#include "client/connection.h"
#include "core/result.h"

namespace cordon::cli {

struct BastionSessionArgs {
  std::string config;  // the bastion's configuration file
};

// The exchange, reached with the bastion's machine credential (read from
// token_file into locked memory, then held like a session token).
Result<client::Connection> ConnectBastion(const client::BastionConfig& config,
                                          std::chrono::seconds timeout);

// Runs one recorded session to the grant's target and returns the process
// exit code: the target's shell's status, or a cordon exit code when the
// session was refused or could not start.
int RunBastionSession(const BastionSessionArgs& args);

// Deletes the recordings past the exchange's retention, each with its
// deletion certificate kept in RECORDINGS/deleted/ (run daily).
Status SweepBastionRecordings(const std::string& config_path);

// Writes sshd's RevokedKeys file from the exchange's list.
Status WriteBastionKrl(const std::string& config_path, const std::string& out);

}  // namespace cordon::cli
