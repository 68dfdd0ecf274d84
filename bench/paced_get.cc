// A paced HTTPS load generator for bench/exchange_vs_nginx.sh (Debian has
// wrk but not wrk2): GETs at a fixed rate over keep-alive TLS connections,
// latencies free of coordinated omission. Each of C connections has its own
// schedule (request j of connection k is due at t0 + (j*C + k)/rate, as in
// wrk2); a request's latency runs from the time it was DUE, not from the
// time it was sent, so a server that stalls is charged for every request
// that should have gone out meanwhile, not only for the one it stalled on.
//
// Built by the bench script (g++ -O2 paced_get.cc -lssl -lcrypto -pthread);
// not part of cordon. Certificates are not verified: localhost only.
//
// usage: paced_get URL RATE SECONDS CONNECTIONS [HEADER...]
//   prints one JSON line: rate asked and achieved, requests, errors (non-200
//   or broken connections), p50/p90/p99/p99.9/max in ms. The first second's
//   requests are a warm-up, left out of the figures.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

int64_t NowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
}

void SleepUntil(int64_t ns) {
  timespec t{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, nullptr) == EINTR) {
  }
}

struct Target {
  std::string host, port, path, request;
};

// One keep-alive TLS connection, blocking.
class Connection {
 public:
  explicit Connection(SSL_CTX* ctx) : ctx_(ctx) {}
  ~Connection() { Close(); }

  bool Open(const Target& t) {
    Close();
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(t.host.c_str(), t.port.c_str(), &hints, &res) != 0) return false;
    fd_ = socket(res->ai_family, SOCK_STREAM, 0);
    const bool connected = fd_ >= 0 && connect(fd_, res->ai_addr, res->ai_addrlen) == 0;
    freeaddrinfo(res);
    if (!connected) return false;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, t.host.c_str());
    return SSL_connect(ssl_) == 1;
  }

  // Sends the request and reads the whole response: its status, or -1.
  int Get(const std::string& request) {
    if (ssl_ == nullptr) return -1;
    if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) <= 0) return -1;
    buf_.clear();
    size_t head_end = std::string::npos;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Read()) return -1;
    }
    const int status = buf_.size() > 12 ? std::atoi(buf_.c_str() + 9) : -1;
    size_t length = 0;
    std::string head = buf_.substr(0, head_end);
    std::transform(head.begin(), head.end(), head.begin(), ::tolower);
    if (size_t at = head.find("\r\ncontent-length:"); at != std::string::npos) {
      length = std::strtoull(head.c_str() + at + 17, nullptr, 10);
    }
    while (buf_.size() < head_end + 4 + length) {
      if (!Read()) return -1;
    }
    if (head.find("\r\nconnection: close") != std::string::npos) Close();
    return status;
  }

  void Close() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) close(fd_);
    ssl_ = nullptr;
    fd_ = -1;
  }

 private:
  bool Read() {
    char chunk[16384];
    const int n = SSL_read(ssl_, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  SSL_CTX* ctx_;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  std::string buf_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s URL RATE SECONDS CONNECTIONS [HEADER...]\n", argv[0]);
    return 2;
  }
  const std::string url = argv[1];
  const double rate = std::atof(argv[2]);
  const double seconds = std::atof(argv[3]);
  const int conns = std::atoi(argv[4]);
  const std::string prefix = "https://";
  if (url.rfind(prefix, 0) != 0 || rate <= 0 || seconds <= 1 || conns <= 0) {
    std::fprintf(stderr, "an https:// URL, a rate > 0, seconds > 1, connections > 0\n");
    return 2;
  }
  Target t;
  const std::string rest = url.substr(prefix.size());
  const size_t slash = rest.find('/');
  const std::string hostport = rest.substr(0, slash);
  t.path = slash == std::string::npos ? "/" : rest.substr(slash);
  t.host = hostport.substr(0, hostport.rfind(':'));
  t.port = hostport.substr(hostport.rfind(':') + 1);
  t.request = "GET " + t.path + " HTTP/1.1\r\nHost: " + hostport + "\r\n";
  for (int i = 5; i < argc; ++i) t.request += std::string(argv[i]) + "\r\n";
  t.request += "\r\n";

  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);

  const int64_t period = static_cast<int64_t>(1e9 / rate);  // between two requests, overall
  const int64_t warmup_ns = 1000000000;
  const int64_t duration_ns = static_cast<int64_t>(seconds * 1e9);
  std::vector<std::vector<int64_t>> latencies(conns), dues(conns);
  // PACED_TRACE=FILE: every request's due time and latency (ns), to see
  // when the slow ones happen.
  const char* trace = std::getenv("PACED_TRACE");
  std::atomic<int64_t> errors{0}, sent{0};
  std::vector<std::unique_ptr<Connection>> connections;
  for (int k = 0; k < conns; ++k) {
    connections.push_back(std::make_unique<Connection>(ctx));
    if (!connections.back()->Open(t)) {
      std::fprintf(stderr, "cannot connect to %s\n", url.c_str());
      return 1;
    }
  }
  const int64_t t0 = NowNs() + 50000000;  // every thread started by then
  std::vector<std::thread> threads;
  for (int k = 0; k < conns; ++k) {
    threads.emplace_back([&, k] {
      Connection& c = *connections[k];
      for (int64_t j = 0;; ++j) {
        const int64_t due = t0 + (j * conns + k) * period;
        if (due - t0 >= duration_ns) break;
        SleepUntil(due);  // returns at once when this connection is late
        int status = c.Get(t.request);
        if (status < 0) {  // broken: one reconnect, then the request again
          c.Open(t);
          status = c.Get(t.request);
        }
        const int64_t done = NowNs();
        sent.fetch_add(1, std::memory_order_relaxed);
        if (status != 200) errors.fetch_add(1, std::memory_order_relaxed);
        if (due - t0 >= warmup_ns) {
          latencies[k].push_back(done - due);
          if (trace) dues[k].push_back(due - t0);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  const double elapsed = static_cast<double>(NowNs() - t0) / 1e9;
  if (trace) {
    FILE* f = std::fopen(trace, "w");
    for (int k = 0; f && k < conns; ++k) {
      for (size_t i = 0; i < dues[k].size(); ++i) {
        std::fprintf(f, "%lld %lld\n", static_cast<long long>(dues[k][i]),
                     static_cast<long long>(latencies[k][i]));
      }
    }
    if (f) std::fclose(f);
  }
  std::vector<int64_t> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    if (all.empty()) return 0.0;
    size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(all.size()));
    return static_cast<double>(all[std::min(i, all.size() - 1)]) / 1e6;
  };
  std::printf(
      "{\"rate\": %.0f, \"achieved\": %.0f, \"requests\": %lld, \"errors\": %lld, "
      "\"p50_ms\": %.2f, \"p90_ms\": %.2f, \"p99_ms\": %.2f, \"p999_ms\": %.2f, "
      "\"max_ms\": %.2f}\n",
      rate, static_cast<double>(sent.load()) / elapsed, static_cast<long long>(sent.load()),
      static_cast<long long>(errors.load()), pct(50), pct(90), pct(99), pct(99.9), pct(100));
  SSL_CTX_free(ctx);
  return 0;
}
