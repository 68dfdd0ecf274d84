#include "net/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/secret_buffer.h"
#include "core/strings.h"
#include "serve/tls_identity.h"

namespace cordon::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kChunk = 256 * 1024;
constexpr size_t kMaxTextBody = 64 * 1024 * 1024;

Error NetError(const std::string& what, const boost::system::error_code& ec) {
  return Error(ErrorCode::kIo, what + ": " + ec.message());
}

// Lowercase hex of one pin-sized digest, or empty when `pin` is not one.
std::string NormalPin(std::string_view pin) {
  std::string out = AsciiLower(pin);
  if (out.size() != 64) return {};
  for (char c : out) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
  }
  return out;
}

// Constant time for equal sizes: a pin is no secret, but a timing oracle on
// it would still tell an attacker how close a forged key came.
bool SamePin(const std::string& want, const std::string& got) {
  return !want.empty() && want.size() == got.size() &&
         CRYPTO_memcmp(want.data(), got.data(), want.size()) == 0;
}

// What i2d_* allocated, given back when it goes out of scope.
struct OpenSslFree {
  void operator()(unsigned char* p) const { OPENSSL_free(p); }
};
using OpenSslBytes = std::unique_ptr<unsigned char, OpenSslFree>;

std::string Sha256OfDer(int (*encode)(X509*, unsigned char**), X509* cert) {
  unsigned char* raw = nullptr;
  const int n = encode(cert, &raw);
  OpenSslBytes der(raw);
  if (n <= 0) return {};
  return serve::CertificateFingerprint(der.get(), static_cast<size_t>(n));
}

int EncodeCertificate(X509* cert, unsigned char** out) { return i2d_X509(cert, out); }
int EncodeSpki(X509* cert, unsigned char** out) {
  return i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), out);
}

// Bounds one blocking call on a connection. asio's synchronous operations
// ignore SO_RCVTIMEO (on EAGAIN they poll again, without a limit), so a
// server that stops answering mid-exchange would hang the caller for ever:
// sshd's principals command at every login, a live session's check (attack
// review of 2026-11-30, F1). Past the deadline the socket is shut down,
// which makes the blocked read or write fail at once.
class Watchdog {
 public:
  Watchdog(int fd, std::chrono::seconds timeout)
      : thread_([this, fd, timeout](std::stop_token stop) {
          std::unique_lock lock(mutex_);
          cv_.wait_for(lock, stop, timeout, [] { return false; });
          if (!stop.stop_requested()) {
            fired_ = true;
            ::shutdown(fd, SHUT_RDWR);
          }
        }) {}
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  // Stops and joins the timer; true when it had fired.
  bool Disarm() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
    return fired_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable_any cv_;
  bool fired_ = false;
  std::jthread thread_;  // last: starts once the members above exist
};

}  // namespace

std::string ServerEndpoint::PinKey() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
}

Result<ServerEndpoint> ParseServerUrl(std::string_view url) {
  ServerEndpoint u;
  std::string_view rest;
  if (url.substr(0, 8) == "https://") {
    rest = url.substr(8);
  } else if (url.substr(0, 7) == "http://") {
    u.tls = false;
    rest = url.substr(7);
  } else {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(url) + ": not an http:// or https:// URL");
  }
  const std::string bad = std::string(url) + ": ";
  const size_t authority_end = rest.find_first_of("/?#");
  if (authority_end != std::string_view::npos) {
    std::string_view target = rest.substr(authority_end);
    target = target.substr(0, target.find('#'));  // a fragment is never sent
    u.target =
        target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
  }
  rest = rest.substr(0, authority_end);
  // "http://localhost@attacker.example" names attacker.example.
  if (rest.find('@') != std::string_view::npos) {
    return Error(ErrorCode::kInvalidArgument, bad + "user names in the URL are not supported");
  }
  std::string_view host, port;
  bool has_port = false;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:8443
    const size_t close = rest.find(']');
    if (close == std::string_view::npos)
      return Error(ErrorCode::kInvalidArgument, bad + "bad host");
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return Error(ErrorCode::kInvalidArgument, bad + "bad host");
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
    in6_addr a6{};
    const std::string text(host);
    if (inet_pton(AF_INET6, text.c_str(), &a6) != 1) {
      return Error(ErrorCode::kInvalidArgument, bad + "not an IPv6 address in brackets");
    }
    char canon[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, &a6, canon, sizeof canon);
    u.host = canon;
  } else {
    const size_t colon = rest.find(':');
    host = rest.substr(0, colon);
    has_port = colon != std::string_view::npos;
    if (has_port) port = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return Error(ErrorCode::kInvalidArgument, bad + "put an IPv6 address in brackets");
    u.host = AsciiLower(host);
  }
  if (u.host.empty()) return Error(ErrorCode::kInvalidArgument, bad + "no host");
  if (!has_port) {
    u.port = u.tls ? "443" : "80";
  } else {
    unsigned long n = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || n > 65535) {
        return Error(ErrorCode::kInvalidArgument, bad + "bad port");
      }
      n = n * 10 + static_cast<unsigned long>(c - '0');
    }
    if (port.empty() || n == 0 || n > 65535)
      return Error(ErrorCode::kInvalidArgument, bad + "bad port");
    u.port = std::to_string(n);  // "08443" and "8443" are one pin
  }
  return u;
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr a4{};
  const std::string text(host);
  // inet_pton takes exactly four decimal parts: no "127.1", no names.
  if (inet_pton(AF_INET, text.c_str(), &a4) != 1) return false;
  return (ntohl(a4.s_addr) >> 24) == 127;
}

struct HttpClient::Impl {
  asio::io_context ioc;
  std::optional<ssl::context> ctx;
  std::variant<std::monostate, beast::tcp_stream, ssl::stream<beast::tcp_stream>> stream;
  std::string host_header;
  std::string key_fingerprint;
  std::string certificate_fingerprint;
  beast::flat_buffer buf;
  std::chrono::seconds timeout{120};
  bool timed_out = false;  // a call outlived `timeout`: the connection is dead

  int NativeHandle() {
    if (auto* t = std::get_if<ssl::stream<beast::tcp_stream>>(&stream)) {
      return beast::get_lowest_layer(*t).socket().native_handle();
    }
    return std::get<beast::tcp_stream>(stream).socket().native_handle();
  }

  // Runs one blocking operation on the stream, within `timeout`.
  template <class F>
  auto With(F&& f) {
    Watchdog dog(NativeHandle(), timeout);
    auto run = [&] {
      if (auto* t = std::get_if<ssl::stream<beast::tcp_stream>>(&stream)) return f(*t);
      return f(std::get<beast::tcp_stream>(stream));
    };
    auto result = run();
    if (dog.Disarm()) timed_out = true;
    return result;
  }

  Error Failed(const std::string& what, const boost::system::error_code& ec) const {
    if (timed_out) {
      return Error(ErrorCode::kIo,
                   what + ": no answer within " + std::to_string(timeout.count()) + " s",
                   "the exchange is unreachable or stalled");
    }
    return NetError(what, ec);
  }

  template <class Req>
  void Prepare(Req& req, const Headers& headers) {
    req.set(http::field::host, host_header);
    req.set(http::field::user_agent, "cordon");
    for (const auto& [k, v] : headers) req.set(k, v);
  }

  template <class Parser>
  ClientResponse FromParser(Parser& p) {
    ClientResponse r;
    r.status = static_cast<int>(p.get().result_int());
    for (const auto& f : p.get()) r.headers[AsciiLower(f.name_string())] = std::string(f.value());
    return r;
  }

  Result<ClientResponse> ReadText() {
    boost::system::error_code ec;
    http::response_parser<http::string_body> p;
    p.body_limit(kMaxTextBody);
    With([&](auto& s) { return http::read(s, buf, p, ec); });
    if (ec) return Failed("reading the server's response", ec);
    ClientResponse r = FromParser(p);
    r.body = std::move(p.get().body());
    return r;
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

const std::string& HttpClient::key_fingerprint() const { return impl_->key_fingerprint; }
const std::string& HttpClient::certificate_fingerprint() const {
  return impl_->certificate_fingerprint;
}

Result<HttpClient> HttpClient::Connect(const ClientOptions& o) {
  CORDON_ASSIGN_OR_RETURN(ServerEndpoint url, ParseServerUrl(o.url));
  const std::string pin = NormalPin(o.pin), legacy_pin = NormalPin(o.legacy_certificate_pin);
  // Checked before connecting: nothing reaches a server nobody vouched for.
  if (!o.pin.empty() && pin.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "fingerprint " + o.pin + ": not 64 hex digits (a SHA-256)",
                 "the exchange's key fingerprint is what `cordon serve` prints");
  }
  if (url.tls && o.trust == Trust::kPinned && pin.empty() && legacy_pin.empty()) {
    return Error(ErrorCode::kInvalidArgument, o.url + ": no fingerprint to pin",
                 "the exchange's key fingerprint is what `cordon serve` prints");
  }
  auto impl = std::make_unique<Impl>();
  boost::system::error_code ec;
  tcp::resolver resolver(impl->ioc);
  auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) return NetError(url.host, ec);
  // Plain HTTP goes to this machine only: "localhost" must also *resolve*
  // to loopback (a hosts file can point it elsewhere, review N12).
  std::vector<tcp::endpoint> targets;
  for (const auto& e : endpoints) {
    if (url.tls || e.endpoint().address().is_loopback()) targets.push_back(e.endpoint());
  }
  if (targets.empty()) {
    return Error(ErrorCode::kRefused,
                 url.host + " does not resolve to this machine: plain http:// is refused",
                 "use https:// and the exchange's fingerprint");
  }
  impl->timeout = o.timeout;
  beast::tcp_stream tcp_stream(impl->ioc);
  // Connecting, within the timeout (a blackholed address must not hang the
  // caller); every later call is bounded by Impl::With's watchdog.
  tcp_stream.expires_after(o.timeout);
  tcp_stream.async_connect(
      targets, [&ec](const boost::system::error_code& e, const tcp::endpoint&) { ec = e; });
  impl->ioc.run();
  impl->ioc.restart();
  tcp_stream.expires_never();
  if (ec == beast::error::timeout) {
    return Error(ErrorCode::kIo,
                 "cannot connect to " + o.url + ": no answer within " +
                     std::to_string(o.timeout.count()) + " s",
                 "the exchange is unreachable");
  }
  if (ec) return NetError("cannot connect to " + o.url, ec);
  const bool default_port = url.port == (url.tls ? "443" : "80");
  impl->host_header = (url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host) +
                      (default_port ? "" : ":" + url.port);
  if (!url.tls) {
    impl->stream.emplace<beast::tcp_stream>(std::move(tcp_stream));
    return HttpClient(std::move(impl));
  }
  impl->ctx.emplace(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(impl->ctx->native_handle(), TLS1_2_VERSION);
  const bool system_cas = o.trust == Trust::kSystemCas;
  if (system_cas) {
    impl->ctx->set_default_verify_paths(ec);
    impl->ctx->set_verify_mode(ssl::verify_peer);
  } else {
    impl->ctx->set_verify_mode(ssl::verify_none);  // the pin below decides
  }
  auto& tls =
      impl->stream.emplace<ssl::stream<beast::tcp_stream>>(std::move(tcp_stream), *impl->ctx);
  SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str());
  if (system_cas) SSL_set1_host(tls.native_handle(), url.host.c_str());
  impl->With([&](auto& st) {
    if constexpr (std::is_same_v<std::decay_t<decltype(st)>, ssl::stream<beast::tcp_stream>>) {
      st.handshake(ssl::stream_base::client, ec);
    }
    return 0;
  });
  if (ec) return impl->Failed("TLS with " + o.url, ec);
  X509* cert = SSL_get0_peer_certificate(tls.native_handle());
  if (!cert) return Error(ErrorCode::kAuthFailed, o.url + " sent no certificate");
  impl->key_fingerprint = Sha256OfDer(EncodeSpki, cert);
  impl->certificate_fingerprint = Sha256OfDer(EncodeCertificate, cert);
  if (impl->key_fingerprint.empty() || impl->certificate_fingerprint.empty()) {
    return Error(ErrorCode::kInternal, "TLS: encoding the server's certificate");
  }
  if (o.trust == Trust::kPinned) {
    // Both compared, always: which one matched is no one's business but ours.
    const bool key_ok = SamePin(pin, impl->key_fingerprint);
    const bool legacy_ok = SamePin(legacy_pin, impl->certificate_fingerprint);
    if (!key_ok && !legacy_ok) {
      return Error(ErrorCode::kAuthFailed,
                   o.url + " presented key " + impl->key_fingerprint + ", not the pinned " +
                       (pin.empty() ? "certificate " + legacy_pin : pin),
                   "someone may be intercepting the connection; if the exchange's key "
                   "really changed, its admin can confirm the new fingerprint (--fingerprint)");
    }
  }
  return HttpClient(std::move(impl));
}

Result<ClientResponse> HttpClient::Send(std::string_view method, std::string_view target,
                                        const Headers& headers, std::string_view body) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  impl_->Prepare(req, headers);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = std::string(body);
  req.prepare_payload();
  boost::system::error_code ec;
  impl_->With([&](auto& s) { return http::write(s, req, ec); });
  // The body may hold a password (a login): this copy is wiped, the
  // caller's is the caller's.
  WipeBytes(std::span<uint8_t>(reinterpret_cast<uint8_t*>(req.body().data()), req.body().size()));
  if (ec) return impl_->Failed("sending the request", ec);
  return impl_->ReadText();
}

Result<ClientResponse> HttpClient::SendFile(std::string_view method, std::string_view target,
                                            const Headers& headers, int in, uint64_t size,
                                            const Progress& progress) {
  http::request<http::empty_body> req{http::string_to_verb(method), target, 11};
  impl_->Prepare(req, headers);
  req.set(http::field::content_type, "application/octet-stream");
  req.content_length(size);
  http::request_serializer<http::empty_body> sr{req};
  boost::system::error_code ec;
  impl_->With([&](auto& s) { return http::write_header(s, sr, ec); });
  if (ec) return impl_->Failed("sending the request", ec);
  std::vector<char> chunk(kChunk);
  uint64_t sent = 0;
  while (sent < size) {
    const ssize_t n =
        pread(in, chunk.data(), static_cast<size_t>(std::min<uint64_t>(kChunk, size - sent)),
              static_cast<off_t>(sent));
    if (n <= 0) return Error(ErrorCode::kIo, "the file changed while it was being sent");
    impl_->With([&](auto& s) {
      return asio::write(s, asio::buffer(chunk.data(), static_cast<size_t>(n)), ec);
    });
    if (ec) {
      // The server may have refused early and closed: its answer says why.
      auto answer = impl_->ReadText();
      if (answer.ok()) return answer;
      return impl_->Failed("sending the file", ec);
    }
    sent += static_cast<uint64_t>(n);
    if (progress) progress(sent);
  }
  return impl_->ReadText();
}

Result<ClientResponse> HttpClient::Fetch(std::string_view target, const Headers& headers,
                                         ByteSink& out, const Progress& progress) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  impl_->Prepare(req, headers);
  boost::system::error_code ec;
  impl_->With([&](auto& s) { return http::write(s, req, ec); });
  if (ec) return impl_->Failed("sending the request", ec);
  http::response_parser<http::buffer_body> p;
  p.body_limit(boost::none);
  impl_->With([&](auto& s) { return http::read_header(s, impl_->buf, p, ec); });
  if (ec) return impl_->Failed("reading the server's response", ec);
  ClientResponse r = impl_->FromParser(p);
  std::vector<char> chunk(kChunk);
  std::string text;
  uint64_t received = 0;
  while (!p.is_done()) {
    p.get().body().data = chunk.data();
    p.get().body().size = chunk.size();
    impl_->With([&](auto& s) { return http::read(s, impl_->buf, p, ec); });
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return impl_->Failed("the download did not arrive whole", ec);
    const size_t n = chunk.size() - p.get().body().size;
    if (r.status != 200) {
      if (text.size() + n > kMaxTextBody) return Error(ErrorCode::kLimitExceeded, "reply too long");
      text.append(chunk.data(), n);
      continue;
    }
    CORDON_TRY(out.Write(ByteView(reinterpret_cast<const uint8_t*>(chunk.data()), n)));
    received += n;
    if (progress) progress(received);
  }
  r.body = std::move(text);
  return r;
}

Status PostJson(std::string_view url, std::string_view json, std::chrono::seconds timeout) {
  CORDON_ASSIGN_OR_RETURN(ServerEndpoint endpoint, ParseServerUrl(url));
  ClientOptions o;
  o.url = std::string(url);
  o.trust = Trust::kSystemCas;
  o.timeout = timeout;
  CORDON_ASSIGN_OR_RETURN(HttpClient client, HttpClient::Connect(o));
  CORDON_ASSIGN_OR_RETURN(ClientResponse r, client.Send("POST", endpoint.target, {}, json));
  if (r.status / 100 != 2) return Error(ErrorCode::kIo, "HTTP " + std::to_string(r.status));
  return Ok();
}

}  // namespace cordon::net
