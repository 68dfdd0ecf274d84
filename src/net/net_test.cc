#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "net/http_client.h"
#include "net/http_server.h"
#include "serve/alerts.h"
#include "serve/tls_identity.h"

namespace cordon::net {

using serve::Alerts;
using serve::BodySink;
using serve::Handler;
using serve::kMaxJsonBody;
using serve::kTlsValidityDays;
using serve::LoadOrCreateTlsIdentity;
using serve::ParseTarget;
using serve::ReadCertificateInfo;
using serve::Request;
using serve::Response;

namespace {
namespace fs = std::filesystem;

constexpr int64_t kNow = 1800000000;  // 2027-01-15T08:00:00Z
constexpr int64_t kDay = 86400;

fs::path Scratch(const char* name) {
  auto d = fs::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(ParseTargetTest, PathAndDecodedQuery) {
  Request r;
  ParseTarget("/api/v1/logins?account=4&x=a%20b&flag&bad=%zz%4", r);
  EXPECT_EQ(r.path, "/api/v1/logins");
  EXPECT_EQ(r.query["account"], "4");
  EXPECT_EQ(r.query["x"], "a b");
  EXPECT_EQ(r.query["flag"], "");
  EXPECT_EQ(r.query["bad"], "%zz%4");  // kept as is
  ParseTarget("/api/v1/packages/..%2F..%2Fetc", r);
  EXPECT_EQ(r.path, "/api/v1/packages/..%2F..%2Fetc");  // never decoded into separators
  EXPECT_TRUE(r.query.empty());
}

// Echoes what it saw; streams PUT bodies into a file.
class EchoHandler : public Handler {
 public:
  explicit EchoHandler(fs::path dir) : dir_(std::move(dir)) {}
  bool StreamsBody(const Request& head) const override { return head.method == "PUT"; }
  std::variant<Response, BodySink> BeginStream(const Request& head) override {
    if (head.path != "/upload") return Response{403, "application/json", "{}", {}, 0, {}};
    BodySink sink;
    const std::string path = (dir_ / "upload.bin").string();
    sink.fd = UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600));
    sink.max_bytes = 1 << 20;
    sink.finish = [path](Status received, uint64_t bytes) {
      Response r;
      r.status = received.ok() ? 201 : 413;
      r.body = nlohmann::json{{"bytes", bytes}}.dump();
      if (!received.ok()) std::remove(path.c_str());
      return r;
    };
    return sink;
  }
  Response Handle(const Request& req) override {
    Response r;
    r.body = nlohmann::json{{"method", req.method},
                            {"path", req.path},
                            {"body", req.body},
                            {"ip", req.client_ip},
                            {"q", req.query.count("a") ? req.query.at("a") : ""}}
                 .dump();
    return r;
  }

 private:
  fs::path dir_;
};

TEST(HttpServerTest, PlainHttpRequestsUploadsAndLimits) {
  const auto dir = Scratch("cordon-http");
  EchoHandler handler(dir);
  ServerOptions o;
  o.port = 0;
  o.tls = false;
  auto server = HttpServer::Start(o, handler);
  ASSERT_TRUE(server.ok()) << server.error().message();
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port());
  auto client = HttpClient::Connect({url, {}, Trust::kPinned, std::chrono::seconds(10)});
  ASSERT_TRUE(client.ok()) << client.error().message();
  auto r = client->Send("POST", "/x?a=1", {}, R"({"k":1})");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["body"], R"({"k":1})");
  EXPECT_EQ(j["ip"], "127.0.0.1");
  EXPECT_EQ(j["q"], "1");
  EXPECT_EQ(r->headers["cache-control"], "no-store");
  // Kept alive: a second request on the same connection.
  r = client->Send("GET", "/y", {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(nlohmann::json::parse(r->body)["path"], "/y");
  // A streamed upload.
  const auto src = dir / "src.bin";
  std::ofstream(src) << std::string(300000, 'z');
  UniqueFd in(::open(src.c_str(), O_RDONLY));
  r = client->SendFile("PUT", "/upload", {}, in.get(), 300000);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(fs::file_size(dir / "upload.bin"), 300000u);
  // A declared length past the handler's bound: refused, nothing stored
  // (Beast alone checks a declared length only while it parses the head).
  {
    auto big_client = HttpClient::Connect({url, {}, Trust::kPinned, std::chrono::seconds(10)});
    ASSERT_TRUE(big_client.ok());
    const auto big = dir / "big.bin";
    std::ofstream(big) << std::string((1 << 20) + 1, 'z');
    UniqueFd big_in(::open(big.c_str(), O_RDONLY));
    auto refused = big_client->SendFile("PUT", "/upload", {}, big_in.get(), (1 << 20) + 1);
    if (refused.ok()) {
      EXPECT_EQ(refused->status, 413);  // (or the connection is closed mid-send)
    }
    EXPECT_FALSE(fs::exists(dir / "upload.bin"));
  }
  // A JSON body over 64 KiB is refused before it is read.
  auto fresh = HttpClient::Connect({url, {}, Trust::kPinned, std::chrono::seconds(10)});
  r = fresh->Send("POST", "/x", {}, std::string(kMaxJsonBody + 1, 'a'));
  if (r.ok()) {
    EXPECT_EQ(r->status, 413);  // (or the connection is closed mid-send)
  }
  (*server)->Shutdown();
  fs::remove_all(dir);
}

TEST(HttpServerTest, TlsWithAGeneratedIdentityAndPinning) {
  const auto dir = Scratch("cordon-tls");
  auto id = LoadOrCreateTlsIdentity(dir.string(), "exchange.lab42.example", kNow);
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_TRUE(id->generated);
  EXPECT_EQ(id->fingerprint.size(), 64u);
  EXPECT_EQ(fs::status(dir / "tls" / "key.pem").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto again = LoadOrCreateTlsIdentity(dir.string(), "exchange.lab42.example", kNow);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->generated);
  EXPECT_EQ(again->fingerprint, id->fingerprint);
  EXPECT_FALSE(again->renewed);

  EchoHandler handler(dir);
  ServerOptions o;
  o.port = 0;
  o.cert_file = id->cert_file;
  o.key_file = id->key_file;
  auto server = HttpServer::Start(o, handler);
  ASSERT_TRUE(server.ok()) << server.error().message();
  const std::string url = "https://127.0.0.1:" + std::to_string((*server)->port());
  auto pinned =
      HttpClient::Connect({url, id->fingerprint, Trust::kPinned, std::chrono::seconds(10)});
  ASSERT_TRUE(pinned.ok()) << pinned.error().message();
  auto r = pinned->Send("GET", "/z", {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->headers["strict-transport-security"], "max-age=63072000");
  std::string wrong = id->fingerprint;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  auto refused = HttpClient::Connect({url, wrong, Trust::kPinned, std::chrono::seconds(10)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kAuthFailed);
  // The system CAs do not know a self-signed certificate.
  EXPECT_FALSE(HttpClient::Connect({url, {}, Trust::kSystemCas, std::chrono::seconds(10)}).ok());
  (*server)->Shutdown();
  fs::remove_all(dir);
}

TEST(ServerUrlTest, PinsAreKeyedOnTheNormalizedHostAndPort) {
  auto a = ParseServerUrl("https://Exchange.LAB42.example/");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->PinKey(), "exchange.lab42.example:443");
  EXPECT_EQ(ParseServerUrl("https://exchange.lab42.example:443")->PinKey(), a->PinKey());
  EXPECT_EQ(ParseServerUrl("https://[0:0:0:0:0:0:0:1]:08443/x")->PinKey(), "[::1]:8443");
  EXPECT_EQ(ParseServerUrl("http://127.0.0.1")->PinKey(), "127.0.0.1:80");
  EXPECT_NE(ParseServerUrl("https://127.0.0.1:8443")->PinKey(),
            ParseServerUrl("https://localhost:8443")->PinKey());
  for (const char* bad : {"ftp://x", "https://", "https://:8443", "https://x:0", "https://x:65536",
                          "https://x:8a", "https://x:", "http://localhost@attacker.example",
                          "https://[::1", "https://::1:8443", "https://[not-v6]:1"}) {
    EXPECT_FALSE(ParseServerUrl(bad).ok()) << bad;
  }
}

TEST(ServerUrlTest, KeepsThePathAndQueryAsTheTargetButNotInThePin) {
  EXPECT_EQ(ParseServerUrl("https://hooks.example")->target, "/");
  EXPECT_EQ(ParseServerUrl("https://hooks.example/")->target, "/");
  auto u = ParseServerUrl("https://hooks.example:8443/services/T1/B2?x=1#frag");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->target, "/services/T1/B2?x=1");
  EXPECT_EQ(u->PinKey(), "hooks.example:8443");
  EXPECT_EQ(ParseServerUrl("https://hooks.example?x=1")->target, "/?x=1");
  EXPECT_EQ(ParseServerUrl("https://hooks.example#frag")->target, "/");
}

// A handler bug answers 500 and its what() goes to the server's log sink,
// never to the client.
class ThrowingHandler : public Handler {
 public:
  bool StreamsBody(const Request&) const override { return false; }
  std::variant<Response, BodySink> BeginStream(const Request&) override { return Response{}; }
  Response Handle(const Request&) override { throw std::runtime_error("disk on fire"); }
};

TEST(HttpServerTest, AHandlersExceptionIsLoggedThroughTheSinkNotSentToTheClient) {
  ThrowingHandler handler;
  std::mutex mu;
  std::vector<std::string> logged;
  ServerOptions o;
  o.port = 0;
  o.tls = false;
  o.log = [&](std::string_view m) {
    std::lock_guard lock(mu);
    logged.emplace_back(m);
  };
  auto server = HttpServer::Start(o, handler);
  ASSERT_TRUE(server.ok()) << server.error().message();
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port());
  auto client = HttpClient::Connect({url, {}, Trust::kPinned, std::chrono::seconds(10)});
  ASSERT_TRUE(client.ok());
  auto r = client->Send("GET", "/x", {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body.find("disk on fire"), std::string::npos);
  EXPECT_NE(r->body.find("in the log"), std::string::npos);
  // The same call again still works: the server lives on.
  EXPECT_EQ(client->Send("GET", "/y", {})->status, 500);
  (*server)->Shutdown();
  std::lock_guard lock(mu);
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_NE(logged[0].find("disk on fire"), std::string::npos);
}

// Records what it was sent; answers `status`.
class RecordingHandler : public Handler {
 public:
  explicit RecordingHandler(int status) : status_(status) {}
  bool StreamsBody(const Request&) const override { return false; }
  std::variant<Response, BodySink> BeginStream(const Request&) override { return Response{}; }
  Response Handle(const Request& req) override {
    std::lock_guard lock(mu_);
    seen_.push_back(req.method + " " + req.path + " " + req.body);
    Response r;
    r.status = status_;
    return r;
  }
  std::vector<std::string> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  int status_;
  std::mutex mu_;
  std::vector<std::string> seen_;
};

TEST(PostJsonTest, PostsToTheUrlsPathAndFailsOnANon2xxAnswer) {
  RecordingHandler ok(204), refused(500);
  ServerOptions o;
  o.port = 0;
  o.tls = false;
  auto server = HttpServer::Start(o, ok);
  auto failing = HttpServer::Start(o, refused);
  ASSERT_TRUE(server.ok() && failing.ok());
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  EXPECT_TRUE(PostJson(base + "/hook/1?a=2#x", R"({"kind":"x"})", std::chrono::seconds(10)).ok());
  EXPECT_EQ(ok.seen(), std::vector<std::string>{R"(POST /hook/1 {"kind":"x"})"});
  auto answered = PostJson("http://127.0.0.1:" + std::to_string((*failing)->port()) + "/hook", "{}",
                           std::chrono::seconds(10));
  ASSERT_FALSE(answered.ok());
  EXPECT_EQ(answered.error().message(), "HTTP 500");
  auto bad = PostJson("http://localhost@attacker.example/x", "{}", std::chrono::seconds(10));
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  (*server)->Shutdown();
  (*failing)->Shutdown();
}

TEST(ServerUrlTest, LoopbackIsAnExactHostNotAPrefix) {
  for (const char* yes : {"localhost", "127.0.0.1", "127.8.9.10", "::1"}) {
    EXPECT_TRUE(IsLoopbackHost(yes)) << yes;
  }
  for (const char* no : {"localhost.attacker.example", "127.0.0.1.attacker.example", "localhost.",
                         "127.1", "128.0.0.1", "0.0.0.0", "::", "LOCALHOST", ""}) {
    EXPECT_FALSE(IsLoopbackHost(no)) << no;
  }
  // What `cordon remote` checks is the parsed host.
  EXPECT_FALSE(IsLoopbackHost(ParseServerUrl("http://localhost.attacker.example:80")->host));
  EXPECT_FALSE(IsLoopbackHost(ParseServerUrl("http://127.0.0.1.attacker.example")->host));
  EXPECT_TRUE(IsLoopbackHost(ParseServerUrl("http://LocalHost:8080")->host));
  EXPECT_TRUE(IsLoopbackHost(ParseServerUrl("http://[::1]:8080")->host));
}

TEST(TlsIdentityTest, LivesAYearAndIsRenewedWithTheSameKeyNearItsEnd) {
  const auto dir = Scratch("cordon-renew");
  // Made 340 days ago: 25 days left, under the 30-day margin.
  auto old = LoadOrCreateTlsIdentity(dir.string(), "exchange.lab42.example", kNow - 340 * kDay);
  ASSERT_TRUE(old.ok()) << old.error().message();
  auto before = ReadCertificateInfo(old->cert_file);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->not_after, kNow - 340 * kDay + kTlsValidityDays * kDay);
  EXPECT_LE(kTlsValidityDays, 365);
  // 36 days left: kept as it is.
  auto kept = LoadOrCreateTlsIdentity(dir.string(), "exchange.lab42.example", kNow - 11 * kDay);
  ASSERT_TRUE(kept.ok());
  EXPECT_FALSE(kept->renewed);
  EXPECT_EQ(ReadCertificateInfo(old->cert_file)->certificate_fingerprint,
            before->certificate_fingerprint);
  auto renewed = LoadOrCreateTlsIdentity(dir.string(), "exchange.lab42.example", kNow);
  ASSERT_TRUE(renewed.ok()) << renewed.error().message();
  EXPECT_TRUE(renewed->renewed);
  EXPECT_FALSE(renewed->generated);
  auto after = ReadCertificateInfo(renewed->cert_file);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->not_after, kNow + kTlsValidityDays * kDay);
  EXPECT_NE(after->certificate_fingerprint, before->certificate_fingerprint);
  // The pin is the key's: a client pinned on day one still connects.
  EXPECT_EQ(renewed->fingerprint, old->fingerprint);
  EXPECT_EQ(after->key_fingerprint, old->fingerprint);

  EchoHandler handler(dir);
  ServerOptions o;
  o.port = 0;
  o.cert_file = renewed->cert_file;
  o.key_file = renewed->key_file;
  auto server = HttpServer::Start(o, handler);
  ASSERT_TRUE(server.ok()) << server.error().message();
  const std::string url = "https://127.0.0.1:" + std::to_string((*server)->port());
  auto pinned =
      HttpClient::Connect({url, old->fingerprint, Trust::kPinned, std::chrono::seconds(10)});
  ASSERT_TRUE(pinned.ok()) << pinned.error().message();
  EXPECT_EQ(pinned->key_fingerprint(), old->fingerprint);
  EXPECT_EQ(pinned->certificate_fingerprint(), after->certificate_fingerprint);
  // A pin of the old certificate (what older clients stored) no longer matches;
  // one of the current certificate does, so the client can upgrade it.
  ClientOptions legacy{url, {}, Trust::kPinned, std::chrono::seconds(10)};
  legacy.legacy_certificate_pin = before->certificate_fingerprint;
  EXPECT_EQ(HttpClient::Connect(legacy).error().code(), ErrorCode::kAuthFailed);
  legacy.legacy_certificate_pin = after->certificate_fingerprint;
  EXPECT_TRUE(HttpClient::Connect(legacy).ok());
  (*server)->Shutdown();
  fs::remove_all(dir);
}

TEST(HttpClientTest, RefusesAnotherKeyAndAnEmptyPin) {
  const auto dir = Scratch("cordon-impostor");
  fs::create_directories(dir / "real");
  fs::create_directories(dir / "impostor");
  auto real = LoadOrCreateTlsIdentity((dir / "real").string(), "x", kNow);
  auto impostor = LoadOrCreateTlsIdentity((dir / "impostor").string(), "x", kNow);
  ASSERT_TRUE(real.ok() && impostor.ok());
  EchoHandler handler(dir);
  ServerOptions o;
  o.port = 0;
  o.cert_file = impostor->cert_file;
  o.key_file = impostor->key_file;
  auto server = HttpServer::Start(o, handler);
  ASSERT_TRUE(server.ok());
  const std::string url = "https://127.0.0.1:" + std::to_string((*server)->port());
  auto refused =
      HttpClient::Connect({url, real->fingerprint, Trust::kPinned, std::chrono::seconds(10)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kAuthFailed);
  EXPECT_NE(refused.error().message().find(impostor->fingerprint), std::string::npos);
  // No pin at all is no longer "accept anything".
  auto nothing = HttpClient::Connect({url, {}, Trust::kPinned, std::chrono::seconds(10)});
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().code(), ErrorCode::kInvalidArgument);
  auto not_hex = HttpClient::Connect({url, "SHA256:abc", Trust::kPinned, std::chrono::seconds(10)});
  EXPECT_EQ(not_hex.error().code(), ErrorCode::kInvalidArgument);
  // First use reports the key (upper case pins are the same pin).
  auto first = HttpClient::Connect({url, {}, Trust::kFirstUse, std::chrono::seconds(10)});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->key_fingerprint(), impostor->fingerprint);
  std::string upper = impostor->fingerprint;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(HttpClient::Connect({url, upper, Trust::kPinned, std::chrono::seconds(10)}).ok());
  (*server)->Shutdown();
  fs::remove_all(dir);
}

// A server that accepts the TCP connection and then never answers (stopped,
// overloaded, or an attacker's tarpit): every call ends within the timeout
// with an error that says so, instead of hanging sshd's principals command.
TEST(HttpClientTest, AServerThatNeverAnswersFailsWithinTheTimeout) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(listener, 8), 0);  // the kernel completes handshakes; nobody reads
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const std::string port = std::to_string(ntohs(a.sin_port));
  // TLS: the handshake gets no answer.
  auto tls = HttpClient::Connect(
      {"https://127.0.0.1:" + port, std::string(64, 'a'), Trust::kPinned, std::chrono::seconds(1)});
  ASSERT_FALSE(tls.ok());
  EXPECT_NE(tls.error().message().find("no answer within 1 s"), std::string::npos)
      << tls.error().message();
  // Plain HTTP: connected, the request sent, the response never comes.
  auto plain = HttpClient::Connect(
      {"http://127.0.0.1:" + port, {}, Trust::kPinned, std::chrono::seconds(1)});
  ASSERT_TRUE(plain.ok()) << plain.error().message();
  auto answer = plain->Send("GET", "/", {}, {});
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.error().message().find("no answer within 1 s"), std::string::npos)
      << answer.error().message();
  ::close(listener);
}

TEST(AlertsTest, OneJsonLinePerAlert) {
  const auto dir = Scratch("cordon-alerts");
  {
    auto alerts =
        Alerts::Open({(dir / "alerts.jsonl").string(), false, {}, {}, [](std::string_view) {}});
    ASSERT_TRUE(alerts.ok());
    (*alerts)->Raise(serve::AlertKind::kBreakGlass, {{"account", 7}, {"ip", "10.0.0.9"}},
                     1800000000);
    (*alerts)->Raise(serve::AlertKind::kNewIpLogin, {{"account", 8}}, 1800000060);
  }
  std::ifstream in(dir / "alerts.jsonl");
  std::string line;
  std::vector<nlohmann::json> got;
  while (std::getline(in, line)) got.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["kind"], "break_glass");
  EXPECT_EQ(got[0]["time"], "2027-01-15T08:00:00Z");
  EXPECT_EQ(got[0]["account"], 7);
  EXPECT_EQ(got[1]["kind"], "new_ip_login");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cordon::net
