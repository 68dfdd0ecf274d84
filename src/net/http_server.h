// The exchange's HTTP(S) server: Boost.Beast over Asio and OpenSSL, one
// coroutine per connection on a few I/O threads, and the blocking work
// (SQLite, Argon2id, fsync) on a separate worker pool so that a slow
// password hash never stalls other connections. Defends itself: TLS 1.2+
// only, a deadline for the TLS handshake and for each request's head,
// an inactivity deadline while a body streams, a cap on connections and on
// body sizes (slowloris and memory exhaustion).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "serve/http.h"

namespace cordon::net {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8443;  // 0: any free port (tests)
  bool tls = true;
  std::string cert_file, key_file;  // PEM, with tls
  // Reverse proxies whose X-Forwarded-For is believed (normalized CIDR
  // blocks, comma-separated, as exchange::NormalizeAllowList makes them):
  // only from these peers, only a valid IP literal, the right-most address
  // that is not itself a trusted proxy. Empty: the header is ignored.
  std::string trusted_proxies;
  int io_threads = 2;
  int workers = 4;
  std::chrono::seconds handshake_timeout{5};   // from accept to a finished TLS handshake
  std::chrono::seconds head_timeout{10};       // the whole request head
  std::chrono::seconds idle_timeout{60};       // between requests on a kept-alive connection
  std::chrono::seconds body_idle_timeout{30};  // no byte of a body for this long
  size_t max_connections = 4096;
  // Connections from one address (an IPv6 /64 counts as one) at once: one
  // client can never take the whole budget (review F7). A trusted proxy is
  // exempt; its clients are counted by X-Forwarded-For, request by request.
  size_t max_connections_per_address = 64;
  // Where the server says what went wrong on its side (a handler's
  // exception, with its what()): the log, never the client. Called from any
  // I/O or worker thread, so it must be thread-safe. Default: nothing is
  // logged (this layer never prints; `cordon serve` passes its stderr).
  std::function<void(std::string_view)> log;
};

class HttpServer {
 public:
  // Binds and starts serving at once (the port is taken when this returns).
  static Result<std::unique_ptr<HttpServer>> Start(const ServerOptions& options,
                                                   serve::Handler& handler);
  ~HttpServer();
  uint16_t port() const;
  // Runs `job` on the worker pool every `period` (retention sweeps, ledger
  // checks), first after one period.
  void Every(std::chrono::seconds period, std::function<void()> job);
  // Stops accepting; requests in flight finish (up to `grace`); then returns.
  void Shutdown(std::chrono::seconds grace = std::chrono::seconds(10));

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cordon::net
