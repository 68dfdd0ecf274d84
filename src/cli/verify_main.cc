// cordon-verify: `cordon verify` (and `cordon sign`) in a binary of their
// own, for an auditor's script that checks signatures one process each
// (a DPO's order, an approver's decisions: `for f in *.json; do
// cordon-verify …; done`). The full `cordon` spends most of such a run
// starting: the dynamic loader maps and relocates fifteen libraries
// (ICU, SQLite, OpenSSL's TLS, the C++ runtime…) that checking a signature
// never calls. This one links libcrypto, libsodium and the C library only,
// with the C++ runtime linked in. Same flags, same output, same exit codes.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "core/diagnostic.h"
#include "core/version.h"

namespace {

int Run(int argc, char** argv) {
  CLI::App app(
      "cordon-verify: checks minisign signatures and SSH signatures made with a passkey or a\n"
      "registered key, as `cordon verify` does (docs/ui.md: checking a signature).\n"
      "  cordon-verify --allowed-signers allowed_signers -I dpo@chu.example \\\n"
      "      -n cordon-order@exchange.example order.toml",
      "cordon-verify");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("cordon-verify ") + cordon::kVersion);
  int exit_code = cordon::kExitOk;
  cordon::cli::RegisterSignCommands(app, &exit_code);
  // `cordon-verify FLAGS…` is `cordon-verify verify FLAGS…`; `sign` and
  // `verify` may be named too.
  std::vector<std::string> args(argv, argv + argc);
  if (args.size() > 1 && args[1] != "verify" && args[1] != "sign" && args[1] != "--help" &&
      args[1] != "-h" && args[1] != "--version") {
    args.insert(args.begin() + 1, "verify");
  }
  if (auto ended = cordon::cli::ParseCommandLine(app, args, "run `cordon-verify verify --help`")) {
    return *ended;
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) { return cordon::cli::GuardedMain(Run, argc, argv); }
