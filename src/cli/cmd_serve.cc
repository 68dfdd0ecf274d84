// `cordon serve`: the exchange that replaces the migration FTP server.
// One process: the HTTPS API (serve/api.h) over the state in --data DIR,
// a retention sweep every minute, a ledger check every hour. Stops
// gracefully on SIGTERM or SIGINT (requests in flight finish).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/ledger_io.h"
#include "core/key_file.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/smtp_client.h"
#include "serve/api.h"
#include "serve/config.h"
#include "serve/routes.h"
#include "serve/tls_identity.h"

namespace cordon::cli {
namespace {

// The exchange's one log: the layers below never print, they are handed this.
void ServeLog(std::string_view message) { std::cerr << "cordon serve: " << message << "\n"; }

// The DPOs' notice mails through the relay of [mail] / --smtp-relay, or
// null when none is set. Everything is checked now (the URL, the password
// file): a typo is an error at start, not a mail lost at the first order.
Result<std::unique_ptr<serve::Mailer>> OpenMailer(const serve::MailSettings& m) {
  if (!m.on()) return std::unique_ptr<serve::Mailer>();
  auto relay = std::make_shared<net::SmtpRelay>();
  CORDON_ASSIGN_OR_RETURN(relay->endpoint, net::ParseSmtpUrl(m.relay));
  relay->ca_file = m.ca_file;
  if (!m.ca_file.empty()) CORDON_TRY(net::CheckCaFile(m.ca_file));
  relay->user = m.user;
  if (!m.password_file.empty()) {
    CORDON_ASSIGN_OR_RETURN(relay->password,
                            ReadPrivateKeyFile(m.password_file, 4096, "the SMTP relay's password"));
  }
  serve::MailOptions mo;
  mo.from = m.from;
  mo.log = ServeLog;
  mo.deliver = [relay](const std::string& from, const std::string& to, const std::string& text,
                       const std::atomic<bool>& stop) {
    return net::SendMail(*relay, from, to, text, &stop);
  };
  return serve::Mailer::Open(std::move(mo));
}

struct ServeArgs {
  serve::ServeFlags flags;  // unset ones fall back to --config, then to the defaults
  std::string config;
  std::string ready_file;
  bool print_routes = false;
};

Status Serve(const ServeArgs& a) {
  if (a.print_routes) {
    std::cout << serve::RoutesJson().dump(2) << "\n";
    return Ok();
  }
  if (a.flags.data.empty()) {
    return Error(ErrorCode::kInvalidArgument, "--data DIR is required",
                 "the exchange's data directory (created 0700)");
  }
  serve::ServeConfig config;
  if (!a.config.empty()) {
    CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(a.config, 1 << 20));
    CORDON_ASSIGN_OR_RETURN(config, serve::ParseServeConfig(AsChars(text), a.config));
  }
  CORDON_ASSIGN_OR_RETURN(serve::ServeOptions o, serve::ResolveServeOptions(config, a.flags));
  net::ServerOptions so;
  so.host = o.host;
  so.port = o.port;
  so.tls = o.tls;
  so.workers = o.workers;
  so.trusted_proxies = o.trusted_proxies;
  if (o.max_connections_per_address)
    so.max_connections_per_address = *o.max_connections_per_address;
  so.log = ServeLog;
  // Signals are taken by this thread alone (sigwait below): block them
  // before any server thread starts, so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  CORDON_ASSIGN_OR_RETURN(
      ledger::Ledger ledger,
      OpenLedgerForAppend({o.data_dir + "/ledger", LocalHostName() + "/cordon-exchange"}));
  serve::AlertOptions ao = o.alerts;
  // serve/ never prints: its log (alerts it could not deliver, the API's
  // server-side errors) is stderr, here.
  ao.log = ServeLog;
  // A webhook over https:// is checked against the system's CAs.
  ao.post = [](const std::string& url, const std::string& json) {
    return net::PostJson(url, json, std::chrono::seconds(10));
  };
  CORDON_ASSIGN_OR_RETURN(auto alerts, serve::Alerts::Open(ao));
  CORDON_ASSIGN_OR_RETURN(auto mailer, OpenMailer(o.mail));
  serve::ApiOptions api_options = o.api;
  api_options.log = ao.log;
  api_options.mailer = mailer.get();
  CORDON_ASSIGN_OR_RETURN(auto api, serve::Api::Open(api_options, std::move(ledger), *alerts));

  std::string fingerprint;
  if (so.tls) {
    serve::TlsIdentity id;
    if (!o.tls_cert.empty()) {
      CORDON_ASSIGN_OR_RETURN(id, serve::LoadTlsIdentity(o.tls_cert, o.tls_key));
    } else {
      CORDON_ASSIGN_OR_RETURN(id,
                              serve::LoadOrCreateTlsIdentity(o.data_dir, LocalHostName(),
                                                             static_cast<int64_t>(time(nullptr))));
      if (id.generated)
        std::cerr << "cordon serve: generated a self-signed certificate in " << o.data_dir
                  << "/tls/\n";
      if (id.renewed)
        std::cerr << "cordon serve: renewed the certificate in " << o.data_dir
                  << "/tls/ (same key: pinned clients notice nothing)\n";
    }
    so.cert_file = id.cert_file;
    so.key_file = id.key_file;
    fingerprint = id.fingerprint;
  }
  CORDON_ASSIGN_OR_RETURN(auto server, net::HttpServer::Start(so, *api));
  server->Every(std::chrono::seconds(60), [&api] { api->SweepRetention(); });
  // A vendor's suspension made on the command line is alerted within
  // seconds, and overdue break-glass grants lock their account promptly:
  // two small queries, cheap to run often.
  server->Every(std::chrono::seconds(5), [&api] { api->SweepRemote(); });
  server->Every(std::chrono::seconds(3600), [&api] { api->CheckLedger(); });
  // Evidence is signed at least once a minute while it grows, and at the end.
  server->Every(std::chrono::seconds(60), [&api] { api->CheckpointIfNew(); });
  api->SweepRetention();  // deadlines that passed while the exchange was down
  api->CheckLedger();     // and a ledger altered while it was

  const std::string host = so.host.find(':') != std::string::npos ? "[" + so.host + "]" : so.host;
  const std::string url =
      std::string(so.tls ? "https://" : "http://") + host + ":" + std::to_string(server->port());
  std::cerr << "cordon serve: listening on " << url << "\n";
  if (so.tls) {
    std::cerr << "cordon serve: public key SHA-256 fingerprint (clients pin it):\n  " << fingerprint
              << "\n";
  }
  std::cerr << "cordon serve: deletion certificates are signed with " << o.data_dir
            << "/exchange.pub; alerts go to " << ao.file << "\n";
  if (!a.ready_file.empty()) {
    nlohmann::json ready = {{"url", url},
                            {"fingerprint", fingerprint},
                            {"pid", static_cast<int64_t>(getpid())},
                            {"certificate_key", api->certificate_key().Format()}};
    CORDON_TRY(WriteFileAtomic(a.ready_file, AsBytes(ready.dump() + "\n"), 0644));
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cerr << "cordon serve: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
            << ": finishing requests in flight, then stopping\n";
  server->Shutdown(std::chrono::seconds(10));
  api->CheckpointIfNew();
  std::cerr << "cordon serve: stopped\n";
  return Ok();
}

}  // namespace

void RegisterServeCommands(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run the exchange: named accounts with MFA, access on approved grants, encrypted\n"
      "packages only, deletion with certificates, alerts. State lives in --data DIR.\n"
      "  cordon serve --data /var/lib/cordon --listen 0.0.0.0:8443\n"
      "First start: a self-signed certificate is made (its key's fingerprint is printed for\n"
      "clients to pin). Then: cordon admin user add ..., cordon admin processor-key add ...");
  cmd->add_option("--data", a->flags.data,
                  "the exchange's data directory (created 0700); required");
  cmd->add_flag("--print-routes", a->print_routes,
                "print the API's endpoints and the roles that may call each (JSON), and exit");
  cmd->add_option(
      "--config", a->config,
      "settings in TOML (listen, [tls], [alerts], [accounts], [grants], [defender], "
      "[packages], [uploads], [connections], [remote], [web], [mail]; docs/exchange.md); "
      "flags override it");
  cmd->add_option("--listen", a->flags.listen,
                  "ADDRESS:PORT (port 0: any free port); default 127.0.0.1:8443");
  cmd->add_option("--tls-cert", a->flags.tls_cert,
                  "your certificate chain (PEM) instead of the generated one");
  cmd->add_option("--tls-key", a->flags.tls_key, "its private key (PEM)");
  cmd->add_flag("--insecure-http", a->flags.insecure_http,
                "plain HTTP, on loopback only, behind a TLS reverse proxy");
  cmd->add_option("--trusted-proxy", a->flags.trusted_proxies,
                  "a reverse proxy (address or CIDR; repeatable) whose X-Forwarded-For gives the "
                  "client's address; other peers' X-Forwarded-For is ignored");
  cmd->add_option("--alerts", a->flags.alerts_file,
                  "alert file, JSON lines (default DIR/alerts.jsonl)");
  cmd->add_option("--webhook", a->flags.webhook, "also POST each alert (JSON) to this URL");
  cmd->add_flag("--no-syslog", a->flags.no_syslog, "do not send alerts to syslog");
  cmd->add_option("--smtp-relay", a->flags.smtp_relay,
                  "mail each order's DPOs when it awaits them, through this relay: "
                  "smtp://HOST[:PORT] (STARTTLS required but to loopback) or smtps://HOST[:PORT]");
  cmd->add_option("--mail-from", a->flags.mail_from, "the notices' sender address");
  cmd->add_option("--smtp-ca-file", a->flags.smtp_ca_file,
                  "the CA certificate(s) (PEM) the relay's certificate is checked against "
                  "(default: the system's)");
  cmd->add_option("--download-alert-mib", a->flags.download_alert_mib,
                  "alert when one account downloads more MiB than this in an hour (default 10240)");
  cmd->add_option("--workers", a->flags.workers,
                  "threads for database and password work (default 4 per core, 4 to 16)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--ready-file", a->ready_file,
                  "once listening, write {url, fingerprint, pid, certificate_key} here (JSON)");
  cmd->callback([a, exit_code] { *exit_code = Finish(Serve(*a)); });
}

}  // namespace cordon::cli
