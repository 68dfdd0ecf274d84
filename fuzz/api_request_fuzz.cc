// Fuzzes the exchange's API as a client would reach it: any method, any
// target, any JSON (or not) body, with no session, a garbage one, or a
// real session of each role. Nothing may crash or throw; every answer is a
// JSON object with an HTTP status the API documents; and without a session
// only health, login and enrolment ever answer 2xx.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "auth/totp.h"
#include "exchange/accounts.h"
#include "ledger/ledger.h"
#include "serve/api.h"
#include "serve/api_internal.h"

namespace {

using namespace cordon;
namespace fs = std::filesystem;

constexpr int64_t kNow = 1800000000;
serve::Api* api = nullptr;
std::vector<std::string> tokens;       // one session per role
std::vector<std::string> csrf_tokens;  // their CSRF tokens, as a browser's page holds them

void Setup() {
  // On tmpfs when there is one: every recorded request is an fsync.
  const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  const fs::path dir = base / ("cordon-api-fuzz-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Removed when the fuzzer exits (-max_total_time ends with exit()).
  static std::string scratch;
  scratch = dir.string();
  std::atexit([] {
    std::error_code ec;
    fs::remove_all(scratch, ec);
  });
  const std::string d = dir.string();
  if (!ledger::Ledger::Init(d + "/ledger", "fuzz.example/exchange", sign::SecretKey::Generate(),
                            nullptr)
           .ok()) {
    abort();
  }
  auto l = ledger::Ledger::Open(d + "/ledger", ledger::Ledger::Access::kAppend);
  static auto alerts =
      serve::Alerts::Open({d + "/alerts.jsonl", false, {}, {}, [](std::string_view) {}}).value();
  serve::ApiOptions o;
  o.data_dir = d;
  o.log = [](std::string_view) {};  // a fuzzer's errors are expected, not news
  o.clock = [] { return kNow; };
  o.web = serve::MakeWebPolicy("https://cordon.fuzz.example").value();  // passkeys on
  api = serve::Api::Open(o, std::move(*l), *alerts).value().release();
  auto accounts = exchange::Accounts::Open(d).value();
  const char* roles[] = {"operator", "approver", "recipient", "auditor", "admin"};
  for (const char* role : roles) {
    const std::string email = std::string(role) + "@fuzz.example";
    auto token = accounts
                     .AddUser(std::string("Fuzz ") + role, email, exchange::ParseRole(role).value(),
                              kNow + 86400, kNow - 120)
                     .value();
    auto e = accounts.BeginEnrolment(token, kNow - 120).value();
    Bytes secret(e.totp_secret.RevealBytes().begin(), e.totp_secret.RevealBytes().end());
    auto pw = SecretBuffer::CopyOf(AsBytes("violet tram seventeen lanterns"));
    auto code = [&](int64_t t) {
      return auth::FormatOtp(auth::Hotp(SecretBuffer::CopyOf(secret), auth::TotpStep(t), 6), 6);
    };
    accounts.FinishEnrolment(token, pw, code(kNow - 120), kNow - 120).value();
    tokens.push_back(accounts.Login(email, pw, code(kNow), "127.0.0.1", kNow).value());
    csrf_tokens.push_back(serve::api_internal::CsrfToken(tokens.back()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!api) Setup();
  if (size < 2) return 0;
  static const char* methods[] = {"GET", "POST", "PUT", "DELETE"};
  serve::Request r;
  r.method = methods[data[0] & 3];
  // 0: none, 1: garbage, 2..6: a role, 7: an empty bearer, 8: an operator's
  // session as a browser's cookie without the CSRF token, 9: with it.
  const int who = data[1] % 10;
  if (who == 1) r.headers["authorization"] = "Bearer " + std::string(64, 'a');
  if (who >= 2 && who <= 6) r.headers["authorization"] = "Bearer " + tokens[who - 2];
  if (who == 7) r.headers["authorization"] = "Bearer ";
  if (who >= 8) r.headers["cookie"] = std::string(serve::kSessionCookie) + "=" + tokens[0];
  if (who == 9) r.headers["x-csrf-token"] = csrf_tokens[0];
  r.client_ip = "192.0.2.7";
  std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t nl = rest.find('\n');
  serve::ParseTarget(rest.substr(0, nl), r);
  if (nl != std::string_view::npos) r.body = std::string(rest.substr(nl + 1));
  // Logins cost an Argon2id hash (64 MiB, ~1 s under ASan): left to the tests.
  if (r.path.find("login") != std::string::npos) return 0;
  if (r.body.size() > serve::kMaxJsonBody) return 0;  // the server refuses these before the API

  std::optional<serve::Response> res;
  if (api->StreamsBody(r)) {
    auto begun = api->BeginStream(r);
    if (auto* refused = std::get_if<serve::Response>(&begun)) {
      res = std::move(*refused);
    } else {
      auto& sink = std::get<serve::BodySink>(begun);
      (void)!write(sink.fd.get(), r.body.data(), r.body.size());
      sink.fd = UniqueFd();
      res = sink.finish(Ok(), r.body.size());
    }
  } else {
    res = api->Handle(r);
  }
  // The pages (/, /ui/…) answer HTML, CSS and script, or a redirect.
  const bool page = !r.path.starts_with("/api/");
  if (page && res->status / 100 == 2) {
    if (res->headers["Content-Security-Policy"].find("script-src 'self'") == std::string::npos) {
      __builtin_trap();  // a page without its policy
    }
    return 0;
  }
  if (page && res->status == 303) return 0;
  static const std::set<int> documented = {200, 201, 400, 401, 403, 404, 409,
                                           413, 422, 429, 500, 503, 507};
  if (!documented.count(res->status)) __builtin_trap();
  if (res->file.get() < 0) {
    auto j = nlohmann::json::parse(res->body, nullptr, false);
    if (!j.is_object()) __builtin_trap();
    // Every error names its code (docs/api.md).
    if (res->status >= 400 && !j.contains("code")) __builtin_trap();
  }
  const bool public_path = r.path == "/api/v1/health" || r.path.rfind("/api/v1/enrol/", 0) == 0;
  const bool has_session = (who >= 2 && who <= 6) || who == 9 || (who == 8 && r.method == "GET");
  if (!has_session && !public_path && res->status / 100 == 2) {
    __builtin_trap();  // something answered without a session, or a cookie without its token
  }
  return 0;
}
