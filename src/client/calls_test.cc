// The client's calls against a small fake exchange served in this process
// (plain HTTP on loopback, port 0): login and list, push, pull, confirm,
// grants. The fake checks what a real exchange would (the session token,
// the JSON bodies), so a call that sends the wrong thing fails here.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "client/account.h"
#include "client/grants.h"
#include "client/orders.h"
#include "client/packages.h"
#include "core/encoding.h"
#include "exchange/review.h"
#include "net/http_server.h"
#include "order/plan_digest.h"

namespace cordon::client {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const char kPassword[] = "violet \"tram\" \\ seventeen lanterns";

fs::path Scratch(const char* name) {
  auto d = fs::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

serve::Response Json(int status, const json& body) {
  serve::Response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

// Just enough of the exchange's API (docs/exchange.md) for the client.
class FakeExchange : public serve::Handler {
 public:
  explicit FakeExchange(fs::path dir) : dir_(std::move(dir)) { fs::create_directories(dir_); }

  bool StreamsBody(const serve::Request& head) const override { return head.method == "PUT"; }

  std::variant<serve::Response, serve::BodySink> BeginStream(const serve::Request& head) override {
    const std::string prefix = "/api/v1/uploads/u1/files/";
    if (!Authorized(head)) return Json(401, {{"error", "log in first"}});
    if (head.path.rfind(prefix, 0) != 0) return Json(404, {{"error", "no such upload"}});
    const std::string name = head.path.substr(prefix.size());
    serve::BodySink sink;
    const std::string path = (dir_ / name).string();
    sink.fd = UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600));
    sink.max_bytes = 1 << 20;
    sink.finish = [this, name](Status received, uint64_t bytes) {
      std::lock_guard lock(mu_);
      if (!received.ok()) return Json(400, {{"error", "incomplete"}});
      files_[name] = bytes;
      return Json(201, {{"file", name}, {"size", bytes}});
    };
    return sink;
  }

  serve::Response Handle(const serve::Request& req) override {
    std::lock_guard lock(mu_);
    seen_.push_back(req.method + " " + req.path);
    if (req.method == "POST" && req.path == "/api/v1/login") {
      const json body = json::parse(req.body, nullptr, false);
      if (body.is_object() && body.value("email", "") == "rachel@lab42.example" &&
          body.value("password", "") == kPassword && body.value("code", "") == "123456") {
        return Json(200, {{"token", "tok-1"},
                          {"account", {{"email", "rachel@lab42.example"}, {"role", "operator"}}},
                          {"idle_timeout_seconds", 600}});
      }
      return Json(401, {{"error", "wrong email, password or code"}});
    }
    if (!Authorized(req)) return Json(401, {{"error", "log in first"}});
    if (req.method == "POST" && req.path == "/api/v1/logout") {
      logged_out_ = true;
      return Json(200, json::object());
    }
    if (req.method == "GET" && req.path == "/api/v1/packages") {
      json list = json::array();
      if (committed_) list.push_back(Package());
      if (req.query.count("all")) {
        list.push_back({{"id", "old"}, {"order_id", "o0"}, {"bytes", 1}, {"status", "deleted"}});
      }
      return Json(200, {{"packages", list}});
    }
    if (req.method == "POST" && req.path == "/api/v1/uploads") return Json(201, {{"upload", "u1"}});
    if (req.method == "POST" && req.path == "/api/v1/uploads/u1/commit") {
      committed_ = true;
      return Json(201, Package());
    }
    if (req.method == "GET" && req.path == "/api/v1/packages/pkg1") {
      if (confirmed_) return Json(200, {{"id", "pkg1"}, {"status", "deleted"}});
      json files = json::array();
      for (const auto& [name, size] : files_) {
        if (name.rfind("manifest.json", 0) != 0) files.push_back({{"file", name}, {"size", size}});
      }
      if (!evil_name_.empty()) files.push_back({{"file", evil_name_}, {"size", 1}});
      return Json(200, {{"id", "pkg1"}, {"status", "available"}, {"files", files}});
    }
    const std::string file_prefix = "/api/v1/packages/pkg1/files/";
    if (req.method == "GET" && req.path.rfind(file_prefix, 0) == 0) {
      const std::string name = req.path.substr(file_prefix.size());
      if (!files_.count(name)) return Json(404, {{"error", "no such file"}});
      serve::Response r;
      r.content_type = "application/octet-stream";
      r.file = UniqueFd(::open((dir_ / name).c_str(), O_RDONLY));
      r.file_size = files_[name];
      return r;
    }
    if (req.method == "POST" && req.path == "/api/v1/packages/pkg1/confirm") {
      confirmed_ = true;
      return Json(200, {{"certificate", "{\"package\":\"pkg1\"}\n"}, {"signature", "sig\n"}});
    }
    if (req.method == "POST" && req.path == "/api/v1/grants") {
      const json body = json::parse(req.body);
      return Json(201, {{"id", 7},
                        {"status", "requested"},
                        {"package", body.value("package", "")},
                        {"reason", body.value("reason", "")},
                        {"duration_hours", body.value("duration_hours", 0)},
                        {"requester_id", 3},
                        {"open_now", false}});
    }
    if (req.method == "GET" && req.path.rfind("/api/v1/orders/", 0) == 0) {
      order_paths_.push_back(req.path + (req.query.count("version") ? "?v" : ""));
      return Json(200, order_answer_);
    }
    if (req.method == "POST" && req.path == "/api/v1/orders") {
      const json body = json::parse(req.body);
      auto order = Base64Decode(body.value("order_base64", ""));
      auto plan = Base64Decode(body.value("plan_base64", ""));
      return Json(201, {{"order_id", "o1"},
                        {"version", 1},
                        {"organisation", body.value("organisation", "")},
                        {"order_sha256", order::PlanSha256Hex(AsChars(*order))},
                        {"plan_sha256",
                         lie_ ? std::string(64, '0') : order::PlanSha256Hex(AsChars(*plan))}});
    }
    if (req.method == "GET" && req.path == "/api/v1/reviews/access") {
      // As the exchange sends it: keys sorted at every level (json), and
      // the digest over that canonical text — or, lying, over another
      // review than the one sent.
      json review = {{"format", "cordon-access-review"},
                     {"generated_at", 1800000000},
                     {"accounts",
                      {{{"id", 3},
                        {"email", "r\u00e9mi@lab.example"},
                        {"role", "operator"},
                        {"status", "active"},
                        {"last_login_ip", nullptr},
                        {"grants", json::array()}}}},
                     {"break_glass_to_review", 0}};
      const std::string sha = exchange::ReviewSha256(review);
      if (lie_) review["accounts"][0]["role"] = "approver";
      return Json(200, {{"review", review}, {"sha256", sha}});
    }
    if (req.method == "POST" && req.path == "/api/v1/grants/7/approve") {
      return Json(
          403, {{"error", "you cannot approve your own grant"}, {"hint", "another approver must"}});
    }
    return Json(404, {{"error", "no such endpoint"}});
  }

  std::vector<std::string> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  bool logged_out() {
    std::lock_guard lock(mu_);
    return logged_out_;
  }
  void AnswerOrder(json answer, bool lie = false) {
    std::lock_guard lock(mu_);
    order_answer_ = std::move(answer);
    lie_ = lie;
  }
  std::vector<std::string> order_paths() {
    std::lock_guard lock(mu_);
    return order_paths_;
  }
  void Lie() {
    std::lock_guard lock(mu_);
    lie_ = true;
  }
  void NameAFile(std::string name) {
    std::lock_guard lock(mu_);
    evil_name_ = std::move(name);
  }

 private:
  static bool Authorized(const serve::Request& r) {
    return r.Header("authorization") == "Bearer tok-1";
  }
  json Package() const {
    uint64_t total = 0;
    for (const auto& [name, size] : files_) total += size;
    return {{"id", "pkg1"},
            {"order_id", "o1"},
            {"bytes", total},
            {"status", "available"},
            {"delete_by", "2027-02-01"}};
  }

  fs::path dir_;
  std::mutex mu_;
  std::map<std::string, uint64_t> files_;
  std::vector<std::string> seen_;
  bool committed_ = false, confirmed_ = false, logged_out_ = false;
  std::string evil_name_;
  json order_answer_;
  bool lie_ = false;
  std::vector<std::string> order_paths_;
};

class Calls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = Scratch("cordon-client-calls");
    exchange_ = std::make_unique<FakeExchange>(dir_ / "exchange");
    net::ServerOptions o;
    o.port = 0;
    o.tls = false;
    auto server = net::HttpServer::Start(o, *exchange_);
    ASSERT_TRUE(server.ok()) << server.error().message();
    server_ = std::move(*server);
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
    store_ = (dir_ / "cfg" / "remote.json").string();
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
    fs::remove_all(dir_);
  }
  Connection Connect() {
    ConnectOptions o;
    o.url = url_ + "/";  // a trailing slash is the same server
    o.timeout = std::chrono::seconds(10);
    auto c = Connection::Open(o, SessionStore(store_));
    EXPECT_TRUE(c.ok()) << c.error().message();
    return std::move(*c);
  }
  void LogIn() {
    Connection c = Connect();
    const SecretBuffer pw = SecretBuffer::CopyOf(AsBytes(kPassword));
    auto r = Login(c, "rachel@lab42.example", pw, "123456");
    ASSERT_TRUE(r.ok()) << r.error().message();
  }
  fs::path MakePackage() {
    const fs::path pkg = dir_ / "out";
    fs::create_directories(pkg);
    std::ofstream(pkg / "manifest.json")
        << R"({"format":"cordon-manifest","version":1,"order":{"id":"o1"},)"
        << R"("delete_by":"2027-02-01","tables":[{"name":"results","file":"results.csv.age",)"
        << R"("ciphertext_size":300000,"ciphertext_sha256":")" << std::string(64, 'a') << "\"}]}";
    std::ofstream(pkg / "manifest.json.minisig") << "untrusted comment: x\nRWQ\n";
    std::ofstream(pkg / "results.csv.age") << std::string(300000, 'z');
    // Lying beside the package, never to be sent: a key and a link to one.
    std::ofstream(pkg / "alice.agekey") << "AGE-SECRET-KEY-1...";
    fs::create_symlink(pkg / "alice.agekey", pkg / "vendor.key");
    return pkg;
  }

  fs::path dir_;
  std::unique_ptr<FakeExchange> exchange_;
  std::unique_ptr<net::HttpServer> server_;
  std::string url_, store_;
};

TEST_F(Calls, LoginKeepsTheSessionAndListUsesIt) {
  {
    Connection c = Connect();
    EXPECT_FALSE(c.has_session());
    auto before = ListPackages(c, false);
    ASSERT_FALSE(before.ok());
    EXPECT_EQ(before.error().code(), ErrorCode::kAuthFailed);
    EXPECT_EQ(before.error().hint(), "log in: cordon remote login --email YOU");
    const SecretBuffer wrong = SecretBuffer::CopyOf(AsBytes("not it"));
    EXPECT_EQ(Login(c, "rachel@lab42.example", wrong, "123456").error().code(),
              ErrorCode::kAuthFailed);
    const SecretBuffer pw = SecretBuffer::CopyOf(AsBytes(kPassword));
    auto r = Login(c, "rachel@lab42.example", pw, "123456");
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->email, "rachel@lab42.example");
    EXPECT_EQ(r->role, "operator");
    EXPECT_EQ(r->idle_timeout_seconds, 600);
    EXPECT_TRUE(c.has_session());
  }
  // The session is in the store, under the URL without its trailing slash.
  EXPECT_EQ(SessionStore(store_).Token(url_).value(), "tok-1");
  Connection c = Connect();
  auto list = ListPackages(c, true);
  ASSERT_TRUE(list.ok()) << list.error().message();
  ASSERT_EQ(list->packages.size(), 1u);
  EXPECT_EQ(list->packages[0].id, "old");
  EXPECT_EQ(list->packages[0].status, "deleted");
  EXPECT_EQ(list->answer["packages"].size(), 1u);
  ASSERT_TRUE(Logout(c).ok());
  EXPECT_TRUE(exchange_->logged_out());
  EXPECT_EQ(SessionStore(store_).Token(url_).value(), "");
}

TEST_F(Calls, PushPullAndConfirmAPackage) {
  LogIn();
  const fs::path pkg = MakePackage();
  auto files = PackageFiles(pkg.string());
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(*files, (std::vector<std::string>{"manifest.json", "manifest.json.minisig",
                                              "results.csv.age"}));
  Connection c = Connect();
  std::vector<std::string> began, done;
  uint64_t last_progress = 0;
  TransferObserver watch;
  watch.begin = [&](const std::string& name, std::optional<uint64_t> size) {
    began.push_back(name + ":" + (size ? std::to_string(*size) : "?"));
  };
  watch.progress = [&](uint64_t n) { last_progress = n; };
  watch.done = [&](const std::string& name) { done.push_back(name); };
  auto pushed = Push(c, pkg.string(), *files, watch);
  ASSERT_TRUE(pushed.ok()) << pushed.error().message();
  EXPECT_EQ(pushed->id, "pkg1");
  EXPECT_EQ(pushed->order_id, "o1");
  EXPECT_EQ(pushed->delete_by, "2027-02-01");
  EXPECT_EQ(pushed->bytes, fs::file_size(pkg / "manifest.json") +
                               fs::file_size(pkg / "manifest.json.minisig") + 300000);
  EXPECT_EQ(began.back(), "results.csv.age:300000");
  EXPECT_EQ(done, *files);
  EXPECT_EQ(last_progress, 300000u);

  began.clear();
  done.clear();
  const fs::path in = dir_ / "in";
  auto pulled = Pull(c, "pkg1", in.string(), watch);
  ASSERT_TRUE(pulled.ok()) << pulled.error().message();
  EXPECT_EQ(*pulled, *files);
  EXPECT_EQ(began, (std::vector<std::string>{"manifest.json:?", "manifest.json.minisig:?",
                                             "results.csv.age:300000"}));
  for (const auto& name : *files) {
    EXPECT_EQ(ReadAll(in / name), ReadAll(pkg / name)) << name;
    EXPECT_EQ(fs::status(in / name).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
  }
  // Pulling again never overwrites what is there.
  EXPECT_FALSE(Pull(c, "pkg1", in.string()).ok());

  auto cert = Confirm(c, "pkg1");
  ASSERT_TRUE(cert.ok()) << cert.error().message();
  ASSERT_TRUE(SaveCertificate(*cert, (dir_ / "deleted.json").string()).ok());
  EXPECT_EQ(ReadAll(dir_ / "deleted.json"), "{\"package\":\"pkg1\"}\n");
  EXPECT_EQ(ReadAll(dir_ / "deleted.json.minisig"), "sig\n");
  auto gone = Pull(c, "pkg1", (dir_ / "again").string());
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(gone.error().hint().find("cordon remote certificate pkg1"), std::string::npos);
}

TEST_F(Calls, PullRefusesAFileNameThatLeavesTheDirectory) {
  LogIn();
  Connection c = Connect();
  const fs::path pkg = MakePackage();
  ASSERT_TRUE(Push(c, pkg.string(), *PackageFiles(pkg.string())).ok());
  for (const char* evil : {"../escaped", ".hidden", "a/b"}) {
    exchange_->NameAFile(evil);
    const fs::path in = dir_ / "in";
    fs::remove_all(in);
    auto pulled = Pull(c, "pkg1", in.string());
    ASSERT_FALSE(pulled.ok()) << evil;
    EXPECT_EQ(pulled.error().code(), ErrorCode::kMalformed) << evil;
    EXPECT_FALSE(fs::exists(dir_ / "escaped"));
  }
}

TEST_F(Calls, APackageDirectoryNeedsAManifest) {
  const fs::path empty = dir_ / "empty";
  fs::create_directories(empty);
  std::ofstream(empty / "data.csv.age") << "x";
  auto files = PackageFiles(empty.string());
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(PackageFiles((dir_ / "missing").string()).error().code(), ErrorCode::kIo);
  // A table the manifest names that is a link to another file is refused.
  std::ofstream(empty / "manifest.json")
      << R"({"format":"cordon-manifest","version":1,"order":{"id":"o1"},)"
      << R"("delete_by":"2027-02-01","tables":[{"name":"t","file":"t.csv.age",)"
      << R"("ciphertext_size":1,"ciphertext_sha256":")" << std::string(64, 'a') << "\"}]}";
  fs::create_symlink(empty / "data.csv.age", empty / "t.csv.age");
  files = PackageFiles(empty.string());
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.error().message().find("not a regular file"), std::string::npos);
}

TEST_F(Calls, GrantsAreRequestedAndTheServersRefusalComesBackWithItsHint) {
  LogIn();
  Connection c = Connect();
  GrantRequest request;
  request.package = "pkg1";
  request.role = "recipient";
  EXPECT_EQ(RequestGrant(c, request).error().code(), ErrorCode::kInvalidArgument);
  request.role.clear();
  request.reason = "migration";
  request.hours = 8;
  auto g = RequestGrant(c, request);
  ASSERT_TRUE(g.ok()) << g.error().message();
  EXPECT_EQ(g->id, 7);
  EXPECT_EQ(g->status, "requested");
  EXPECT_EQ(g->answer["reason"], "migration");
  EXPECT_EQ(g->answer["duration_hours"], 8);
  auto approve = DecideGrant(c, 7, GrantVerb::kApprove);
  ASSERT_FALSE(approve.ok());
  EXPECT_EQ(approve.error().code(), ErrorCode::kRefused);
  EXPECT_EQ(approve.error().hint(), "another approver must");
}

TEST_F(Calls, AReviewIsAttestedByTheDigestOfTheReviewShownNotTheExchangesWord) {
  LogIn();
  Connection c = Connect();
  auto review = FetchAccessReview(c);
  ASSERT_TRUE(review.ok()) << review.error().message();
  EXPECT_EQ(review->accounts.size(), 1u);
  // An exchange that names one review and sends another gets nothing to
  // attest: the digest is derived again from what is shown.
  exchange_->Lie();
  auto lied = FetchAccessReview(c);
  ASSERT_FALSE(lied.ok());
  EXPECT_EQ(lied.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(lied.error().message().find("nothing to attest"), std::string::npos);
}

}  // namespace
}  // namespace cordon::client

namespace cordon::client {
namespace {

TEST_F(Calls, AnOrderIsSavedOnlyWhenItsBytesMatchTheDigests) {
  LogIn();
  Connection c = Connect();
  const std::string plan = "{\"format\": \"cordon-plan\"}\n";
  const std::string order =
      *order::WithPlanDigest("[order]\nid = \"o1\"\n", order::PlanSha256Hex(plan));
  auto answer = [&](const std::string& o, const std::string& p) {
    return json{{"order_id", "o1"},
                {"version", 2},
                {"order_sha256", order::PlanSha256Hex(o)},
                {"plan_sha256", order::PlanSha256Hex(p)},
                {"order_base64", Base64Encode(AsBytes(o))},
                {"plan_base64", Base64Encode(AsBytes(p))}};
  };
  exchange_->AnswerOrder(answer(order, plan));
  auto got = FetchOrder(c, "o1/../x y", 2);
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(exchange_->order_paths().back(), "/api/v1/orders/o1%2F..%2Fx%20y?v")
      << "an id is one path segment";
  const fs::path out = dir_ / "review";
  ASSERT_TRUE(SaveOrder(*got, out.string()).ok());
  std::ifstream o(out / "order.toml", std::ios::binary), p(out / "plan.json", std::ios::binary);
  std::stringstream os, ps;
  os << o.rdbuf();
  ps << p.rdbuf();
  EXPECT_EQ(os.str(), order);
  EXPECT_EQ(ps.str(), plan);
  EXPECT_FALSE(got->answer.contains("plan_base64")) << "--json prints no bytes";
  EXPECT_FALSE(fs::exists(out / "order.toml.sig")) << "an unsigned version has no signature";

  // A signed version: the newest DPO signature goes where extract looks;
  // fetching an unsigned version into the same place removes it.
  json signed_answer = answer(order, plan);
  signed_answer["signatures"] =
      json::array({{{"signer_id", 3}, {"sshsig", "-----BEGIN SSH SIGNATURE-----\nold\n"}},
                   {{"signer_id", 4}, {"sshsig", "-----BEGIN SSH SIGNATURE-----\nnew\n"}}});
  exchange_->AnswerOrder(signed_answer);
  auto signed_order = FetchOrder(c, "o1", 2);
  ASSERT_TRUE(signed_order.ok()) << signed_order.error().message();
  ASSERT_EQ(signed_order->signatures.size(), 2u);
  ASSERT_TRUE(SaveOrder(*signed_order, out.string()).ok());
  {
    std::ifstream sig(out / "order.toml.sig", std::ios::binary);
    std::stringstream ss;
    ss << sig.rdbuf();
    EXPECT_EQ(ss.str(), "-----BEGIN SSH SIGNATURE-----\nnew\n");
  }
  ASSERT_TRUE(SaveOrder(*got, out.string()).ok());
  EXPECT_FALSE(fs::exists(out / "order.toml.sig"));

  // The bytes altered in transit (the digests stated for others), or an
  // order whose plan_sha256 names another plan: refused.
  json altered = answer(order, plan);
  altered["plan_base64"] = Base64Encode(AsBytes(plan + " "));
  exchange_->AnswerOrder(altered);
  auto bad = FetchOrder(c, "o1", std::nullopt);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kMalformed);
  exchange_->AnswerOrder(answer(order, plan + " "));
  bad = FetchOrder(c, "o1", std::nullopt);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kMalformed);

  // A submission whose stored digests are not those sent is an error.
  EXPECT_TRUE(SubmitOrder(c, order, plan, "CHU").ok());
  exchange_->AnswerOrder(json::object(), true);
  auto lied = SubmitOrder(c, order, plan, "CHU");
  ASSERT_FALSE(lied.ok());
  EXPECT_EQ(lied.error().code(), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace cordon::client
