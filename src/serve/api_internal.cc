#include "serve/api_internal.h"

#include <algorithm>
#include <cctype>

#include "core/encoding.h"
#include "core/utc_time.h"
#include "crypto/hash.h"
#include "exchange/passkeys.h"
#include "exchange/ssh_keys.h"
#include "ledger/entry.h"

namespace cordon::serve::api_internal {

json Opt(const std::optional<int64_t>& v) { return v ? json(FormatUtc(*v)) : json(nullptr); }

Response Json(int status, const json& body) {
  Response r;
  r.status = status;
  // Messages may quote what the client sent (a path, a name): bytes that are
  // not UTF-8 are replaced rather than thrown on.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Response Json(int status, const json& body, std::string_view key, std::string_view serialized) {
  Response r = Json(status, body);
  r.body.pop_back();  // the object's closing brace
  if (r.body.size() > 1) r.body += ',';
  r.body += json(key).dump();
  r.body += ':';
  r.body += serialized;
  r.body += '}';
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

// Every error answer carries a code a program can switch on (docs/api.md).
const char* CodeForStatus(int status) {
  switch (status) {
    case 400:
      return "invalid";
    case 401:
      return "unauthenticated";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 410:
      return "gone";
    case 413:
      return "too_large";
    case 422:
      return "refused";
    case 429:
      return "too_many_failures";
    case 503:
      return "unavailable";
    case 507:
      return "insufficient_storage";
    default:
      return status >= 500 ? "internal" : "invalid";
  }
}

Response Fail(int status, std::string message, std::string hint) {
  json j = {{"error", std::move(message)}, {"code", CodeForStatus(status)}};
  if (!hint.empty()) j["hint"] = std::move(hint);
  return Json(status, j);
}

Response Fail(const Error& e) {
  const int status = StatusFor(e.code());
  if (status == 500) {
    // Server-side details (paths, SQLite messages) go to the log (the API
    // hands server_log to its sink), not the client.
    Response r = Fail(500, "the exchange failed; its operator has the details in the server log");
    r.server_log = e.message();
    return r;
  }
  json j = {{"error", e.message()}, {"code", CodeName(e.code())}};
  if (!e.hint().empty()) j["hint"] = e.hint();
  return Json(status, j);
}

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

void WithholdPersonalData(json& j, std::string_view name) {
  if (j.is_string()) {
    const std::string& text = j.get_ref<const std::string&>();
    // Bytes that are not UTF-8 (a refusal quoting a hostile signature's
    // field) become U+FFFD: the ledger refuses such an entry, and with it
    // the batch of other people's events it was written with (attack
    // review of 2026-12-03, F2).
    if (std::any_of(text.begin(), text.end(), [](char c) { return (c & 0x80) != 0; })) {
      j = json::parse(j.dump(-1, ' ', false, json::error_handler_t::replace));
    }
    if (ledger::LooksLikePersonalField(name, j.get_ref<const std::string&>())) {
      j = "[withheld: looked like personal data]";
    }
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      WithholdPersonalData(it.value(), ledger::MemberName(name, it.key()));
    }
  } else if (j.is_array()) {
    for (auto& v : j) WithholdPersonalData(v, {});
  }
}

std::optional<int64_t> ParseId(std::string_view s) {
  if (s.empty() || s.size() > 18 || s[0] == '0') return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

Response Unrecorded() {
  Response r = Fail(503, "the exchange cannot record this right now, so it did not do it",
                    "try again later; its operator has the details in the server log");
  r.headers["Retry-After"] = "60";
  return r;
}

json AccountJson(const Account& a) {
  return {{"id", a.id},
          {"name", a.name},
          {"email", a.email},
          {"role", exchange::RoleName(a.role)},
          {"status", exchange::AccountStatusName(a.status)},
          {"expires_at", FormatUtc(a.expires_at)},
          {"last_login_at", Opt(a.last_login_at)},
          {"last_login_ip", a.last_login_ip},
          {"organisation", a.organisation},
          {"on_call", a.on_call}};
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

static json PlainGrantJson(const exchange::Grant& g, int64_t now) {
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

// A grant on a target adds its target, ticket and approvals so far.
static json TargetGrantJson(const exchange::Grant& g, int64_t now) {
  json j = PlainGrantJson(g, now);
  j["target"] = std::string(g.target());
  j["ticket"] = g.ticket ? json(*g.ticket) : json(nullptr);
  j["approvals"] = g.approvals;
  return j;
}

json GrantJson(const exchange::Grant& g, int64_t now) {
  return g.target().empty() ? PlainGrantJson(g, now) : TargetGrantJson(g, now);
}

bool HasRole(const Api::Call& call, std::initializer_list<Role> roles) {
  for (Role r : roles) {
    if (call.who && call.who->role == r) return true;
    for (Role g : call.granted_roles) {
      if (g == r) return true;
    }
  }
  return false;
}

exchange::OrderFilter FilterFor(const Api::Call& call) {
  if (HasRole(call, {Role::kAuditor})) return {};
  if (call.who->role == Role::kDpo) return {.organisation = call.who->organisation};
  return {.submitter_id = call.who->id};
}

bool MayRead(const exchange::OrderFilter& f, const exchange::StoredOrder& o) {
  return (!f.organisation || *f.organisation == o.organisation) &&
         (!f.submitter_id || *f.submitter_id == o.submitter_id);
}

Response Forbidden(const Account& a, std::string_view needs) {
  return Fail(403, "your role (" + std::string(exchange::RoleName(a.role)) + ") cannot do this",
              "it needs the " + std::string(needs) + " role");
}

std::string SshKeygenVerify(std::string_view email, std::string_view ns, std::string_view file) {
  return "ssh-keygen -Y verify -f allowed_signers -I " + ShellWord(email) + " -n " + ShellWord(ns) +
         " -s " + std::string(file) + ".sig < " + std::string(file);
}

std::string SignedNamespace(std::string_view kind, std::string_view document,
                            std::string_view fallback) {
  const json doc = json::parse(document, nullptr, false);
  if (!doc.is_object() || !doc.contains("exchange") || !doc["exchange"].is_string()) {
    return std::string(fallback);
  }
  auto web = MakeWebPolicy(doc["exchange"].get<std::string>());
  if (!web.ok() || web->rp_id.empty()) return std::string(fallback);
  return std::string(kind) + "@" + web->rp_id;
}

std::string SignerKeyLine(exchange::Db& db, int64_t signer, std::optional<int64_t> passkey_id,
                          std::optional<int64_t> ssh_key_id) {
  if (passkey_id) {
    if (auto keys = exchange::Passkeys(db).ForAccount(signer); keys.ok()) {
      for (const auto& k : *keys) {
        if (k.id == *passkey_id) return k.key.Line();
      }
    }
  } else if (ssh_key_id) {
    if (auto keys = exchange::SshSigningKeys(db).ForAccount(signer); keys.ok()) {
      for (const auto& k : *keys) {
        if (k.id == *ssh_key_id) return k.key.Line();
      }
    }
  }
  return {};
}

std::string ShellWord(std::string_view word) {
  // An e-mail address is checked for an '@' only: it must never become
  // part of a command.
  bool plain = !word.empty();
  for (char c : word) {
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) ||
                      std::string_view("@%+=:,./_-").find(c) != std::string_view::npos);
  }
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::optional<Bytes> Base64UrlField(const json& j, const char* key) {
  auto text = Str(j, key);
  if (!text) return std::nullopt;
  auto bytes = Base64UrlDecode(*text);
  if (!bytes.ok()) return std::nullopt;
  return std::move(*bytes);
}

std::string CookieValue(const Request& r, std::string_view name) {
  const std::string header = r.Header("cookie");
  std::string_view rest = header;
  while (!rest.empty()) {
    const size_t semi = rest.find(';');
    std::string_view pair = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return std::string(pair.substr(eq + 1));
    }
  }
  return {};
}

std::string CsrfToken(std::string_view session_token) {
  static constexpr char kLabel[] = "cordon csrf v1";
  crypto::Sha256 h;
  h.Update(AsBytes(std::string_view(kLabel, sizeof kLabel)));  // the label and its NUL
  h.Update(AsBytes(session_token));
  return Base64UrlEncode(h.Final());
}

std::string SessionCookie(std::string_view token, int64_t max_age_seconds) {
  return std::string(kSessionCookie) + "=" + std::string(token) +
         "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_seconds);
}

std::string Bearer(const Request& r) {
  const std::string h = r.Header("authorization");
  if (h.size() > 7 && (h.rfind("Bearer ", 0) == 0 || h.rfind("bearer ", 0) == 0)) {
    return h.substr(7);
  }
  return {};
}

}  // namespace cordon::serve::api_internal
