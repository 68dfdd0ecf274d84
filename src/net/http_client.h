// A small HTTP(S) client for `cordon remote` and the alert webhook, on the
// same library as the server. Two ways to trust a server: pin the SHA-256
// of its certificate (the exchange's self-signed one; compared in constant
// time right after the handshake, before any request byte is sent), or the
// system's CAs with host-name checking (a public webhook).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/file.h"
#include "core/result.h"

namespace cordon::serve {

struct ClientOptions {
  std::string url;  // https://host:port or http://host:port (no path)
  // Hex SHA-256 of the server's certificate. Empty with `system_cas` false:
  // accept any certificate and report its fingerprint (first use).
  std::string pin;
  bool system_cas = false;
  std::chrono::seconds timeout{60};
};

struct ClientResponse {
  int status = 0;
  std::string body;                            // empty when the body went to a file
  std::map<std::string, std::string> headers;  // names lowercased
};

class HttpClient {
 public:
  static Result<HttpClient> Connect(const ClientOptions& options);
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  ~HttpClient();

  // The server certificate's fingerprint (TLS only).
  const std::string& fingerprint() const;

  using Headers = std::map<std::string, std::string>;
  Result<ClientResponse> Send(std::string_view method, std::string_view target,
                              const Headers& headers, std::string_view body = {});
  // Called with the bytes sent or received so far (progress lines).
  using Progress = std::function<void(uint64_t)>;
  // The body is `size` bytes read from `in` (an upload, streamed).
  Result<ClientResponse> SendFile(std::string_view method, std::string_view target,
                                  const Headers& headers, int in, uint64_t size,
                                  const Progress& progress = {});
  // A 200 body is streamed into `out` (a download); any other status's body
  // is returned as text.
  Result<ClientResponse> Fetch(std::string_view target, const Headers& headers, ByteSink& out,
                               const Progress& progress = {});

  struct Impl;

 private:
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cordon::serve
