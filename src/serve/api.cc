#include "serve/api.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "core/encoding.h"
#include "core/utc_time.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "exchange/certificate.h"
#include "exchange/review.h"
#include "pipeline/manifest.h"

namespace cordon::serve {

namespace fs = std::filesystem;
using exchange::Account;
using exchange::Role;
using nlohmann::json;

// One worker's database connections (SQLite connections are not shared
// between threads).
struct Api::Services {
  exchange::Accounts accounts;
  exchange::Grants grants;
  exchange::PackageStore store;
  exchange::Defender defender;
  exchange::Db db;
};

// A request in progress: who asked (once authenticated) and from where.
struct Api::Call {
  const Request& request;
  Services& s;
  int64_t now;
  std::optional<Account> who;
  json body;  // parsed JSON body (object), when there is one
};

class Api::Lease {
 public:
  Lease(Api* api, std::unique_ptr<Services> s) : api_(api), s_(std::move(s)) {}
  Lease(Lease&&) = default;
  ~Lease() {
    if (!s_) return;
    std::lock_guard lock(api_->pool_mu_);
    api_->pool_.push_back(std::move(s_));
  }
  Services& operator*() { return *s_; }

 private:
  Api* api_;
  std::unique_ptr<Services> s_;
};

namespace {

constexpr const char* kPrefix = "/api/v1/";

json Opt(const std::optional<int64_t>& v) { return v ? json(FormatUtc(*v)) : json(nullptr); }

Response Json(int status, const json& body) {
  Response r;
  r.status = status;
  // Messages may quote what the client sent (a path, a name): bytes that are
  // not UTF-8 are replaced rather than thrown on.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

const char* CodeName(ErrorCode c) {
  switch (c) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformed:
    case ErrorCode::kTruncated:
    case ErrorCode::kUnsupported:
      return "invalid";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "conflict";
    case ErrorCode::kAuthFailed:
    case ErrorCode::kNoMatch:
      return "unauthenticated";
    case ErrorCode::kRefused:
      return "refused";
    case ErrorCode::kLimitExceeded:
      return "too_large";
    case ErrorCode::kIo:
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

int StatusFor(ErrorCode c) {
  switch (c) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformed:
    case ErrorCode::kTruncated:
    case ErrorCode::kUnsupported:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kAuthFailed:
    case ErrorCode::kNoMatch:
      return 401;
    case ErrorCode::kRefused:
      return 403;
    case ErrorCode::kLimitExceeded:
      return 413;
    case ErrorCode::kIo:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

Response Fail(int status, std::string message, std::string hint = {}) {
  json j = {{"error", std::move(message)}};
  if (!hint.empty()) j["hint"] = std::move(hint);
  return Json(status, j);
}

Response Fail(const Error& e) {
  const int status = StatusFor(e.code());
  if (status == 500) {
    // Server-side details (paths, SQLite messages) go to the log, not the client.
    std::cerr << "cordon serve: " << e.message() << "\n";
    return Fail(500, "the exchange failed; its operator has the details in the server log");
  }
  json j = {{"error", e.message()}, {"code", CodeName(e.code())}};
  if (!e.hint().empty()) j["hint"] = e.hint();
  return Json(status, j);
}

// "a/b/" → {"a", "b", ""}: a trailing slash is a different path.
std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  while (true) {
    const size_t slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    path = path.substr(slash + 1);
  }
}

std::optional<std::string> Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<int64_t> Int(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

// "2027-01-15T21:00:00Z" → Unix seconds.
std::optional<int64_t> ParseIso(const std::string& s) {
  tm t{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &t);
  if (!end || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&t));
}

// One row, or false when there is none or the step failed.
bool StepRow(exchange::Statement& q) {
  auto row = q.Step();
  return row.ok() && *row;
}

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

json AccountJson(const Account& a) {
  return {{"id", a.id},
          {"name", a.name},
          {"email", a.email},
          {"role", exchange::RoleName(a.role)},
          {"status", a.status},
          {"expires_at", FormatUtc(a.expires_at)},
          {"last_login_at", Opt(a.last_login_at)},
          {"last_login_ip", a.last_login_ip}};
}

json PackageJson(const exchange::PackageInfo& p) {
  json files = json::array();
  for (const auto& f : p.files) {
    files.push_back({{"table", f.name},
                     {"file", f.file},
                     {"size", f.ciphertext_size},
                     {"sha256", f.ciphertext_sha256}});
  }
  return {{"id", p.id},
          {"order_id", p.order_id},
          {"uploader_id", p.uploader_id},
          {"uploaded_at", FormatUtc(p.uploaded_at)},
          {"bytes", p.bytes},
          {"delete_by", FormatUtc(static_cast<int64_t>(p.delete_by) * 86400)},
          {"status", p.status},
          {"files", files}};
}

json GrantJson(const exchange::Grant& g, int64_t now) {
  return {{"id", g.id},
          {"requester_id", g.requester_id},
          {"package", g.package},
          {"reason", g.reason},
          {"status", g.status},
          {"requested_at", FormatUtc(g.requested_at)},
          {"start_at", Opt(g.start_at)},
          {"duration_seconds", g.duration},
          {"approver_id", g.approver_id ? json(*g.approver_id) : json(nullptr)},
          {"opens_at", Opt(g.opens_at)},
          {"closes_at", Opt(g.closes_at)},
          {"open_now", g.OpenAt(now)},
          {"break_glass", g.break_glass},
          {"reviewed_by", g.reviewed_by ? json(*g.reviewed_by) : json(nullptr)}};
}

bool HasRole(const Account& a, std::initializer_list<Role> roles) {
  for (Role r : roles) {
    if (a.role == r) return true;
  }
  return false;
}

Response Forbidden(const Account& a, std::string_view needs) {
  return Fail(403, "your role (" + std::string(exchange::RoleName(a.role)) + ") cannot do this",
              "it needs the " + std::string(needs) + " role");
}

std::string Bearer(const Request& r) {
  const std::string h = r.Header("authorization");
  if (h.size() > 7 && (h.rfind("Bearer ", 0) == 0 || h.rfind("bearer ", 0) == 0)) {
    return h.substr(7);
  }
  return {};
}

}  // namespace

Api::Api(ApiOptions options, ledger::Ledger ledger, Alerts& alerts, sign::SecretKey key)
    : options_(std::move(options)),
      ledger_(std::move(ledger)),
      appender_(ledger_),
      alerts_(alerts),
      certificate_key_(std::move(key)),
      certificate_public_(certificate_key_.public_key()) {}

Api::~Api() = default;

Result<std::unique_ptr<Api>> Api::Open(ApiOptions options, ledger::Ledger ledger, Alerts& alerts) {
  if (!options.clock) options.clock = [] { return static_cast<int64_t>(std::time(nullptr)); };
  // Once, before any request: finish what a crash interrupted.
  {
    auto recovered =
        exchange::PackageStore::Open(options.data_dir, exchange::PackageStore::Recover::kYes);
    if (!recovered.ok()) return recovered.error();
  }
  const std::string key_file = options.data_dir + "/exchange.key";
  std::optional<sign::SecretKey> key;
  if (PathExists(key_file)) {
    CORDON_ASSIGN_OR_RETURN(SecretBuffer text, ReadSecretFile(key_file, 4096));
    CORDON_ASSIGN_OR_RETURN(sign::SecretKey k, sign::SecretKey::Parse(text.RevealBytes()));
    key.emplace(std::move(k));
  } else {
    key.emplace(sign::SecretKey::Generate());
    SecretBuffer text = key->Format();
    CORDON_TRY(WriteFileAtomic(key_file, text.RevealBytes(), 0600, Overwrite::kRefuse));
  }
  CORDON_TRY(WriteFileAtomic(options.data_dir + "/exchange.pub",
                             AsBytes(key->public_key().Format()), 0644));
  return std::unique_ptr<Api>(
      new Api(std::move(options), std::move(ledger), alerts, std::move(*key)));
}

int64_t Api::Now() const { return options_.clock(); }

Result<Api::Lease> Api::Acquire() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      auto s = std::move(pool_.back());
      pool_.pop_back();
      return Lease(this, std::move(s));
    }
  }
  const std::string& d = options_.data_dir;
  CORDON_ASSIGN_OR_RETURN(auto accounts, exchange::Accounts::Open(d, options_.accounts));
  CORDON_ASSIGN_OR_RETURN(auto grants, exchange::Grants::Open(d, options_.grants));
  CORDON_ASSIGN_OR_RETURN(auto store,
                          exchange::PackageStore::Open(d, exchange::PackageStore::Recover::kNo));
  CORDON_ASSIGN_OR_RETURN(auto defender, exchange::Defender::Open(d, options_.defender));
  CORDON_ASSIGN_OR_RETURN(auto db, exchange::OpenExchangeDb(d));
  return Lease(this, std::make_unique<Services>(Services{std::move(accounts), std::move(grants),
                                                         std::move(store), std::move(defender),
                                                         std::move(db)}));
}

bool Api::Record(const Call& call, std::string_view action, std::string_view outcome,
                 json details) {
  json event = std::move(details);
  event["action"] = "exchange." + std::string(action);
  // Events about a package name its order, so `cordon report --order` over
  // the exchange's ledger tells the package's story.
  if (event.contains("package") && event["package"].is_string() && !event.contains("order")) {
    if (auto p = call.s.store.Get(event["package"].get<std::string>()); p.ok()) {
      event["order"] = {{"id", p->order_id}};
    }
  }
  json actor = {{"ip", call.request.client_ip}};
  if (call.who) {
    actor["account"] = call.who->id;
    actor["role"] = exchange::RoleName(call.who->role);
  }
  event["actor"] = actor;
  event["outcome"] = outcome;
  auto seq = appender_.Append(std::move(event));
  if (!seq.ok()) {
    std::cerr << "cordon serve: the ledger refused an event: " << seq.error().message() << "\n";
    return false;
  }
  return true;
}

void Api::Alert(std::string_view kind, json details) {
  details["kind"] = kind;
  alerts_.Raise(kind, details, Now());
  json event = {{"action", "exchange.alert"}, {"outcome", "ok"}, {"alert", details}};
  if (auto seq = appender_.Append(std::move(event)); !seq.ok()) {
    std::cerr << "cordon serve: the ledger refused an alert: " << seq.error().message() << "\n";
  }
}

// ---- dispatch ----

bool Api::StreamsBody(const Request& head) const {
  // PUT /api/v1/uploads/{id}/files/{name}
  if (head.method != "PUT" || head.path.rfind(kPrefix, 0) != 0) return false;
  auto seg = Segments(std::string_view(head.path).substr(std::strlen(kPrefix)));
  return seg.size() == 4 && seg[0] == "uploads" && seg[2] == "files";
}

Response Api::Handle(const Request& request) {
  auto lease = Acquire();
  if (!lease.ok()) return Fail(lease.error());
  Call call{request, **lease, Now(), std::nullopt, json()};
  if (!request.body.empty()) {
    call.body = json::parse(request.body, nullptr, false);
    if (call.body.is_discarded() || !call.body.is_object()) {
      return Fail(400, "the body is not a JSON object");
    }
  } else {
    call.body = json::object();
  }
  return Route(call);
}

Response Api::Route(Call& call) {
  const Request& r = call.request;
  if (r.path.rfind(kPrefix, 0) != 0)
    return Fail(404, "no such endpoint; the API is under /api/v1/");
  const auto seg = Segments(std::string_view(r.path).substr(std::strlen(kPrefix)));
  const std::string& m = r.method;
  auto is = [&](std::string_view method, std::initializer_list<std::string_view> path) {
    if (m != method || seg.size() != path.size()) return false;
    size_t i = 0;
    for (std::string_view p : path) {
      if (p != "*" && seg[i] != p) return false;
      ++i;
    }
    return true;
  };

  // The only endpoints that answer without a session.
  if (is("GET", {"health"})) return Json(200, {{"status", "ok"}, {"time", FormatUtc(call.now)}});
  if (is("POST", {"login"})) return Login(call);
  if (is("POST", {"enrol", "begin"})) return EnrolBegin(call);
  if (is("POST", {"enrol", "finish"})) return EnrolFinish(call);

  const std::string token = Bearer(r);
  if (token.empty()) {
    return Fail(401, "log in first", "send Authorization: Bearer <token> from POST /api/v1/login");
  }
  auto who = call.s.accounts.Session(token, call.now, call.request.client_ip);
  if (!who.ok()) return Fail(who.error());
  call.who = std::move(*who);

  if (is("POST", {"logout"})) {
    (void)call.s.accounts.Logout(token);
    Record(call, "logout", "ok");
    return Json(200, {{"status", "logged out"}});
  }
  if (is("GET", {"me"})) return Me(call);
  if (is("GET", {"me", "logins"})) return Logins(call, false);
  if (is("GET", {"logins"})) return Logins(call, true);
  if (is("GET", {"packages"})) return Packages(call);
  if (is("GET", {"packages", "*"})) return Package(call, seg[1]);
  if (is("GET", {"packages", "*", "files", "*"})) return Download(call, seg[1], seg[3]);
  if (is("POST", {"packages", "*", "confirm"})) return Confirm(call, seg[1]);
  if (is("GET", {"packages", "*", "certificate"})) return GetCertificate(call, seg[1]);
  if (is("POST", {"uploads"})) return NewUpload(call);
  if (is("POST", {"uploads", "*", "commit"})) return CommitUpload(call, seg[1]);
  if (is("DELETE", {"uploads", "*"})) return AbandonUpload(call, seg[1]);
  if (is("GET", {"grants"})) return ListGrants(call);
  if (is("POST", {"grants"})) return RequestGrant(call, false);
  if (is("POST", {"grants", "break-glass"})) return RequestGrant(call, true);
  if (is("POST", {"grants", "*", "*"})) {
    const std::string& verb = seg[2];
    char* end = nullptr;
    const long long id = std::strtoll(seg[1].c_str(), &end, 10);
    if (seg[1].empty() || *end != '\0' || id <= 0) return Fail(404, "no such grant");
    if (verb == "approve" || verb == "deny" || verb == "revoke" || verb == "review") {
      return DecideGrant(call, id, verb);
    }
  }
  if (is("GET", {"reviews", "access"})) return Review(call);
  if (is("POST", {"reviews", "access", "attest"})) return Attest(call);
  return Fail(404, "no such endpoint: " + m + " " + r.path, "see docs/api.md");
}

// ---- login and enrolment ----

Response Api::Login(Call& call) {
  const std::string& ip = call.request.client_ip;
  auto banned = call.s.defender.BannedUntil(ip, call.now);
  if (!banned.ok()) return Fail(banned.error());
  if (*banned) {
    Response r = Fail(
        429, "too many failed logins from your address; try again after " + FormatUtc(**banned));
    r.headers["Retry-After"] = std::to_string(**banned - call.now);
    return r;
  }
  auto email = Str(call.body, "email");
  auto password = Str(call.body, "password");
  auto code = Str(call.body, "code");
  if (!email || !password || !code) {
    return Fail(400,
                "send {\"email\", \"password\", \"code\"} (code: from the authenticator app, "
                "or a recovery code)");
  }
  SecretBuffer pw = SecretBuffer::CopyOf(AsBytes(*password));
  sodium_memzero(password->data(), password->size());
  exchange::LoginAttempt attempt;
  hashing_.acquire();
  auto token = call.s.accounts.Login(*email, pw, *code, ip, call.now, &attempt);
  hashing_.release();
  json details = {{"login_outcome", attempt.outcome}, {"mfa", attempt.mfa}};
  if (attempt.account_id) details["account"] = *attempt.account_id;
  if (!token.ok()) {
    Record(call, "login", "refused", details);
    auto ban = call.s.defender.RecordFailure(ip, call.now);
    if (ban.ok() && *ban) {
      Alert("failed_login_burst", {{"ip", ip}, {"banned_until", FormatUtc(**ban)}});
    }
    if (attempt.locked_now) {
      Alert("failed_login_burst",
            {{"ip", ip}, {"account", *attempt.account_id}, {"locked", "30 minutes"}});
    }
    return Fail(token.error());
  }
  auto who = call.s.accounts.Session(*token, call.now, call.request.client_ip);
  if (!who.ok()) return Fail(who.error());
  call.who = *who;
  Record(call, "login", "ok", details);
  if (attempt.new_ip) Alert("new_ip_login", {{"account", who->id}, {"ip", ip}});
  return Json(200,
              {{"token", *token},
               {"idle_timeout_seconds", options_.accounts.session_idle_seconds},
               {"expires_at", FormatUtc(call.now + options_.accounts.session_absolute_seconds)},
               {"account", AccountJson(*who)}});
}

Response Api::EnrolBegin(Call& call) {
  auto banned = call.s.defender.BannedUntil(call.request.client_ip, call.now);
  if (!banned.ok()) return Fail(banned.error());
  if (*banned) return Fail(429, "too many failures from your address; try again later");
  auto token = Str(call.body, "token");
  if (!token) return Fail(400, "send {\"token\"}: the enrolment token your admin gave you");
  auto e = call.s.accounts.BeginEnrolment(*token, call.now);
  if (!e.ok()) {
    (void)call.s.defender.RecordFailure(call.request.client_ip, call.now);
    Record(call, "enrol.begin", "refused");
    return Fail(e.error());
  }
  return Json(200, {{"account", e->account.id},
                    {"otpauth_uri", e->otpauth_uri},
                    {"secret", Base32Encode(e->totp_secret.RevealBytes())}});
}

Response Api::EnrolFinish(Call& call) {
  auto banned = call.s.defender.BannedUntil(call.request.client_ip, call.now);
  if (!banned.ok()) return Fail(banned.error());
  if (*banned) return Fail(429, "too many failures from your address; try again later");
  auto token = Str(call.body, "token");
  auto password = Str(call.body, "password");
  auto code = Str(call.body, "code");
  if (!token || !password || !code) {
    return Fail(400, "send {\"token\", \"password\", \"code\"}");
  }
  SecretBuffer pw = SecretBuffer::CopyOf(AsBytes(*password));
  sodium_memzero(password->data(), password->size());
  hashing_.acquire();
  auto codes = call.s.accounts.FinishEnrolment(*token, pw, *code, call.now);
  hashing_.release();
  if (!codes.ok()) {
    if (codes.error().code() == ErrorCode::kAuthFailed) {
      (void)call.s.defender.RecordFailure(call.request.client_ip, call.now);
    }
    Record(call, "enrol.finish", "refused");
    return Fail(codes.error());
  }
  Record(call, "enrol.finish", "ok");
  return Json(200,
              {{"recovery_codes", *codes},
               {"next", "keep the recovery codes offline; each works once instead of a code"}});
}

Response Api::Me(Call& call) { return Json(200, AccountJson(*call.who)); }

Response Api::Logins(Call& call, bool everyone) {
  std::optional<int64_t> whose = call.who->id;
  if (everyone) {
    if (!HasRole(*call.who, {Role::kAuditor, Role::kAdmin})) {
      return Forbidden(*call.who, "auditor or admin");
    }
    whose.reset();
    if (auto a = call.request.query.find("account"); a != call.request.query.end()) {
      whose = std::strtoll(a->second.c_str(), nullptr, 10);
    }
  }
  auto history = call.s.accounts.LoginHistory(whose, 1000);
  if (!history.ok()) return Fail(history.error());
  json out = json::array();
  for (const auto& l : *history) {
    out.push_back({{"account", l.account_id},
                   {"at", FormatUtc(l.at)},
                   {"ip", l.ip},
                   {"outcome", l.outcome},
                   {"mfa", l.mfa}});
  }
  if (everyone) Record(call, "logins.read", "ok");
  return Json(200, {{"logins", out}});
}

// ---- packages ----

Response Api::Packages(Call& call) {
  auto all = call.s.store.List();
  if (!all.ok()) return Fail(all.error());
  json out = json::array();
  for (const auto& p : *all) {
    if (p.status == "available" || call.request.query.count("all")) out.push_back(PackageJson(p));
  }
  return Json(200, {{"packages", out}});
}

Response Api::Package(Call& call, const std::string& id) {
  if (!IsHex64(id)) return Fail(404, "no such package");
  auto p = call.s.store.Get(id);
  if (!p.ok()) return Fail(404, "no such package");
  Record(call, "package.read", "ok", {{"package", id}});
  return Json(200, PackageJson(*p));
}

Response Api::NewUpload(Call& call) {
  if (!HasRole(*call.who, {Role::kOperator})) return Forbidden(*call.who, "operator");
  auto staging = call.s.store.NewStaging();
  if (!staging.ok()) return Fail(staging.error());
  Bytes r(16);
  crypto::RandomBytes(r);
  const std::string id = HexEncode(r);
  auto ins = call.s.db.Prepare(
      "INSERT INTO uploads(id, uploader_id, staging, created_at) VALUES (?, ?, ?, ?)");
  if (!ins.ok()) return Fail(ins.error());
  if (Status st = ins->Bind(1, id).Bind(2, call.who->id).Bind(3, *staging).Bind(4, call.now).Run();
      !st.ok()) {
    return Fail(st.error());
  }
  Record(call, "upload.start", "ok", {{"upload", id}});
  return Json(201, {{"upload", id},
                    {"next", "PUT each file to /api/v1/uploads/" + id +
                                 "/files/<name>, then POST /api/v1/uploads/" + id + "/commit"}});
}

namespace {

struct UploadRow {
  int64_t uploader_id = 0;
  std::string staging;
};

Result<UploadRow> FindUpload(exchange::Db& db, const std::string& id) {
  CORDON_ASSIGN_OR_RETURN(exchange::Statement q,
                          db.Prepare("SELECT uploader_id, staging FROM uploads WHERE id = ?"));
  q.Bind(1, id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return Error(ErrorCode::kNotFound,
                 "no such upload (finished, abandoned, or the exchange "
                 "restarted during it)",
                 "start again with POST /api/v1/uploads");
  }
  return UploadRow{q.Int(0), q.Text(1)};
}

Status DropUpload(exchange::Db& db, const std::string& id, const std::string& staging) {
  std::error_code ec;
  fs::remove_all(staging, ec);
  CORDON_ASSIGN_OR_RETURN(exchange::Statement d, db.Prepare("DELETE FROM uploads WHERE id = ?"));
  return d.Bind(1, id).Run();
}

}  // namespace

std::variant<Response, BodySink> Api::BeginStream(const Request& head) {
  auto lease = Acquire();
  if (!lease.ok()) return Fail(lease.error());
  Call call{head, **lease, Now(), std::nullopt, json::object()};
  const std::string token = Bearer(head);
  if (token.empty()) return Fail(401, "log in first");
  auto who = call.s.accounts.Session(token, call.now, call.request.client_ip);
  if (!who.ok()) return Fail(who.error());
  call.who = *who;
  if (!HasRole(*call.who, {Role::kOperator})) return Forbidden(*call.who, "operator");
  const auto seg = Segments(std::string_view(head.path).substr(std::strlen(kPrefix)));
  const std::string id = seg[1], name = seg[3];
  auto up = FindUpload(call.s.db, id);
  if (!up.ok() || up->uploader_id != call.who->id) return Fail(404, "no such upload");
  if (!pipeline::SafeFileName(name) || name.size() > 200) {
    return Fail(400, "\"" + name.substr(0, 64) + "\" is not a file name a package can hold",
                "letters, digits, '.', '-', '_' only");
  }
  const std::string path = up->staging + "/" + name;
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Fail(409, name + " was already uploaded");
    return Fail(Error(ErrorCode::kIo, path + ": " + std::strerror(errno)));
  }
  Record(call, "upload.file", "started", {{"upload", id}});
  BodySink sink;
  sink.fd = UniqueFd(fd);
  sink.max_bytes = options_.max_file_bytes;
  sink.finish = [path, name](Status received, uint64_t bytes) {
    if (!received.ok()) {
      std::remove(path.c_str());  // a partial file never stays
      return Fail(received.error());
    }
    return Json(201, {{"file", name}, {"bytes", bytes}});
  };
  return sink;
}

Response Api::CommitUpload(Call& call, const std::string& id) {
  if (!HasRole(*call.who, {Role::kOperator})) return Forbidden(*call.who, "operator");
  auto up = FindUpload(call.s.db, id);
  if (!up.ok() || up->uploader_id != call.who->id) return Fail(404, "no such upload");
  // The processor keys registered with `cordon admin processor-key add`.
  std::vector<sign::PublicKey> keys;
  auto q = call.s.db.Prepare("SELECT public_key FROM processor_keys");
  if (!q.ok()) return Fail(q.error());
  while (true) {
    auto row = q->Step();
    if (!row.ok()) return Fail(row.error());
    if (!*row) break;
    if (auto k = sign::PublicKey::Parse(q->Text(0)); k.ok()) keys.push_back(*k);
  }
  if (keys.empty()) {
    (void)DropUpload(call.s.db, id, up->staging);
    return Fail(403, "no processor key is registered, so no package can be accepted",
                "the exchange's admin runs: cordon admin processor-key add --data DIR KEY.pub");
  }
  exchange::PackageCheck check = call.s.store.Publish(up->staging, keys, call.who->id, call.now);
  (void)DropUpload(call.s.db, id, up->staging);  // published (renamed away) or refused
  if (!check.result.ok()) {
    Record(call, "upload.commit", "refused",
           {{"upload", id}, {"error", check.result.error().message()}});
    if (check.plaintext_suspected) {
      Alert("plaintext_upload", {{"account", call.who->id},
                                 {"ip", call.request.client_ip},
                                 {"upload", id},
                                 {"refused", check.result.error().message()}});
    }
    Response r = Fail(check.result.error());
    if (r.status == 400 || r.status == 403) r.status = 422;
    return r;
  }
  const auto& c = *check.result;
  Record(call, "upload.commit", "ok",
         {{"package", c.manifest_sha256},
          {"order_id", c.manifest.order_id},
          {"bytes", c.bytes},
          {"signer", sign::KeyIdHex(c.signer)}});
  auto info = call.s.store.Get(c.manifest_sha256);
  if (!info.ok()) return Fail(info.error());
  return Json(201, PackageJson(*info));
}

Response Api::AbandonUpload(Call& call, const std::string& id) {
  if (!HasRole(*call.who, {Role::kOperator})) return Forbidden(*call.who, "operator");
  auto up = FindUpload(call.s.db, id);
  if (!up.ok() || up->uploader_id != call.who->id) return Fail(404, "no such upload");
  if (Status st = DropUpload(call.s.db, id, up->staging); !st.ok()) return Fail(st.error());
  Record(call, "upload.abandon", "ok", {{"upload", id}});
  return Json(200, {{"status", "abandoned"}});
}

Response Api::Download(Call& call, const std::string& id, const std::string& file) {
  if (!HasRole(*call.who, {Role::kRecipient})) return Forbidden(*call.who, "recipient");
  if (!IsHex64(id)) return Fail(404, "no such package");
  auto grant = call.s.grants.ActiveFor(*call.who, id, call.now);
  if (!grant.ok()) return Fail(grant.error());
  if (!*grant) {
    Record(call, "download", "refused", {{"package", id}, {"error", "no open grant"}});
    return Fail(403, "you have no open grant for this package",
                "request one: POST /api/v1/grants {package, reason, duration_hours}");
  }
  auto path = call.s.store.FilePath(id, file);
  if (!path.ok()) return Fail(404, "no such file in this package");
  const int fd = open(path->c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Fail(404, "no such file in this package");
  Response r;
  r.file = UniqueFd(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) return Fail(Error(ErrorCode::kIo, *path + ": fstat"));
  r.file_size = static_cast<uint64_t>(st.st_size);
  r.content_type = "application/octet-stream";
  // Data leaves only once its leaving is recorded.
  if (!Record(call, "download", "ok",
              {{"package", id}, {"grant", (*grant)->id}, {"bytes", r.file_size}})) {
    return Fail(503, "the exchange cannot record this download right now; try again later");
  }
  auto ins =
      call.s.db.Prepare("INSERT INTO downloads(user_id, package, at, bytes) VALUES (?,?,?,?)");
  if (ins.ok()) {
    (void)ins->Bind(1, call.who->id)
        .Bind(2, id)
        .Bind(3, call.now)
        .Bind(4, static_cast<int64_t>(r.file_size))
        .Run();
  }
  // A volume alert at most once an hour per account.
  auto sum = call.s.db.Prepare(
      "SELECT COALESCE(SUM(bytes), 0) FROM downloads WHERE user_id = ? AND at > ?");
  if (sum.ok() && StepRow(sum->Bind(1, call.who->id).Bind(2, call.now - 3600)) &&
      static_cast<uint64_t>(sum->Int(0)) > options_.download_alert_bytes) {
    const int64_t volume = sum->Int(0);
    sum->Reset();
    auto last = call.s.db.Prepare(
        "INSERT INTO alert_state(kind, subject, last_at) VALUES ('download_volume', ?1, ?2) "
        "ON CONFLICT(kind, subject) DO UPDATE SET last_at = ?2 WHERE last_at <= ?2 - 3600");
    if (last.ok() && last->Bind(1, std::to_string(call.who->id)).Bind(2, call.now).Run().ok() &&
        call.s.db.Changes() == 1) {
      Alert("download_volume", {{"account", call.who->id},
                                {"ip", call.request.client_ip},
                                {"bytes_last_hour", volume},
                                {"threshold", options_.download_alert_bytes}});
    }
  }
  r.headers["Content-Disposition"] = "attachment; filename=\"" + file + "\"";
  return r;
}

Result<json> Api::DeleteWithCertificate(Services& s, const std::string& id, std::string_view reason,
                                        std::optional<int64_t> confirmed_by, const Call* call) {
  CORDON_ASSIGN_OR_RETURN(exchange::DeletionRecord rec,
                          s.store.Delete(id, reason, confirmed_by, Now()));
  json event = {{"action", "exchange.package.deleted"},
                {"outcome", "ok"},
                {"package", id},
                {"order", {{"id", rec.package.order_id}}},
                {"reason", reason},
                {"deleted_at", FormatUtc(rec.deleted_at)}};
  if (call) {
    event["actor"] = {{"ip", call->request.client_ip},
                      {"account", call->who->id},
                      {"role", exchange::RoleName(call->who->role)}};
  }
  CORDON_ASSIGN_OR_RETURN(uint64_t seq, appender_.Append(std::move(event)));
  // The certificate carries the deletion's place in the ledger, proven
  // against a checkpoint signed right now.
  exchange::LedgerEvidence ev;
  CORDON_TRY(appender_.Exclusive([&](ledger::Ledger& l) -> Status {
    CORDON_ASSIGN_OR_RETURN(ev.checkpoint, l.Checkpoint());
    ev.index = seq;
    ev.tree_size = l.checkpointed_size();
    CORDON_ASSIGN_OR_RETURN(ledger::Hash leaf, l.LeafHashAt(seq));
    ev.leaf_hash = Base64Encode(leaf);
    CORDON_ASSIGN_OR_RETURN(auto proof, l.InclusionProof(seq, ev.tree_size));
    for (const auto& h : proof) ev.proof.push_back(Base64Encode(h));
    return Ok();
  }));
  CORDON_ASSIGN_OR_RETURN(exchange::Certificate cert,
                          exchange::MakeDeletionCertificate(rec, ev, certificate_key_));
  CORDON_ASSIGN_OR_RETURN(
      exchange::Statement ins,
      s.db.Prepare("INSERT OR REPLACE INTO certificates(package, json, signature) VALUES (?,?,?)"));
  CORDON_TRY(ins.Bind(1, id).Bind(2, cert.json).Bind(3, cert.signature).Run());
  return json{{"certificate", cert.json},
              {"signature", cert.signature},
              {"exchange_key", certificate_public_.Format()}};
}

Response Api::Confirm(Call& call, const std::string& id) {
  if (!HasRole(*call.who, {Role::kRecipient})) return Forbidden(*call.who, "recipient");
  if (!IsHex64(id)) return Fail(404, "no such package");
  auto grant = call.s.grants.ActiveFor(*call.who, id, call.now);
  if (!grant.ok()) return Fail(grant.error());
  if (!*grant) {
    Record(call, "confirm", "refused", {{"package", id}, {"error", "no open grant"}});
    return Fail(403, "only a recipient with an open grant for this package can confirm it");
  }
  auto cert = DeleteWithCertificate(call.s, id, "confirmed", call.who->id, &call);
  if (!cert.ok()) {
    Record(call, "confirm", "failed", {{"package", id}, {"error", cert.error().message()}});
    return Fail(cert.error());
  }
  return Json(200, *cert);
}

Response Api::GetCertificate(Call& call, const std::string& id) {
  if (!HasRole(*call.who, {Role::kApprover, Role::kAuditor, Role::kAdmin, Role::kRecipient})) {
    return Forbidden(*call.who, "approver, auditor, admin or recipient");
  }
  if (!IsHex64(id)) return Fail(404, "no such certificate");
  auto q = call.s.db.Prepare("SELECT json, signature FROM certificates WHERE package = ?");
  if (!q.ok()) return Fail(q.error());
  q->Bind(1, id);
  auto row = q->Step();
  if (!row.ok()) return Fail(row.error());
  if (!*row) return Fail(404, "no deletion certificate for this package (not deleted yet?)");
  Record(call, "certificate.read", "ok", {{"package", id}});
  return Json(200, {{"certificate", q->Text(0)},
                    {"signature", q->Text(1)},
                    {"exchange_key", certificate_public_.Format()}});
}

// ---- grants ----

Response Api::ListGrants(Call& call) {
  std::optional<int64_t> whose;
  if (!HasRole(*call.who, {Role::kApprover, Role::kAuditor, Role::kAdmin})) whose = call.who->id;
  auto list = call.s.grants.List(whose);
  if (!list.ok()) return Fail(list.error());
  json out = json::array();
  for (const auto& g : *list) out.push_back(GrantJson(g, call.now));
  return Json(200, {{"grants", out}});
}

Response Api::RequestGrant(Call& call, bool break_glass) {
  if (!HasRole(*call.who, {Role::kRecipient})) return Forbidden(*call.who, "recipient");
  auto package = Str(call.body, "package");
  auto reason = Str(call.body, "reason");
  auto hours = Int(call.body, "duration_hours");
  if (!package || !reason || !hours) {
    return Fail(400,
                "send {\"package\", \"reason\", \"duration_hours\"} (and optionally "
                "\"start\": \"YYYY-MM-DDTHH:MM:SSZ\")");
  }
  if (!IsHex64(*package)) return Fail(400, "package: a package id (64 lowercase hex digits)");
  if (*hours <= 0 || *hours > 24 * 365) return Fail(400, "duration_hours: out of range");
  std::optional<int64_t> start;
  if (auto s = Str(call.body, "start")) {
    start = ParseIso(*s);
    if (!start) return Fail(400, "start: write YYYY-MM-DDTHH:MM:SSZ (UTC)");
  }
  if (break_glass && start) return Fail(400, "break-glass grants open at once: no start");
  if (auto p = call.s.store.Get(*package); !p.ok() || p->status != "available") {
    return Fail(404, "no such package on the exchange");
  }
  auto id =
      break_glass
          ? call.s.grants.BreakGlass(*call.who, *package, *reason, *hours * 3600, call.now)
          : call.s.grants.Request(*call.who, *package, *reason, start, *hours * 3600, call.now);
  const char* action = break_glass ? "grant.break_glass" : "grant.request";
  if (!id.ok()) {
    Record(call, action, "refused", {{"package", *package}, {"error", id.error().message()}});
    return Fail(id.error());
  }
  Record(call, action, "ok", {{"grant", *id}, {"package", *package}, {"hours", *hours}});
  if (break_glass) {
    Alert("break_glass", {{"account", call.who->id},
                          {"ip", call.request.client_ip},
                          {"grant", *id},
                          {"package", *package}});
  }
  auto g = call.s.grants.Get(*id);
  if (!g.ok()) return Fail(g.error());
  return Json(201, GrantJson(*g, call.now));
}

Response Api::DecideGrant(Call& call, int64_t id, const std::string& verb) {
  if (!HasRole(*call.who, {Role::kApprover})) return Forbidden(*call.who, "approver");
  auto& g = call.s.grants;
  Status st = verb == "approve"  ? g.Approve(*call.who, id, call.now)
              : verb == "deny"   ? g.Deny(*call.who, id, call.now)
              : verb == "revoke" ? g.Revoke(*call.who, id, call.now)
                                 : g.Review(*call.who, id, call.now);
  json details = {{"grant", id}};
  if (auto before = g.Get(id); before.ok()) details["package"] = before->package;
  if (!st.ok()) details["error"] = st.error().message();
  Record(call, "grant." + verb, st.ok() ? "ok" : "refused", details);
  if (!st.ok()) return Fail(st.error());
  auto got = g.Get(id);
  if (!got.ok()) return Fail(got.error());
  return Json(200, GrantJson(*got, call.now));
}

// ---- access review ----

Response Api::Review(Call& call) {
  if (!HasRole(*call.who, {Role::kApprover, Role::kAuditor, Role::kAdmin})) {
    return Forbidden(*call.who, "approver, auditor or admin");
  }
  auto review = exchange::AccessReview(options_.data_dir, call.now);
  if (!review.ok()) return Fail(review.error());
  const std::string text = review->dump(-1, ' ', false, json::error_handler_t::replace);
  const std::string sha = HexEncode(crypto::Sha256::Hash(AsBytes(text)));
  Record(call, "review.read", "ok", {{"review_sha256", sha}});
  return Json(200, {{"review", *review}, {"sha256", sha}});
}

Response Api::Attest(Call& call) {
  if (!HasRole(*call.who, {Role::kApprover})) return Forbidden(*call.who, "approver");
  auto sha = Str(call.body, "sha256");
  if (!sha || !IsHex64(*sha)) {
    return Fail(400, "send {\"sha256\"}: the sha256 GET /api/v1/reviews/access returned");
  }
  Status st = exchange::AttestReview(options_.data_dir, *call.who, *sha, call.now);
  Record(call, "review.attest", st.ok() ? "ok" : "refused", {{"review_sha256", *sha}});
  if (!st.ok()) return Fail(st.error());
  return Json(200, {{"attested", *sha}, {"at", FormatUtc(call.now)}});
}

// ---- periodic work ----

void Api::SweepRetention() {
  auto lease = Acquire();
  if (!lease.ok()) {
    std::cerr << "cordon serve: retention sweep: " << lease.error().message() << "\n";
    return;
  }
  Services& s = **lease;
  const int64_t now = Now();
  auto all = s.store.List();
  if (all.ok()) {
    for (const auto& p : *all) {
      // The deadline is the end of the manifest's delete_by day.
      if (p.status != "available" || now < (static_cast<int64_t>(p.delete_by) + 1) * 86400)
        continue;
      auto cert = DeleteWithCertificate(s, p.id, "retention", std::nullopt, nullptr);
      if (!cert.ok()) {
        std::cerr << "cordon serve: deleting expired package " << p.id << ": "
                  << cert.error().message() << "\n";
      }
    }
  }
  // Uploads never committed within their lifetime are dropped.
  auto q = s.db.Prepare("SELECT id, staging FROM uploads WHERE created_at <= ?");
  if (q.ok()) {
    q->Bind(1, now - options_.upload_lifetime_seconds);
    std::vector<std::pair<std::string, std::string>> stale;
    while (StepRow(*q)) stale.emplace_back(q->Text(0), q->Text(1));
    for (const auto& [id, staging] : stale) (void)DropUpload(s.db, id, staging);
  }
}

void Api::CheckLedger() {
  auto report =
      appender_.Exclusive([&](ledger::Ledger& l) { return ledger::Verify(l.dir(), l.verifier()); });
  if (!report.ok()) {
    Alert("ledger_verification_failed", {{"error", report.error().message()}});
  }
}

}  // namespace cordon::serve
