// `cordon bastion`: the two commands sshd runs on the bastion (docs/
// remote-maintenance.md) and the KRL writer. They are the exchange's
// clients with the bastion's machine credential: the exchange decides at
// every login and every few seconds of a session; the bastion keeps nothing
// readable (recordings are sealed to the hospital's keys as they are made).
#include <unistd.h>

#include <iostream>
#include <string>

#include "cli/bastion_agent.h"
#include "cli/bastion_session.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "client/bastion.h"
#include "client/bastion_config.h"

namespace cordon::cli {
namespace {

// sshd waits for the principals command at every login: a slow or dead
// exchange must fail the login quickly, never hang it. Each call is bounded
// (net/http_client.cc's watchdog), and the whole command too: past
// kLoginDeadline the process dies by SIGALRM, which sshd takes as a no.
constexpr std::chrono::seconds kLoginTimeout{5};
constexpr unsigned kLoginDeadlineSeconds = 15;

// AuthorizedPrincipalsCommand: prints the principal only when the exchange
// says the grant named in the key id is open, the account usable and the
// serial one it issued. Anything else (refusal, unreachable exchange, bad
// configuration) prints nothing: sshd then refuses the login. The reason
// goes to stderr, which sshd logs.
int Principals(const std::string& config_path, const client::LoginQuestion& q) {
  ::alarm(kLoginDeadlineSeconds);
  auto config = client::LoadBastionConfig(config_path);
  if (!config.ok()) return Fail(config.error());
  // A vendor certificate opens the vendors' account and no other (root
  // included), even where sshd's own configuration would let it: refused
  // before the exchange is even asked.
  if (q.user != config->login_user) {
    std::cerr << "cordon bastion: login refused: \"" << q.user
              << "\" is not the vendors' account \"" << config->login_user << "\" (login_user in "
              << config_path << ")\n";
    return 0;
  }
  auto c = ConnectBastion(*config, kLoginTimeout);
  if (!c.ok()) return Fail(c.error());
  auto d = DecideLogin(*config, config_path, *c, q);
  if (!d.ok()) return Fail(d.error());
  if (!d->allow) {
    std::cerr << "cordon bastion: login refused for key id \"" << q.key_id << "\" serial "
              << q.serial << ": " << d->text << "\n";
    return 0;  // no principal printed: sshd refuses
  }
  std::cout << d->text << "\n";
  return 0;
}

}  // namespace

void GuardPrincipalsValues(std::vector<std::string>& args) {
  for (size_t i = 1; i + 1 < args.size(); ++i) {
    if (args[i] != "bastion") continue;
    if (args[i + 1] != "principals") return;
    const size_t values = args.size() - (i + 2);  // words after `principals`
    if (values < 4) return;                       // --help, or a usage error
    for (size_t j = i + 2; j < args.size(); ++j) {
      if (args[j] == "--") return;
    }
    args.insert(args.end() - 4, "--");
    return;
  }
}

void RegisterBastionCommands(CLI::App& app, int* exit_code) {
  CLI::App* bastion = app.add_subcommand(
      "bastion",
      "The bastion's side of remote maintenance, run by sshd (docs/remote-maintenance.md):\n"
      "  AuthorizedPrincipalsCommand /usr/lib/cordon/cordon-bastion principals \\\n"
      "      --config /etc/cordon/bastion.toml %u %i %s %f\n"
      "  ForceCommand /usr/lib/cordon/cordon-bastion session --config /etc/cordon/bastion.toml\n"
      "(cordon-bastion: these commands in a small binary that starts fast; `cordon bastion` is "
      "the\n"
      "same.)");
  bastion->require_subcommand(1);
  auto config = std::make_shared<std::string>("/etc/cordon/bastion.toml");
  auto q = std::make_shared<client::LoginQuestion>();
  CLI::App* principals = bastion->add_subcommand(
      "principals",
      "sshd's AuthorizedPrincipalsCommand: asks the exchange, at each login, whether the grant\n"
      "named in the certificate's key id is open, the account usable and the serial one it\n"
      "issued; prints the principal only then (nothing: sshd refuses).");
  principals->add_option("--config", *config, "the bastion's configuration");
  principals->add_option("USER", q->user, "%u: the local account")->required();
  principals->add_option("KEY_ID", q->key_id, "%i: the certificate's key id")->required();
  principals->add_option("SERIAL", q->serial, "%s: the certificate's serial")->required();
  principals->add_option("FINGERPRINT", q->fingerprint, "%f: the key's fingerprint")->required();
  principals->callback([config, q, exit_code] { *exit_code = Principals(*config, *q); });

  CLI::App* agent = bastion->add_subcommand(
      "agent",
      "The principals agent: answers sshd's login questions on the configuration's\n"
      "agent_socket for the small `cordon-principals` client, with one open connection to the\n"
      "exchange instead of a new process, TLS handshake and credential read per question (a\n"
      "login asks twice). Run it as the AuthorizedPrincipalsCommandUser (a systemd unit),\n"
      "then:\n"
      "  AuthorizedPrincipalsCommand /usr/lib/cordon/cordon-principals \\\n"
      "      --socket /run/cordon-bastion/principals.sock \\\n"
      "      --fallback-config /etc/cordon/bastion.toml %u %i %s %f\n"
      "Without it (stopped, restarting), --fallback-config runs `cordon-bastion principals`.");
  agent->add_option("--config", *config, "the bastion's configuration");
  agent->callback([config, exit_code] { *exit_code = RunPrincipalsAgent(*config); });

  auto session = std::make_shared<BastionSessionArgs>();
  CLI::App* s = bastion->add_subcommand(
      "session",
      "sshd's ForceCommand: opens the session on the exchange, connects to the grant's target\n"
      "with a two-minute egress certificate inside a recorded pty (asciicast v2, sealed with\n"
      "age to the hospital's recipients, anchored in the ledger every minute), and ends it at\n"
      "the window's end or within seconds of a revocation, lock or suspension. Refuses any\n"
      "command (scp, sftp, exec): files travel through the exchange as sealed packages.");
  s->add_option("--config", *config, "the bastion's configuration");
  s->callback([config, session, exit_code] {
    session->config = *config;
    *exit_code = RunBastionSession(*session);
  });

  CLI::App* sweep = bastion->add_subcommand(
      "sweep",
      "Sends the exchange the sealed recordings it has no copy of yet (sessions over; a\n"
      "session's own end sends those up to 64 MiB), then deletes the recordings whose\n"
      "retention passed (the exchange's [remote] recording_retention_days, default 365), each\n"
      "with a deletion certificate signed by the exchange kept in RECORDINGS/deleted/\n"
      "(minisign -V checks it). Run it every few minutes or at least daily (cron).");
  sweep->add_option("--config", *config, "the bastion's configuration");
  sweep->callback([config, exit_code] { *exit_code = Finish(SweepBastionRecordings(*config)); });

  auto krl_out = std::make_shared<std::string>();
  CLI::App* krl = bastion->add_subcommand(
      "krl",
      "Writes sshd's RevokedKeys file from the exchange's list of closed and revoked grants'\n"
      "certificates (the second line of defence: the principals command already refuses them).");
  krl->add_option("--config", *config, "the bastion's configuration");
  krl->add_option("-o,--out", *krl_out, "the KRL file (sshd's RevokedKeys)")->required();
  krl->callback(
      [config, krl_out, exit_code] { *exit_code = Finish(WriteBastionKrl(*config, *krl_out)); });
}

}  // namespace cordon::cli
