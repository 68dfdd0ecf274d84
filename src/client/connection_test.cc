// The trust decision: what is checked before connecting, what a key seen
// for the first time needs, and — against a real TLS server in this
// process — that nothing is sent before the key is accepted.
#include "client/connection.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "core/file.h"
#include "net/http_server.h"
#include "serve/tls_identity.h"

namespace cordon::client {
namespace {
namespace fs = std::filesystem;

constexpr int64_t kNow = 1800000000;
const std::string kKey(64, 'a');
const std::string kCert(64, 'c');

fs::path Scratch(const char* name) {
  auto d = fs::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(PlanPinTest, AGivenFingerprintWinsOverTheStoredPin) {
  ConnectOptions o;
  o.url = "https://a.example";
  o.fingerprint = std::string(64, 'f');
  PinPlan p = PlanPin(o, {kKey, ""});
  EXPECT_FALSE(p.first_use);
  EXPECT_EQ(p.client.trust, net::Trust::kPinned);
  EXPECT_EQ(p.client.pin, o.fingerprint);
  EXPECT_EQ(p.client.legacy_certificate_pin, "");
}

TEST(PlanPinTest, AStoredPinIsCheckedAndALegacyOneToo) {
  ConnectOptions o;
  o.url = "https://a.example";
  PinPlan p = PlanPin(o, {kKey, ""});
  EXPECT_FALSE(p.first_use);
  EXPECT_EQ(p.client.trust, net::Trust::kPinned);
  EXPECT_EQ(p.client.pin, kKey);
  p = PlanPin(o, {"", kCert});
  EXPECT_FALSE(p.first_use);
  EXPECT_EQ(p.client.trust, net::Trust::kPinned);
  EXPECT_EQ(p.client.pin, "");
  EXPECT_EQ(p.client.legacy_certificate_pin, kCert);
}

TEST(PlanPinTest, NothingStoredAndNoFingerprintIsAFirstUse) {
  ConnectOptions o;
  o.url = "https://a.example";
  PinPlan p = PlanPin(o, {});
  EXPECT_TRUE(p.first_use);
  EXPECT_EQ(p.client.trust, net::Trust::kFirstUse);
}

TEST(AcceptFirstUseTest, AnUnknownKeyNeedsAPersonsYes) {
  ConnectOptions o;
  o.url = "https://a.example:8443";
  // The default refuses, even with a callback that would say yes.
  o.confirm = [](const std::string&, const std::string&) { return true; };
  Status refused = AcceptFirstUse(o, "a.example:8443", kKey);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRefused);
  EXPECT_NE(refused.error().message().find("nothing was sent"), std::string::npos);
  EXPECT_NE(refused.error().message().find(kKey), std::string::npos);
  EXPECT_NE(refused.error().hint().find("--fingerprint"), std::string::npos);
  // Asking with no one to ask: no.
  o.first_use = FirstUse::kAskPerson;
  o.confirm = nullptr;
  EXPECT_EQ(AcceptFirstUse(o, "a.example:8443", kKey).error().code(), ErrorCode::kRefused);
  // The person says no, then yes; they are shown the URL and the key.
  std::string shown_url, shown_key;
  bool answer = false;
  o.confirm = [&](const std::string& url, const std::string& key) {
    shown_url = url;
    shown_key = key;
    return answer;
  };
  EXPECT_EQ(AcceptFirstUse(o, "a.example:8443", kKey).error().code(), ErrorCode::kRefused);
  EXPECT_EQ(shown_url, o.url);
  EXPECT_EQ(shown_key, kKey);
  answer = true;
  EXPECT_TRUE(AcceptFirstUse(o, "a.example:8443", kKey).ok());
}

// Counts every request that reaches it.
class CountingHandler : public serve::Handler {
 public:
  bool StreamsBody(const serve::Request&) const override { return false; }
  std::variant<serve::Response, serve::BodySink> BeginStream(const serve::Request&) override {
    return serve::Response{};
  }
  serve::Response Handle(const serve::Request& req) override {
    ++requests;
    if (!req.Header("authorization").empty()) ++with_credentials;
    serve::Response r;
    r.body = R"({"packages":[]})";
    return r;
  }
  std::atomic<int> requests{0};
  std::atomic<int> with_credentials{0};
};

class TlsExchange : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = Scratch("cordon-client-pin");
    auto id = serve::LoadOrCreateTlsIdentity(dir_.string(), "exchange.test", kNow);
    ASSERT_TRUE(id.ok()) << id.error().message();
    key_ = id->fingerprint;
    cert_file_ = id->cert_file;
    net::ServerOptions o;
    o.port = 0;
    o.cert_file = id->cert_file;
    o.key_file = id->key_file;
    auto server = net::HttpServer::Start(o, handler_);
    ASSERT_TRUE(server.ok()) << server.error().message();
    server_ = std::move(*server);
    url_ = "https://127.0.0.1:" + std::to_string(server_->port());
    pin_key_ = "127.0.0.1:" + std::to_string(server_->port());
    store_path_ = (dir_ / "remote.json").string();
    // A session from an earlier login: it must not leak to an unchecked key.
    ASSERT_TRUE(SessionStore(store_path_).SaveToken(url_, "secret-session").ok());
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
    fs::remove_all(dir_);
  }
  ConnectOptions Options() const {
    ConnectOptions o;
    o.url = url_;
    o.timeout = std::chrono::seconds(10);
    return o;
  }

  fs::path dir_;
  CountingHandler handler_;
  std::unique_ptr<net::HttpServer> server_;
  std::string url_, pin_key_, key_, store_path_, cert_file_;
};

TEST_F(TlsExchange, AFirstSeenKeyWithoutConfirmationIsRefusedAndNothingIsSent) {
  auto refused = Connection::Open(Options(), SessionStore(store_path_));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRefused);
  EXPECT_NE(refused.error().message().find(key_), std::string::npos);
  ConnectOptions ask = Options();
  ask.first_use = FirstUse::kAskPerson;
  ask.confirm = [](const std::string&, const std::string&) { return false; };
  EXPECT_EQ(Connection::Open(ask, SessionStore(store_path_)).error().code(), ErrorCode::kRefused);
  EXPECT_EQ(handler_.requests, 0);
  EXPECT_EQ(SessionStore(store_path_).Pin(pin_key_, url_).value().key_sha256,
            "");  // nothing pinned
}

TEST_F(TlsExchange, TheKeyIsConfirmedBeforeAnyRequestThenPinned) {
  ConnectOptions ask = Options();
  ask.first_use = FirstUse::kAskPerson;
  int requests_when_asked = -1;
  ask.confirm = [&](const std::string&, const std::string& key) {
    requests_when_asked = handler_.requests;
    return key == key_;  // the person compares it with what `cordon serve` printed
  };
  auto c = Connection::Open(ask, SessionStore(store_path_));
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(requests_when_asked, 0);
  EXPECT_EQ(c->pin_change(), PinChange::kPinnedFirstUse);
  EXPECT_EQ(c->key_fingerprint(), key_);
  EXPECT_EQ(SessionStore(store_path_).Pin(pin_key_, url_).value().key_sha256, key_);
  ASSERT_TRUE(c->Call("GET", "/api/v1/packages", {200}).ok());
  EXPECT_EQ(handler_.with_credentials, 1);
  // Next time the pin is enough: no question asked, nothing changes.
  auto again = Connection::Open(Options(), SessionStore(store_path_));
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->pin_change(), PinChange::kNone);
}

TEST_F(TlsExchange, AGivenFingerprintPinsWithoutAQuestionAndAWrongOneSendsNothing) {
  ConnectOptions o = Options();
  o.fingerprint = std::string(64, '0');
  auto wrong = Connection::Open(o, SessionStore(store_path_));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kAuthFailed);
  EXPECT_EQ(handler_.requests, 0);
  o.fingerprint = key_;
  auto right = Connection::Open(o, SessionStore(store_path_));
  ASSERT_TRUE(right.ok()) << right.error().message();
  EXPECT_EQ(right->pin_change(), PinChange::kFingerprint);
  EXPECT_EQ(SessionStore(store_path_).Pin(pin_key_, url_).value().key_sha256, key_);
}

TEST_F(TlsExchange, AMismatchedStoredPinIsRefusedBeforeAnyRequest) {
  ASSERT_TRUE(SessionStore(store_path_).SavePin(pin_key_, url_, std::string(64, 'e')).ok());
  ConnectOptions ask = Options();
  ask.first_use = FirstUse::kAskPerson;  // a pinned host:port is never asked about again
  bool asked = false;
  ask.confirm = [&](const std::string&, const std::string&) { return asked = true; };
  auto c = Connection::Open(ask, SessionStore(store_path_));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), ErrorCode::kAuthFailed);
  EXPECT_NE(c.error().message().find("not the pinned"), std::string::npos);
  EXPECT_FALSE(asked);
  EXPECT_EQ(handler_.requests, 0);
  EXPECT_EQ(SessionStore(store_path_).Pin(pin_key_, url_).value().key_sha256, std::string(64, 'e'));
}

TEST_F(TlsExchange, ALegacyCertificatePinIsUpgradedToTheKey) {
  auto info = serve::ReadCertificateInfo(cert_file_);
  ASSERT_TRUE(info.ok()) << info.error().message();
  const std::string state = R"({"servers":{")" + url_ + R"(":{"fingerprint":")" +
                            info->certificate_fingerprint + R"("}}})";
  ASSERT_TRUE(WriteFileAtomic(store_path_, AsBytes(state), 0600).ok());
  auto c = Connection::Open(Options(), SessionStore(store_path_));
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->pin_change(), PinChange::kUpgradedLegacy);
  const StoredPin pin = SessionStore(store_path_).Pin(pin_key_, url_).value();
  EXPECT_EQ(pin.key_sha256, key_);
  EXPECT_EQ(pin.legacy_certificate_sha256, "");
}

TEST(ConnectionTest, PlainHttpGoesToThisMachineOnly) {
  for (const char* far : {"http://192.0.2.7:8080", "http://exchange.example",
                          "http://localhost.attacker.example:80"}) {
    ConnectOptions o;
    o.url = far;
    auto c = Connection::Open(o, SessionStore("/nonexistent/remote.json"));
    ASSERT_FALSE(c.ok()) << far;
    EXPECT_EQ(c.error().code(), ErrorCode::kRefused) << far;
    EXPECT_NE(c.error().message().find("https:// only"), std::string::npos);
  }
  ConnectOptions bad;
  bad.url = "ftp://a.example";
  EXPECT_EQ(Connection::Open(bad, SessionStore("/nonexistent/remote.json")).error().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cordon::client
