// cordon-bastion: `cordon bastion principals | session | sweep | krl` in a
// binary of their own. sshd starts the principals command twice at every
// login (the client's key query, then its signed request) and the forced
// command once per session: a small binary, linked only against what these
// commands use, starts in a fraction of the full `cordon`'s time (most of
// which is the dynamic loader resolving 10,000 symbols of libraries these
// commands never call). Same commands, same flags, same exit codes.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "core/diagnostic.h"
#include "core/version.h"

namespace {

int Run(int argc, char** argv) {
  CLI::App app(
      "cordon-bastion: the bastion's side of remote maintenance, run by sshd\n"
      "(docs/remote-maintenance.md). The same as `cordon bastion …`.",
      "cordon-bastion");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("cordon-bastion ") + cordon::kVersion);
  int exit_code = cordon::kExitOk;
  // `cordon-bastion principals …` and `cordon-bastion bastion principals …`
  // alike: the commands are registered under a "bastion" group, so the
  // first word is optional.
  cordon::cli::RegisterBastionCommands(app, &exit_code);
  std::vector<std::string> args(argv, argv + argc);
  if (args.size() > 1 && args[1] != "bastion" && !args[1].starts_with('-')) {
    args.insert(args.begin() + 1, "bastion");
  }
  cordon::cli::GuardPrincipalsValues(args);
  if (auto ended = cordon::cli::ParseCommandLine(
          app, args, "run `cordon-bastion bastion --help` to see the commands")) {
    return *ended;
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) { return cordon::cli::GuardedMain(Run, argc, argv); }
