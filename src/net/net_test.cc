#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "net/http_client.h"
#include "net/http_server.h"
#include "serve/alerts.h"
#include "serve/tls_identity.h"

namespace cordon::serve {
namespace {
namespace fs = std::filesystem;

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
  auto client = HttpClient::Connect({url, {}, false, std::chrono::seconds(10)});
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
  // A JSON body over 64 KiB is refused before it is read.
  auto fresh = HttpClient::Connect({url, {}, false, std::chrono::seconds(10)});
  r = fresh->Send("POST", "/x", {}, std::string(kMaxJsonBody + 1, 'a'));
  if (r.ok()) {
    EXPECT_EQ(r->status, 413);  // (or the connection is closed mid-send)
  }
  (*server)->Shutdown();
  fs::remove_all(dir);
}

TEST(HttpServerTest, TlsWithAGeneratedIdentityAndPinning) {
  const auto dir = Scratch("cordon-tls");
  auto id = LoadOrCreateTlsIdentity(dir.string(), "exchange.lab42.example");
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_TRUE(id->generated);
  EXPECT_EQ(id->fingerprint.size(), 64u);
  EXPECT_EQ(fs::status(dir / "tls" / "key.pem").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto again = LoadOrCreateTlsIdentity(dir.string(), "exchange.lab42.example");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->generated);
  EXPECT_EQ(again->fingerprint, id->fingerprint);

  EchoHandler handler(dir);
  ServerOptions o;
  o.port = 0;
  o.cert_file = id->cert_file;
  o.key_file = id->key_file;
  auto server = HttpServer::Start(o, handler);
  ASSERT_TRUE(server.ok()) << server.error().message();
  const std::string url = "https://127.0.0.1:" + std::to_string((*server)->port());
  auto pinned = HttpClient::Connect({url, id->fingerprint, false, std::chrono::seconds(10)});
  ASSERT_TRUE(pinned.ok()) << pinned.error().message();
  auto r = pinned->Send("GET", "/z", {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->headers["strict-transport-security"], "max-age=31536000");
  std::string wrong = id->fingerprint;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  auto refused = HttpClient::Connect({url, wrong, false, std::chrono::seconds(10)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kAuthFailed);
  // The system CAs do not know a self-signed certificate.
  EXPECT_FALSE(HttpClient::Connect({url, {}, true, std::chrono::seconds(10)}).ok());
  (*server)->Shutdown();
  fs::remove_all(dir);
}

TEST(AlertsTest, OneJsonLinePerAlert) {
  const auto dir = Scratch("cordon-alerts");
  {
    auto alerts = Alerts::Open({(dir / "alerts.jsonl").string(), false, {}, {}});
    ASSERT_TRUE(alerts.ok());
    (*alerts)->Raise("break_glass", {{"account", 7}, {"ip", "10.0.0.9"}}, 1800000000);
    (*alerts)->Raise("new_ip_login", {{"account", 8}}, 1800000060);
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
}  // namespace cordon::serve
