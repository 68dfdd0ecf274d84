#include "serve/api.h"

#include <ctime>
#include <iostream>

#include "core/utc_time.h"
#include "serve/api_internal.h"

namespace cordon::serve {

using namespace api_internal;

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
  if (!options.log) {
    options.log = [](std::string_view m) { std::cerr << "cordon serve: " << m << "\n"; };
  }
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
  std::unique_ptr<Api> api(new Api(std::move(options), std::move(ledger), alerts, std::move(*key)));
  // Deletions a crash interrupted end with their event and certificate
  // before any request is served (F6).
  CORDON_TRY(api->RecoverDeletions());
  return api;
}

void Api::Log(std::string_view message) const { options_.log(message); }

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

Result<uint64_t> Api::Record(const Call& call, std::string_view action, std::string_view outcome,
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
  WithholdPersonalData(event);
  auto seq = appender_.Append(std::move(event));
  if (!seq.ok()) {
    Log("the ledger could not record an event (" + std::string(action) +
        "): " + seq.error().message());
    return Error(ErrorCode::kIo, "the ledger could not record the event: " + seq.error().message());
  }
  return *seq;
}

void Api::RecordRefusal(const Call& call, std::string_view action, std::string_view outcome,
                        json details) {
  (void)Record(call, action, outcome, std::move(details));  // Record logged a failure
}

void Api::Alert(std::string_view kind, json details) {
  details["kind"] = kind;
  alerts_.Raise(kind, details, Now());
  json event = {{"action", "exchange.alert"}, {"outcome", "ok"}, {"alert", details}};
  WithholdPersonalData(event);
  if (auto seq = appender_.Append(std::move(event)); !seq.ok()) {
    Log("the ledger refused an alert: " + seq.error().message());
  }
}

void Api::CheckpointIfNew() {
  Status st = appender_.Exclusive([](ledger::Ledger& l) -> Status {
    if (l.size() == l.checkpointed_size()) return Ok();
    auto signed_note = l.Checkpoint();
    if (!signed_note.ok()) return signed_note.error();
    return Ok();
  });
  if (!st.ok()) Log("signing a ledger checkpoint: " + st.error().message());
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

std::optional<Response> Api::Authenticate(Call& call) {
  const std::string token = Bearer(call.request);
  if (token.empty()) {
    return Fail(401, "log in first", "send Authorization: Bearer <token> from POST /api/v1/login");
  }
  auto who = call.s.accounts.Session(token, call.now, call.request.client_ip);
  if (!who.ok()) return Fail(who.error());
  call.who = std::move(*who);
  auto granted = call.s.grants.ActiveRoles(*call.who, call.now);
  if (!granted.ok()) return Fail(granted.error());
  call.granted_roles = std::move(*granted);
  return std::nullopt;
}

Response Api::Route(Call& call) {
  const Request& r = call.request;
  const bool api = r.path.rfind(kPrefix, 0) == 0;
  const auto seg = api ? Segments(std::string_view(r.path).substr(std::strlen(kPrefix)))
                       : std::vector<std::string>{};
  // HEAD is GET without a body (the server sends the head only).
  const std::string m = r.method == "HEAD" ? std::string("GET") : r.method;
  auto is = [&](std::string_view method, std::initializer_list<std::string_view> path) {
    if (!api || m != method || seg.size() != path.size()) return false;
    size_t i = 0;
    for (std::string_view p : path) {
      if (p != "*" && seg[i] != p) return false;
      ++i;
    }
    return true;
  };

  // The only endpoints that answer without a session; anything else, known
  // or not, is 401 without one (nothing about the API's shape leaks).
  if (is("GET", {"health"})) return Json(200, {{"status", "ok"}, {"time", FormatUtc(call.now)}});
  if (is("POST", {"login"})) return Login(call);
  if (is("POST", {"enrol", "begin"})) return EnrolBegin(call);
  if (is("POST", {"enrol", "finish"})) return EnrolFinish(call);

  if (auto refused = Authenticate(call)) return std::move(*refused);
  if (!api) return Fail(404, "no such endpoint; the API is under /api/v1/");
  if (is("POST", {"logout"})) {
    // Logging out always happens (keeping a session open because the
    // ledger is down would be worse); a missing event is logged.
    if (Status out = call.s.accounts.Logout(Bearer(r)); !out.ok()) return Fail(out.error());
    RecordRefusal(call, "logout", "ok", json::object());
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
    if (verb == "approve" || verb == "deny" || verb == "revoke" || verb == "review") {
      auto id = ParseId(seg[1]);
      if (!id) return Fail(400, "a grant id is a positive integer");
      return DecideGrant(call, *id, verb);
    }
  }
  if (is("GET", {"reviews", "access"})) return Review(call);
  if (is("POST", {"reviews", "access", "attest"})) return Attest(call);
  return Fail(404, "no such endpoint: " + m + " " + r.path, "see docs/api.md");
}

// ---- periodic work ----

void Api::CheckLedger() {
  auto report =
      appender_.Exclusive([&](ledger::Ledger& l) { return ledger::Verify(l.dir(), l.verifier()); });
  if (!report.ok()) {
    Alert("ledger_verification_failed", {{"error", report.error().message()}});
  }
}

}  // namespace cordon::serve
