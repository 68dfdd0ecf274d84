#include "serve/api.h"

#include <ctime>

#include "core/utc_time.h"
#include "exchange/grant_decisions.h"
#include "serve/api_internal.h"
#include "serve/routes.h"
#include "serve/ui_pages.h"

namespace cordon::serve {

using api_internal::Bearer;
using api_internal::CookieValue;
using api_internal::CsrfToken;
using api_internal::Fail;
using api_internal::Forbidden;
using api_internal::HasRole;
using api_internal::json;
using api_internal::Json;
using api_internal::kPrefix;
using api_internal::ParseId;
using api_internal::Role;
using api_internal::Segments;
using api_internal::SessionCookie;
using api_internal::WithholdPersonalData;

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
    return Error(ErrorCode::kInvalidArgument, "the API needs a log for the server's side of errors",
                 "set ApiOptions::log (cordon serve writes it to stderr)");
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
    CORDON_ASSIGN_OR_RETURN(sign::SecretKey k, sign::SecretKey::Parse(text));
    key.emplace(std::move(k));
  } else {
    key.emplace(sign::SecretKey::Generate());
    SecretBuffer text = key->Format();
    CORDON_TRY(WriteSecretFile(key_file, text));
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

Response Api::Logged(Response response) const {
  if (!response.server_log.empty()) {
    Log(response.server_log);
    response.server_log.clear();
  }
  return response;
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
  if (call.machine) actor["machine"] = call.machine->id;
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

void Api::Alert(AlertKind kind, json details) {
  details["kind"] = AlertKindName(kind);
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
  // PUT /api/v1/uploads/{upload}/files/{name}, POST /api/v1/orders
  if ((head.method != "PUT" && head.method != "POST") || head.path.rfind(kPrefix, 0) != 0) {
    return false;
  }
  auto route =
      MatchRoute(head.method, Segments(std::string_view(head.path).substr(std::strlen(kPrefix))));
  return route && (route->spec->endpoint == Endpoint::kUploadFile ||
                   route->spec->endpoint == Endpoint::kSubmitOrder ||
                   route->spec->endpoint == Endpoint::kBastionSendRecording);
}

Response Api::Handle(const Request& request) {
  auto lease = Acquire();
  if (!lease.ok()) return Logged(Fail(lease.error()));
  Call call{request, **lease, Now(), std::nullopt, json()};
  if (!request.body.empty()) {
    call.body = json::parse(request.body, nullptr, false);
    if (call.body.is_discarded() || !call.body.is_object()) {
      return Fail(400, "the body is not a JSON object");
    }
  } else {
    call.body = json::object();
  }
  return Logged(Route(call));
}

std::optional<Response> Api::Authenticate(Call& call) {
  std::string token = Bearer(call.request);
  // A browser's session rides in its cookie, which the browser sends on
  // its own: a request that changes something must also carry the CSRF
  // token, which only the exchange's own pages know (docs/threat-model.md).
  const bool by_cookie = token.empty();
  if (by_cookie) token = CookieValue(call.request, kSessionCookie);
  if (token.empty()) {
    return Fail(401, "log in first", "send Authorization: Bearer <token> from POST /api/v1/login");
  }
  if (by_cookie && call.request.method != "GET" && call.request.method != "HEAD") {
    const std::string sent = call.request.Header("x-csrf-token");
    const std::string expected = CsrfToken(token);
    if (sent.size() != expected.size() || !ConstantTimeEquals(AsBytes(sent), AsBytes(expected))) {
      return Fail(403, "this request has no valid CSRF token",
                  "send the X-CSRF-Token header the login answered with");
    }
  }
  auto who = call.s.accounts.Session(token, call.now, call.request.client_ip, &call.session);
  if (!who.ok()) return Fail(who.error());
  call.session_token = token;
  call.by_cookie = by_cookie;
  call.who = std::move(*who);
  auto granted = call.s.grants.ActiveRoles(*call.who, call.now);
  if (!granted.ok()) return Fail(granted.error());
  call.granted_roles = std::move(*granted);
  return std::nullopt;
}

Response Api::Route(Call& call) {
  const Request& r = call.request;
  const bool api = r.path.rfind(kPrefix, 0) == 0;
  // The pages answer without a session: they hold no data, and ask the
  // API for everything with the browser's session.
  if (!api && (r.method == "GET" || r.method == "HEAD")) {
    if (auto page = UiPage(r.path)) return std::move(*page);
  }
  const auto seg = api ? Segments(std::string_view(r.path).substr(std::strlen(kPrefix)))
                       : std::vector<std::string>{};
  // HEAD is GET without a body (the server sends the head only).
  const std::string method = r.method == "HEAD" ? std::string("GET") : r.method;
  const auto route = api ? MatchRoute(method, seg) : std::nullopt;

  // A bastion's calls: its machine token, never a person's session.
  if (route && route->spec->machine) {
    if (auto refused = AuthenticateMachine(call)) return std::move(*refused);
    return RouteMachine(call, route->spec->endpoint, route->params);
  }
  // The only endpoints that answer without a session; anything else, known
  // or not, is 401 without one (nothing about the API's shape leaks).
  if (route && route->spec->roles.empty()) {
    switch (route->spec->endpoint) {
      case Endpoint::kHealth:
        return Json(200, {{"status", "ok"}, {"time", FormatUtc(call.now)}});
      case Endpoint::kLogin:
        return Login(call);
      case Endpoint::kEnrolBegin:
        return EnrolBegin(call);
      case Endpoint::kPasskeyLoginBegin:
        return PasskeyLoginBegin(call);
      case Endpoint::kPasskeyLoginFinish:
        return PasskeyLoginFinish(call);
      case Endpoint::kKeyLogin:
        return KeyLogin(call);
      default:
        return EnrolFinish(call);
    }
  }
  if (auto refused = Authenticate(call)) return std::move(*refused);
  if (!route) {
    return Fail(404, "no such endpoint: " + r.method + " " + r.path, "see docs/api.md");
  }
  // Who may call it at all (routes.h); handlers refuse more finely.
  bool allowed = false;
  std::string needs;
  for (Role role : route->spec->roles) {
    allowed = allowed || HasRole(call, {role});
    needs += (needs.empty() ? "" : " or ") + std::string(exchange::RoleName(role));
  }
  if (!allowed) return Forbidden(*call.who, needs);
  const auto& p = route->params;
  switch (route->spec->endpoint) {
    case Endpoint::kLogout: {
      // Logging out always happens (keeping a session open because the
      // ledger is down would be worse); a missing event is logged.
      if (Status out = call.s.accounts.Logout(call.session_token); !out.ok()) {
        return Fail(out.error());
      }
      RecordRefusal(call, "logout", "ok", json::object());
      Response out = Json(200, {{"status", "logged out"}});
      if (call.by_cookie) out.headers["Set-Cookie"] = SessionCookie("", 0);
      return out;
    }
    case Endpoint::kMe:
      return Me(call);
    case Endpoint::kPasskeys:
      return ListPasskeys(call);
    case Endpoint::kPasskeyRegisterBegin:
      return PasskeyRegisterBegin(call);
    case Endpoint::kPasskeyRegisterFinish:
      return PasskeyRegisterFinish(call);
    case Endpoint::kMyLogins:
      return Logins(call, false);
    case Endpoint::kLogins:
      return Logins(call, true);
    case Endpoint::kPackages:
      return Packages(call);
    case Endpoint::kPackage:
      return Package(call, p[0]);
    case Endpoint::kDownload:
      return Download(call, p[0], p[1]);
    case Endpoint::kConfirm:
      return Confirm(call, p[0]);
    case Endpoint::kCertificate:
      return GetCertificate(call, p[0]);
    case Endpoint::kNewUpload:
      return NewUpload(call);
    case Endpoint::kCommitUpload:
      return CommitUpload(call, p[0]);
    case Endpoint::kAbandonUpload:
      return AbandonUpload(call, p[0]);
    case Endpoint::kGrants:
      return ListGrants(call);
    case Endpoint::kGrant: {
      auto id = ParseId(p[0]);
      if (!id) return Fail(400, "a grant id is a positive integer");
      return ShowGrant(call, *id);
    }
    case Endpoint::kRequestGrant:
      return RequestGrant(call, false);
    case Endpoint::kBreakGlass:
      return RequestGrant(call, true);
    case Endpoint::kDecideGrant: {
      const std::string& verb = p[1];
      if (!exchange::IsGrantDecision(verb)) {
        return Fail(404, "no such decision: approve, deny, revoke or review");
      }
      auto id = ParseId(p[0]);
      if (!id) return Fail(400, "a grant id is a positive integer");
      return DecideGrant(call, *id, verb);
    }
    case Endpoint::kReview:
      return Review(call);
    case Endpoint::kAttest:
      return Attest(call);
    case Endpoint::kAttestations:
      return Attestations(call);
    case Endpoint::kTargets:
      return ListTargets(call);
    case Endpoint::kRemoteSessions:
      return ListRemoteSessions(call);
    case Endpoint::kRemoteSessionRecording: {
      auto id = ParseId(p[0]);
      if (!id) return Fail(400, "a session id is a positive integer");
      return FetchRecordingCopy(call, *id);
    }
    case Endpoint::kAlerts:
      return ListAlerts(call);
    case Endpoint::kResumeOrganisation:
      return ResumeOrganisation(call, p[0]);
    case Endpoint::kUnlockAccount:
      return UnlockAccount(call, p[0]);
    case Endpoint::kSshKeys:
      return ListSshKeys(call);
    case Endpoint::kAddSshKey:
      return AddSshKey(call);
    case Endpoint::kRevokeSshKey: {
      auto id = ParseId(p[0]);
      if (!id) return Fail(400, "an SSH key id is a positive integer");
      return RevokeSshKey(call, *id);
    }
    case Endpoint::kRevokePasskey: {
      auto id = ParseId(p[0]);
      if (!id) return Fail(400, "a passkey id is a positive integer");
      return RevokePasskey(call, *id);
    }
    case Endpoint::kCampaigns:
      return ListCampaigns(call);
    case Endpoint::kOpenCampaign:
      return OpenCampaign(call);
    case Endpoint::kCampaign:
    case Endpoint::kCampaignDecision: {
      auto id = ParseId(p[0]);
      if (!id) return Fail(400, "a campaign id is a positive integer");
      return route->spec->endpoint == Endpoint::kCampaign ? GetCampaign(call, *id)
                                                          : DecideInCampaign(call, *id);
    }
    case Endpoint::kSubmitOrder:
      return SubmitOrder(call);
    case Endpoint::kOrders:
      return ListOrders(call);
    case Endpoint::kOrder:
      return ShowOrder(call, p[0]);
    case Endpoint::kOrderReport:
      return ReportOrder(call, p[0]);
    case Endpoint::kSignOrder:
      return SignOrder(call, p[0]);
    case Endpoint::kSshCertificate: {
      auto id = ParseId(p[0]);
      if (!id) return Fail(400, "a grant id is a positive integer");
      return IssueSshCertificate(call, *id);
    }
    default:
      // The streamed upload reaches BeginStream, never here.
      return Fail(404, "no such endpoint: " + r.method + " " + r.path, "see docs/api.md");
  }
}

// ---- periodic work ----

void Api::CheckLedger() {
  auto report =
      appender_.Exclusive([&](ledger::Ledger& l) { return ledger::Verify(l.dir(), l.verifier()); });
  if (!report.ok()) {
    Alert(AlertKind::kLedgerVerificationFailed, {{"error", report.error().message()}});
  }
}

}  // namespace cordon::serve
