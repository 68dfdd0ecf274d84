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
#include "net/http_client.h"
#include "net/http_server.h"
#include "serve/api.h"
#include "serve/config.h"
#include "serve/routes.h"
#include "serve/tls_identity.h"

namespace cordon::cli {
namespace {

// Flags left unset fall back to --config, then to these defaults.
struct ServeArgs {
  std::string data;
  std::string config;
  std::optional<std::string> listen;  // 127.0.0.1:8443
  std::optional<std::string> tls_cert, tls_key;
  bool insecure_http = false;
  std::vector<std::string> trusted_proxies;
  std::optional<std::string> alerts_file;  // DIR/alerts.jsonl
  std::optional<std::string> webhook;
  bool no_syslog = false;
  std::optional<uint64_t> download_alert_mib;  // 10 GiB
  std::string ready_file;
  bool print_routes = false;
  // Workers mostly wait (fsync, SQLite locks): more of them batch more
  // ledger events. 16 by default.
  std::optional<int> workers;
};

Result<std::pair<std::string, uint16_t>> SplitListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Error(ErrorCode::kInvalidArgument, "--listen " + listen + ": write ADDRESS:PORT",
                 "e.g. 127.0.0.1:8443, 0.0.0.0:443 or [::]:8443");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  char* end = nullptr;
  const long port = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) {
    return Error(ErrorCode::kInvalidArgument, "--listen " + listen + ": bad port");
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost";
}

Status Serve(const ServeArgs& flags) {
  if (flags.print_routes) {
    std::cout << serve::RoutesJson().dump(2) << "\n";
    return Ok();
  }
  if (flags.data.empty()) {
    return Error(ErrorCode::kInvalidArgument, "--data DIR is required",
                 "the exchange's data directory (created 0700)");
  }
  ServeArgs a = flags;
  serve::ServeConfig config;
  if (!a.config.empty()) {
    CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(a.config, 1 << 20));
    CORDON_ASSIGN_OR_RETURN(config, serve::ParseServeConfig(AsChars(text), a.config));
  }
  auto pick = [](auto& flag, const auto& from_config, auto fallback) {
    if (!flag) flag = from_config ? *from_config : fallback;
  };
  pick(a.listen, config.listen, std::string("127.0.0.1:8443"));
  if (!a.tls_cert) a.tls_cert = config.tls_cert;
  if (!a.tls_key) a.tls_key = config.tls_key;
  pick(a.alerts_file, config.alerts_file, a.data + "/alerts.jsonl");
  if (!a.webhook) a.webhook = config.webhook;
  pick(a.download_alert_mib, config.download_alert_mib, uint64_t{10240});
  pick(a.workers, config.workers, 16);
  if (config.syslog && !*config.syslog) a.no_syslog = true;
  const std::string tls_cert = a.tls_cert.value_or(""), tls_key = a.tls_key.value_or("");

  CORDON_ASSIGN_OR_RETURN(auto where, SplitListen(*a.listen));
  serve::ServerOptions so;
  so.host = where.first == "localhost" ? "127.0.0.1" : where.first;
  so.port = where.second;
  so.workers = *a.workers;
  if (a.insecure_http) {
    if (!IsLoopback(so.host)) {
      return Error(ErrorCode::kRefused,
                   "--insecure-http listens on loopback only (" + so.host + " is not)",
                   "put a TLS reverse proxy in front and listen on 127.0.0.1, or drop "
                   "--insecure-http");
    }
    so.tls = false;
  }
  // X-Forwarded-For is believed only from these peers (review F19).
  std::vector<std::string> proxies = a.trusted_proxies;
  if (proxies.empty()) proxies = config.trusted_proxies;
  CORDON_ASSIGN_OR_RETURN(so.trusted_proxies, exchange::NormalizeAllowList(proxies));
  if (config.per_address) so.max_connections_per_address = static_cast<size_t>(*config.per_address);
  // Signals are taken by this thread alone (sigwait below): block them
  // before any server thread starts, so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  CORDON_ASSIGN_OR_RETURN(
      ledger::Ledger ledger,
      OpenLedgerForAppend({a.data + "/ledger", LocalHostName() + "/cordon-exchange"}));
  serve::AlertOptions ao;
  // serve/ never prints: its log (alerts it could not deliver, the API's
  // server-side errors) is stderr, here.
  ao.log = [](std::string_view m) { std::cerr << "cordon serve: " << m << "\n"; };
  ao.file = *a.alerts_file;
  ao.syslog = !a.no_syslog;
  ao.webhook = a.webhook.value_or("");
  ao.post = [](const std::string& url, const std::string& json) -> Status {
    const size_t scheme = url.find("://");
    const size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    const std::string path = slash == std::string::npos ? "/" : url.substr(slash);
    CORDON_ASSIGN_OR_RETURN(
        serve::HttpClient client,
        // A webhook over https:// is checked against the system's CAs.
        serve::HttpClient::Connect(
            {url.substr(0, slash), {}, serve::Trust::kSystemCas, std::chrono::seconds(10)}));
    CORDON_ASSIGN_OR_RETURN(serve::ClientResponse r, client.Send("POST", path, {}, json));
    if (r.status / 100 != 2) return Error(ErrorCode::kIo, "HTTP " + std::to_string(r.status));
    return Ok();
  };
  CORDON_ASSIGN_OR_RETURN(auto alerts, serve::Alerts::Open(ao));
  serve::ApiOptions api_options;
  api_options.data_dir = a.data;
  api_options.log = ao.log;
  api_options.download_alert_bytes = *a.download_alert_mib << 20;
  api_options.accounts = config.accounts;
  api_options.grants = config.grants;
  api_options.defender = config.defender;
  if (config.max_retention_days) api_options.retention.max_days = *config.max_retention_days;
  if (config.max_staged_mib) api_options.max_staged_bytes = *config.max_staged_mib << 20;
  if (config.min_free_mib) api_options.min_free_bytes = *config.min_free_mib << 20;
  CORDON_ASSIGN_OR_RETURN(auto api, serve::Api::Open(api_options, std::move(ledger), *alerts));

  std::string fingerprint;
  if (so.tls) {
    serve::TlsIdentity id;
    if (!tls_cert.empty() || !tls_key.empty()) {
      if (tls_cert.empty() || tls_key.empty()) {
        return Error(ErrorCode::kInvalidArgument, "give both --tls-cert and --tls-key");
      }
      CORDON_ASSIGN_OR_RETURN(id, serve::LoadTlsIdentity(tls_cert, tls_key));
    } else {
      CORDON_ASSIGN_OR_RETURN(id,
                              serve::LoadOrCreateTlsIdentity(a.data, LocalHostName(),
                                                             static_cast<int64_t>(time(nullptr))));
      if (id.generated)
        std::cerr << "cordon serve: generated a self-signed certificate in " << a.data << "/tls/\n";
      if (id.renewed)
        std::cerr << "cordon serve: renewed the certificate in " << a.data
                  << "/tls/ (same key: pinned clients notice nothing)\n";
    }
    so.cert_file = id.cert_file;
    so.key_file = id.key_file;
    fingerprint = id.fingerprint;
  }
  CORDON_ASSIGN_OR_RETURN(auto server, serve::HttpServer::Start(so, *api));
  server->Every(std::chrono::seconds(60), [&api] { api->SweepRetention(); });
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
  std::cerr << "cordon serve: deletion certificates are signed with " << a.data
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
  cmd->add_option("--data", a->data, "the exchange's data directory (created 0700); required");
  cmd->add_flag("--print-routes", a->print_routes,
                "print the API's endpoints and the roles that may call each (JSON), and exit");
  cmd->add_option("--config", a->config,
                  "settings in TOML (listen, [tls], [alerts], [accounts], [grants], [defender], "
                  "[packages], [uploads], [connections]; docs/exchange.md); flags override it");
  cmd->add_option("--listen", a->listen,
                  "ADDRESS:PORT (port 0: any free port); default 127.0.0.1:8443");
  cmd->add_option("--tls-cert", a->tls_cert,
                  "your certificate chain (PEM) instead of the generated one");
  cmd->add_option("--tls-key", a->tls_key, "its private key (PEM)");
  cmd->add_flag("--insecure-http", a->insecure_http,
                "plain HTTP, on loopback only, behind a TLS reverse proxy");
  cmd->add_option("--trusted-proxy", a->trusted_proxies,
                  "a reverse proxy (address or CIDR; repeatable) whose X-Forwarded-For gives the "
                  "client's address; other peers' X-Forwarded-For is ignored");
  cmd->add_option("--alerts", a->alerts_file, "alert file, JSON lines (default DIR/alerts.jsonl)");
  cmd->add_option("--webhook", a->webhook, "also POST each alert (JSON) to this URL");
  cmd->add_flag("--no-syslog", a->no_syslog, "do not send alerts to syslog");
  cmd->add_option("--download-alert-mib", a->download_alert_mib,
                  "alert when one account downloads more MiB than this in an hour (default 10240)");
  cmd->add_option("--workers", a->workers, "threads for database and password work (default 16)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--ready-file", a->ready_file,
                  "once listening, write {url, fingerprint, pid, certificate_key} here (JSON)");
  cmd->callback([a, exit_code] { *exit_code = Finish(Serve(*a)); });
}

}  // namespace cordon::cli
