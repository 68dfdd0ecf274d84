#include "net/http_client.h"

#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <variant>
#include <vector>

#include "serve/tls_identity.h"

namespace cordon::serve {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kChunk = 256 * 1024;
constexpr size_t kMaxTextBody = 64 * 1024 * 1024;

struct Url {
  bool tls = true;
  std::string host, port;
};

Result<Url> ParseUrl(const std::string& url) {
  Url u;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    u.tls = false;
    rest = url.substr(7);
  } else {
    return Error(ErrorCode::kInvalidArgument, url + ": not an http:// or https:// URL");
  }
  const size_t slash = rest.find('/');
  if (slash != std::string::npos) rest = rest.substr(0, slash);
  size_t colon = rest.rfind(':');
  if (!rest.empty() && rest.front() == '[') {  // [::1]:8443
    const size_t close = rest.find(']');
    if (close == std::string::npos) return Error(ErrorCode::kInvalidArgument, url + ": bad host");
    u.host = rest.substr(1, close - 1);
    colon = rest.find(':', close);
  } else {
    u.host = rest.substr(0, colon);
  }
  u.port = colon == std::string::npos ? (u.tls ? "443" : "80") : rest.substr(colon + 1);
  if (u.host.empty()) return Error(ErrorCode::kInvalidArgument, url + ": no host");
  return u;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Error NetError(const std::string& what, const boost::system::error_code& ec) {
  return Error(ErrorCode::kIo, what + ": " + ec.message());
}

}  // namespace

struct HttpClient::Impl {
  asio::io_context ioc;
  std::optional<ssl::context> ctx;
  std::variant<std::monostate, beast::tcp_stream, ssl::stream<beast::tcp_stream>> stream;
  std::string host_header;
  std::string fingerprint;
  beast::flat_buffer buf;

  template <class F>
  auto With(F&& f) {
    if (auto* t = std::get_if<ssl::stream<beast::tcp_stream>>(&stream)) return f(*t);
    return f(std::get<beast::tcp_stream>(stream));
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
    for (const auto& f : p.get()) r.headers[Lower(f.name_string())] = std::string(f.value());
    return r;
  }

  Result<ClientResponse> ReadText() {
    boost::system::error_code ec;
    http::response_parser<http::string_body> p;
    p.body_limit(kMaxTextBody);
    With([&](auto& s) { return http::read(s, buf, p, ec); });
    if (ec) return NetError("reading the server's response", ec);
    ClientResponse r = FromParser(p);
    r.body = std::move(p.get().body());
    return r;
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

const std::string& HttpClient::fingerprint() const { return impl_->fingerprint; }

Result<HttpClient> HttpClient::Connect(const ClientOptions& o) {
  CORDON_ASSIGN_OR_RETURN(Url url, ParseUrl(o.url));
  auto impl = std::make_unique<Impl>();
  boost::system::error_code ec;
  tcp::resolver resolver(impl->ioc);
  auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) return NetError(url.host, ec);
  beast::tcp_stream tcp_stream(impl->ioc);
  tcp_stream.socket().open(endpoints.begin()->endpoint().protocol(), ec);
  tcp_stream.socket().close(ec);
  asio::connect(tcp_stream.socket(), endpoints, ec);
  if (ec) return NetError("cannot connect to " + o.url, ec);
  // Blocking calls obey socket timeouts (the async deadlines do not apply).
  timeval tv{static_cast<time_t>(o.timeout.count()), 0};
  setsockopt(tcp_stream.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(tcp_stream.socket().native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const bool default_port = url.port == (url.tls ? "443" : "80");
  impl->host_header = (url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host) +
                      (default_port ? "" : ":" + url.port);
  if (!url.tls) {
    impl->stream.emplace<beast::tcp_stream>(std::move(tcp_stream));
    return HttpClient(std::move(impl));
  }
  impl->ctx.emplace(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(impl->ctx->native_handle(), TLS1_2_VERSION);
  if (o.system_cas) {
    impl->ctx->set_default_verify_paths(ec);
    impl->ctx->set_verify_mode(ssl::verify_peer);
  } else {
    impl->ctx->set_verify_mode(ssl::verify_none);  // the pin below decides
  }
  auto& tls =
      impl->stream.emplace<ssl::stream<beast::tcp_stream>>(std::move(tcp_stream), *impl->ctx);
  SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str());
  if (o.system_cas) SSL_set1_host(tls.native_handle(), url.host.c_str());
  tls.handshake(ssl::stream_base::client, ec);
  if (ec) return NetError("TLS with " + o.url, ec);
  X509* cert = SSL_get0_peer_certificate(tls.native_handle());
  if (!cert) return Error(ErrorCode::kAuthFailed, o.url + " sent no certificate");
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert, &der);
  if (n <= 0) return Error(ErrorCode::kInternal, "TLS: encoding the server's certificate");
  impl->fingerprint = CertificateFingerprint(der, static_cast<size_t>(n));
  OPENSSL_free(der);
  if (!o.pin.empty()) {
    const std::string want = Lower(o.pin);
    if (want.size() != impl->fingerprint.size() ||
        CRYPTO_memcmp(want.data(), impl->fingerprint.data(), want.size()) != 0) {
      return Error(
          ErrorCode::kAuthFailed,
          o.url + " presented certificate " + impl->fingerprint + ", not the pinned " + want,
          "someone may be intercepting the connection; if the exchange's certificate "
          "really changed, its admin can confirm the new fingerprint");
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
  if (ec) return NetError("sending the request", ec);
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
  if (ec) return NetError("sending the request", ec);
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
      return NetError("sending the file", ec);
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
  if (ec) return NetError("sending the request", ec);
  http::response_parser<http::buffer_body> p;
  p.body_limit(boost::none);
  impl_->With([&](auto& s) { return http::read_header(s, impl_->buf, p, ec); });
  if (ec) return NetError("reading the server's response", ec);
  ClientResponse r = impl_->FromParser(p);
  std::vector<char> chunk(kChunk);
  std::string text;
  uint64_t received = 0;
  while (!p.is_done()) {
    p.get().body().data = chunk.data();
    p.get().body().size = chunk.size();
    impl_->With([&](auto& s) { return http::read(s, impl_->buf, p, ec); });
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return NetError("the download did not arrive whole", ec);
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

}  // namespace cordon::serve
