#include "net/http_server.h"

#include <openssl/ssl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/strings.h"
#include "exchange/accounts.h"
#include "exchange/defender.h"

namespace cordon::net {

using serve::BodySink;
using serve::Handler;
using serve::kMaxJsonBody;
using serve::ParseTarget;
using serve::Request;
using serve::Response;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using TcpStream = beast::tcp_stream;
using TlsStream = ssl::stream<beast::tcp_stream>;

namespace {

constexpr size_t kChunk = 256 * 1024;  // file and body I/O (large TLS writes, few syscalls)

auto NoThrow(boost::system::error_code& ec) { return asio::redirect_error(use_awaitable, ec); }

beast::tcp_stream& Lowest(TcpStream& s) { return s; }
beast::tcp_stream& Lowest(TlsStream& s) { return s.next_layer(); }

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// The client's address behind trusted proxies: each proxy appends the
// address it saw, so walking from the right, the first address that is not
// a trusted proxy is the client. Anything that is not an IP literal makes
// the whole header untrustworthy (review F19): nullopt.
std::optional<std::string> ForwardedClient(std::string_view xff, const std::string& proxies,
                                           const std::string& peer) {
  std::string client = peer;
  while (true) {
    if (!exchange::AddressAllowed(proxies, client)) return client;  // not a proxy: the client
    if (xff.empty()) return client;  // a proxy that forwarded nothing more: itself
    const size_t comma = xff.rfind(',');
    const std::string next = Trim(comma == std::string_view::npos ? xff : xff.substr(comma + 1));
    xff = comma == std::string_view::npos ? std::string_view() : xff.substr(0, comma);
    if (!exchange::NormalizeAllowList({next}).ok() || next.find('/') != std::string::npos) {
      return std::nullopt;
    }
    client = next.rfind("::ffff:", 0) == 0 ? next.substr(7) : next;
  }
}

template <class Fields>
Request ToRequest(const http::request_header<Fields>& h, const std::string& ip) {
  Request r;
  r.method = std::string(h.method_string());
  ParseTarget(h.target(), r);
  for (const auto& f : h) r.headers[AsciiLower(f.name_string())] = std::string(f.value());
  r.client_ip = ip;
  return r;
}

Response Plain(int status, std::string_view code, std::string_view message) {
  Response r;
  r.status = status;
  r.body = std::string("{\"code\":\"") + std::string(code) + "\",\"error\":\"" +
           std::string(message) + "\"}";
  return r;
}

}  // namespace

// One io_context per I/O thread (each told it has one thread, so Asio never
// wakes another thread to run a handler): a connection lives on one thread
// from accept to close; connections are dealt round robin.
std::vector<std::unique_ptr<asio::io_context>> MakeContexts(int n) {
  std::vector<std::unique_ptr<asio::io_context>> out;
  for (int i = 0; i < std::max(1, n); ++i) out.push_back(std::make_unique<asio::io_context>(1));
  return out;
}

struct HttpServer::Impl {
  ServerOptions options;
  Handler& handler;
  // Connections per address (or /64), and requests in flight per client
  // behind a trusted proxy. Declared before the io_contexts: destroying
  // those destroys the coroutines still suspended in them, which give
  // their slots back here.
  std::mutex per_address_mu;
  std::map<std::string, size_t> per_address;
  std::atomic<size_t> connections{0};
  std::atomic<size_t> in_flight{0};
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  asio::io_context& ioc;  // the acceptor's and the timers'
  size_t next_ioc = 0;
  asio::thread_pool workers;
  std::optional<ssl::context> tls;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::vector<std::unique_ptr<asio::steady_timer>> timers;
  std::mutex timers_mu;

  // Takes one of `key`'s slots, or returns false when it has none left.
  bool TakeSlot(const std::string& key) {
    std::lock_guard lock(per_address_mu);
    size_t& n = per_address[key];
    if (n >= options.max_connections_per_address) return false;
    ++n;
    return true;
  }
  void ReleaseSlot(const std::string& key) {
    std::lock_guard lock(per_address_mu);
    auto it = per_address.find(key);
    if (it != per_address.end() && --it->second == 0) per_address.erase(it);
  }
  // A slot taken by TakeSlot, given back when it goes out of scope.
  class Slot {
   public:
    Slot(Impl* impl, std::string key) : impl_(impl), key_(std::move(key)) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() {
      if (impl_) impl_->ReleaseSlot(key_);
    }

   private:
    Impl* impl_;
    std::string key_;
  };
  void Log(std::string_view message) {
    if (options.log) options.log(message);
  }

  Impl(const ServerOptions& o, Handler& h)
      : options(o),
        handler(h),
        iocs(MakeContexts(o.io_threads)),
        ioc(*iocs.front()),
        workers(static_cast<size_t>(o.workers)) {}

  // Runs blocking `f` on the worker pool and resumes on the connection's
  // executor with its result. (Switching executors inside this coroutine,
  // rather than spawning a capturing coroutine lambda, which GCC 12
  // miscompiles.)
  template <class F>
  awaitable<std::invoke_result_t<F>> OnPool(F f) {
    auto io = co_await asio::this_coro::executor;
    co_await asio::post(asio::bind_executor(workers.get_executor(), use_awaitable));
    std::optional<std::invoke_result_t<F>> result;
    std::exception_ptr failure;
    try {
      result.emplace(f());
    } catch (...) {
      failure = std::current_exception();
    }
    co_await asio::post(asio::bind_executor(io, use_awaitable));
    if (failure) std::rethrow_exception(failure);
    co_return std::move(*result);
  }

  awaitable<void> Periodic(asio::steady_timer* timer, std::chrono::seconds period,
                           std::function<void()> job) {
    while (!stopping) {
      timer->expires_after(period);
      boost::system::error_code ec;
      co_await timer->async_wait(NoThrow(ec));
      if (ec || stopping) co_return;
      co_await OnPool([&job] {
        job();
        return 0;
      });
    }
  }

  template <class Stream>
  awaitable<void> WriteResponse(Stream& stream, Response res, unsigned version, bool keep_alive,
                                boost::system::error_code& ec, bool head_only = false) {
    http::response<http::string_body> msg{static_cast<http::status>(res.status), version};
    msg.set(http::field::server, "cordon");
    msg.set(http::field::cache_control, "no-store");
    msg.set("X-Content-Type-Options", "nosniff");
    msg.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    if (options.tls) msg.set(http::field::strict_transport_security, "max-age=63072000");
    msg.set(http::field::content_type, res.content_type);
    for (const auto& [k, v] : res.headers) msg.set(k, v);
    msg.keep_alive(keep_alive && !stopping);
    Lowest(stream).expires_after(std::chrono::seconds(60));
    if (head_only) {
      // HEAD: the head a GET would have, and no body (RFC 9110 §9.3.2).
      msg.content_length(res.file.get() < 0 ? res.body.size() : res.file_size);
      http::response_serializer<http::string_body> sr{msg};
      co_await http::async_write_header(stream, sr, NoThrow(ec));
      co_return;
    }
    if (res.file.get() < 0) {
      msg.body() = std::move(res.body);
      msg.prepare_payload();
      co_await http::async_write(stream, msg, NoThrow(ec));
      co_return;
    }
    // A download: the head, then the file in large chunks, each with its own
    // deadline (a reader that stops reading is dropped).
    msg.content_length(res.file_size);
    http::response_serializer<http::string_body> sr{msg};
    co_await http::async_write_header(stream, sr, NoThrow(ec));
    if (ec) co_return;
    std::vector<char> buf(kChunk);
    uint64_t sent = 0;
    while (sent < res.file_size) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, res.file_size - sent));
      const ssize_t n = pread(res.file.get(), buf.data(), want, static_cast<off_t>(sent));
      if (n <= 0) {  // the file shrank under us: cut the connection, never send short data
        ec = asio::error::broken_pipe;
        co_return;
      }
      Lowest(stream).expires_after(std::chrono::seconds(60));
      co_await asio::async_write(stream, asio::buffer(buf.data(), static_cast<size_t>(n)),
                                 NoThrow(ec));
      if (ec) co_return;
      sent += static_cast<uint64_t>(n);
    }
  }

  // Streams a body into the handler's sink; returns the handler's response.
  template <class Stream>
  awaitable<Response> ReceiveBody(Stream& stream, beast::flat_buffer& buf,
                                  http::request_parser<http::empty_body>& head_parser,
                                  BodySink sink, bool& reusable) {
    http::request_parser<http::buffer_body> p{std::move(head_parser)};
    p.body_limit(sink.max_bytes);
    std::vector<char> chunk(kChunk);
    uint64_t bytes = 0;
    Status received = Ok();
    boost::system::error_code ec;
    // Beast checks body_limit against a declared Content-Length only while
    // it parses the head, which the head parser did without a limit: the
    // declared length is checked here, and the bytes as they arrive (a PUT
    // declaring more than the handler allowed was stored whole).
    if (const auto declared = p.content_length(); declared && *declared > sink.max_bytes) {
      received = Error(ErrorCode::kLimitExceeded, "the body is larger than allowed");
      reusable = false;
    }
    while (received.ok() && !p.is_done()) {
      p.get().body().data = chunk.data();
      p.get().body().size = chunk.size();
      Lowest(stream).expires_after(options.body_idle_timeout);
      co_await http::async_read(stream, buf, p, NoThrow(ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        // Too large (413), malformed chunking (400), or a client that went
        // away or stalled (400 too: it is the client's doing).
        received = ec == http::error::body_limit
                       ? Error(ErrorCode::kLimitExceeded, "the body is larger than allowed")
                   : ec.category() == http::make_error_code(http::error::bad_chunk).category()
                       ? Error(ErrorCode::kMalformed, "a malformed chunked body")
                       : Error(ErrorCode::kTruncated, "the body did not arrive whole");
        reusable = false;
        break;
      }
      const size_t n = chunk.size() - p.get().body().size;
      size_t off = 0;
      while (off < n) {
        const ssize_t w = ::write(sink.fd.get(), chunk.data() + off, n - off);
        if (w < 0) {
          if (errno == EINTR) continue;
          received = Error(errno == ENOSPC ? ErrorCode::kLimitExceeded : ErrorCode::kIo,
                           errno == ENOSPC ? "the exchange is out of disk space"
                                           : "the exchange could not store the upload");
          reusable = false;
          break;
        }
        off += static_cast<size_t>(w);
      }
      if (!received.ok()) break;
      bytes += n;
      if (bytes > sink.max_bytes) {
        received = Error(ErrorCode::kLimitExceeded, "the body is larger than allowed");
        reusable = false;
        break;
      }
    }
    sink.fd = UniqueFd();  // closed before the handler looks at the file
    co_return co_await OnPool([&sink, &received, bytes] { return sink.finish(received, bytes); });
  }

  template <class Stream>
  awaitable<void> Serve(Stream& stream, std::string ip) {
    beast::flat_buffer buf;
    boost::system::error_code ec;
    while (!stopping) {
      http::request_parser<http::empty_body> hp;
      hp.header_limit(16 * 1024);
      hp.body_limit(boost::none);
      // A connection may wait idle_timeout for its next request; once its
      // first byte arrives, the whole head must within head_timeout
      // (slowloris).
      if (buf.size() == 0) {
        Lowest(stream).expires_after(options.idle_timeout);
        const size_t n = co_await stream.async_read_some(buf.prepare(4096), NoThrow(ec));
        if (ec) co_return;
        buf.commit(n);
      }
      Lowest(stream).expires_after(options.head_timeout);
      co_await http::async_read_header(stream, buf, hp, NoThrow(ec));
      if (ec) co_return;
      in_flight++;
      struct Done {
        std::atomic<size_t>& n;
        ~Done() { n--; }
      } done{in_flight};
      Request req = ToRequest(hp.get().base(), ip);
      const unsigned version = hp.get().version();
      bool keep_alive = hp.get().keep_alive();
      const bool head_only = hp.get().method() == http::verb::head;
      Response res;
      // RFC 9112 §6.1: a request whose transfer coding is anything but a
      // single, final "chunked" cannot be framed safely (a proxy may read
      // it differently: request smuggling, review F18). 400 and close.
      const auto te = hp.get()[http::field::transfer_encoding];
      std::optional<Slot> client_slot;
      if (!te.empty() && !beast::iequals(Trim(te), "chunked")) {
        co_await WriteResponse(
            stream, Plain(400, "invalid", "Transfer-Encoding: only \"chunked\" is accepted"),
            version, false, ec);
        break;
      }
      if (!options.trusted_proxies.empty() &&
          exchange::AddressAllowed(options.trusted_proxies, ip)) {
        auto client = ForwardedClient(req.Header("x-forwarded-for"), options.trusted_proxies, ip);
        if (!client) {
          co_await WriteResponse(
              stream,
              Plain(400, "invalid", "X-Forwarded-For holds something that is not an address"),
              version, false, ec);
          break;
        }
        req.client_ip = *client;
        // Behind the proxy, each client's requests in flight are capped.
        const std::string key = exchange::BanKey(*client);
        if (!TakeSlot("forwarded " + key)) {
          co_await WriteResponse(
              stream,
              Plain(429, "too_many_failures", "too many requests from your address at once"),
              version, false, ec);
          break;
        }
        client_slot.emplace(this, "forwarded " + key);
      }
      if (handler.StreamsBody(req)) {
        auto begun = co_await OnPool([this, &req] { return handler.BeginStream(req); });
        if (auto* refused = std::get_if<Response>(&begun)) {
          res = std::move(*refused);
          keep_alive = false;  // its body was never read
        } else {
          if (beast::iequals(req.Header("expect"), "100-continue")) {
            http::response<http::empty_body> cont{http::status::continue_, version};
            co_await http::async_write(stream, cont, NoThrow(ec));
            if (ec) co_return;
          }
          res = co_await ReceiveBody(stream, buf, hp, std::move(std::get<BodySink>(begun)),
                                     keep_alive);
        }
      } else {
        auto length = hp.content_length();
        if ((length && *length > kMaxJsonBody) || hp.chunked()) {
          res = Plain(413, "too_large",
                      "request body too large (or chunked); JSON bodies are at most 64 KiB");
          keep_alive = false;
        } else {
          http::request_parser<http::string_body> sp{std::move(hp)};
          sp.body_limit(kMaxJsonBody);
          Lowest(stream).expires_after(options.body_idle_timeout);
          co_await http::async_read(stream, buf, sp, NoThrow(ec));
          if (ec) co_return;
          req.body = std::move(sp.get().body());
          res = co_await OnPool([this, &req] {
            try {
              return handler.Handle(req);
            } catch (const std::exception& e) {
              // A handler bug answers 500, and says what it was in the log;
              // the connection and the server live on.
              Log(std::string("a request handler failed: ") + e.what());
              return Plain(500, "internal",
                           "the exchange failed; its operator has the details in the log");
            }
          });
        }
      }
      co_await WriteResponse(stream, std::move(res), version, keep_alive, ec, head_only);
      if (ec || !keep_alive) break;
    }
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      Lowest(stream).expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(NoThrow(ec));
    } else {
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  awaitable<void> Connection(tcp::socket socket, std::string ip, std::string slot) {
    struct Count {
      std::atomic<size_t>& n;
      ~Count() { n--; }
    } count{connections};
    Slot address_slot(slot.empty() ? nullptr : this, slot);
    boost::system::error_code ec;
    try {
      if (tls) {
        TlsStream stream(beast::tcp_stream(std::move(socket)), *tls);
        Lowest(stream).expires_after(options.handshake_timeout);
        co_await stream.async_handshake(ssl::stream_base::server, NoThrow(ec));
        if (ec) co_return;
        co_await Serve(stream, ip);
      } else {
        TcpStream stream(std::move(socket));
        co_await Serve(stream, ip);
      }
    } catch (const std::exception& e) {
      // A handler bug or memory exhaustion ends this connection, not the server.
      Log(std::string("a connection failed: ") + e.what());
    }
  }

  awaitable<void> Accept() {
    while (true) {
      boost::system::error_code ec;
      asio::io_context& home = *iocs[next_ioc++ % iocs.size()];
      tcp::socket socket = co_await acceptor.async_accept(home, NoThrow(ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        // EMFILE and friends: keep serving the connections we have, and
        // wait a moment rather than spin on a queue we cannot take from
        // (review N10: 82% of a core).
        asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
        co_await pause.async_wait(NoThrow(ec));
        continue;
      }
      if (connections.load() >= options.max_connections) continue;  // closed on scope exit
      const auto remote = socket.remote_endpoint(ec);
      if (ec) continue;
      std::string ip = remote.address().to_string();
      if (ip.rfind("::ffff:", 0) == 0) ip = ip.substr(7);  // IPv4-mapped
      // One address (or IPv6 /64) holds at most its share (F7); a trusted
      // proxy's clients are counted per request instead.
      std::string slot;
      if (options.trusted_proxies.empty() ||
          !exchange::AddressAllowed(options.trusted_proxies, ip)) {
        slot = exchange::BanKey(ip);
        if (!TakeSlot(slot)) continue;  // closed on scope exit
      }
      socket.set_option(tcp::no_delay(true), ec);
      connections++;
      asio::co_spawn(home, Connection(std::move(socket), std::move(ip), std::move(slot)),
                     asio::detached);
    }
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Shutdown(std::chrono::seconds(0)); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const ServerOptions& options,
                                                      Handler& handler) {
  // Room for the connections allowed: raise the open-file limit to its hard
  // maximum, and never allow more connections than it leaves descriptors
  // for (a systemd default of 1,024 would otherwise let 16 addresses × 64
  // idle sockets take the server offline, review N10).
  ServerOptions fitted = options;
  struct rlimit files {};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &files);
    (void)getrlimit(RLIMIT_NOFILE, &files);
    constexpr rlim_t kReserved = 128;  // database, ledger, files being served
    const rlim_t room = files.rlim_cur > 2 * kReserved ? files.rlim_cur - kReserved : kReserved;
    fitted.max_connections = std::min<size_t>(fitted.max_connections, room / 2);
  }
  auto impl = std::make_unique<Impl>(fitted, handler);
  boost::system::error_code ec;
  if (options.tls) {
    impl->tls.emplace(ssl::context::tls_server);
    SSL_CTX* ctx = impl->tls->native_handle();
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(
        ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    // TLS 1.2: forward-secret AEAD suites only (TLS 1.3's are all fine).
    SSL_CTX_set_cipher_list(ctx,
                            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                            "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                            "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
    impl->tls->use_certificate_chain_file(options.cert_file, ec);
    if (ec) return Error(ErrorCode::kIo, options.cert_file + ": " + ec.message());
    impl->tls->use_private_key_file(options.key_file, ssl::context::pem, ec);
    if (ec) return Error(ErrorCode::kIo, options.key_file + ": " + ec.message());
    if (SSL_CTX_check_private_key(ctx) != 1) {
      return Error(ErrorCode::kInvalidArgument,
                   options.key_file + " is not the key of " + options.cert_file);
    }
  }
  auto address = asio::ip::make_address(options.host, ec);
  if (ec) {
    return Error(ErrorCode::kInvalidArgument, "--listen " + options.host + ": not an IP address");
  }
  const tcp::endpoint endpoint(address, options.port);
  auto& acc = impl->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error(ErrorCode::kIo, "cannot listen on " + options.host + ":" +
                                     std::to_string(options.port) + ": " + ec.message());
  }
  asio::co_spawn(impl->ioc, impl->Accept(), asio::detached);
  for (auto& io : impl->iocs) {
    impl->threads.emplace_back([io = io.get()] {
      // Runs until Shutdown stops it, even with nothing to do for a while.
      auto guard = asio::make_work_guard(*io);
      io->run();
    });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpServer::Every(std::chrono::seconds period, std::function<void()> job) {
  std::lock_guard lock(impl_->timers_mu);
  auto& timer = impl_->timers.emplace_back(std::make_unique<asio::steady_timer>(impl_->ioc));
  asio::co_spawn(impl_->ioc, impl_->Periodic(timer.get(), period, std::move(job)), asio::detached);
}

void HttpServer::Shutdown(std::chrono::seconds grace) {
  if (!impl_ || impl_->threads.empty()) return;
  impl_->stopping = true;
  asio::post(impl_->ioc, [impl = impl_.get()] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
    std::lock_guard lock(impl->timers_mu);
    for (auto& t : impl->timers) t->cancel();
  });
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& io : impl_->iocs) io->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->workers.join();
}

}  // namespace cordon::net
