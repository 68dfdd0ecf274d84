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

namespace cordon::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8443;  // 0: any free port (tests)
  bool tls = true;
  std::string cert_file, key_file;  // PEM, with tls
  // Take the client's address from X-Forwarded-For (plain HTTP behind a
  // reverse proxy on loopback only).
  bool trust_forwarded_for = false;
  int io_threads = 2;
  int workers = 4;
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds head_timeout{10};       // the whole request head
  std::chrono::seconds idle_timeout{60};       // between requests on a kept-alive connection
  std::chrono::seconds body_idle_timeout{30};  // no byte of a body for this long
  size_t max_connections = 4096;
};

class HttpServer {
 public:
  // Binds and starts serving at once (the port is taken when this returns).
  static Result<std::unique_ptr<HttpServer>> Start(const ServerOptions& options, Handler& handler);
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

}  // namespace cordon::serve
