#include "serve/config.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <thread>
#include <utility>

#include "age/keys.h"
#include "core/strings.h"
#include "core/toml.h"  // the configuration is checked to be ASCII first
#include "serve/mail.h"

namespace cordon::serve {
namespace {

class Reader {
 public:
  explicit Reader(const std::string& file) : file_(file) {}

  Error Problem(const toml::source_region& where, const std::string& message,
                std::string hint = {}) const {
    return Error(ErrorCode::kInvalidArgument,
                 file_ + " line " + std::to_string(where.begin.line) + ": " + message,
                 std::move(hint));
  }

  // Every key of `table` must be one of `known`.
  Status OnlyKnown(const toml::table& table, std::initializer_list<std::string_view> known,
                   const std::string& where) const {
    for (const auto& [key, node] : table) {
      bool ok = false;
      for (auto k : known) ok = ok || key.str() == k;
      if (!ok) {
        std::string list;
        for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        return Problem(node.source(), "unknown key \"" + std::string(key.str()) + "\" in " + where,
                       "known keys: " + list);
      }
    }
    return Ok();
  }

  Status String(const toml::table& t, const char* key, std::optional<std::string>& out) const {
    const toml::node* n = t.get(key);
    if (!n) return Ok();
    const auto* s = n->as_string();
    if (!s) return Problem(n->source(), std::string(key) + " must be a string (in quotes)");
    out = s->get();
    return Ok();
  }

  Status Bool(const toml::table& t, const char* key, std::optional<bool>& out) const {
    const toml::node* n = t.get(key);
    if (!n) return Ok();
    const auto* b = n->as_boolean();
    if (!b) return Problem(n->source(), std::string(key) + " must be true or false");
    out = b->get();
    return Ok();
  }

  // An integer in [lo, hi] times `unit` into `out`.
  template <class T>
  Status Int(const toml::table& t, const char* key, int64_t lo, int64_t hi, int64_t unit,
             T& out) const {
    const toml::node* n = t.get(key);
    if (!n) return Ok();
    const auto* i = n->as_integer();
    if (!i || i->get() < lo || i->get() > hi) {
      return Problem(n->source(), std::string(key) + " must be a whole number from " +
                                      std::to_string(lo) + " to " + std::to_string(hi));
    }
    out = static_cast<T>(i->get() * unit);
    return Ok();
  }

  const toml::table* Section(const toml::table& root, const char* name, Status& status) const {
    const toml::node* n = root.get(name);
    if (!n) return nullptr;
    const auto* t = n->as_table();
    if (!t) status = Problem(n->source(), std::string("[") + name + "] must be a table");
    return t;
  }

 private:
  std::string file_;
};

}  // namespace

Result<ServeConfig> ParseServeConfig(std::string_view text, const std::string& file) {
  if (const int line = FirstNonPlainAsciiLine(text); line != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 file + " line " + std::to_string(line) +
                     ": only plain ASCII text is accepted in the configuration");
  }
  toml::parse_result parsed = toml::parse(text, file);
  if (!parsed) {
    const auto& e = parsed.error();
    return Error(ErrorCode::kInvalidArgument,
                 file + " line " + std::to_string(e.source().begin.line) +
                     ": not valid TOML: " + std::string(e.description()));
  }
  const toml::table& root = parsed.table();
  Reader r(file);
  ServeConfig c;
  CORDON_TRY(r.OnlyKnown(root,
                         {"listen", "workers", "tls", "alerts", "accounts", "grants", "defender",
                          "packages", "uploads", "connections", "remote", "web", "mail"},
                         "the configuration"));
  CORDON_TRY(r.String(root, "listen", c.listen));
  CORDON_TRY(r.Int(root, "workers", 1, 64, 1, c.workers));
  Status section_status = Ok();
  if (const auto* t = r.Section(root, "tls", section_status)) {
    CORDON_TRY(r.OnlyKnown(*t, {"cert", "key"}, "[tls]"));
    CORDON_TRY(r.String(*t, "cert", c.tls_cert));
    CORDON_TRY(r.String(*t, "key", c.tls_key));
  }
  CORDON_TRY(section_status);
  if (const auto* t = r.Section(root, "alerts", section_status)) {
    CORDON_TRY(r.OnlyKnown(*t, {"file", "syslog", "webhook", "download_mib_per_hour"}, "[alerts]"));
    CORDON_TRY(r.String(*t, "file", c.alerts_file));
    CORDON_TRY(r.Bool(*t, "syslog", c.syslog));
    CORDON_TRY(r.String(*t, "webhook", c.webhook));
    CORDON_TRY(r.Int(*t, "download_mib_per_hour", 0, int64_t{1} << 30, 1, c.download_alert_mib));
  }
  CORDON_TRY(section_status);
  if (const auto* t = r.Section(root, "accounts", section_status)) {
    CORDON_TRY(r.OnlyKnown(*t,
                           {"session_idle_minutes", "session_max_hours", "failures_before_delay",
                            "failures_before_lock", "max_delay_minutes", "idle_lock_days"},
                           "[accounts]"));
    auto& a = c.accounts;
    // ASVS L3 bounds: sessions idle at most 30 minutes, live at most 12 hours.
    CORDON_TRY(r.Int(*t, "session_idle_minutes", 1, 30, 60, a.session_idle_seconds));
    CORDON_TRY(r.Int(*t, "session_max_hours", 1, 12, 3600, a.session_absolute_seconds));
    // NIST SP 800-63B: at most 100 consecutive failures before a lock.
    CORDON_TRY(r.Int(*t, "failures_before_delay", 3, 10, 1, a.failures_before_delay));
    CORDON_TRY(r.Int(*t, "failures_before_lock", 10, 100, 1, a.failures_before_lock));
    CORDON_TRY(r.Int(*t, "max_delay_minutes", 1, 60, 60, a.max_delay_seconds));
    CORDON_TRY(r.Int(*t, "idle_lock_days", 1, 365, 86400, a.idle_account_seconds));
  }
  CORDON_TRY(section_status);
  if (const auto* t = r.Section(root, "grants", section_status)) {
    CORDON_TRY(r.OnlyKnown(*t, {"max_hours", "max_break_glass_hours"}, "[grants]"));
    CORDON_TRY(r.Int(*t, "max_hours", 1, 24 * 14, 3600, c.grants.max_duration_seconds));
    CORDON_TRY(r.Int(*t, "max_break_glass_hours", 1, 24, 3600, c.grants.max_break_glass_seconds));
  }
  CORDON_TRY(section_status);
  if (const auto* t = r.Section(root, "defender", section_status)) {
    CORDON_TRY(r.OnlyKnown(
        *t, {"failures_before_ban", "window_minutes", "first_ban_minutes", "max_ban_hours"},
        "[defender]"));
    auto& d = c.defender;
    CORDON_TRY(r.Int(*t, "failures_before_ban", 3, 1000, 1, d.failures_before_ban));
    CORDON_TRY(r.Int(*t, "window_minutes", 1, 24 * 60, 60, d.window_seconds));
    CORDON_TRY(r.Int(*t, "first_ban_minutes", 1, 24 * 60, 60, d.first_ban_seconds));
    CORDON_TRY(r.Int(*t, "max_ban_hours", 1, 24 * 30, 3600, d.max_ban_seconds));
  }
  CORDON_TRY(section_status);
  if (const auto* t = r.Section(root, "packages", section_status)) {
    CORDON_TRY(r.OnlyKnown(*t, {"max_retention_days"}, "[packages]"));
    CORDON_TRY(r.Int(*t, "max_retention_days", 1, 3650, 1, c.max_retention_days));
  }
  CORDON_TRY(section_status);
  if (const auto* t = r.Section(root, "uploads", section_status)) {
    CORDON_TRY(r.OnlyKnown(*t, {"max_staged_mib", "min_free_mib"}, "[uploads]"));
    CORDON_TRY(r.Int(*t, "max_staged_mib", 1, int64_t{1} << 30, 1, c.max_staged_mib));
    CORDON_TRY(r.Int(*t, "min_free_mib", 0, int64_t{1} << 30, 1, c.min_free_mib));
  }
  CORDON_TRY(section_status);
  if (const auto* t = r.Section(root, "connections", section_status)) {
    CORDON_TRY(r.OnlyKnown(*t, {"per_address", "trusted_proxies"}, "[connections]"));
    CORDON_TRY(r.Int(*t, "per_address", 1, 4096, 1, c.per_address));
    if (const auto* list = t->get("trusted_proxies")) {
      const auto* array = list->as_array();
      if (array == nullptr) {
        return r.Problem(list->source(),
                         "trusted_proxies: a list of address blocks, e.g. [\"10.0.0.5/32\"]");
      }
      for (const auto& item : *array) {
        const auto* block = item.as_string();
        if (block == nullptr || !exchange::NormalizeAllowList({block->get()}).ok()) {
          return r.Problem(list->source(),
                           "trusted_proxies: each entry is an address or CIDR block");
        }
        c.trusted_proxies.push_back(block->get());
      }
    }
  }
  CORDON_TRY(section_status);
  if (const auto* t = r.Section(root, "mail", section_status)) {
    CORDON_TRY(r.OnlyKnown(*t, {"relay", "from", "ca_file", "user", "password_file"}, "[mail]"));
    std::optional<std::string> relay, from, ca_file, user, password_file;
    CORDON_TRY(r.String(*t, "relay", relay));
    CORDON_TRY(r.String(*t, "from", from));
    CORDON_TRY(r.String(*t, "ca_file", ca_file));
    CORDON_TRY(r.String(*t, "user", user));
    CORDON_TRY(r.String(*t, "password_file", password_file));
    if (!relay || !from) {
      return r.Problem(t->source(),
                       "[mail] needs relay = \"smtp://host:port\" and from = "
                       "\"address@domain\"");
    }
    if (user.has_value() != password_file.has_value())
      return r.Problem(t->source(), "[mail]: give both user and password_file, or neither");
    if ((user && user->empty()) || (password_file && password_file->empty()) ||
        (ca_file && ca_file->empty())) {
      return r.Problem(t->source(), "[mail]: an empty user, password_file or ca_file",
                       "remove the key rather than leave it empty");
    }
    c.mail = {*relay, *from, ca_file.value_or(""), user.value_or(""), password_file.value_or("")};
  }
  CORDON_TRY(section_status);
  if (const auto* t = r.Section(root, "web", section_status)) {
    CORDON_TRY(r.OnlyKnown(*t, {"origin"}, "[web]"));
    std::optional<std::string> origin;
    CORDON_TRY(r.String(*t, "origin", origin));
    if (!origin) return r.Problem(t->source(), "[web] needs origin = \"https://host\"");
    auto web = MakeWebPolicy(*origin);
    if (!web.ok()) return r.Problem(t->source(), "[web]: " + web.error().message());
    c.web = *web;
  }
  CORDON_TRY(section_status);
  if (const auto* t = r.Section(root, "remote", section_status)) {
    CORDON_TRY(
        r.OnlyKnown(*t,
                    {"bastion_principal", "bastion_address", "bastion_source_address",
                     "recording_recipients", "certificate_hours", "recording_retention_days"},
                    "[remote]"));
    std::optional<std::string> v;
    CORDON_TRY(r.String(*t, "bastion_principal", v));
    if (v) {
      bool ok = !v->empty() && v->size() <= 32;
      for (char ch : *v)
        ok = ok &&
             (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-');
      if (!ok) {
        return r.Problem(t->get("bastion_principal")->source(),
                         "bastion_principal: a login name (letters, digits, '.', '_', '-')");
      }
      c.remote.bastion_principal = *v;
    }
    v.reset();
    CORDON_TRY(r.String(*t, "bastion_address", v));
    if (v) c.remote.bastion_address = *v;
    v.reset();
    CORDON_TRY(r.String(*t, "bastion_source_address", v));
    if (v) {
      std::vector<std::string> blocks;
      for (size_t at = 0; at <= v->size();) {
        const size_t comma = v->find(',', at);
        blocks.push_back(v->substr(at, comma - at));
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
      auto list = exchange::NormalizeAllowList(blocks);
      if (!list.ok()) {
        return r.Problem(t->get("bastion_source_address")->source(),
                         "bastion_source_address: the bastion's address(es) as the targets see "
                         "it, e.g. \"10.1.0.5/32\"");
      }
      c.remote.bastion_source_address = *list;
    }
    CORDON_TRY(r.Int(*t, "certificate_hours", 1, 8, 3600, c.remote.max_certificate_seconds));
    CORDON_TRY(r.Int(*t, "recording_retention_days", 1, 3650, 86400,
                     c.remote.recording_retention_seconds));
    if (const auto* list = t->get("recording_recipients")) {
      const auto* array = list->as_array();
      if (array == nullptr) {
        return r.Problem(list->source(), "recording_recipients: a list of age1... recipients");
      }
      for (const auto& item : *array) {
        const auto* recipient = item.as_string();
        if (recipient == nullptr || !age::X25519Recipient::Parse(recipient->get()).ok()) {
          return r.Problem(list->source(),
                           "recording_recipients: each entry is an age recipient (age1...)");
        }
        c.remote.recording_recipients.push_back(recipient->get());
      }
    }
  }
  CORDON_TRY(section_status);
  return c;
}

namespace {

Result<std::pair<std::string, uint16_t>> SplitListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Error(ErrorCode::kInvalidArgument, "--listen " + listen + ": write ADDRESS:PORT",
                 "e.g. 127.0.0.1:8443, 0.0.0.0:443 or [::]:8443");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  char* end = nullptr;
  const long port = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) {
    return Error(ErrorCode::kInvalidArgument, "--listen " + listen + ": bad port");
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost";
}

// The flag when given, else the configuration's value, else `fallback`.
template <class T>
T Pick(const std::optional<T>& flag, const std::optional<T>& from_config, T fallback) {
  if (flag) return *flag;
  if (from_config) return *from_config;
  return fallback;
}

}  // namespace

int DefaultWorkers() {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(4 * cores, 4, 16);  // 0 (unknown) gives 4
}

Result<ServeOptions> ResolveServeOptions(const ServeConfig& config, const ServeFlags& flags) {
  if (flags.data.empty()) {
    return Error(ErrorCode::kInvalidArgument, "--data DIR is required",
                 "the exchange's data directory (created 0700)");
  }
  ServeOptions o;
  o.data_dir = flags.data;
  CORDON_ASSIGN_OR_RETURN(
      auto where, SplitListen(Pick(flags.listen, config.listen, std::string("127.0.0.1:8443"))));
  o.host = where.first == "localhost" ? "127.0.0.1" : where.first;
  o.port = where.second;
  o.workers = Pick(flags.workers, config.workers, DefaultWorkers());
  if (flags.insecure_http) {
    if (!IsLoopback(o.host)) {
      return Error(ErrorCode::kRefused,
                   "--insecure-http listens on loopback only (" + o.host + " is not)",
                   "put a TLS reverse proxy in front and listen on 127.0.0.1, or drop "
                   "--insecure-http");
    }
    o.tls = false;
  }
  // X-Forwarded-For is believed only from these peers (review F19).
  CORDON_ASSIGN_OR_RETURN(
      o.trusted_proxies,
      exchange::NormalizeAllowList(flags.trusted_proxies.empty() ? config.trusted_proxies
                                                                 : flags.trusted_proxies));
  if (config.per_address) o.max_connections_per_address = static_cast<size_t>(*config.per_address);
  o.tls_cert = flags.tls_cert ? *flags.tls_cert : config.tls_cert.value_or("");
  o.tls_key = flags.tls_key ? *flags.tls_key : config.tls_key.value_or("");
  if (o.tls && o.tls_cert.empty() != o.tls_key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "give both --tls-cert and --tls-key");
  }

  o.alerts.file = Pick(flags.alerts_file, config.alerts_file, flags.data + "/alerts.jsonl");
  o.alerts.syslog = !flags.no_syslog && config.syslog.value_or(true);
  o.alerts.webhook = flags.webhook ? *flags.webhook : config.webhook.value_or("");

  o.mail = config.mail;
  if (flags.smtp_relay) o.mail.relay = *flags.smtp_relay;
  if (flags.mail_from) o.mail.from = *flags.mail_from;
  if (flags.smtp_ca_file) o.mail.ca_file = *flags.smtp_ca_file;
  if (o.mail.on() && !IsMailAddress(o.mail.from)) {
    return Error(ErrorCode::kInvalidArgument,
                 o.mail.from.empty()
                     ? "a mail relay needs a sender address"
                     : "the mail sender \"" + o.mail.from + "\" is not a plain e-mail address",
                 "--mail-from cordon@vendor.example (or from = in [mail])");
  }
  if (!o.mail.on() && (!o.mail.from.empty() || !o.mail.ca_file.empty())) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(o.mail.from.empty() ? "a relay's CA file" : "a mail sender") +
                     " without a relay sends nothing",
                 "add --smtp-relay smtp://HOST:PORT (or relay = in [mail])");
  }

  ApiOptions& api = o.api;
  api.data_dir = flags.data;
  api.download_alert_bytes =
      Pick(flags.download_alert_mib, config.download_alert_mib, uint64_t{10240}) << 20;
  api.accounts = config.accounts;
  api.grants = config.grants;
  api.defender = config.defender;
  api.remote = config.remote;
  api.web = config.web;
  if (config.max_retention_days) api.retention.max_days = *config.max_retention_days;
  if (config.max_staged_mib) api.max_staged_bytes = *config.max_staged_mib << 20;
  if (config.min_free_mib) api.min_free_bytes = *config.min_free_mib << 20;
  return o;
}

}  // namespace cordon::serve
