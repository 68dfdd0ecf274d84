// cordon: move patient data out of a customer's system without it leaking.
// This file only wires subcommands together; each lives in its own file.
#include <CLI/CLI.hpp>
#include <array>
#include <memory>
#include <string_view>

#include "cli/commands.h"
#include "core/diagnostic.h"
#include "core/version.h"

namespace {

using Register = void (*)(CLI::App&, int*);

// Each Register* and the top-level commands it adds (up to three), in
// `cordon --help`'s order.
struct CommandGroup {
  Register add;
  std::array<std::string_view, 3> names;
};
constexpr CommandGroup kGroups[] = {
    {cordon::cli::RegisterKeyCommands, {"keygen", "sign-keygen"}},
    {cordon::cli::RegisterAgeCommands, {"encrypt", "decrypt"}},
    {cordon::cli::RegisterSignCommands, {"sign", "verify"}},
    {cordon::cli::RegisterOrderCommands, {"order"}},
    {cordon::cli::RegisterExtractCommands, {"plan", "extract", "open"}},
    {cordon::cli::RegisterScanCommands, {"scan"}},
    {cordon::cli::RegisterWatchlistCommands, {"watchlist"}},
    {cordon::cli::RegisterPseudonymCommands, {"pseudokey", "pseudonym"}},
    {cordon::cli::RegisterTraceCommands, {"trace"}},
    {cordon::cli::RegisterLedgerCommands, {"ledger"}},
    {cordon::cli::RegisterReportCommands, {"report"}},
    {cordon::cli::RegisterAdminCommands, {"admin"}},
    {cordon::cli::RegisterServeCommands, {"serve"}},
    {cordon::cli::RegisterRemoteCommands, {"remote"}},
    {cordon::cli::RegisterBastionCommands, {"bastion"}},
    {cordon::cli::RegisterRecordingCommands, {"recording"}},
    {cordon::cli::RegisterTestdataCommands, {"testdata"}},
};

// Which command groups to build. Building every command's options is most
// of cordon's own start (1–2 ms per process, paid again by
// an auditor's script that runs `cordon verify` once per signature), so a
// command line that names a command builds that command's group only, and
// `--version` builds none. Anything else (no argument, --help, an unknown
// name, an option first) builds all of them: help and errors are those of
// the whole tree, as before.
enum class Build { kAll, kNamed, kNone };
struct Selection {
  Build build = Build::kAll;
  const CommandGroup* group = nullptr;  // with kNamed
};
Selection Select(int argc, char** argv) {
  if (argc < 2) return {};
  const std::string_view first = argv[1];
  // CLI11 acts on --version as soon as it reads it (cordon --version …).
  if (first == "--version") return {Build::kNone};
  for (const CommandGroup& g : kGroups) {
    for (std::string_view name : g.names) {
      if (!name.empty() && name == first) return {Build::kNamed, &g};
    }
  }
  return {};
}

std::unique_ptr<CLI::App> MakeApp(const Selection& selection, int* exit_code) {
  auto app = std::make_unique<CLI::App>(
      "cordon: scoped, sealed and accountable extraction of patient data.\n"
      "Keys and files use the age format (age-encryption.org/v1); signatures use\n"
      "minisign's. Run `cordon COMMAND --help` for each command.",
      "cordon");
  app->require_subcommand(1);
  app->set_version_flag("--version", std::string("cordon ") + cordon::kVersion);
  if (selection.build == Build::kNamed) {
    selection.group->add(*app, exit_code);
  } else if (selection.build == Build::kAll) {
    for (const CommandGroup& g : kGroups) g.add(*app, exit_code);
  }
  app->footer(
      "Exit codes: 0 success, 1 failure, 2 usage error, 3 verification failed\n"
      "(bad MAC or signature, no matching key), 4 refused to overwrite a file.");
  return app;
}

int Run(int argc, char** argv) {
  int exit_code = cordon::kExitOk;
  Selection selection = Select(argc, argv);
  std::unique_ptr<CLI::App> app_owner = MakeApp(selection, &exit_code);
  // kGroups out of step with a Register* (a command renamed or moved):
  // slower, never different: build them all.
  const auto named = [&](CLI::App* sub) { return sub->check_name(argv[1]); };
  if (selection.build == Build::kNamed && app_owner->get_subcommands(named).empty()) {
    app_owner = MakeApp({}, &exit_code);
  }
  CLI::App& app = *app_owner;
  std::vector<std::string> args(argv, argv + argc);
  cordon::cli::GuardPrincipalsValues(args);
  if (auto ended =
          cordon::cli::ParseCommandLine(app, args, "run `cordon --help` to see the commands")) {
    return *ended;
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) { return cordon::cli::GuardedMain(Run, argc, argv); }
