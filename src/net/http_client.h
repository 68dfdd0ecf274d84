// A small HTTP(S) client for `cordon remote` and the alert webhook, on the
// same library as the server. Two ways to trust a server: pin the SHA-256
// of its public key (SubjectPublicKeyInfo, DER: the exchange's self-signed
// certificate is renewed with the same key, so the pin outlives it; compared
// in constant time right after the handshake, before any request byte is
// sent), or the system's CAs with host-name checking (a public webhook).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/file.h"
#include "core/result.h"

namespace cordon::net {

// A server URL taken apart: https://HOST[:PORT][/PATH] or
// http://HOST[:PORT][/PATH]. The host is lowercased, an IPv6 address is in its canonical
// text form without brackets, and the port is explicit (443 or 80 when
// absent).
struct ServerEndpoint {
  bool tls = true;
  std::string host;
  std::string port;
  // The path and query ("/" when the URL has none; a fragment is dropped):
  // the request target a webhook is posted to. Not part of the pin.
  std::string target = "/";
  // "host:port" ("[::1]:8443" for IPv6): what a pin is keyed on, so
  // https://EXAMPLE:443/ and https://example share one pin.
  std::string PinKey() const;
};

// Fails with kInvalidArgument on another scheme, user info ("user@host"),
// an empty host, or a port that is not 1-65535.
Result<ServerEndpoint> ParseServerUrl(std::string_view url);

// True for exactly `localhost`, an IPv4 address in 127.0.0.0/8 and ::1: the
// hosts plain http:// may reach. A name that merely starts with one of them
// (localhost.attacker.example) is not loopback.
bool IsLoopbackHost(std::string_view host);

// How an https:// server is trusted (plain http:// has nothing to check:
// callers decide where it may go, see IsLoopbackHost). There is no "accept
// anything" default: an empty pin with kPinned is refused before connecting.
enum class Trust {
  kPinned,     // the key (or a legacy certificate) fingerprint must match
  kSystemCas,  // a public CA and the host name (a webhook)
  // Accept any key and report its fingerprint. The caller must not send a
  // secret before a person has confirmed it (see client/connection.h).
  kFirstUse,
};

struct ClientOptions {
  std::string url;  // https://host:port or http://host:port (no path)
  // Lowercase hex SHA-256 of the server's public key (SubjectPublicKeyInfo, DER).
  std::string pin;
  Trust trust = Trust::kPinned;
  std::chrono::seconds timeout{60};
  // Pins stored before key pins existed were SHA-256 of the whole
  // certificate. With kPinned, a certificate matching this one is accepted
  // too, so the caller can replace it by the key pin (key_fingerprint()).
  std::string legacy_certificate_pin;
};

struct ClientResponse {
  int status = 0;
  std::string body;                            // empty when the body went to a file
  std::map<std::string, std::string> headers;  // names lowercased
};

// Not thread-safe: one connection, used by one thread at a time.
class HttpClient {
 public:
  static Result<HttpClient> Connect(const ClientOptions& options);
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  ~HttpClient();

  // SHA-256 of the server's public key (SubjectPublicKeyInfo), lowercase hex
  // (TLS only): the pin.
  const std::string& key_fingerprint() const;
  // SHA-256 of the server's whole certificate (TLS only): what older
  // versions pinned.
  const std::string& certificate_fingerprint() const;

  using Headers = std::map<std::string, std::string>;
  // A small JSON request and its answer as text. The client's own copy of
  // `body` is wiped once sent (it may hold a password).
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

// A webhook: POSTs `json` to `url` (its path and query are the target),
// an https:// server checked against the system's CAs and its host name,
// plain http:// only on this machine. Any 2xx answer is success; another
// status is kIo "HTTP <status>". Blocking: each call is one connection.
Status PostJson(std::string_view url, std::string_view json, std::chrono::seconds timeout);

}  // namespace cordon::net
