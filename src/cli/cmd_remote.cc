// `cordon remote`: the exchange's client. The server's public key is pinned
// per host:port (given with --fingerprint, or confirmed on the terminal at
// first use) and checked on every connection; the session token is kept per
// server in
// ${XDG_CONFIG_HOME:-~/.config}/cordon/remote.json (0600) and lasts what the
// server allows (15 minutes idle, 12 hours at most).
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/file.h"
#include "net/http_client.h"

namespace cordon::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct RemoteArgs {
  std::string server;
  std::string fingerprint;
  bool json = false;
};

std::string StatePath() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  std::string base = xdg && *xdg ? xdg : std::string(home ? home : ".") + "/.config";
  return base + "/cordon/remote.json";
}

json LoadState() {
  auto text = ReadFileLimited(StatePath(), 1 << 20);
  if (!text.ok()) return json::object();
  json j = json::parse(AsChars(*text), nullptr, false);
  return j.is_object() ? j : json::object();
}

Status SaveState(const json& state) {
  const std::string path = StatePath();
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  chmod(fs::path(path).parent_path().c_str(), 0700);
  return WriteFileAtomic(path, AsBytes(state.dump(2) + "\n"), 0600);
}

std::string ServerUrl(const RemoteArgs& a) {
  std::string url = a.server;
  if (url.empty()) {
    const char* env = std::getenv("CORDON_SERVER");
    url = env ? env : "";
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// A connected client with its session token (if logged in).
struct Remote {
  serve::HttpClient client;
  std::string url;
  std::string token;

  serve::HttpClient::Headers Auth() const {
    if (token.empty()) return {};
    return {{"Authorization", "Bearer " + token}};
  }
};

// A key seen for the first time in this run is trusted only when a person
// says it is the one `cordon serve` printed: on the terminal (/dev/tty, not
// stdin, which a script may feed), answering "yes". Without a terminal the
// answer is no.
bool ConfirmedOnTerminal(const std::string& url, const std::string& fingerprint) {
  UniqueFd tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (tty.get() < 0) return false;
  const std::string prompt = "cordon remote: first connection to " + url +
                             ". Its key's SHA-256 fingerprint is\n  " + fingerprint +
                             "\nIs it the one `cordon serve` printed (ask the exchange's admin)? "
                             "Type yes to pin it: ";
  if (::write(tty.get(), prompt.data(), prompt.size()) < 0) return false;
  std::string answer;
  char c = 0;
  while (answer.size() < 16 && ::read(tty.get(), &c, 1) == 1 && c != '\n') answer += c;
  return answer == "yes";
}

// Connects to the exchange, trusting it only through a pin on its public
// key, stored per host:port (docs/exchange.md). A key met for the first time
// must be vouched for (--fingerprint, or confirmed on the terminal) before
// anything is sent: no password, code, enrolment or session token goes to a
// server nobody checked. Pins stored by older versions (the certificate's
// SHA-256, per URL) are upgraded to the key's when they match.
Result<Remote> Connect(const RemoteArgs& a) {
  const std::string url = ServerUrl(a);
  if (url.empty()) {
    return Error(ErrorCode::kInvalidArgument, "which exchange?",
                 "pass --server https://HOST:PORT or set CORDON_SERVER");
  }
  CORDON_ASSIGN_OR_RETURN(serve::ServerEndpoint endpoint, serve::ParseServerUrl(url));
  if (!endpoint.tls && !serve::IsLoopbackHost(endpoint.host)) {
    return Error(ErrorCode::kRefused, url + ": the exchange is reached over https:// only",
                 "plain http:// is for a server on this machine (localhost, 127.0.0.0/8, "
                 "[::1]) only");
  }
  json state = LoadState();
  if (!state["servers"].is_object()) state["servers"] = json::object();
  if (!state["pins"].is_object()) state["pins"] = json::object();
  json& server = state["servers"][url];
  if (!server.is_object()) server = json::object();
  const std::string pin_key = endpoint.PinKey();
  json& pin_entry = state["pins"][pin_key];
  if (!pin_entry.is_object()) pin_entry = json::object();
  const std::string stored = pin_entry.value("key_sha256", "");
  const std::string legacy = stored.empty() ? server.value("fingerprint", "") : "";

  serve::ClientOptions o;
  o.url = url;
  o.timeout = std::chrono::seconds(120);
  if (!a.fingerprint.empty()) {
    o.pin = a.fingerprint;  // the person vouches for it: it replaces a stored pin
  } else if (!stored.empty() || !legacy.empty()) {
    o.pin = stored;
    o.legacy_certificate_pin = legacy;
  } else {
    o.trust = serve::Trust::kFirstUse;
  }
  CORDON_ASSIGN_OR_RETURN(serve::HttpClient client, serve::HttpClient::Connect(o));
  if (endpoint.tls) {
    const std::string& key = client.key_fingerprint();
    if (o.trust == serve::Trust::kFirstUse) {
      if (!ConfirmedOnTerminal(url, key)) {
        return Error(ErrorCode::kRefused,
                     "first connection to " + pin_key + ": its key " + key +
                         " is not confirmed, so nothing was sent",
                     "pass --fingerprint with the key fingerprint `cordon serve` printed (the "
                     "exchange's admin has it), or run on a terminal to confirm it");
      }
      std::cerr << "cordon remote: " << pin_key << " is now pinned to key " << key << "\n";
    } else if (o.pin.empty()) {
      std::cerr << "cordon remote: " << pin_key
                << ": the pinned certificate matched; the pin is now its key's:\n  " << key << "\n";
    }
    if (stored != key || server.contains("fingerprint")) {
      pin_entry = json{{"key_sha256", key}};
      server.erase("fingerprint");
      CORDON_TRY(SaveState(state));
    }
  }
  std::string token = server.value("token", "");
  return Remote{std::move(client), url, std::move(token)};
}

Status SaveToken(const std::string& url, const std::string& token) {
  json state = LoadState();
  if (!state["servers"].is_object()) state["servers"] = json::object();
  if (!state["servers"][url].is_object()) state["servers"][url] = json::object();
  if (token.empty()) {
    state["servers"][url].erase("token");
  } else {
    state["servers"][url]["token"] = token;
  }
  return SaveState(state);
}

// The server's JSON answer, or its error as an Error (status → code).
Result<json> Expect(const Result<serve::ClientResponse>& r, std::initializer_list<int> ok) {
  if (!r.ok()) return r.error();
  json body = json::parse(r->body, nullptr, false);
  for (int s : ok) {
    if (r->status == s) return body.is_discarded() ? json::object() : body;
  }
  std::string message = "the exchange answered " + std::to_string(r->status);
  std::string hint;
  if (body.is_object()) {
    if (body.contains("error") && body["error"].is_string())
      message = body["error"].get<std::string>();
    if (body.contains("hint") && body["hint"].is_string()) hint = body["hint"].get<std::string>();
  }
  ErrorCode code = r->status == 401   ? ErrorCode::kAuthFailed
                   : r->status == 404 ? ErrorCode::kNotFound
                   : r->status == 409 ? ErrorCode::kAlreadyExists
                   : r->status == 413 ? ErrorCode::kLimitExceeded
                   : r->status >= 500 ? ErrorCode::kIo
                                      : ErrorCode::kRefused;
  if (r->status == 401 && hint.empty()) hint = "log in: cordon remote login --email YOU";
  return Error(code, message, hint);
}

Status Done(const Result<json>& r) { return r.ok() ? Status(Ok()) : Status(r.error()); }

// One authenticated GET of a JSON answer.
Result<json> GetJson(const RemoteArgs& a, const std::string& path) {
  CORDON_ASSIGN_OR_RETURN(Remote r, Connect(a));
  return Expect(r.client.Send("GET", path, r.Auth()), {200});
}

// A line from stdin (tests, scripts) or typed without echo (people).
Result<SecretBuffer> ReadSecretLine(const char* prompt, bool from_stdin) {
  const bool tty = isatty(STDIN_FILENO) && !from_stdin;
  termios old{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::cerr << "\n";
  }
  SecretBuffer out = SecretBuffer::CopyOf(AsBytes(line));
  sodium_memzero(line.data(), line.size());
  if (out.size() == 0) return Error(ErrorCode::kInvalidArgument, "no password given");
  return out;
}

std::string Ask(const char* prompt) {
  std::cerr << prompt << std::flush;
  std::string line;
  std::getline(std::cin, line);
  return line;
}

void Print(const RemoteArgs& a, const json& j, const std::function<void()>& human) {
  if (a.json) {
    std::cout << j.dump(2) << "\n";
  } else {
    human();
  }
}

// ---- login, enrolment ----

struct LoginArgs {
  RemoteArgs remote;
  std::string email, code;
  bool password_stdin = false;
};

Status Login(const LoginArgs& a) {
  CORDON_ASSIGN_OR_RETURN(Remote r, Connect(a.remote));
  CORDON_ASSIGN_OR_RETURN(SecretBuffer pw, ReadSecretLine("password: ", a.password_stdin));
  std::string code =
      a.code.empty() ? Ask("code from your authenticator app (or a recovery code): ") : a.code;
  json body = {
      {"email", a.email}, {"password", std::string(AsChars(pw.RevealBytes()))}, {"code", code}};
  std::string text = body.dump();
  body.clear();
  auto sent = r.client.Send("POST", "/api/v1/login", {}, text);
  sodium_memzero(text.data(), text.size());
  CORDON_ASSIGN_OR_RETURN(json j, Expect(sent, {200}));
  CORDON_TRY(SaveToken(r.url, j.value("token", "")));
  std::cerr << "logged in to " << r.url << " as " << j["account"].value("email", "") << " ("
            << j["account"].value("role", "") << "); the session ends after "
            << j.value("idle_timeout_seconds", 900) / 60 << " minutes idle\n";
  return Ok();
}

Status Logout(const RemoteArgs& a) {
  CORDON_ASSIGN_OR_RETURN(Remote r, Connect(a));
  if (!r.token.empty()) (void)r.client.Send("POST", "/api/v1/logout", r.Auth(), "{}");
  return SaveToken(r.url, "");
}

struct EnrolArgs {
  RemoteArgs remote;
  std::string token, code;
  bool password_stdin = false;
};

Status Enrol(const EnrolArgs& a) {
  CORDON_ASSIGN_OR_RETURN(Remote r, Connect(a.remote));
  if (a.code.empty()) {
    CORDON_ASSIGN_OR_RETURN(json j, Expect(r.client.Send("POST", "/api/v1/enrol/begin", {},
                                                         json{{"token", a.token}}.dump()),
                                           {200}));
    Print(a.remote, j, [&] {
      std::cout << "add this account to your authenticator app (scan it as a QR code, or type "
                   "the secret):\n  "
                << j.value("otpauth_uri", "") << "\n  secret: " << j.value("secret", "")
                << "\nthen finish: cordon remote enrol --token TOKEN --code CODE (asks for your "
                   "new password)\n";
    });
    return Ok();
  }
  CORDON_ASSIGN_OR_RETURN(SecretBuffer pw,
                          ReadSecretLine("new password (12+ characters): ", a.password_stdin));
  std::string text = json{
      {"token", a.token},
      {"password", std::string(AsChars(pw.RevealBytes()))},
      {"code", a.code}}.dump();
  auto sent = r.client.Send("POST", "/api/v1/enrol/finish", {}, text);
  sodium_memzero(text.data(), text.size());
  CORDON_ASSIGN_OR_RETURN(json j, Expect(sent, {200}));
  Print(a.remote, j, [&] {
    std::cout << "enrolled. Recovery codes (each works once instead of a code; keep them "
                 "offline):\n";
    for (const auto& c : j["recovery_codes"]) std::cout << "  " << c.get<std::string>() << "\n";
  });
  return Ok();
}

// ---- packages ----

Status Push(const RemoteArgs& a, const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file()) files.push_back(e.path().filename().string());
  }
  if (ec) return Error(ErrorCode::kIo, dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  if (std::find(files.begin(), files.end(), "manifest.json") == files.end()) {
    return Error(ErrorCode::kInvalidArgument, dir + " holds no manifest.json",
                 "push the directory `cordon extract` wrote");
  }
  CORDON_ASSIGN_OR_RETURN(Remote r, Connect(a));
  CORDON_ASSIGN_OR_RETURN(json up,
                          Expect(r.client.Send("POST", "/api/v1/uploads", r.Auth(), "{}"), {201}));
  const std::string id = up.value("upload", "");
  for (const auto& name : files) {
    const std::string path = dir + "/" + name;
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st;
    if (fd.get() < 0 || fstat(fd.get(), &st) != 0) {
      return Error(ErrorCode::kIo, path + ": " + std::strerror(errno));
    }
    const auto size = static_cast<uint64_t>(st.st_size);
    std::cerr << "  " << name << " (" << size << " bytes)\n";
    ProgressLine progress("sending " + name, size);
    CORDON_TRY(
        Done(Expect(r.client.SendFile("PUT", "/api/v1/uploads/" + id + "/files/" + name, r.Auth(),
                                      fd.get(), size, [&](uint64_t n) { progress.Update(n); }),
                    {201})));
  }
  CORDON_ASSIGN_OR_RETURN(
      json p,
      Expect(r.client.Send("POST", "/api/v1/uploads/" + id + "/commit", r.Auth(), "{}"), {201}));
  Print(a, p, [&] {
    std::cout << p.value("id", "") << "\n";
    std::cerr << "package for order " << p.value("order_id", "") << " is on the exchange ("
              << p.value("bytes", 0) << " bytes, deleted by " << p.value("delete_by", "")
              << " at the latest)\n";
  });
  return Ok();
}

Status List(const RemoteArgs& a, bool all) {
  CORDON_ASSIGN_OR_RETURN(json j, GetJson(a, all ? "/api/v1/packages?all=1" : "/api/v1/packages"));
  Print(a, j, [&] {
    for (const auto& p : j["packages"]) {
      std::cout << p.value("id", "") << "  order " << p.value("order_id", "") << "  "
                << p.value("bytes", 0) << " bytes  " << p.value("status", "") << "  delete by "
                << p.value("delete_by", "") << "\n";
    }
  });
  return Ok();
}

Status Pull(const RemoteArgs& a, const std::string& id, const std::string& out) {
  CORDON_ASSIGN_OR_RETURN(Remote r, Connect(a));
  CORDON_ASSIGN_OR_RETURN(json p,
                          Expect(r.client.Send("GET", "/api/v1/packages/" + id, r.Auth()), {200}));
  if (p.value("status", "") != "available") {
    return Error(ErrorCode::kNotFound, "package " + id + " was deleted from the exchange",
                 "its deletion certificate: cordon remote certificate " + id + " -o FILE");
  }
  std::vector<std::string> names = {"manifest.json", "manifest.json.minisig"};
  std::map<std::string, uint64_t> sizes;  // for the progress line
  for (const auto& f : p["files"]) {
    names.push_back(f.value("file", ""));
    sizes[names.back()] = f.value("size", uint64_t{0});
  }
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) return Error(ErrorCode::kIo, out + ": " + ec.message());
  for (const auto& name : names) {
    if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') {
      return Error(ErrorCode::kMalformed, "the exchange named a file \"" + name + "\"");
    }
    CORDON_ASSIGN_OR_RETURN(AtomicFile file,
                            AtomicFile::Create(out + "/" + name, 0600, Overwrite::kRefuse));
    ProgressLine progress("receiving " + name,
                          sizes.count(name) ? std::optional<uint64_t>(sizes[name]) : std::nullopt);
    CORDON_ASSIGN_OR_RETURN(serve::ClientResponse resp,
                            r.client.Fetch("/api/v1/packages/" + id + "/files/" + name, r.Auth(),
                                           file, [&](uint64_t n) { progress.Update(n); }));
    if (resp.status != 200) {
      serve::ClientResponse copy = resp;
      return Done(Expect(copy, {200}));  // the file is discarded, never half-written
    }
    CORDON_TRY(file.Commit());
    std::cerr << "  " << name << "\n";
  }
  std::cerr << "package " << id << " is in " << out << "; open it with: cordon open " << out
            << " -i YOUR-KEY -o DIR\nthen confirm the import so the exchange deletes it: "
               "cordon remote confirm "
            << id << "\n";
  return Ok();
}

Status Confirm(const RemoteArgs& a, const std::string& id, const std::string& out) {
  CORDON_ASSIGN_OR_RETURN(Remote r, Connect(a));
  CORDON_ASSIGN_OR_RETURN(
      json c,
      Expect(r.client.Send("POST", "/api/v1/packages/" + id + "/confirm", r.Auth(), "{}"), {200}));
  if (!out.empty()) {
    CORDON_TRY(WriteFileAtomic(out, AsBytes(c.value("certificate", "")), 0644));
    CORDON_TRY(WriteFileAtomic(out + ".minisig", AsBytes(c.value("signature", "")), 0644));
  }
  Print(a, c, [&] {
    std::cerr << "package " << id << " is deleted from the exchange";
    if (!out.empty()) {
      std::cerr << "; its deletion certificate is in " << out << " (check it: minisign -V -m "
                << out << " -P <the exchange's key>)";
    }
    std::cerr << "\n";
  });
  return Ok();
}

Status Certificate(const RemoteArgs& a, const std::string& id, const std::string& out) {
  CORDON_ASSIGN_OR_RETURN(Remote r, Connect(a));
  CORDON_ASSIGN_OR_RETURN(
      json c,
      Expect(r.client.Send("GET", "/api/v1/packages/" + id + "/certificate", r.Auth()), {200}));
  CORDON_TRY(WriteFileAtomic(out, AsBytes(c.value("certificate", "")), 0644));
  CORDON_TRY(WriteFileAtomic(out + ".minisig", AsBytes(c.value("signature", "")), 0644));
  std::cerr << "deletion certificate of " << id << " in " << out << " and " << out << ".minisig\n";
  return Ok();
}

// ---- grants, review, logins ----

struct GrantArgs {
  RemoteArgs remote;
  std::string package, role, reason, start;
  int64_t hours = 0;
  int64_t id = 0;
};

void PrintGrant(const json& g) {
  std::cout << "grant " << g.value("id", 0) << "  " << g.value("status", "")
            << (g.value("break_glass", false) ? " (break-glass)" : "") << "  package "
            << g.value("package", "").substr(0, 12) << "…  requester " << g.value("requester_id", 0)
            << "  "
            << (g.value("open_now", false) ? "OPEN until " + g.value("closes_at", std::string())
                                           : "closed")
            << "\n";
}

Status GrantRequest(const GrantArgs& a, bool break_glass) {
  CORDON_ASSIGN_OR_RETURN(Remote r, Connect(a.remote));
  if (a.package.empty() == a.role.empty()) {
    return Error(ErrorCode::kInvalidArgument, "give --package ID or --role NAME (one of them)");
  }
  json body = {{"reason", a.reason}, {"duration_hours", a.hours}};
  if (a.role.empty()) {
    body["package"] = a.package;
  } else {
    body["role"] = a.role;
  }
  if (!a.start.empty()) body["start"] = a.start;
  CORDON_ASSIGN_OR_RETURN(
      json g,
      Expect(r.client.Send("POST", break_glass ? "/api/v1/grants/break-glass" : "/api/v1/grants",
                           r.Auth(), body.dump()),
             {201}));
  Print(a.remote, g, [&] {
    PrintGrant(g);
    if (!break_glass) std::cerr << "an approver (not you) must approve it\n";
  });
  return Ok();
}

Status GrantDecide(const GrantArgs& a, const std::string& verb) {
  CORDON_ASSIGN_OR_RETURN(Remote r, Connect(a.remote));
  CORDON_ASSIGN_OR_RETURN(
      json g, Expect(r.client.Send("POST", "/api/v1/grants/" + std::to_string(a.id) + "/" + verb,
                                   r.Auth(), "{}"),
                     {200}));
  Print(a.remote, g, [&] { PrintGrant(g); });
  return Ok();
}

Status GrantList(const RemoteArgs& a) {
  CORDON_ASSIGN_OR_RETURN(json j, GetJson(a, "/api/v1/grants"));
  Print(a, j, [&] {
    for (const auto& g : j["grants"]) PrintGrant(g);
  });
  return Ok();
}

Status Review(const RemoteArgs& a, bool attest) {
  CORDON_ASSIGN_OR_RETURN(Remote r, Connect(a));
  CORDON_ASSIGN_OR_RETURN(json j,
                          Expect(r.client.Send("GET", "/api/v1/reviews/access", r.Auth()), {200}));
  Print(a, j, [&] {
    const json& review = j["review"];
    for (const auto& acc : review["accounts"]) {
      int open = 0;
      for (const auto& g : acc["grants"]) open += g.value("open_now", false) ? 1 : 0;
      std::cout << acc.value("id", 0) << "  " << acc.value("email", "") << "  "
                << acc.value("role", "") << "  " << acc.value("status", "")
                << (acc.value("expired", false) ? " EXPIRED" : "")
                << (acc.value("locked", false) ? " LOCKED" : "") << "  last login "
                << acc.value("last_login_ip", "-") << "  grants " << acc["grants"].size() << " ("
                << open << " open)\n";
    }
    std::cout << "break-glass grants to review: " << review.value("break_glass_to_review", 0)
              << "\nreview sha256 " << j.value("sha256", "") << "\n";
  });
  if (attest) {
    CORDON_TRY(Done(Expect(r.client.Send("POST", "/api/v1/reviews/access/attest", r.Auth(),
                                         json{{"sha256", j.value("sha256", "")}}.dump()),
                           {200})));
    std::cerr << "attested: you reviewed this access list (recorded in the exchange's ledger)\n";
  }
  return Ok();
}

Status Logins(const RemoteArgs& a, bool everyone) {
  CORDON_ASSIGN_OR_RETURN(json j, GetJson(a, everyone ? "/api/v1/logins" : "/api/v1/me/logins"));
  Print(a, j, [&] {
    for (const auto& l : j["logins"]) {
      std::cout << l.value("at", "") << "  account " << l.value("account", 0) << "  "
                << l.value("ip", "") << "  " << l.value("outcome", "") << "  " << l.value("mfa", "")
                << "\n";
    }
  });
  return Ok();
}

void AddRemoteOptions(CLI::App* cmd, RemoteArgs& a) {
  cmd->add_option("--server", a.server, "the exchange, https://HOST:PORT (or $CORDON_SERVER)");
  cmd->add_option("--fingerprint", a.fingerprint,
                  "the SHA-256 of the exchange's public key, as `cordon serve` prints it; "
                  "needed at the first connection to a host:port unless you confirm it on "
                  "the terminal");
  cmd->add_flag("--json", a.json, "print the server's JSON");
}

}  // namespace

void RegisterRemoteCommands(CLI::App& app, int* exit_code) {
  CLI::App* remote = app.add_subcommand(
      "remote",
      "Use an exchange (`cordon serve`): log in, push and pull packages, grants, review.\n"
      "  cordon remote --server https://exchange:8443 login --email you@lab.example\n"
      "  cordon remote push out/             (operator)\n"
      "  cordon remote grant request --package ID --reason 'migration' --hours 8\n"
      "  cordon remote pull ID -o in/ && cordon remote confirm ID -o deleted.json");
  remote->require_subcommand(1);
  auto ra = std::make_shared<RemoteArgs>();
  AddRemoteOptions(remote, *ra);

  auto l = std::make_shared<LoginArgs>();
  CLI::App* login = remote->add_subcommand("login", "Log in (password + authenticator code).");
  login->add_option("--email", l->email, "your account")->required();
  login->add_option("--code", l->code, "the code from your app (asked when missing)");
  login->add_flag("--password-stdin", l->password_stdin, "read the password from stdin");
  login->callback([l, ra, exit_code] {
    l->remote = *ra;
    *exit_code = Finish(Login(*l));
  });
  remote->add_subcommand("logout", "End your session.")->callback([ra, exit_code] {
    *exit_code = Finish(Logout(*ra));
  });

  auto e = std::make_shared<EnrolArgs>();
  CLI::App* enrol = remote->add_subcommand(
      "enrol",
      "Set up your account from the one-time token your admin gave you: first without\n"
      "--code (shows the authenticator secret), then with --code (sets your password).");
  enrol->add_option("--token", e->token, "the enrolment token")->required();
  enrol->add_option("--code", e->code, "a code from your authenticator app");
  enrol->add_flag("--password-stdin", e->password_stdin, "read the new password from stdin");
  enrol->callback([e, ra, exit_code] {
    e->remote = *ra;
    *exit_code = Finish(Enrol(*e));
  });

  auto dir = std::make_shared<std::string>();
  CLI::App* push = remote->add_subcommand("push", "Upload a package made by `cordon extract`.");
  push->add_option("DIR", *dir, "the package directory")->required();
  push->callback([ra, dir, exit_code] { *exit_code = Finish(Push(*ra, *dir)); });

  auto all = std::make_shared<bool>(false);
  CLI::App* list = remote->add_subcommand("list", "Packages on the exchange.");
  list->add_flag("--all", *all, "also deleted ones");
  list->callback([ra, all, exit_code] { *exit_code = Finish(List(*ra, *all)); });

  auto id = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  CLI::App* pull = remote->add_subcommand("pull", "Download a package (needs an open grant).");
  pull->add_option("ID", *id, "the package id")->required();
  pull->add_option("-o,--out", *out, "directory to write it to")->required();
  pull->callback([ra, id, out, exit_code] { *exit_code = Finish(Pull(*ra, *id, *out)); });

  CLI::App* confirm = remote->add_subcommand(
      "confirm", "Confirm the import: the exchange deletes the package and signs a certificate.");
  confirm->add_option("ID", *id, "the package id")->required();
  confirm->add_option("-o,--out", *out, "write the deletion certificate here (and .minisig)");
  confirm->callback([ra, id, out, exit_code] { *exit_code = Finish(Confirm(*ra, *id, *out)); });

  CLI::App* cert = remote->add_subcommand("certificate", "Fetch a package's deletion certificate.");
  cert->add_option("ID", *id, "the package id")->required();
  cert->add_option("-o,--out", *out, "file to write (and .minisig)")->required();
  cert->callback([ra, id, out, exit_code] { *exit_code = Finish(Certificate(*ra, *id, *out)); });

  CLI::App* grant = remote->add_subcommand("grant", "Time-boxed access to a package.");
  grant->require_subcommand(1);
  auto g = std::make_shared<GrantArgs>();
  for (const char* kind : {"request", "break-glass"}) {
    const bool bg = std::string(kind) == "break-glass";
    CLI::App* c = grant->add_subcommand(
        kind, bg ? "Emergency access, open at once; alerts, and must be reviewed by an approver."
                 : "Ask for access to a package (or for a role, for a while); another person\n"
                   "with the approver role approves it.");
    c->add_option("--package", g->package, "the package id")->required(bg);
    if (!bg) {
      c->add_option("--role", g->role,
                    "instead of a package: a role for a while (operator, recipient, auditor)");
    }
    c->add_option("--reason", g->reason, "why (recorded)")->required();
    c->add_option("--hours", g->hours, "how long the grant stays open")->required();
    if (!bg) c->add_option("--start", g->start, "a later opening, YYYY-MM-DDTHH:MM:SSZ");
    c->callback([ra, g, bg, exit_code] {
      g->remote = *ra;
      *exit_code = Finish(GrantRequest(*g, bg));
    });
  }
  for (const char* verb : {"approve", "deny", "revoke", "review"}) {
    CLI::App* c = grant->add_subcommand(verb, std::string(verb) + " a grant (approver)");
    c->add_option("ID", g->id, "the grant id")->required();
    c->callback([ra, g, verb, exit_code] {
      g->remote = *ra;
      *exit_code = Finish(GrantDecide(*g, verb));
    });
  }
  grant->add_subcommand("list", "Your grants (approvers and auditors: everyone's).")
      ->callback([ra, exit_code] { *exit_code = Finish(GrantList(*ra)); });

  auto attest = std::make_shared<bool>(false);
  CLI::App* review = remote->add_subcommand(
      "review", "The access review: every account, role, end date, last login, grants.");
  review->add_flag("--attest", *attest, "record that you (an approver) reviewed it");
  review->callback([ra, attest, exit_code] { *exit_code = Finish(Review(*ra, *attest)); });

  auto everyone = std::make_shared<bool>(false);
  CLI::App* logins = remote->add_subcommand("logins", "Your login history.");
  logins->add_flag("--all", *everyone, "everyone's (auditors)");
  logins->callback([ra, everyone, exit_code] { *exit_code = Finish(Logins(*ra, *everyone)); });
}

}  // namespace cordon::cli
