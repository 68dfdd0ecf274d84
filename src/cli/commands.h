// Registration of the subcommands. Each Register* adds its subcommands to the
// app; their callbacks store the process exit code in *exit_code.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cordon::cli {

void RegisterKeyCommands(CLI::App& app, int* exit_code);        // keygen, sign-keygen
void RegisterAgeCommands(CLI::App& app, int* exit_code);        // encrypt, decrypt
void RegisterSignCommands(CLI::App& app, int* exit_code);       // sign, verify
void RegisterTestdataCommands(CLI::App& app, int* exit_code);   // testdata lis-fr
void RegisterOrderCommands(CLI::App& app, int* exit_code);      // order check, order sign
void RegisterExtractCommands(CLI::App& app, int* exit_code);    // plan, extract, open
void RegisterScanCommands(CLI::App& app, int* exit_code);       // scan
void RegisterWatchlistCommands(CLI::App& app, int* exit_code);  // watchlist keygen/build/info/merge
void RegisterPseudonymCommands(CLI::App& app, int* exit_code);  // pseudokey, pseudonym reverse
void RegisterTraceCommands(CLI::App& app, int* exit_code);      // trace keygen/info
void RegisterLedgerCommands(CLI::App& app, int* exit_code);     // ledger init/append/show/...
void RegisterReportCommands(CLI::App& app, int* exit_code);     // report
void RegisterAdminCommands(CLI::App& app, int* exit_code);      // admin user add/list/...
void RegisterServeCommands(CLI::App& app, int* exit_code);      // serve
void RegisterRemoteCommands(CLI::App& app, int* exit_code);     // remote
void RegisterBastionCommands(CLI::App& app, int* exit_code);    // bastion principals/session/krl
// sshd appends %u %i %s %f to `bastion principals`, and the key id is the
// certificate's: "-h" or "--config=…" must be a value, never an option.
// Inserts "--" before the last four words of a `bastion principals` command
// line that has none (what sshd_config lines without it give).
void GuardPrincipalsValues(std::vector<std::string>& args);
void RegisterRecordingCommands(CLI::App& app, int* exit_code);  // recording verify/play/cat

// What each binary (cordon, cordon-bastion, cordon-verify) does with its
// command line once its commands are registered: parses `args` (argv, as
// the binary may have rewritten it) into `app`, which runs the command.
// Returns the exit code when parsing itself ends the run — --help and
// --version (0), a usage error (printed with `hint`, the command that
// shows the way: 2) — and nothing when a command ran.
std::optional<int> ParseCommandLine(CLI::App& app, std::vector<std::string>& args,
                                    std::string_view hint);

// A binary's main(): Ctrl-C or SIGTERM removes what the command was writing
// (InstallInterruptCleanup), and an exception a library lets escape is
// reported as an internal error with exit code 1, not an abort.
int GuardedMain(int (*run)(int argc, char** argv), int argc, char** argv);

}  // namespace cordon::cli
