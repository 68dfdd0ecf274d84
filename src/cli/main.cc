// cordon: move patient data out of a customer's system without it leaking.
// This file only wires subcommands together; each lives in its own file.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "core/diagnostic.h"
#include "core/file.h"
#include "core/version.h"

namespace {

int Run(int argc, char** argv) {
  CLI::App app(
      "cordon: scoped, sealed and accountable extraction of patient data.\n"
      "Keys and files use the age format (age-encryption.org/v1); signatures use\n"
      "minisign's. Run `cordon COMMAND --help` for each command.",
      "cordon");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("cordon ") + cordon::kVersion);
  int exit_code = cordon::kExitOk;
  cordon::cli::RegisterKeyCommands(app, &exit_code);
  cordon::cli::RegisterAgeCommands(app, &exit_code);
  cordon::cli::RegisterSignCommands(app, &exit_code);
  cordon::cli::RegisterOrderCommands(app, &exit_code);
  cordon::cli::RegisterExtractCommands(app, &exit_code);
  cordon::cli::RegisterScanCommands(app, &exit_code);
  cordon::cli::RegisterWatchlistCommands(app, &exit_code);
  cordon::cli::RegisterPseudonymCommands(app, &exit_code);
  cordon::cli::RegisterTraceCommands(app, &exit_code);
  cordon::cli::RegisterLedgerCommands(app, &exit_code);
  cordon::cli::RegisterReportCommands(app, &exit_code);
  cordon::cli::RegisterAdminCommands(app, &exit_code);
  cordon::cli::RegisterServeCommands(app, &exit_code);
  cordon::cli::RegisterRemoteCommands(app, &exit_code);
  cordon::cli::RegisterBastionCommands(app, &exit_code);
  cordon::cli::RegisterRecordingCommands(app, &exit_code);
  cordon::cli::RegisterTestdataCommands(app, &exit_code);
  app.footer(
      "Exit codes: 0 success, 1 failure, 2 usage error, 3 verification failed\n"
      "(bad MAC or signature, no matching key), 4 refused to overwrite a file.");
  try {
    std::vector<std::string> args(argv, argv + argc);
    cordon::cli::GuardPrincipalsValues(args);
    std::vector<char*> av;
    for (auto& a : args) av.push_back(a.data());
    app.parse(static_cast<int>(av.size()), av.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << cordon::FormatError(cordon::Error(cordon::ErrorCode::kInvalidArgument, e.what(),
                                                   "run `cordon --help` to see the commands"));
    return cordon::kExitUsage;
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  cordon::InstallInterruptCleanup();
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {  // a library threw: a bug, reported as one
    std::cerr << cordon::FormatError(cordon::Error(cordon::ErrorCode::kInternal, e.what()));
    return cordon::kExitFailure;
  } catch (...) {
    return cordon::kExitFailure;
  }
}
